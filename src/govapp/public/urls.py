from django.urls import path

from govapp.public import views

urlpatterns = [
    path("", views.search, name="search"),
    path("apps/<str:filing_number>/", views.app_detail, name="app"),
    path("verify/", views.verify_view, name="verify"),
]
