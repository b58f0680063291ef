"""Dashboard (the home page), map and trends, scorecard, drill-down lists and reports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from govapp.core.actor import Actor
from govapp.core.calendar import today_shanghai
from govapp.core.errors import GovappError, add_to_form
from govapp.core.forms import pressed
from govapp.core.permissions import get_restricted_or_404, roles_of
from govapp.orgs.requests import authenticated_user
from govapp.reports import selectors, services
from govapp.reports.content import previous_period
from govapp.reports.figures import Ctx, shown_to
from govapp.reports.forms import GenerateForm, ScheduleForm
from govapp.reports.models import GeneratedReport
from govapp.reports.regions import (
    MEASURES,
    SCORECARD_COLUMNS,
    drill_queryset,
    measure_visible,
    region_name,
    rollup,
)
from govapp.reports.svg import hbar, lines
from govapp.reports.xlsx import XLSX, workbook


def tr(text: str) -> str:
    """A stored Chinese label in the current language ("A·B" is translated part by part)."""
    if not text:
        return text
    return "·".join(_(part) for part in str(text).split("·"))


def _localise_figure(fig: dict[str, Any], english: bool) -> dict[str, Any]:
    out = dict(fig)
    for key in ("title", "total_label", "note", "unit"):
        if out.get(key):
            out[key] = tr(out[key])
    out["items"] = [
        {
            **item,
            "label": item["label_en"] if english and item.get("label_en") else tr(item["label"]),
        }
        for item in fig.get("items", [])
    ]
    if fig.get("trend"):
        out["trend"] = {**fig["trend"], "label": tr(fig["trend"]["label"])}
    return out


def _home_panels(request: HttpRequest) -> list[dict[str, Any]]:
    """The other apps' to-do panels (core's home-panel table), kept for a moment when they
    are slow to count (see selectors.cached_for_user)."""
    from govapp.core.views import home_panels

    def compute() -> list[dict[str, Any]]:
        return [
            {k: str(v) if k in ("label", "hint") else v for k, v in p.items()}
            for p in home_panels(request)
        ]

    panels, _hit = selectors.cached_for_user(f"panels:{today_shanghai()}", request.user, compute)
    return list(panels)


def _map_measures(user: Actor) -> list[dict[str, str]]:
    return [
        {"key": m.key, "label": tr(m.label)}
        for m in MEASURES.values()
        if m.on_map and measure_visible(m, user)
    ]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The first page after login: to-do panels, then the figures of the user's reach."""
    result = selectors.dashboard_for(request.user)
    services.snapshot_keep(kind=selectors.DASHBOARD, result=result)
    english = (get_language() or "").startswith("en")
    figures = [_localise_figure(f, english) for f in shown_to(result.data["figures"], request.user)]
    reach = result.reach
    return render(
        request,
        "reports/dashboard.html",
        {
            "panels": _home_panels(request),
            "roles": sorted(roles_of(request.user)),
            "today": today_shanghai(),
            "figures": figures,
            "result": result,
            "reach": reach,
            "reach_name": tr(region_name(reach)) if reach else _("全国"),
            "show_map": reach is not None,
            "can_scorecard": reach is not None and selectors.can_see_scorecard(request.user),
            "map_prefix": reach or "",
            "map_counts": result.data.get("map", {}),
            "measures": _map_measures(request.user),
        },
    )


@login_required
@require_GET
def map_view(request: HttpRequest) -> HttpResponse:
    """The map of China (or of one province) coloured by a chosen measure, with trends."""
    result = selectors.dashboard_for(request.user)
    services.snapshot_keep(kind=selectors.DASHBOARD, result=result)
    reach = result.reach
    prefix = request.GET.get("region", "").strip()
    if reach is None or not (prefix.isdigit() and len(prefix) == 2 and prefix.startswith(reach)):
        prefix = reach if reach and len(reach) == 2 else ""
    english = (get_language() or "").startswith("en")
    figures = [
        _localise_figure(f, english)
        for f in shown_to(result.data["figures"], request.user)
        if f.get("trend")
    ]
    return render(
        request,
        "reports/map.html",
        {
            "result": result,
            "map_prefix": prefix,
            "prefix_name": tr(region_name(prefix)) if prefix else _("全国"),
            "can_zoom_out": bool(prefix) and reach == "",
            "map_counts": result.data.get("map", {}),
            "measures": _map_measures(request.user),
            "measure": request.GET.get("measure", "filed"),
            "figures": figures,
            "unit_only": reach is None,
        },
    )


