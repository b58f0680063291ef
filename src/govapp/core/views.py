"""Home page per role, the audit log pages and the working-day calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from govapp.core import wiring
from govapp.core.actor import Actor
from govapp.core.audit_labels import (
    action_choices,
    action_label,
    field_label,
    object_type_choices,
    object_type_label,
)
from govapp.core.calendar import get_calendar, holiday_label, today_shanghai
from govapp.core.errors import GovappError
from govapp.core.forms import CalendarYearForm, bind
from govapp.core.models import CalendarDay, CalendarSource, CalendarYear
from govapp.core.pagination import page_of
from govapp.core.permissions import can_read_audit, has_role, roles_of
from govapp.core.selectors import audit_events, audit_filter_values, day_only
from govapp.core.services import calendar_year_delete, calendar_year_set, parse_schedule
from govapp.core.tasks import resolve


def home_panels(request: HttpRequest) -> list[dict[str, Any]]:
    """The home page's panels from every app (core.wiring.HOME_PANELS), in table order."""
    panels: list[dict[str, Any]] = []
    for path in wiring.HOME_PANELS:
        panels.extend(resolve(path)(request) or [])
    return panels


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/home.html",
        {
            "panels": home_panels(request),
            "roles": sorted(roles_of(request.user)),
            "today": today_shanghai(),
        },
    )


def _parse_dt(value: str) -> dt.datetime | None:
    day = parse_date(value) if value else None
    if day is None:
        return None
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    if not can_read_audit(request.user):
        raise PermissionDenied(_("只有监管人员和审计人员可以查看审计日志。"))
    f = {
        k: request.GET.get(k, "").strip()
        for k in ("object_type", "object_id", "actor", "action", "since", "until")
    }
    since = _parse_dt(f["since"])
    until = _parse_dt(f["until"])
    if until is not None:
        until += dt.timedelta(days=1)
    qs = audit_events(
        user=request.user,
        object_type=f["object_type"],
        object_id=f["object_id"],
        actor=f["actor"],
        action=f["action"],
        since=since,
        until=until,
    )
    page = page_of(request, qs, 50)
    for e in page:
        e.day_only = day_only(e)
        e.action_label = action_label(e.action)
        e.type_label = object_type_label(e.object_type)
    query = urlencode({k: v for k, v in f.items() if v})
    actions, types = audit_filter_values(request.user)
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "f": f,
            "query": query,
            # the filters take labels: choose an action or object type by its name
            "actions": action_choices(actions),
            "types": object_type_choices(types),
        },
    )


@login_required
def audit_detail(request: HttpRequest, seq: int) -> HttpResponse:
    if not can_read_audit(request.user):
        raise PermissionDenied(_("只有监管人员和审计人员可以查看审计日志。"))
    event = audit_events(user=request.user, listing=False).filter(seq=seq).first()
    if event is None:
        raise Http404(_("没有这条审计事件，或不在您的管辖范围内。"))
    event.day_only = day_only(event)  # type: ignore[attr-defined]
    keys = (
        sorted(set((event.before or {}).keys()) | set((event.after or {}).keys()))
        if isinstance(event.before or {}, dict) and isinstance(event.after or {}, dict)
        else []
    )
    rows = [
        {
            "key": k,
            "label": field_label(event.object_type, k),
            "before": (event.before or {}).get(k),
            "after": (event.after or {}).get(k),
        }
        for k in keys
    ]
    return render(
        request,
        "core/audit_detail.html",
        {
            "event": event,
            "rows": rows,
            "action_label": action_label(event.action),
            "type_label": object_type_label(event.object_type),
        },
    )


def _can_edit_calendar(user: Actor) -> bool:
    return has_role(user, "national_regulator")


@dataclass(frozen=True)
class DayRow:
    """One stored day of the calendar page and its holiday's name in the reader's language."""

    day: CalendarDay
    label: str


@login_required
@require_http_methods(["GET", "POST"])
def calendar_view(request: HttpRequest) -> HttpResponse:
    cal = get_calendar()
    today = today_shanghai()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    errors: list[str] = []
    schedule_text = ""
    if request.method == "POST":
        if not _can_edit_calendar(request.user):
            raise PermissionDenied(_("只有国家监管人员可以录入节假日安排。"))
        form = bind(request, CalendarYearForm)
        if form.is_valid():
            c = form.cleaned_data
            action, year = c["action"], c["year"]
        else:
            action = ""
            errors.extend(str(e) for errs in form.errors.values() for e in errs)
        if not errors and action == "delete":
            try:
                calendar_year_delete(actor=request.user, year=year)
                messages.success(request, _("已删除 %(y)d 年的节假日安排。") % {"y": year})
                return redirect(f"{request.path}?year={year}")
            except GovappError as exc:
                errors.extend(exc.messages)
        elif not errors:
            upload = c["file"]
            schedule_text = c["schedule"]
            source = CalendarSource.MANUAL
            if upload is not None:
                if upload.size and upload.size > 256 * 1024:
                    errors.append(_("文件过大（上限 256 KB）。"))
                else:
                    try:
                        schedule_text = upload.read().decode("utf-8-sig")
                        source = CalendarSource.IMPORT
                    except UnicodeDecodeError:
                        errors.append(_("文件不是 UTF-8 编码的 CSV。"))
            if not errors:
                try:
                    days = parse_schedule(schedule_text, year=year)
                    calendar_year_set(
                        actor=request.user,
                        year=year,
                        days=days,
                        source=source,
                        notice=c["notice"],
                    )
                    messages.success(
                        request,
                        _("已保存 %(y)d 年节假日安排（%(n)d 天），相关期限已重新计算。")
                        % {"y": year, "n": len(days)},
                    )
                    return redirect(f"{request.path}?year={year}")
                except GovappError as exc:
                    errors.extend(exc.messages)
    # deadline calculator
    calc: dict[str, Any] = {}
    start = parse_date(request.GET.get("start", "") or "") or today
    try:
        n = max(0, min(365, int(request.GET.get("n", "10"))))
    except ValueError:
        n = 10
    deadline = cal.add_working_days(start, n)
    calc = {"start": start, "n": n, "deadline": deadline}
    years = list(CalendarYear.objects.all())
    year_days = [
        DayRow(d, holiday_label(d.name)) for d in CalendarDay.objects.filter(date__year=year)
    ]
    return render(
        request,
        "core/calendar.html",
        {
            "year": year,
            "years": years,
            "known": year in cal.known_years,
            "days": year_days,
            "calc": calc,
            "can_edit": _can_edit_calendar(request.user),
            "errors": errors,
            "schedule_text": schedule_text,
        },
    )


# --- error handlers: JSON under /api/, pages elsewhere ------------------------------------


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _json_error(detail: str, status: int) -> HttpResponse:
    from django.http import JsonResponse

    return JsonResponse(
        {"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return _json_error(_("请求无效。"), 400)
    from django.views import defaults

    return defaults.bad_request(request, exception or Exception())


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return _json_error(_("无权访问。"), 403)
    from django.views import defaults

    return defaults.permission_denied(request, exception or Exception())


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return _json_error("Not Found", 404)
    from django.views import defaults

    return defaults.page_not_found(request, exception)


def error_500(request: HttpRequest) -> HttpResponse:
    if _api(request):
        return _json_error(_("服务器内部错误，请稍后重试；如持续出现请联系系统管理员。"), 500)
    from django.views import defaults

    return defaults.server_error(request)
