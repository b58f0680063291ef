"""Pages of the compliance engine: thin views over selectors and services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govapp.compliance import selectors
from govapp.compliance import services as svc
from govapp.compliance.forms import (
    BulletinForm,
    ExemptionDecideForm,
    ExemptionRequestForm,
    OrderActForm,
    OrderIssueForm,
    PenaltyActForm,
    SpotCheckDrawForm,
    SpotCheckRecordForm,
)
from govapp.compliance.models import (
    Exemption,
    Finding,
    FindingStatus,
    PenaltyCase,
    RectificationOrder,
    SpotCheck,
    SpotCheckItem,
)
from govapp.compliance.notices import KINDS, notice_xlsx
from govapp.compliance.rules import RULES, RULES_BY_ID
from govapp.core.calendar import today_shanghai
from govapp.core.errors import message
from govapp.core.forms import bind, form_messages
from govapp.core.pagination import page_of
from govapp.core.permissions import (
    can,
    get_restricted_or_404,
    has_role,
    is_national,
    is_regulator,
)
from govapp.orgs.models import Division, Role
from govapp.orgs.requests import authenticated_user
from govapp.registry.models import App, AppKind
from govapp.scans.models import PackageScan, ScanStatus

PAGE_SIZE = 25


def _page(request: HttpRequest, qs: Any) -> Any:
    return page_of(request, qs, PAGE_SIZE)


def _lang() -> str:
    return get_language() or "zh-hans"


def _rule_info(rule_id: str) -> dict[str, str]:
    r = RULES_BY_ID.get(rule_id)
    if r is None:
        return {"title": rule_id, "explanation": "", "remediation": "", "exemptible": ""}
    lang = _lang()
    return {
        "title": r.title(lang),
        "explanation": r.explanation(lang),
        "remediation": r.remediation(lang),
        "exemptible": "1" if r.exemptible else "",
    }


def _decorate(findings: Any) -> list[Any]:
    out = []
    for f in findings:
        f.info = _rule_info(f.rule_id)
        out.append(f)
    return out


# --- dashboard and lists ----------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    data = selectors.dashboard(request.user)
    for row in data["by_rule"]:
        row["title"] = _rule_info(row["rule"])["title"]
    return render(
        request,
        "compliance/dashboard.html",
        {"d": data, "regulator": is_regulator(request.user)},
    )


@login_required
def finding_list(request: HttpRequest) -> HttpResponse:
    f = {k: request.GET.get(k, "").strip() for k in ("rule", "status", "severity", "region")}
    qs = selectors.findings_for(
        request.user, rule=f["rule"], status=f["status"], severity=f["severity"], region=f["region"]
    )
    page = _page(request, qs)
    page.object_list = _decorate(page.object_list)
    return render(
        request,
        "compliance/finding_list.html",
        {
            "page": page,
            "f": f,
            "query": urlencode({k: v for k, v in f.items() if v}),
            "rules": [(r.id, r.title(_lang())) for r in RULES],
            "statuses": FindingStatus.choices,
        },
    )


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    lang = _lang()
    rules = [
        {
            "id": r.id,
            "requirement": r.requirement,
            "severity": r.severity,
            "title": r.title(lang),
            "explanation": r.explanation(lang),
            "remediation": r.remediation(lang),
            "package_only": r.package_only,
            "exemptible": r.exemptible,
            "advisory": r.advisory,
        }
        for r in RULES
    ]
    return render(request, "compliance/rule_list.html", {"rules": rules})


# --- one app ------------------------------------------------------------------------------------


@login_required
def app_detail(request: HttpRequest, app_id: int) -> HttpResponse:
    app = get_restricted_or_404(
        App.objects.select_related("hosting_unit"), request.user, "view", pk=app_id
    )
    show_closed = request.GET.get("closed") == "1"
    findings = Finding.objects.filter(app=app).select_related("exemption")
    if not show_closed:
        findings = findings.exclude(status=FindingStatus.CLOSED)
    user = request.user
    return render(
        request,
        "compliance/app_detail.html",
        {
            "app": app,
            "findings": _decorate(findings.order_by("status", "-severity", "rule_id")),
            "show_closed": show_closed,
            "exemptions": _decorate(app.exemptions.all()),
            "orders": app.rectification_orders.all(),
            "penalties": app.penalties.all(),
            "is_unit": can(user, "submit", app),
            "is_reg": svc.is_regulator_of(user, app),
            "exemptible": [(r.id, r.title(_lang())) for r in RULES if r.exemptible],
            "scans": PackageScan.objects.filter(app=app, status=ScanStatus.DONE)[:5],
        },
    )


@login_required
@require_POST
def app_evaluate(request: HttpRequest, app_id: int) -> HttpResponse:
    app = get_restricted_or_404(App.objects.all(), request.user, "view", pk=app_id)
    try:
        out = svc.compliance_evaluate(app=app, actor=request.user)
    except svc.ComplianceError as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(
        request,
        _("检测完成：新发现 %(o)d 个问题，更新 %(u)d 个，关闭 %(c)d 个。")
        % {"o": len(out.opened), "u": len(out.updated), "c": len(out.closed)},
    )
    return redirect("compliance:app", app_id=app.pk)


# --- exemptions ---------------------------------------------------------------------------------


@login_required
@require_POST
def exemption_request(request: HttpRequest, app_id: int) -> HttpResponse:
    app = get_restricted_or_404(App.objects.all(), request.user, "view", pk=app_id)
    form = bind(request, ExemptionRequestForm)
    if not form.is_valid():
        form_messages(request, form)
        return redirect("compliance:app", app_id=app.pk)
    c = form.cleaned_data
    upload = c["document"]
    try:
        svc.exemption_request(
            actor=authenticated_user(request),
            app=app,
            rule_id=c["rule_id"],
            scenario=c["scenario"],
            reason=c["reason"],
            document_name=(upload.name or "") if upload else "",
            # at most one byte over the limit: the service refuses it without holding more
            document=upload.read(svc.MAX_DOCUMENT_BYTES + 1) if upload else b"",
            requested_expiry=c["requested_expiry"],
        )
        messages.success(request, _("豁免申请已提交，等待监管部门审批。"))
    except svc.ComplianceError as exc:
        message(request, exc)
    return redirect("compliance:app", app_id=app.pk)


@login_required
def exemption_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    qs = selectors.exemptions_for(request.user, status=status)
    return render(
        request,
        "compliance/exemption_list.html",
        {"page": _page(request, qs), "status": status, "query": urlencode({"status": status})},
    )


@login_required
def exemption_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ex = get_restricted_or_404(
        Exemption.objects.select_related("app__hosting_unit"), request.user, "view", pk=pk
    )
    form = bind(request, ExemptionDecideForm)
    if request.method == "POST" and not form.is_valid():
        form_messages(request, form)
    elif request.method == "POST":
        approve = form.cleaned_data["decision"] == "approve"
        try:
            svc.exemption_decide(
                actor=authenticated_user(request),
                exemption=ex,
                approve=approve,
                expires_on=form.cleaned_data["expires_on"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("已批准豁免。") if approve else _("已不予批准。"))
            return redirect("compliance:exemption", pk=ex.pk)
        except svc.ComplianceError as exc:
            message(request, exc)
    return render(
        request,
        "compliance/exemption_detail.html",
        {
            "ex": ex,
            "form": form,
            "info": _rule_info(ex.rule_id),
            "is_reg": svc.is_regulator_of(request.user, ex.app),
        },
    )


@login_required
def exemption_document(request: HttpRequest, pk: int) -> FileResponse:
    ex = get_restricted_or_404(Exemption.objects.all(), request.user, "view", pk=pk)
    if not ex.document_sha256 or not default_storage.exists(ex.storage_name):
        raise Http404
    return FileResponse(
        default_storage.open(ex.storage_name, "rb"),
        as_attachment=True,
        filename=ex.document_name,
        content_type="application/octet-stream",
    )


# --- rectification ------------------------------------------------------------------------------


@login_required
@require_POST
def order_issue(request: HttpRequest, app_id: int) -> HttpResponse:
    app = get_restricted_or_404(App.objects.all(), request.user, "view", pk=app_id)
    form = bind(request, OrderIssueForm, app=app)
    if not form.is_valid():
        form_messages(request, form)
        return redirect("compliance:app", app_id=app.pk)
    try:
        order = svc.order_issue(
            actor=authenticated_user(request),
            app=app,
            findings=list(form.cleaned_data["findings"]),
            instructions=form.cleaned_data["instructions"],
            working_days=form.cleaned_data["working_days"],
        )
        messages.success(request, _("整改通知已下达，期限 %(d)s。") % {"d": order.deadline})
        return redirect("compliance:order", pk=order.pk)
    except svc.ComplianceError as exc:
        message(request, exc)
    return redirect("compliance:app", app_id=app.pk)


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    overdue = request.GET.get("overdue") == "1"
    qs = selectors.orders_for(request.user, state=state, overdue=overdue)
    return render(
        request,
        "compliance/order_list.html",
        {
            "page": _page(request, qs),
            "state": state,
            "overdue": overdue,
            "today": today_shanghai(),
            "query": urlencode({"state": state, "overdue": "1" if overdue else ""}),
        },
    )


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_restricted_or_404(
        RectificationOrder.objects.select_related("app__hosting_unit"), request.user, "view", pk=pk
    )
    form = bind(request, OrderActForm, order=order)
    if request.method == "POST":
        if not form.is_valid():
            form_messages(request, form)
        else:
            try:
                return _order_act(request, order, form.cleaned_data)
            except svc.ComplianceError as exc:
                message(request, exc)
    return render(
        request,
        "compliance/order_detail.html",
        {
            "order": order,
            "form": form,
            "findings": _decorate(order.findings.all()),
            "is_unit": can(request.user, "submit", order.app),
            "is_reg": svc.is_regulator_of(request.user, order.app),
            "scans": PackageScan.objects.filter(app=order.app, status=ScanStatus.DONE)[:10],
            "today": today_shanghai(),
            "penalties": order.penalties.all(),
        },
    )


def _order_act(request: HttpRequest, order: RectificationOrder, c: dict[str, Any]) -> HttpResponse:
    action, note = c["action"], c["note"]
    if action == "respond":
        svc.order_respond(actor=request.user, order=order, response=c["response"], scan=c["scan"])
        messages.success(request, _("整改情况已报送，已按最新材料重新检测。"))
    elif action == "accept":
        svc.order_accept(actor=request.user, order=order, note=note, force=c["force"])
        messages.success(request, _("已验收，整改完成。"))
    elif action == "send_back":
        svc.order_send_back(
            actor=request.user, order=order, note=note, working_days=c["working_days"] or None
        )
        messages.success(request, _("已退回重新整改。"))
    else:  # "fail"
        case = svc.order_fail(actor=authenticated_user(request), order=order, reason=note)
        messages.success(request, _("已认定整改不合格，并提出撤销备案的处理建议。"))
        return redirect("compliance:penalty", pk=case.pk)
    return redirect("compliance:order", pk=order.pk)


# --- penalties ----------------------------------------------------------------------------------


@login_required
def penalty_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "compliance/penalty_list.html",
        {"page": _page(request, selectors.penalties_for(request.user)), "query": ""},
    )


@login_required
def penalty_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_restricted_or_404(
        PenaltyCase.objects.select_related("app__hosting_unit", "order"),
        request.user,
        "view",
        pk=pk,
    )
    form = bind(request, PenaltyActForm)
    if request.method == "POST" and not form.is_valid():
        form_messages(request, form)
    elif request.method == "POST":
        action, note = form.cleaned_data["action"], form.cleaned_data["note"]
        try:
            if action == "revoke":
                if not form.cleaned_data["confirm"]:
                    raise svc.ComplianceError(_("撤销备案前请勾选确认。"))
                svc.penalty_revoke(actor=authenticated_user(request), case=case, note=note)
                messages.success(request, _("已撤销备案，公开核验即时显示为“备案已撤销”。"))
            elif action == "drop":
                svc.penalty_drop(actor=authenticated_user(request), case=case, note=note)
                messages.success(request, _("已决定不予处罚。"))
            return redirect("compliance:penalty", pk=case.pk)
        except svc.ComplianceError as exc:
            message(request, exc)
    return render(
        request,
        "compliance/penalty_detail.html",
        {
            "case": case,
            "can_decide": is_national(request.user) and can(request.user, "decide", case.app),
            "kinds": [(k, v[0]) for k, v in KINDS.items()],
        },
    )


@login_required
def penalty_notice(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    case = get_restricted_or_404(PenaltyCase.objects.all(), request.user, "view", pk=pk)
    if kind not in KINDS:
        raise Http404
    data = notice_xlsx(case, kind)
    resp = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = f'attachment; filename="penalty-{case.pk}-{kind}.xlsx"'
    return resp


# --- spot checks --------------------------------------------------------------------------------


@login_required
def spotcheck_list(request: HttpRequest) -> HttpResponse:
    form = bind(request, SpotCheckDrawForm)
    if request.method == "POST" and not form.is_valid():
        form_messages(request, form)
    elif request.method == "POST":
        c = form.cleaned_data
        try:
            check = svc.spotcheck_draw(
                actor=authenticated_user(request),
                name=c["name"],
                sample_size=c["sample_size"],
                seed=c["seed"],
                forced=c["forced"],
            )
            messages.success(request, _("已抽取 %(n)d 个应用。") % {"n": check.items.count()})
            return redirect("compliance:spotcheck", pk=check.pk)
        except svc.ComplianceError as exc:
            message(request, exc)
    return render(
        request,
        "compliance/spotcheck_list.html",
        {
            "page": _page(request, selectors.spotchecks_for(request.user)),
            "form": form,
            "query": "",
            "regulator": is_regulator(request.user),
        },
    )


@dataclass(frozen=True)
class SpotItemRow:
    """One sampled app on the spot-check page: the item, its stratum in words and the
    recorded checks as (field, label, value) (instead of attributes stuck onto the item)."""

    item: SpotCheckItem
    stratum_label: str
    check_rows: list[tuple[str, Any, bool | None]]


@login_required
def spotcheck_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check = get_restricted_or_404(SpotCheck.objects.all(), request.user, "view", pk=pk)
    page = _page(request, check.items.select_related("app__hosting_unit").order_by("stratum", "pk"))
    provinces = dict(Division.objects.filter(level=1).values_list("code", "name"))
    kinds = dict(AppKind.choices)
    labels = dict(spotcheck_field_labels())
    rows = []
    for item in page:
        province, _sep, kind = item.stratum.partition("/")
        stratum = " · ".join(
            str(x)
            for x in (
                _("中央国家机关") if province == "central" else provinces.get(province, province),
                kinds.get(kind, kind),
            )
            if x
        )
        checks = [(k, labels[k], (item.checks or {}).get(k)) for k in svc.CHECK_FIELDS]
        rows.append(SpotItemRow(item, stratum, checks))
    return render(
        request,
        "compliance/spotcheck_detail.html",
        {
            "check": check,
            "page": page,
            "rows": rows,
            "query": "",
            "fields": list(labels.items()),
            "regulator": is_regulator(request.user)
            and has_role(request.user, Role.NATIONAL_REGULATOR, Role.PROVINCIAL_CAC_REVIEWER),
        },
    )


def spotcheck_field_labels() -> list[tuple[str, Any]]:
    """What the tester records for each sampled app, in the reader's language."""
    words = {
        "filing_number_displayed": _("应用内显著展示备案编号"),
        "complaint_function_present": _("应用内有投诉建议功能"),
        "clock_in_observed": _("发现打卡签到功能"),
        "forced_upload_observed": _("发现强制上传照片或轨迹"),
        "ads_observed": _("发现广告"),
    }
    return [(k, words.get(k, k)) for k in svc.CHECK_FIELDS]