@login_required
@require_GET
def scorecard_view(request: HttpRequest) -> HttpResponse:
    if not selectors.can_see_scorecard(request.user):
        raise PermissionDenied(_("地区对比面向监管人员和审计人员。"))
    prefix = selectors.scorecard_prefix(request.user, request.GET.get("region", ""))
    if prefix is None:
        raise PermissionDenied(_("地区对比需要覆盖一个完整辖区的授权。"))
    result = selectors.scorecard_for(request.user, prefix)
    services.snapshot_keep(kind=selectors.SCORECARD, result=result)
    data = result.data
    rows = [{**r, "name": tr(r["name"])} for r in data["rows"]]
    reach = selectors.reach_of(request.user) or ""
    return render(
        request,
        "reports/scorecard.html",
        {
            "result": result,
            "rows": rows,
            "total": {**data["total"], "name": tr(data["total"]["name"])},
            "columns": [(k, tr(label), tr(note)) for k, label, note in SCORECARD_COLUMNS],
            "prefix": prefix,
            "prefix_name": tr(region_name(prefix)) if prefix else _("全国"),
            "drillable": len(prefix) < 2,
            "parent": prefix[:-2]
            if len(prefix) > len(reach) and len(prefix) > 2
            else ("" if prefix and reach == "" else None),
        },
    )


@login_required
@require_GET
def drill(request: HttpRequest) -> HttpResponse:
    """The list behind a figure or a map region: the same queryset the count was made from."""
    measure = MEASURES.get(request.GET.get("measure", ""))
    if measure is None or not measure_visible(measure, request.user):
        raise Http404(_("没有这项统计。"))
    key = request.GET.get("key", "").strip()[:32]
    region = request.GET.get("region", "").strip()[:12]
    ctx = Ctx.for_today()
    qs = drill_queryset(measure, request.user, key=key, region=region, ctx=ctx)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = measure.rows(page.object_list, request.user)  # type: ignore[arg-type]
    key_label = dict(measure.keys).get(key, "")
    if measure.key == "complaints" and key == "overdue":
        key_label = "已逾期"
    elif measure.key == "overdue_applications" and key:
        key_label = {
            "province": "省级完整性审核",
            "cac": "国家网信办审核检测",
            "unit": "待主办单位补正反馈",
        }.get(key, "")
    query = "&".join(
        f"{k}={v}" for k, v in (("measure", measure.key), ("key", key), ("region", region)) if v
    )
    return render(
        request,
        "reports/drill.html",
        {
            "measure": measure,
            "title": tr(measure.label),
            "key_label": tr(key_label),
            "region_name": tr(region_name(region)) if region else "",
            "page": page,
            "rows": rows,
            "count": page.paginator.count,
            "query": query,
        },
    )


@login_required
@require_GET
def map_data(request: HttpRequest) -> JsonResponse:
    """Counts by child region of ``region`` for one measure (what the map colours)."""
    result = selectors.dashboard_for(request.user)
    services.snapshot_keep(kind=selectors.DASHBOARD, result=result)

    measure = request.GET.get("measure", "filed")
    counts = result.data.get("map", {}).get(measure)
    if counts is None:
        raise Http404
    reach = result.reach or ""
    prefix = request.GET.get("region", "").strip()
    if not (prefix.isdigit() and prefix.startswith(reach)):
        prefix = reach
    return JsonResponse({"region": prefix, "measure": measure, "counts": rollup(counts, prefix)})


