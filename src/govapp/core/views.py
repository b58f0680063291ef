"""Home page per role, the audit log pages and the working-day calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from govapp.core import wiring
from govapp.core.calendar import get_calendar, today_shanghai
from govapp.core.models import CalendarDay, CalendarSource, CalendarYear
from govapp.core.permissions import can_read_audit, has_role, roles_of
from govapp.core.selectors import audit_events
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
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = "&".join(f"{k}={v}" for k, v in f.items() if v)
    return render(request, "core/audit_list.html", {"page": page, "f": f, "query": query})


@login_required
def audit_detail(request: HttpRequest, seq: int) -> HttpResponse:
    if not can_read_audit(request.user):
        raise PermissionDenied(_("只有监管人员和审计人员可以查看审计日志。"))
    event = audit_events(user=request.user).filter(seq=seq).first()
    if event is None:
        raise Http404(_("没有这条审计事件，或不在您的管辖范围内。"))
    keys = (
        sorted(set((event.before or {}).keys()) | set((event.after or {}).keys()))
        if isinstance(event.before or {}, dict) and isinstance(event.after or {}, dict)
        else []
    )
    rows = [
        {"key": k, "before": (event.before or {}).get(k), "after": (event.after or {}).get(k)}
        for k in keys
    ]
    return render(request, "core/audit_detail.html", {"event": event, "rows": rows})


def _can_edit_calendar(user: Any) -> bool:
    return has_role(user, "national_regulator")


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
        action = request.POST.get("action", "save")
        try:
            year = int(request.POST.get("year", ""))
        except ValueError:
            errors.append(_("请填写年份。"))
        if not errors and action == "delete":
            try:
                calendar_year_delete(actor=request.user, year=year)
                messages.success(request, _("已删除 %(y)d 年的节假日安排。") % {"y": year})
                return redirect(f"{request.path}?year={year}")
            except ValidationError as exc:
                errors.extend(exc.messages)
        elif not errors:
            upload = request.FILES.get("file")
            schedule_text = request.POST.get("schedule", "")
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
                        notice=request.POST.get("notice", "").strip()[:255],
                    )
                    messages.success(
                        request,
                        _("已保存 %(y)d 年节假日安排（%(n)d 天），相关期限已重新计算。")
                        % {"y": year, "n": len(days)},
                    )
                    return redirect(f"{request.path}?year={year}")
                except ValidationError as exc:
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
    year_days = list(CalendarDay.objects.filter(date__year=year))
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
