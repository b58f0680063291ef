from django.urls import path

from govapp.oversight.overlap import views

urlpatterns = [
    path("", views.index, name="index"),
    path("run/", views.run, name="run"),
    path("export.xlsx", views.export, name="export"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("cases/", views.cases, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("check/", views.check, name="check"),
    path("check/<str:number>/", views.check_detail, name="check_detail"),
]
