"""Pages of usage oversight: figures and charts, returns, low-use list, criteria, exemptions,
the retirement pipeline and cases.  Thin views over services and selectors."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Max, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from govapp.core.calendar import today_shanghai
from govapp.core.errors import add_to_form
from govapp.core.forms import pressed
from govapp.core.pagination import page_of
from govapp.core.permissions import get_restricted_or_404, has_role, is_national, is_regulator
from govapp.orgs.requests import authenticated_user
from govapp.oversight.usage import exports, imports, selectors, services
from govapp.oversight.usage.forms import (
    AppealForm,
    CaseFilterForm,
    CriteriaForm,
    DecideForm,
    ExemptionForm,
    ImportForm,
    LowUseFilterForm,
    OpenCasesForm,
    RatingForm,
    RetireForm,
    ReturnForm,
)
from govapp.oversight.usage.limits import rating_allowed
from govapp.oversight.usage.models import (
    CaseState,
    DailyUsage,
    Exemption,
    LowUseFlag,
    MonthlyReturn,
    RetirementCase,
    Source,
)
from govapp.registry.models import App, AppStatus


def _usage_user(request: HttpRequest) -> None:
    if not selectors.can_use(request.user):
        raise PermissionDenied(_("您没有查看使用情况的权限。"))


def _regulator(request: HttpRequest) -> None:
    if not is_regulator(request.user):
        raise PermissionDenied(_("只有监管部门可以进行该操作。"))


def _form_errors(form: Any, exc: services.UsageError) -> None:
    add_to_form(form, exc)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The apps in reach with their latest figures and low-use flag."""
    _usage_user(request)
    since = today_shanghai() - dt.timedelta(days=30)
    latest = MonthlyReturn.objects.filter(app=OuterRef("pk")).order_by("-month")
    qs = (
        selectors.apps_for(request.user)
        .exclude(status=AppStatus.UNFILED)
        .annotate(
            last_month=Subquery(latest.values("month")[:1]),
            last_active=Subquery(latest.values("active_users")[:1]),
            last_intended=Subquery(latest.values("intended_users")[:1]),
        )
        .order_by("hosting_unit__scope_code", "name")
    )
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__icontains=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    ids = [a.pk for a in page]
    devices = dict(
        DailyUsage.objects.filter(app_id__in=ids, date__gte=since)
        .values("app_id")
        .annotate(avg=Avg("devices"))
        .values_list("app_id", "avg")
    )
    flags = {f.app_id: f for f in LowUseFlag.objects.filter(app_id__in=ids)}
    rows = [
        {
            "app": a,
            "devices": round(devices[a.pk]) if devices.get(a.pk) is not None else None,
            "flag": flags.get(a.pk),
        }
        for a in page
    ]
    return render(
        request,
        "usage/index.html",
        {
            "page": page,
            "rows": rows,
            "q": q,
            "is_regulator": is_regulator(request.user),
            "is_unit": has_role(request.user, "unit_manager", "unit_filer"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def app_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Charts (months, days), returns, ratings and suggestions of one app; the unit reports
    here, a regulator exempts or opens a retirement case."""
    _usage_user(request)
    app = get_restricted_or_404(App.objects.select_related("hosting_unit"), request.user, pk=pk)
    is_unit = services.is_unit_of(request.user, app)
    is_reg = services.is_regulator_of(request.user, app)
    form = ReturnForm(request.POST or None) if is_unit else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("只有主办单位可以报送该应用的使用情况。"))
        if form.is_valid():
            try:
                services.return_save(
                    app=app,
                    month=form.cleaned_data["month"],
                    active_users=form.cleaned_data["active_users"],
                    intended_users=form.cleaned_data["intended_users"],
                    sessions=form.cleaned_data.get("sessions") or 0,
                    source=Source.FORM,
                    actor=authenticated_user(request),
                )
                messages.success(request, _("已保存使用情况。"))
                return redirect("usage:app", pk=app.pk)
            except services.UsageError as exc:
                _form_errors(form, exc)
    usage = selectors.app_usage(app, days=365)
    flag = LowUseFlag.objects.filter(app=app).first()
    cases = list(app.retirement_cases.order_by("-opened_at"))
    chart = {
        "months": [m["month"] for m in usage["months"]],
        "active": [m["active_users"] for m in usage["months"]],
        "intended": [m["intended_users"] for m in usage["months"]],
        "days": [d["date"].isoformat() for d in usage["days"]],
        "devices": [d["devices"] for d in usage["days"]],
        "pings": [d["pings"] for d in usage["days"]],
        "labels": {
            "active": _("月活跃用户"),
            "intended": _("服务对象人数"),
            "devices": _("设备数"),
            "pings": _("启动次数"),
            "empty": _("暂无数据（应用内嵌使用统计后按日显示设备数）"),
        },
    }
    return render(
        request,
        "usage/app_detail.html",
        {
            "app": app,
            "usage": usage,
            "chart": chart,
            "form": form,
            "is_unit": is_unit,
            "is_reg": is_reg,
            "flag": flag,
            "flag_rows": selectors.flag_rows(flag) if flag else [],
            "ratings": selectors.rating_summary(app),
            "comments": selectors.comments_for(app),
            "exemption": services.active_exemption(app),
            "exemption_form": ExemptionForm() if is_reg else None,
            "cases": cases,
            "live_case": next((c for c in cases if c.live), None),
        },
    )


@login_required
def import_returns(request: HttpRequest) -> HttpResponse:
    """Monthly returns from CSV or XLSX: all rows or none, every error with its line."""
    if not has_role(request.user, "unit_manager", "unit_filer"):
        raise PermissionDenied(_("只有主办单位可以导入使用情况。"))
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = imports.returns_import(
                data=upload.read(), file_name=upload.name, actor=authenticated_user(request)
            )
            messages.success(
                request,
                _("已导入：新增 %(c)d 条，更正 %(u)d 条。")
                % {"c": result.created, "u": result.corrected},
            )
            return redirect("usage:index")
        except imports.ImportFailed as exc:
            errors = exc.errors
        except services.UsageError as exc:
            errors = [exc.message]
    return render(
        request,
        "usage/import.html",
        {"form": form, "errors": errors, "header": imports.TEMPLATE_HEADER},
        status=422 if errors else 200,
    )


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="usage-returns-template.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def lowuse(request: HttpRequest) -> HttpResponse:
    """The low-use list of the jurisdiction (all flags, or the candidates, the flags with a
    retirement case, the exempt ones), the criteria next to every flag, and opening retirement
    cases for the selected candidates in bulk."""
    _usage_user(request)
    filters = LowUseFilterForm(request.GET or None)
    show = filters.cleaned_data.get("show", "") if filters.is_valid() else ""
    flags_qs = selectors.lowuse_for(request.user)
    page = page_of(request, selectors.lowuse_shown(flags_qs, show), 50)
    flags = list(page.object_list)
    live = set(
        RetirementCase.objects.filter(
            app_id__in=[f.app_id for f in flags], state__in=services.LIVE_STATES
        ).values_list("app_id", flat=True)
    )
    candidates = App.objects.filter(
        pk__in=selectors.lowuse_shown(flags_qs, "candidates").values("app_id")
    )
    form = None
    if is_regulator(request.user):
        form = OpenCasesForm(request.POST or None, apps=candidates)
        if request.method == "POST" and form.is_valid():
            try:
                cases = services.cases_open_bulk(
                    apps=list(form.cleaned_data["apps"]),
                    working_days=form.cleaned_data["working_days"],
                    reason=form.cleaned_data["reason"],
                    actor=authenticated_user(request),
                )
                messages.success(request, _("已对 %(n)d 个应用下达退出要求。") % {"n": len(cases)})
                return redirect("usage:cases")
            except services.UsageError as exc:
                _form_errors(form, exc)
    elif request.method == "POST":
        raise PermissionDenied(_("只有监管部门可以下达退出要求。"))
    rows = [
        {
            "flag": f,
            "rows": selectors.flag_rows(f),
            "has_case": f.app_id in live,
            "candidate": not f.exempt and f.app_id not in live,
        }
        for f in flags
    ]
    return render(
        request,
        "usage/lowuse.html",
        {
            "rows": rows,
            "form": form,
            "filters": filters,
            "page": page,
            "query": urlencode({"show": show} if show else {}),
            "month": flags[0].month if flags else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def criteria(request: HttpRequest) -> HttpResponse:
    _regulator(request)
    from govapp.core.permissions import active_grants

    if is_national(request.user):
        scope = request.GET.get("scope", pressed(request, "scope")).strip()
    else:
        scope = next((g.division_id[:2] for g in active_grants(request.user) if g.division_id), "")
    current = services.criteria_for_scope(scope)
    initial = {k: getattr(current, k) for k in services.CRITERIA_FIELDS}
    form = CriteriaForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.criteria_set(
                scope=scope, actor=authenticated_user(request), **form.cleaned_data
            )
            services.lowuse_evaluate(actor=request.user)
            messages.success(request, _("已保存判定标准，并按新标准重新评估。"))
            return redirect(reverse("usage:criteria") + (f"?scope={scope}" if scope else ""))
        except services.UsageError as exc:
            _form_errors(form, exc)
    return render(
        request,
        "usage/criteria.html",
        {
            "form": form,
            "scope": scope,
            "applies_from": current.scope,
            "national": is_national(request.user),
        },
    )


@login_required
@require_POST
def exemption_grant(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_restricted_or_404(App.objects.all(), request.user, pk=pk)
    form = ExemptionForm(request.POST)
    if form.is_valid():
        try:
            services.exemption_grant(
                app=app, actor=authenticated_user(request), **form.cleaned_data
            )
            messages.success(request, _("已批准豁免。"))
        except services.UsageError as exc:
            messages.error(request, " ".join([exc.message, *exc.fields.values()]))
    else:
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
    return redirect("usage:app", pk=app.pk)


@login_required
@require_POST
def exemption_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    ex = get_restricted_or_404(Exemption.objects.select_related("app"), request.user, pk=pk)
    try:
        services.exemption_revoke(exemption=ex, actor=request.user)
        messages.success(request, _("已撤销豁免。"))
    except services.UsageError as exc:
        messages.error(request, exc.message)
    return redirect("usage:app", pk=ex.app_id)


@login_required
@require_POST
def case_open(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_restricted_or_404(App.objects.all(), request.user, pk=pk)
    data = request.POST.copy()
    data.setlist("apps", [str(app.pk)])
    form = OpenCasesForm(data, apps=App.objects.filter(pk=app.pk))
    if form.is_valid():
        try:
            case = services.case_open(
                app=app,
                working_days=form.cleaned_data["working_days"],
                reason=form.cleaned_data["reason"],
                actor=authenticated_user(request),
            )
            messages.success(request, _("已下达退出要求。"))
            return redirect("usage:case", pk=case.pk)
        except services.UsageError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
    return redirect("usage:app", pk=app.pk)


@login_required
def cases(request: HttpRequest) -> HttpResponse:
    """The retirement pipeline of the jurisdiction: counts by stage and region, overdue red;
    the list of cases of one stage, or the overdue ones."""
    _usage_user(request)
    data = selectors.pipeline(request.user)
    filters = CaseFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    stage, overdue = chosen.get("stage", ""), bool(chosen.get("overdue"))
    shown = [
        c
        for c in data["cases"]
        if (not stage or c.stage == stage)
        and (not overdue or selectors.is_overdue(c, data["today"]))
    ]
    page = page_of(request, shown, 50)
    rows = [
        {"case": c, "overdue": selectors.is_overdue(c, data["today"])} for c in page.object_list
    ]
    return render(
        request,
        "usage/cases.html",
        {
            **data,
            "rows": rows,
            "page": page,
            "stage": stage,
            "only_overdue": overdue,
            "filters": filters,
            "query": urlencode(
                {k: v for k, v in (("stage", stage), ("overdue", overdue and "1")) if v}
            ),
            "is_regulator": is_regulator(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _usage_user(request)
    case = get_restricted_or_404(
        RetirementCase.objects.select_related("app", "app__hosting_unit", "app__successor"),
        request.user,
        pk=pk,
    )
    app = case.app
    is_unit = services.is_unit_of(request.user, app)
    is_reg = services.is_regulator_of(request.user, app)
    action = pressed(request)
    appeal_form = AppealForm(
        request.POST if action == "appeal" else None,
        request.FILES if action == "appeal" else None,
    )
    decide_form = DecideForm(request.POST if action == "decide" else None)
    retire_form = RetireForm(
        request.POST if action == "retire" else None,
        initial={"shutdown_date": today_shanghai()},
    )
    if request.method == "POST":
        try:
            if action == "appeal" and appeal_form.is_valid():
                services.case_appeal(
                    case=case,
                    text=appeal_form.cleaned_data["appeal"],
                    evidence=appeal_form.cleaned_data.get("evidence"),
                    actor=request.user,
                )
                messages.success(request, _("已提交申诉，等待监管部门决定。"))
                return redirect("usage:case", pk=case.pk)
            if action == "decide" and decide_form.is_valid():
                services.case_decide(
                    case=case,
                    accept=decide_form.cleaned_data["accept"],
                    note=decide_form.cleaned_data["note"],
                    working_days=decide_form.cleaned_data.get("working_days"),
                    actor=authenticated_user(request),
                )
                messages.success(request, _("已作出决定。"))
                return redirect("usage:case", pk=case.pk)
            if action == "retire" and retire_form.is_valid():
                services.case_retire(
                    case=case,
                    shutdown_date=retire_form.cleaned_data["shutdown_date"],
                    notice=retire_form.cleaned_data["notice"],
                    successor=retire_form.cleaned_data.get("successor"),
                    actor=request.user,
                )
                messages.success(
                    request,
                    _("已公告关停。应用下线后，请在应用页面提交下线报告并申请注销备案。"),
                )
                return redirect("usage:case", pk=case.pk)
            if action == "order":
                services.case_to_order(case=case, actor=authenticated_user(request))
                messages.success(request, _("已转为整改通知。"))
                return redirect("usage:case", pk=case.pk)
            if action not in ("appeal", "decide", "retire", "order"):
                raise Http404
        except services.UsageNotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except services.UsageError as exc:
            form = {"appeal": appeal_form, "decide": decide_form, "retire": retire_form}.get(action)
            if form is not None:
                _form_errors(form, exc)
            else:
                messages.error(request, exc.message)
    return render(
        request,
        "usage/case_detail.html",
        {
            "case": case,
            "app": app,
            "is_unit": is_unit,
            "is_reg": is_reg,
            "overdue": selectors.is_overdue(case),
            "appeal_form": appeal_form,
            "decide_form": decide_form,
            "retire_form": retire_form,
            "reason_rows": [
                selectors.reason_text(
                    r,
                    services.criteria_dict(
                        services.criteria_for_scope(app.hosting_unit.scope_code)
                    ),
                )
                for r in case.reasons
            ],
            "open_state": CaseState.OPEN,
            "appealed_state": CaseState.APPEALED,
        },
    )


@login_required
def case_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_restricted_or_404(RetirementCase.objects.all(), request.user, pk=pk)
    if not case.appeal_evidence:
        raise Http404
    with case.appeal_evidence.open("rb") as fh:
        data = fh.read()
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = "attachment"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def unfiled(request: HttpRequest) -> HttpResponse:
    """Packages pinged but matching no registered app: "in use, not filed" (R-07)."""
    _regulator(request)
    unfiled_apps = (
        selectors.apps_for(request.user)
        .filter(status__in=[AppStatus.UNFILED, AppStatus.REVOKED], daily_usage__isnull=False)
        .annotate(last=Max("daily_usage__date"), devices=Avg("daily_usage__devices"))
        .order_by("-last")
    )
    return render(
        request,
        "usage/unfiled.html",
        {
            "packages": selectors.unfiled_signals() if is_national(request.user) else [],
            "national": is_national(request.user),
            "apps": unfiled_apps[:200],
        },
    )


@login_required
def export(request: HttpRequest) -> HttpResponse:
    _usage_user(request)
    data = exports.workbook(request.user)
    response = HttpResponse(
        data,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"usage-{today_shanghai().isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
def rate(request: HttpRequest, key: str) -> HttpResponse:
    """The anonymous practicality rating of the in-app complaint and suggestion page (R-24)."""
    from govapp.complaints.selectors import app_by_key

    app = app_by_key(key)
    if app is None:
        raise Http404(_("应用投诉入口无效，请从应用内重新打开。"))
    form = RatingForm(request.POST)
    ok = False
    if form.is_valid() and rating_allowed(request, app.pk):
        try:
            services.rating_add(
                app=app, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
            )
            ok = True
        except services.UsageError:
            ok = False
    target = reverse("complaints:app_embed", args=[key]) + ("?rated=1" if ok else "?rated=0")
    return redirect(target + "#rating")
