"""Pages of the legacy inventory (R-15): the overdue list per jurisdiction, and the import."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from govapp.core.calendar import today_shanghai
from govapp.core.pagination import page_of
from govapp.core.permissions import is_national, is_regulator, restrict
from govapp.orgs.models import Division, DivisionLevel
from govapp.orgs.requests import authenticated_user
from govapp.registry.legacy.parser import (
    CENTRAL,
    MAX_FILE_BYTES,
    LegacyImportError,
    legacy_template_csv,
)
from govapp.registry.legacy.selectors import legacy_deadline, legacy_items, legacy_overdue_by_region
from govapp.registry.legacy.services import can_import, legacy_import, legacy_rematch
from govapp.registry.models import LegacyImport

STATES = (
    ("overdue", gettext_lazy("逾期未备案")),
    ("unfiled", gettext_lazy("未备案")),
    ("filed", gettext_lazy("已备案")),
    ("retired", gettext_lazy("已停用")),
    ("all", gettext_lazy("全部")),
)


def _state_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in STATES]


@login_required
@require_GET
def legacy_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    legacy_rematch(actor=None)  # cheap unless filings changed since the last match
    today = today_shanghai()
    deadline = legacy_deadline()
    state = request.GET.get("state") or ("overdue" if today > deadline else "unfiled")
    if state not in dict(STATES):
        state = "overdue"
    f = {
        "state": state,
        "q": request.GET.get("q", "").strip()[:100],
        "province": request.GET.get("province", "").strip()[:8],
    }
    qs = legacy_items(user=user, state=state, q=f["q"], province=f["province"], today=today)
    page = page_of(request, qs, 50)
    regions = []
    if is_regulator(user) or is_national(user):
        names = dict(
            Division.objects.filter(level=DivisionLevel.PROVINCE).values_list("code", "name")
        )
        names[CENTRAL] = _("中央国家机关")
        regions = [
            (code, names.get(code, code), n)
            for code, n in legacy_overdue_by_region(user=user, today=today)
        ]
    imports = restrict(LegacyImport.objects.all(), user, "view")[:5]
    return render(
        request,
        "registry/legacy_list.html",
        {
            "page": page,
            "f": f,
            "query": urlencode({k: v for k, v in f.items() if v}),
            "states": _state_choices(),
            "regions": regions,
            "deadline": deadline,
            "past_deadline": today > deadline,
            "today": today,
            "can_import": can_import(user) and is_regulator(user),
            "imports": imports,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def legacy_import_view(request: HttpRequest) -> HttpResponse:
    if not (is_regulator(request.user) and can_import(request.user)):
        raise PermissionDenied(_("只有网信部门的监管人员可以导入存量应用清单。"))
    errors: list[str] = []
    total = 0
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors.append(_("请选择要导入的 CSV 或 XLSX 文件。"))
        elif upload.size and upload.size > MAX_FILE_BYTES:
            errors.append(_("文件过大（上限 20 MB）：请拆分后分批导入。"))
        elif not (upload.name or "").lower().endswith((".csv", ".xlsx", ".xlsm", ".txt")):
            errors.append(_("只支持 CSV 或 XLSX 文件：请用模板另存后再导入。"))
        else:
            try:
                result = legacy_import(
                    data=upload.read(),
                    file_name=upload.name or "upload",
                    actor=authenticated_user(request),
                )
            except LegacyImportError as exc:
                errors = exc.errors
                total = exc.total
            else:
                messages.success(
                    request,
                    _(
                        "已导入 %(rows)d 行：新增 %(created)d 个、更新 %(updated)d 个，"
                        "其中 %(matched)d 个已匹配到备案。"
                    )
                    % {
                        "rows": result.rows,
                        "created": result.created,
                        "updated": result.updated,
                        "matched": result.matched,
                    },
                )
                return redirect("registry:legacy")
    return render(
        request,
        "registry/legacy_import.html",
        {"errors": errors, "total": total, "more": max(0, total - len(errors))},
        status=400 if errors else 200,
    )


@login_required
@require_GET
def legacy_template(request: HttpRequest) -> HttpResponse:
    resp = HttpResponse(legacy_template_csv(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = 'attachment; filename="legacy-inventory-template.csv"'
    return resp


@login_required
@require_POST
def legacy_rematch_view(request: HttpRequest) -> HttpResponse:
    if not is_regulator(request.user):
        raise PermissionDenied(_("只有监管人员可以重新匹配存量应用。"))
    changed = legacy_rematch(actor=request.user, force=True)
    messages.success(
        request, _("重新匹配完成：%(n)d 个存量应用的匹配结果有变化。") % {"n": changed}
    )
    return redirect("registry:legacy")
