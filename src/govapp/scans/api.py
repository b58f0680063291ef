"""API for package scans: upload, read facts, retry.  Mounted at /api/v1/scans."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from govapp.core.errors import NotFound
from govapp.core.pagination import ApiPagination
from govapp.core.permissions import restrict
from govapp.scans.models import PackageScan
from govapp.scans.selectors import scans_for
from govapp.scans.services import package_scan_create, package_scan_retry

router = Router(tags=["scans"])


class ScanOut(Schema):
    id: int
    app_id: int | None
    application_id: int | None
    file_name: str
    sha256: str
    size: int
    status: str
    attempts: int
    kind: str
    package: str
    error: str
    error_code: str
    scanner_version: str
    identity_check: Any = None
    created_at: dt.datetime
    finished_at: dt.datetime | None


class ScanDetailOut(ScanOut):
    facts: Any = None


# The operation ids the OpenAPI document gave these endpoints before scans left compliance
# (ninja derives them from the module path); generated clients keep their method names.
_OP = "govapp_compliance_scan_api_"


@router.post(
    "", response={201: ScanOut}, summary="上传安装包并排队检测", operation_id=_OP + "upload"
)
def upload(
    request: HttpRequest,
    app_id: Form[int],
    package: File[UploadedFile],
    application_id: Form[int | None] = None,
) -> Status[PackageScan]:
    from govapp.registry.models import App, Application

    app = (
        restrict(App.objects.select_related("hosting_unit"), request.user, "view")
        .filter(pk=app_id)
        .first()
    )
    if app is None:
        raise NotFound(_("未找到该应用，或不在您的管辖范围内。"))
    application = None
    if application_id is not None:
        application = (
            restrict(Application.objects.all(), request.user, "view")
            .filter(pk=application_id, app=app)
            .first()
        )
        if application is None:
            raise NotFound(_("未找到该申请。"))
    scan = package_scan_create(
        actor=request.user,
        unit=app.hosting_unit,
        upload=package,
        app=app,
        application=application,
    )
    return Status(201, scan)


@router.get("", response=list[ScanOut], summary="可见的检测记录", operation_id=_OP + "scan_list")
@paginate(ApiPagination)
def scan_list(request: HttpRequest, q: str = "", status: str = "") -> Any:
    return scans_for(request.user, q=q, status=status)


@router.get(
    "/{scan_id}",
    response=ScanDetailOut,
    summary="检测结果（govapp.scan/1 facts）",
    operation_id=_OP + "scan_detail",
)
def scan_detail(request: HttpRequest, scan_id: int) -> PackageScan:
    scan = restrict(PackageScan.objects.all(), request.user, "view").filter(pk=scan_id).first()
    if scan is None:
        raise NotFound(_("未找到该检测记录，或不在您的管辖范围内。"))
    return scan


@router.post(
    "/{scan_id}/retry", response=ScanOut, summary="重新检测", operation_id=_OP + "scan_retry"
)
def scan_retry(request: HttpRequest, scan_id: int) -> PackageScan:
    scan = restrict(PackageScan.objects.all(), request.user, "view").filter(pk=scan_id).first()
    if scan is None:
        raise NotFound(_("未找到该检测记录，或不在您的管辖范围内。"))
    return package_scan_retry(actor=request.user, scan=scan)
