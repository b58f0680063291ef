"""What a monthly or quarterly report says, computed for one jurisdiction and period.

The result is plain JSON (kept in :class:`~govapp.reports.models.GeneratedReport`), from which
the XLSX workbook (:mod:`govapp.reports.xlsx`) and the printable page are drawn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
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


@dataclass
class _Period:
    """What a report counts in: the reader's rows and the period [lo, hi)."""

    reader: Any
    start: dt.date
    end: dt.date
    lo: dt.datetime
    hi: dt.datetime
    apps: Any
    applications: Any
    findings: Any
    orders: Any
    penalties: Any
    spot: Any
    complaints: Any
    complaints_in: Any

    def between(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.lo, f"{field}__lt": self.hi})

    def count(self, rows: str, field: str, **where: Any) -> int:
        return int(getattr(self, rows).filter(self.between(field), **where).count())

    @cached_property
    def review_days(self) -> list[int]:
        return _review_days(self)

    @cached_property
    def answer_days(self) -> list[int]:
        return _answer_days(self)

    @cached_property
    def spot_counts(self) -> dict[str, int]:
        return _spot_counts(self)


def _period(reader: Any, start: dt.date, end: dt.date) -> _Period:
    complaints = complaint_selectors.complaints_for_stats(reader)
    return _Period(
        reader=reader,
        start=start,
        end=end,
        lo=_aware(start),
        hi=_aware(end + dt.timedelta(days=1)),
        apps=restrict(App.objects.all(), reader, "view"),
        applications=restrict(Application.objects.all(), reader, "view"),
        findings=restrict(Finding.objects.all(), reader, "view"),
        orders=restrict(RectificationOrder.objects.all(), reader, "view"),
        penalties=restrict(PenaltyCase.objects.all(), reader, "view"),
        spot=restrict(SpotCheckItem.objects.all(), reader, "view"),
        complaints=complaints,
        complaints_in=complaints.filter(received_on__gte=start, received_on__lte=end),
    )


# --- the headline figures: one row each (key, label, unit, how it is computed) --------------

Figure = Callable[[_Period], Any]


def _counted(rows: str, field: str, **where: Any) -> Figure:
    """The number of ``rows`` whose ``field`` falls in the period (and match ``where``)."""
    return lambda p: p.count(rows, field, **where)


def _review_days(p: _Period) -> list[int]:
    """Working days from submission to filing of the applications filed in the period."""
    index = WorkdayIndex(get_calendar())
    rows = (
        p.applications.filter(p.between("decided_at"), state=ApplicationState.FILED)
        .exclude(submitted_at=None)
        .values_list("submitted_at", "decided_at")
    )
    return [max(index.between(local_day(s), local_day(d)), 0) for s, d in rows]


def _answer_days(p: _Period) -> list[int]:
    """Working days from receipt to closing of the complaints closed in the period."""
    index = WorkdayIndex(get_calendar())
    rows = p.complaints.filter(p.between("closed_at"), status__in=CLOSED_STATUSES).values_list(
        "received_on", "closed_at"
    )
    return [max(index.between(r, local_day(c)), 0) for r, c in rows]


def _spot_counts(p: _Period) -> dict[str, int]:
    tested = p.spot.filter(p.between("tested_at"))
    return dict(tested.values_list("result").annotate(n=Count("pk")).values_list("result", "n"))


def _legacy_open(p: _Period) -> int:
    return int(legacy_items(user=p.reader, state="unfiled", today=p.end).count())


def _overdue_applications(p: _Period) -> int:
    """Applications still waiting for a regulator at the period's end, past their deadline."""
    waiting = [ApplicationState.SUBMITTED, ApplicationState.FORWARDED, ApplicationState.FEEDBACK]
    end_day = p.end + dt.timedelta(days=1)
    rows = p.applications.filter(state__in=waiting, deadline__lt=end_day, submitted_at__lt=p.hi)
    return int(rows.count())


HEADLINE: tuple[tuple[str, str, str, Figure], ...] = (
    ("submitted", "提交的备案申请", "件", _counted("applications", "submitted_at")),
    ("filed", "新备案应用", "个", _counted("apps", "filed_at")),
    (
        "rejected",
        "不予备案",
        "件",
        _counted("applications", "decided_at", state=ApplicationState.REJECTED),
    ),
    ("review_median", "审核用时中位数", "工作日", lambda p: median(p.review_days)),
    ("review_p90", "审核用时90分位", "工作日", lambda p: percentile(p.review_days, 90)),
    ("revoked", "撤销备案", "个", _counted("apps", "revoked_at")),
    ("deregistered", "注销备案", "个", _counted("apps", "deregistered_at")),
    ("legacy_unfiled", "逾期未备案的存量应用（期末）", "个", _legacy_open),
    ("findings_new", "新发现合规问题", "个", _counted("findings", "first_seen")),
    ("findings_closed", "关闭合规问题", "个", _counted("findings", "closed_at")),
    ("orders_issued", "下发整改通知", "件", _counted("orders", "issued_at")),
    (
        "orders_accepted",
        "整改完成",
        "件",
        _counted("orders", "decided_at", state=OrderState.ACCEPTED),
    ),
    (
        "penalties_revoked",
        "处罚撤销备案",
        "件",
        _counted("penalties", "decided_at", state=PenaltyState.REVOKED),
    ),
    ("complaints_received", "收到投诉举报", "件", lambda p: p.complaints_in.count()),
    ("complaints_closed", "办结投诉举报", "件", lambda p: len(p.answer_days)),
    ("complaint_days", "投诉办结用时中位数", "工作日", lambda p: median(p.answer_days)),
    ("spot_tested", "完成抽查检测", "个", lambda p: sum(p.spot_counts.values())),
    (
        "spot_failed",
        "抽查不合格",
        "个",
        lambda p: int(p.spot_counts.get(SpotResult.FAILED, 0)),
    ),
    ("open_overdue_applications", "逾期未办结的备案申请（期末）", "件", _overdue_applications),
)
# a label that reads differently for a period ending before the legacy inventory's deadline
LABELS_BEFORE_LEGACY_DEADLINE = {"legacy_unfiled": "尚未备案的存量应用（期末）"}


