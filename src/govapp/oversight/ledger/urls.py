from django.urls import path

from govapp.oversight.ledger import views

urlpatterns = [
    path("", views.demand_list, name="list"),
    path("new/", views.demand_new, name="new"),
    path("check/", views.public_check, name="check"),
    path("queue/", views.queue, name="queue"),
    path("burden/", views.burden, name="burden"),
    path("import/", views.import_view, name="import"),
    path("import/template.csv", views.import_template, name="template"),
    path("export.xlsx", views.export_xlsx, name="export"),
    path("dictionary/", views.dictionary, name="dictionary"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("<int:pk>/", views.demand_detail, name="detail"),
    path("<int:pk>/edit/", views.demand_edit, name="edit"),
    path("<int:pk>/propose/", views.demand_propose, name="propose"),
    path("<int:pk>/revise/", views.demand_revise, name="revise"),
    path("<int:pk>/withdraw/", views.demand_withdraw, name="withdraw"),
]
