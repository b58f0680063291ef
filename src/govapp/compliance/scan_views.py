"""Pages for uploading packages and reading what the scanner found."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from govapp.compliance.models import PackageScan, ScanStatus
from govapp.compliance.scan_selectors import facts_view, scans_for
from govapp.compliance.scanning import (
    package_scan_create,
    package_scan_rescan_outdated,
    package_scan_retry,
    scanner_version,
)
from govapp.core.pagination import page_of
from govapp.core.permissions import get_restricted_or_404, has_role, restrict


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
        "compliance/scan_list.html",
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
    app_id = request.POST.get("app") or request.GET.get("app") or ""
    application_id = request.POST.get("application") or request.GET.get("application") or ""
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("package")
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
            except (ValidationError, PermissionDenied) as exc:
                errors.extend(getattr(exc, "messages", [str(exc)]))
            else:
                messages.success(request, _("安装包已上传，正在排队检测。"))
                return redirect("scans:detail", scan.pk)
    return render(
        request,
        "compliance/scan_upload.html",
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
    return render(
        request,
        "compliance/scan_detail.html",
        {
            "scan": scan,
            "f": facts_view(scan.facts),
            "outdated": scan.scanner_version and scan.scanner_version != scanner_version(),
        },
    )


@login_required
def scan_status(request: HttpRequest, scan_id: int) -> HttpResponse:
    """htmx fragment polled while a scan is queued or running."""
    scan = get_restricted_or_404(
        PackageScan.objects.defer("facts"), request.user, "view", pk=scan_id
    )
    response = render(request, "compliance/scan_status.html", {"scan": scan})
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
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
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
