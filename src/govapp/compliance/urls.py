from django.urls import path

from govapp.compliance import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("findings/", views.finding_list, name="findings"),
    path("rules/", views.rule_list, name="rules"),
    path("apps/<int:app_id>/", views.app_detail, name="app"),
    path("apps/<int:app_id>/evaluate/", views.app_evaluate, name="app_evaluate"),
    path("apps/<int:app_id>/exemptions/", views.exemption_request, name="exemption_request"),
    path("apps/<int:app_id>/orders/", views.order_issue, name="order_issue"),
    path("exemptions/", views.exemption_list, name="exemptions"),
    path("exemptions/<int:pk>/", views.exemption_detail, name="exemption"),
    path("exemptions/<int:pk>/document/", views.exemption_document, name="exemption_document"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("penalties/", views.penalty_list, name="penalties"),
    path("penalties/<int:pk>/", views.penalty_detail, name="penalty"),
    path("penalties/<int:pk>/notice/<str:kind>.xlsx", views.penalty_notice, name="penalty_notice"),
    path("spot-checks/", views.spotcheck_list, name="spotchecks"),
    path("spot-checks/<int:pk>/", views.spotcheck_detail, name="spotcheck"),
    path("spot-checks/items/<int:pk>/", views.spotcheck_record, name="spotcheck_record"),
    path("bulletins/", views.bulletin_list, name="bulletins"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin"),
    path("bulletins/new/", views.bulletin_new, name="bulletin_new"),
]
