from django.urls import path

from govapp.oversight.usage import views

urlpatterns = [
    path("", views.index, name="index"),
    path("apps/<int:pk>/", views.app_detail, name="app"),
    path("apps/<int:pk>/exempt/", views.exemption_grant, name="exempt"),
    path("apps/<int:pk>/retire/", views.case_open, name="case_open"),
    path("exemptions/<int:pk>/revoke/", views.exemption_revoke, name="exemption_revoke"),
    path("import/", views.import_returns, name="import"),
    path("import/template.csv", views.import_template, name="import_template"),
    path("low-use/", views.lowuse, name="lowuse"),
    path("criteria/", views.criteria, name="criteria"),
    path("cases/", views.cases, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/evidence/", views.case_evidence, name="case_evidence"),
    path("unfiled/", views.unfiled, name="unfiled"),
    path("export.xlsx", views.export, name="export"),
    path("rate/<str:key>/", views.rate, name="rate"),
]
