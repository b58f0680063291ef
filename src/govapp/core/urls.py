from django.urls import path

from govapp.core import views

urlpatterns = [
    path("calendar/", views.calendar_view, name="calendar"),
]
