"""What a monthly or quarterly report says, computed for one jurisdiction and period.

The result is plain JSON (kept in :class:`~govapp.reports.models.GeneratedReport`), from which
the XLSX workbook (:mod:`govapp.reports.xlsx`) and the printable page are drawn.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone, translation

from govapp.complaints import selectors as complaint_selectors
from govapp.complaints.models import CLOSED_STATUSES, Category
from govapp.compliance.models import (
    SEVERITY_CHOICES,
    Finding,
    OrderState,
    PenaltyCase,
    PenaltyState,
    RectificationOrder,
    SpotCheckItem,
    SpotResult,
)
from govapp.compliance.rules import RULES_BY_ID
from govapp.core.calendar import SHANGHAI, get_calendar
from govapp.core.permissions import restrict
from govapp.registry.legacy.selectors import legacy_deadline, legacy_items
from govapp.registry.models import App, Application, ApplicationState
from govapp.reports.figures import Ctx, WorkdayIndex, local_day, median, percentile
from govapp.reports.models import PeriodKind
from govapp.reports.regions import region_name, scorecard


def period_bounds(kind: str, year: int, number: int) -> tuple[dt.date, dt.date]:
    """(first day, last day) of month ``number`` or quarter ``number`` of ``year``."""
    if kind == PeriodKind.QUARTER:
        if not 1 <= number <= 4:
            raise ValueError("quarter must be 1..4")
        first_month = 3 * (number - 1) + 1
        start = dt.date(year, first_month, 1)
        end_month = first_month + 2
    else:
        if not 1 <= number <= 12:
            raise ValueError("month must be 1..12")
        start = dt.date(year, number, 1)
        end_month = number
    nxt = dt.date(year + (end_month == 12), end_month % 12 + 1, 1)
    return start, nxt - dt.timedelta(days=1)


def previous_period(kind: str, today: dt.date) -> tuple[int, int]:
    """The last complete month or quarter before ``today``: (year, number)."""
    if kind == PeriodKind.QUARTER:
        q = (today.month - 1) // 3 + 1
        return (today.year, q - 1) if q > 1 else (today.year - 1, 4)
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


def period_title(kind: str, scope_code: str, start: dt.date) -> str:
    where = region_name(scope_code) if scope_code else "全国"
    if kind == PeriodKind.QUARTER:
        return f"{where}政务移动互联网应用程序管理季度报告（{start.year}年第{(start.month - 1) // 3 + 1}季度）"
    return f"{where}政务移动互联网应用程序管理月度报告（{start.year}年{start.month}月）"


def _aware(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


def report_data(
    reader: Any, *, scope_code: str, kind: str, start: dt.date, end: dt.date
) -> dict[str, Any]:
    """The report's figures over [start, end] for what ``reader`` may see (labels in Chinese:
    the report is a Chinese document)."""
    with translation.override("zh-hans"):
        return _report_data(reader, scope_code=scope_code, kind=kind, start=start, end=end)


def _report_data(
    reader: Any, *, scope_code: str, kind: str, start: dt.date, end: dt.date
) -> dict[str, Any]:
    lo, hi = _aware(start), _aware(end + dt.timedelta(days=1))
    in_period = {"gte": lo, "lt": hi}

    def between(field: str) -> Q:
        return Q(**{f"{field}__{op}": v for op, v in in_period.items()})

    apps = restrict(App.objects.all(), reader, "view")
    applications = restrict(Application.objects.all(), reader, "view")
    findings = restrict(Finding.objects.all(), reader, "view")
    orders = restrict(RectificationOrder.objects.all(), reader, "view")
    penalties = restrict(PenaltyCase.objects.all(), reader, "view")
    spot = restrict(SpotCheckItem.objects.all(), reader, "view")
    complaints = complaint_selectors.complaints_for_stats(reader)
    complaints_in = complaints.filter(received_on__gte=start, received_on__lte=end)

    index = WorkdayIndex(get_calendar())
    reviews = [
        max(
            index.between(local_day(s), local_day(d)),
            0,
        )
        for s, d in applications.filter(between("decided_at"), state=ApplicationState.FILED)
        .exclude(submitted_at=None)
        .values_list("submitted_at", "decided_at")
    ]
    answers = [
        max(index.between(r, local_day(c)), 0)
        for r, c in complaints.filter(between("closed_at"), status__in=CLOSED_STATUSES).values_list(
            "received_on", "closed_at"
        )
    ]
    tested = spot.filter(between("tested_at"))
    spot_counts = dict(
        tested.values_list("result").annotate(n=Count("pk")).values_list("result", "n")
    )
    legacy_open = legacy_items(user=reader, state="unfiled", today=end).count()
    end_day = end + dt.timedelta(days=1)

    headline = [
        ("submitted", "提交的备案申请", applications.filter(between("submitted_at")).count(), "件"),
        ("filed", "新备案应用", apps.filter(between("filed_at")).count(), "个"),
        (
            "rejected",
            "不予备案",
            applications.filter(between("decided_at"), state=ApplicationState.REJECTED).count(),
            "件",
        ),
        ("review_median", "审核用时中位数", median(reviews), "工作日"),
        ("review_p90", "审核用时90分位", percentile(reviews, 90), "工作日"),
        ("revoked", "撤销备案", apps.filter(between("revoked_at")).count(), "个"),
        ("deregistered", "注销备案", apps.filter(between("deregistered_at")).count(), "个"),
        (
            "legacy_unfiled",
            "逾期未备案的存量应用（期末）"
            if end > legacy_deadline()
            else "尚未备案的存量应用（期末）",
            legacy_open,
            "个",
        ),
        ("findings_new", "新发现合规问题", findings.filter(between("first_seen")).count(), "个"),
        ("findings_closed", "关闭合规问题", findings.filter(between("closed_at")).count(), "个"),
        ("orders_issued", "下发整改通知", orders.filter(between("issued_at")).count(), "件"),
        (
            "orders_accepted",
            "整改完成",
            orders.filter(between("decided_at"), state=OrderState.ACCEPTED).count(),
            "件",
        ),
        (
            "penalties_revoked",
            "处罚撤销备案",
            penalties.filter(between("decided_at"), state=PenaltyState.REVOKED).count(),
            "件",
        ),
        ("complaints_received", "收到投诉举报", complaints_in.count(), "件"),
        ("complaints_closed", "办结投诉举报", len(answers), "件"),
        ("complaint_days", "投诉办结用时中位数", median(answers), "工作日"),
        ("spot_tested", "完成抽查检测", sum(spot_counts.values()), "个"),
        ("spot_failed", "抽查不合格", int(spot_counts.get(SpotResult.FAILED, 0)), "个"),
        (
            "open_overdue_applications",
            "逾期未办结的备案申请（期末）",
            applications.filter(
                state__in=[
                    ApplicationState.SUBMITTED,
                    ApplicationState.FORWARDED,
                    ApplicationState.FEEDBACK,
                ],
                deadline__lt=end_day,
                submitted_at__lt=hi,
            ).count(),
            "件",
        ),
    ]
    by_rule = [
        {
            "rule": r,
            "title": RULES_BY_ID[r].title_zh if r in RULES_BY_ID else r,
            "count": n,
        }
        for r, n in findings.filter(between("first_seen"))
        .order_by()
        .values_list("rule_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "rule_id")
    ]
    severity = dict(
        findings.filter(between("first_seen"))
        .order_by()
        .values_list("severity")
        .annotate(n=Count("pk"))
        .values_list("severity", "n")
    )
    by_severity = [
        {"key": k, "label": str(lbl), "count": int(severity.get(k, 0))}
        for k, lbl in reversed(SEVERITY_CHOICES)
    ]
    categories = dict(
        complaints_in.order_by()
        .values_list("category")
        .annotate(n=Count("pk"))
        .values_list("category", "n")
    )
    by_category = [
        {"key": k, "label": str(lbl), "count": int(categories.get(k, 0))}
        for k, lbl in Category.choices
    ]
    ctx = Ctx.for_today(end)
    months = [m.strftime("%Y-%m") for m in ctx.months]

    def monthly(qs: Any, field: str) -> list[int]:
        counts = dict.fromkeys(months, 0)
        first = _aware(ctx.months[0])
        for value in qs.filter(**{f"{field}__gte": first, f"{field}__lt": hi}).values_list(
            field, flat=True
        ):
            if value is None:
                continue
            local = value.astimezone(SHANGHAI) if isinstance(value, dt.datetime) else value
            key = f"{local.year:04d}-{local.month:02d}"
            if key in counts:
                counts[key] += 1
        return [counts[m] for m in months]

    def monthly_dates(qs: Any, field: str) -> list[int]:
        counts = dict.fromkeys(months, 0)
        for value in qs.filter(
            **{f"{field}__gte": ctx.months[0], f"{field}__lte": end}
        ).values_list(field, flat=True):
            key = f"{value.year:04d}-{value.month:02d}"
            if key in counts:
                counts[key] += 1
        return [counts[m] for m in months]

    trend = {
        "months": months,
        "series": [
            {"key": "filed", "label": "新备案应用", "values": monthly(apps, "filed_at")},
            {
                "key": "submitted",
                "label": "提交的备案申请",
                "values": monthly(applications, "submitted_at"),
            },
            {
                "key": "findings",
                "label": "新发现合规问题",
                "values": monthly(findings, "first_seen"),
            },
            {
                "key": "complaints",
                "label": "收到投诉举报",
                "values": monthly_dates(complaints, "received_on"),
            },
        ],
    }
    card = scorecard(reader, prefix=scope_code, ctx=Ctx.for_today(end))
    return {
        "title": period_title(kind, scope_code, start),
        "scope_code": scope_code,
        "jurisdiction": region_name(scope_code) if scope_code else "全国",
        "kind": kind,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "generated_at": timezone.now().isoformat(),
        "headline": [
            {"key": k, "label": label, "value": value, "unit": unit}
            for k, label, value, unit in headline
        ],
        "by_rule": by_rule,
        "by_severity": by_severity,
        "by_category": by_category,
        "trend": trend,
        "regions": card["rows"],
        "regions_total": card["total"],
        "penalty_states": {
            str(lbl): penalties.filter(state=v).count() for v, lbl in PenaltyState.choices
        },
    }