# --- reports ----------------------------------------------------------------------------------


def _scope_choices(user: Actor) -> list[tuple[str, str]]:
    from govapp.orgs.models import Division

    reach = selectors.reach_of(user)
    if reach is None:
        return []
    choices: list[tuple[str, str]] = []
    if reach == "":
        choices.append(("", _("全国")))
        qs = Division.objects.filter(level=1)
    else:
        choices.append((reach, tr(region_name(reach))))
        qs = Division.objects.filter(code__startswith=reach, level=2)
    choices += [(c, tr(region_name(c))) for c in qs.order_by("code").values_list("code", flat=True)]
    return choices


@login_required
@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest) -> HttpResponse:
    if not selectors.can_read_reports(request.user):
        raise PermissionDenied(_("统计报告面向监管人员和审计人员。"))
    can_generate = selectors.can_generate_reports(request.user)
    scopes = _scope_choices(request.user)
    today = today_shanghai()
    year, month = previous_period("month", today)
    form = GenerateForm(
        scopes=scopes, initial={"period_kind": "month", "year": year, "number": month}
    )
    schedule_form = ScheduleForm(scopes=scopes)
    if request.method == "POST":
        if not can_generate:
            raise PermissionDenied(_("只有监管人员可以生成和订阅统计报告。"))
        action = pressed(request) or "generate"
        if action == "schedule":
            schedule_form = ScheduleForm(request.POST, scopes=scopes)
            if schedule_form.is_valid():
                try:
                    services.schedule_set(
                        scope_code=schedule_form.cleaned_data["scope_code"],
                        period_kind=schedule_form.cleaned_data["period_kind"],
                        active=schedule_form.cleaned_data["active"],
                        actor=authenticated_user(request),
                    )
                    messages.success(request, _("已保存定期报表设置。"))
                    return redirect("reports:reports")
                except GovappError as exc:
                    add_to_form(schedule_form, exc)
        else:
            form = GenerateForm(request.POST, scopes=scopes)
            if form.is_valid():
                try:
                    report = services.report_generate(
                        actor=authenticated_user(request), **form.cleaned_data
                    )
                    messages.success(request, _("报告已生成。"))
                    return redirect("reports:report", pk=report.pk)
                except GovappError as exc:
                    add_to_form(form, exc)
    page = Paginator(selectors.reports_for(request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/report_list.html",
        {
            "page": page,
            "form": form,
            "schedule_form": schedule_form,
            "schedules": selectors.schedules_for(request.user),
            "can_generate": can_generate,
            "scope_names": dict(scopes),
        },
    )


def _report(request: HttpRequest, pk: int) -> GeneratedReport:
    if not selectors.can_read_reports(request.user):
        raise Http404
    return get_restricted_or_404(GeneratedReport.objects.all(), request.user, "view", pk=pk)


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable report (A4, Chinese): print it, or save it as PDF from the browser."""
    report = _report(request, pk)
    data = report.data
    charts = {
        "trend": lines(
            data["trend"]["months"], [(s["label"], s["values"]) for s in data["trend"]["series"]]
        ),
        "rules": hbar([(f"{r['title']}", r["count"]) for r in data["by_rule"][:12]]),
        "categories": hbar([(c["label"], c["count"]) for c in data["by_category"]]),
        "regions": hbar([(r["name"], r["filed"]) for r in data["regions"] if r.get("known")][:40]),
    }
    return render(
        request,
        "reports/report_print.html",
        {"report": report, "data": data, "charts": charts, "columns": SCORECARD_COLUMNS},
    )


@login_required
@require_GET
def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    body = workbook(report.data)
    resp = HttpResponse(body, content_type=XLSX)
    stamp = report.period_start.strftime("%Y%m")
    resp["Content-Disposition"] = (
        f'attachment; filename="govapp-report-{report.scope_code or "national"}-{stamp}'
        f'-{report.period_kind}.xlsx"'
    )
    return resp
