from django.urls import path

from govapp.complaints import views

urlpatterns = [
    path("", views.report, name="report"),
    path("apps/", views.app_search, name="app_search"),
    path("follow/", views.follow, name="follow"),
    path("app/<str:key>/", views.app_embed, name="app_embed"),
    path("manage/", views.manage, name="manage"),
    path("manage/stats/", views.stats, name="stats"),
    path("manage/<int:pk>/", views.detail, name="detail"),
    path("manage/<int:pk>/evidence/<int:eid>/", views.evidence_file, name="evidence"),
    path("unit/", views.unit, name="unit"),
    path("unit/requests/<int:pk>/", views.explanation, name="explanation"),
]
