from django.urls import path

from govapp.reports import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("map/", views.map_view, name="map"),
    path("map/data.json", views.map_data, name="map_data"),
    path("scorecard/", views.scorecard_view, name="scorecard"),
    path("list/", views.drill, name="drill"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>.xlsx", views.report_xlsx, name="report_xlsx"),
]
