from django.urls import path

from govapp.oversight.campaigns import views

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_new, name="new"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/assign/", views.campaign_assign, name="assign"),
    path("<int:pk>/close/", views.campaign_close, name="close"),
    path("<int:pk>/report/", views.campaign_report, name="report"),
    path("<int:pk>/report.xlsx", views.campaign_report_xlsx, name="report_xlsx"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("apps/<int:app_pk>/using-units/", views.using_units, name="using_units"),
]
