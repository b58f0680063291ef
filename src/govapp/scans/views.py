"""Pages for uploading packages and reading what the scanner found."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from govapp.core import wiring
from govapp.core.errors import GovappError
from govapp.core.errors import message as error_message
from govapp.core.pagination import page_of
from govapp.core.permissions import can, get_restricted_or_404, has_role, restrict
from govapp.core.tasks import resolve
from govapp.scans.forms import ScanUploadForm
from govapp.scans.identity import KIND_PLATFORMS, identity_check
from govapp.scans.models import PackageScan, ScanStatus
from govapp.scans.selectors import facts_view, scans_for
from govapp.scans.services import (
    package_scan_create,
    package_scan_rescan_outdated,
    package_scan_retry,
    scanner_version,
)


@login_required
def scan_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    qs = scans_for(request.user, q=q, status=status if status in ScanStatus.values else "")
    page = page_of(request, qs, 30)
    outdated = (
        qs.exclude(scanner_version=scanner_version())
        .filter(status__in=[ScanStatus.DONE, ScanStatus.FAILED])
        .count()
    )
    return render(
        request,
        "scans/scan_list.html",
        {
            "page": page,
            "q": q,
            "status": status,
            "statuses": ScanStatus.choices,
            "outdated": outdated,
            "can_rescan_all": has_role(request.user, "national_regulator")
            or has_role(request.user, "provincial_cac_reviewer"),
            "query": f"q={q}&status={status}",
            "version": scanner_version(),
            "can_upload": _apps_for_upload(request.user).exists(),
        },
    )


def _is_id(value: str) -> bool:
    """ASCII digits only: str.isdigit() is also true for "²", which int() rejects."""
    return value.isascii() and value.isdigit()


def _apps_for_upload(user: Any) -> Any:
    from govapp.registry.models import App

    return restrict(App.objects.select_related("hosting_unit"), user, "change").order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def scan_upload(request: HttpRequest) -> HttpResponse:
    from govapp.registry.models import Application

    apps = _apps_for_upload(request.user)
    posted = request.method == "POST"
    form = ScanUploadForm(request.POST if posted else request.GET, request.FILES or None)
    chosen = form.cleaned_data if form.is_valid() else {}
    app_id = str(chosen.get("app") or "").strip()
    application_id = str(chosen.get("application") or "").strip()
    errors: list[str] = []
    if posted:
        upload = chosen.get("package")
        app = apps.filter(pk=app_id).first() if _is_id(app_id) else None
        application = None
        if _is_id(application_id):
            application = (
                restrict(Application.objects.all(), request.user, "change")
                .filter(pk=application_id)
                .first()
            )
            if application is not None:
                app = application.app
        if app is None:
            errors.append(_("请选择要上传安装包的应用。"))
        if upload is None:
            errors.append(_("请选择安装包文件（APK、AAB、HAP、APP、RPK、IPA 或小程序 ZIP）。"))
        if not errors and app is not None and upload is not None:
            try:
                scan = package_scan_create(
                    actor=request.user,
                    unit=app.hosting_unit,
                    upload=upload,
                    app=app,
                    application=application,
                )
            except GovappError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, _("安装包已上传，正在排队检测。"))
                return redirect("scans:detail", scan.pk)
    return render(
        request,
        "scans/scan_upload.html",
        {
            "apps": apps[:500],
            "app_id": app_id,
            "application_id": application_id,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
def scan_detail(request: HttpRequest, scan_id: int) -> HttpResponse:
    scan = get_restricted_or_404(
        PackageScan.objects.select_related("hosting_unit", "app", "application"),
        request.user,
        "view",
        pk=scan_id,
    )
    # checked against the identities declared NOW, not when the scan ran
    check = identity_check(scan.facts, scan.app) if scan.facts else None
    return render(
        request,
        "scans/scan_detail.html",
        {
            "scan": scan,
            "f": facts_view(scan.facts),
            "check": check,
            "outdated": scan.scanner_version and scan.scanner_version != scanner_version(),
            "adopt": _adoptable(request.user, scan),
            "kind_label": KIND_LABELS.get(scan.kind, scan.kind),
        },
    )


KIND_LABELS = {
    "apk": gettext_lazy("安卓安装包（APK）"),
    "aab": gettext_lazy("安卓应用包（AAB）"),
    "hap": gettext_lazy("鸿蒙安装包（HAP）"),
    "app": gettext_lazy("鸿蒙应用包（APP）"),
    "ipa": gettext_lazy("iOS 安装包（IPA）"),
    "rpk": gettext_lazy("快应用包（RPK）"),
    "quickapp": gettext_lazy("快应用源码"),
    "wechat-miniprogram": gettext_lazy("微信小程序"),
    "alipay-miniprogram": gettext_lazy("支付宝小程序"),
}


def _detected(scan: PackageScan) -> dict[str, str] | None:
    """The identity the package carries, as a platform-identity row (or None)."""
    facts = scan.facts or {}
    platforms = sorted(KIND_PLATFORMS.get(scan.kind, set()))
    package = str((facts.get("identity") or {}).get("package") or "")
    if len(platforms) != 1 or not package:
        return None
    certs = (facts.get("signing") or {}).get("certificates") or []
    cert = certs[0] if certs else {}
    return {
        "platform": platforms[0],
        "identifier": package,
        "cert_sha256": str(cert.get("sha256", "")),
        "cert_sha1": str(cert.get("sha1", "")),
        "cert_md5": str(cert.get("md5", "")),
    }


def _adoptable(user: Any, scan: PackageScan) -> dict[str, Any] | None:
    """Offer "use the detected package name and certificate as this platform's identity"
    when the app's identities can still be edited and they differ from what was found."""
    from govapp.registry.models import AppStatus

    app = scan.app
    detected = _detected(scan) if scan.status == ScanStatus.DONE else None
    if app is None or detected is None or not can(user, "submit", app):
        return None
    same = app.identities.filter(
        platform=detected["platform"],
        identifier=detected["identifier"],
        cert_sha256=detected["cert_sha256"],
    ).exists()
    if same:
        return None
    editable = app.status in {AppStatus.UNFILED, AppStatus.REVOKED}
    return {"detected": detected, "editable": editable}