@login_required
@require_POST
def spotcheck_record(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_restricted_or_404(
        SpotCheckItem.objects.select_related("app"), request.user, "view", pk=pk
    )
    form = bind(request, SpotCheckRecordForm)
    if not form.is_valid():
        form_messages(request, form)
        return redirect("compliance:spotcheck", pk=item.spot_check_id)
    try:
        svc.spotcheck_record(
            actor=authenticated_user(request),
            item=item,
            checks=form.checks(),
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("检测结果已录入，并已重新检测该应用。"))
    except svc.ComplianceError as exc:
        message(request, exc)
    return redirect("compliance:spotcheck", pk=item.spot_check_id)


# --- bulletins ----------------------------------------------------------------------------------


def bulletin_list(request: HttpRequest) -> HttpResponse:
    """Public: no login."""
    return render(
        request,
        "compliance/bulletin_list.html",
        {
            "page": _page(request, selectors.public_bulletins()),
            "query": "",
            # units and read-only auditors see no button they cannot use
            "can_publish": has_role(
                request.user, Role.NATIONAL_REGULATOR, Role.PROVINCIAL_CAC_REVIEWER
            ),
        },
    )


def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    b = get_object_or_404(selectors.public_bulletins(), pk=pk)
    return render(request, "compliance/bulletin_detail.html", {"b": b})


@login_required
def bulletin_new(request: HttpRequest) -> HttpResponse:
    if not is_regulator(request.user):
        raise Http404
    orders = selectors.resolved_orders(request.user)
    form = bind(request, BulletinForm, user=request.user)
    if request.method == "POST" and not form.is_valid():
        form_messages(request, form)
    elif request.method == "POST":
        c = form.cleaned_data
        try:
            b = svc.bulletin_publish(
                actor=authenticated_user(request),
                title=c["title"],
                summary=c["summary"],
                orders=list(c["orders"]),
                anonymised=c["anonymised"],
            )
            messages.success(request, _("通报已发布。"))
            return redirect("compliance:bulletin", pk=b.pk)
        except svc.ComplianceError as exc:
            message(request, exc)
    return render(
        request,
        "compliance/bulletin_new.html",
        {"orders": orders[:200], "form": form, "kept_orders": form.kept_orders()},
    )
