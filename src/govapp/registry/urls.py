from django.urls import path

from govapp.registry import views

urlpatterns = [
    path("apps/", views.app_list, name="apps"),
    path("apps/new/", views.app_create, name="app_create"),
    path("apps/<int:pk>/", views.app_detail, name="app"),
    path("apps/<int:pk>/badge/", views.app_badge, name="app_badge"),
    path("apps/<int:pk>/identities/", views.app_identities, name="app_identities"),
    path("apps/<int:pk>/apply/", views.app_apply, name="app_apply"),
    path("apps/<int:pk>/shutdown/", views.app_shutdown, name="app_shutdown"),
    path("apps/<int:pk>/offline/", views.app_offline, name="app_offline"),
    path("apps/<int:pk>/shutdown-order/", views.app_shutdown_order, name="app_shutdown_order"),
    path("applications/", views.application_list, name="applications"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/act/<slug:action>/", views.application_act, name="application_act"),
    path("applications/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("queue/", views.review_queue, name="queue"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
]

# --- Legacy inventory, part B ---
from govapp.registry import legacy_views  # noqa: E402

urlpatterns += [
    path("legacy/", legacy_views.legacy_list, name="legacy"),
    path("legacy/import/", legacy_views.legacy_import_view, name="legacy_import"),
    path("legacy/template.csv", legacy_views.legacy_template, name="legacy_template"),
    path("legacy/rematch/", legacy_views.legacy_rematch_view, name="legacy_rematch"),
]