@login_required
@require_POST
def scan_adopt_identity(request: HttpRequest, scan_id: int) -> HttpResponse:
    """Use the package name and certificate the scan found as the app's identity on that
    platform; findings, identity checks and the testing report follow at once."""
    from govapp.registry.errors import RegistryError
    from govapp.registry.services.apps import identities_set

    scan = get_restricted_or_404(
        PackageScan.objects.select_related("app"), request.user, "view", pk=scan_id
    )
    offer = _adoptable(request.user, scan)
    if offer is None or not offer["editable"] or scan.app is None:
        messages.error(
            request,
            _("不能采用：应用已备案的平台标识只能通过变更备案修改，或者标识已与检测结果一致。"),
        )
        return redirect("scans:detail", scan.pk)
    detected = offer["detected"]
    rows = [
        {
            "platform": i.platform,
            "identifier": i.identifier,
            "host_platform": i.host_platform,
            "cert_sha256": i.cert_sha256,
            "cert_sha1": i.cert_sha1,
            "cert_md5": i.cert_md5,
        }
        for i in scan.app.identities.filter(live=False)
        if i.platform != detected["platform"]
    ]
    rows.append(detected)
    try:
        identities_set(actor=request.user, app=scan.app, identities=rows)
    except RegistryError as exc:
        messages.error(request, exc.message)
        return redirect("scans:detail", scan.pk)
    # the compliance engine (a higher app) evaluates the app now, so the page shows the new check
    resolve(wiring.CHECKS["app.evaluate"])(app=scan.app, actor=request.user)
    messages.success(
        request,
        _("已将检测到的包名 %(p)s 和签名证书设为该平台的标识，核对结果已更新。")
        % {"p": detected["identifier"]},
    )
    return redirect("scans:detail", scan.pk)


@login_required
def scan_status(request: HttpRequest, scan_id: int) -> HttpResponse:
    """htmx fragment polled while a scan is queued or running."""
    scan = get_restricted_or_404(
        PackageScan.objects.defer("facts"), request.user, "view", pk=scan_id
    )
    response = render(request, "scans/scan_status.html", {"scan": scan})
    if scan.status in {ScanStatus.DONE, ScanStatus.FAILED}:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def scan_retry(request: HttpRequest, scan_id: int) -> HttpResponse:
    scan = get_restricted_or_404(PackageScan.objects.all(), request.user, "view", pk=scan_id)
    try:
        package_scan_retry(actor=request.user, scan=scan)
        messages.success(request, _("已重新排队检测。"))
    except GovappError as exc:
        error_message(request, exc)
    return redirect("scans:detail", scan.pk)


@login_required
@require_POST
def scan_rescan_outdated(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, "national_regulator", "provincial_cac_reviewer"):
        raise PermissionDenied(_("只有监管人员可以批量重新检测。"))
    qs = restrict(PackageScan.objects.all(), request.user, "review")
    n = package_scan_rescan_outdated(actor=request.user, queryset=qs)
    messages.success(request, _("已将 %(n)d 个旧版本检测结果重新排队。") % {"n": n})
    return redirect("scans:list")
