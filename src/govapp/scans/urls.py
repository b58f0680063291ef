from django.urls import path

from govapp.scans import views as scan_views

urlpatterns = [
    path("", scan_views.scan_list, name="list"),
    path("upload/", scan_views.scan_upload, name="upload"),
    path("rescan-outdated/", scan_views.scan_rescan_outdated, name="rescan-outdated"),
    path("<int:scan_id>/", scan_views.scan_detail, name="detail"),
    path("<int:scan_id>/status/", scan_views.scan_status, name="status"),
    path("<int:scan_id>/retry/", scan_views.scan_retry, name="retry"),
    path("<int:scan_id>/adopt-identity/", scan_views.scan_adopt_identity, name="adopt-identity"),
]