def _headline(p: _Period) -> list[dict[str, Any]]:
    before_deadline = p.end <= legacy_deadline()
    return [
        {
            "key": key,
            "label": LABELS_BEFORE_LEGACY_DEADLINE.get(key, label) if before_deadline else label,
            "value": figure(p),
            "unit": unit,
        }
        for key, label, unit, figure in HEADLINE
    ]


# --- breakdowns ----------------------------------------------------------------------------


def _grouped(qs: Any, field: str) -> dict[str, int]:
    return dict(qs.order_by().values_list(field).annotate(n=Count("pk")).values_list(field, "n"))


def _by_rule(p: _Period) -> list[dict[str, Any]]:
    counts = (
        p.findings.filter(p.between("first_seen"))
        .order_by()
        .values_list("rule_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "rule_id")
    )
    return [
        {"rule": r, "title": RULES_BY_ID[r].title_zh if r in RULES_BY_ID else r, "count": n}
        for r, n in counts
    ]


def _by_choice(counts: dict[str, int], choices: Any) -> list[dict[str, Any]]:
    return [{"key": k, "label": str(lbl), "count": int(counts.get(k, 0))} for k, lbl in choices]


# --- the trend over the last months: one row per series -------------------------------------

# (key, label, rows, field, whether the field is a date rather than a date-time)
TREND: tuple[tuple[str, str, str, str, bool], ...] = (
    ("filed", "新备案应用", "apps", "filed_at", False),
    ("submitted", "提交的备案申请", "applications", "submitted_at", False),
    ("findings", "新发现合规问题", "findings", "first_seen", False),
    ("complaints", "收到投诉举报", "complaints", "received_on", True),
)


def _monthly(p: _Period, ctx: Ctx, rows: str, field: str, is_date: bool) -> list[int]:
    """Per month of ``ctx``, the number of ``rows`` whose ``field`` falls in it (to the end)."""
    months = [m.strftime("%Y-%m") for m in ctx.months]
    counts = dict.fromkeys(months, 0)
    if is_date:
        where = {f"{field}__gte": ctx.months[0], f"{field}__lte": p.end}
    else:
        where = {f"{field}__gte": _aware(ctx.months[0]), f"{field}__lt": p.hi}
    for value in getattr(p, rows).filter(**where).values_list(field, flat=True):
        if value is None:
            continue
        local = value.astimezone(SHANGHAI) if isinstance(value, dt.datetime) else value
        key = f"{local.year:04d}-{local.month:02d}"
        if key in counts:
            counts[key] += 1
    return [counts[m] for m in months]


def _trend(p: _Period) -> dict[str, Any]:
    ctx = Ctx.for_today(p.end)
    return {
        "months": [m.strftime("%Y-%m") for m in ctx.months],
        "series": [
            {"key": key, "label": label, "values": _monthly(p, ctx, rows, field, is_date)}
            for key, label, rows, field, is_date in TREND
        ],
    }


def _report_data(
    reader: Any, *, scope_code: str, kind: str, start: dt.date, end: dt.date
) -> dict[str, Any]:
    p = _period(reader, start, end)
    card = scorecard(reader, prefix=scope_code, ctx=Ctx.for_today(end))
    return {
        "title": period_title(kind, scope_code, start),
        "scope_code": scope_code,
        "jurisdiction": region_name(scope_code) if scope_code else "全国",
        "kind": kind,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "generated_at": timezone.now().isoformat(),
        "headline": _headline(p),
        "by_rule": _by_rule(p),
        "by_severity": _by_choice(
            _grouped(p.findings.filter(p.between("first_seen")), "severity"),
            reversed(SEVERITY_CHOICES),
        ),
        "by_category": _by_choice(_grouped(p.complaints_in, "category"), Category.choices),
        "trend": _trend(p),
        "regions": card["rows"],
        "regions_total": card["total"],
        "penalty_states": {
            str(lbl): p.penalties.filter(state=v).count() for v, lbl in PenaltyState.choices
        },
    }
