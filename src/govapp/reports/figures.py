"""The dashboard's figures: one selector function per figure, listed in :data:`FIGURES`.

A figure function takes ``(user, ctx)`` and returns a :class:`Figure` (a JSON-able dict), or
None when the figure means nothing to this user (complaint statistics for a hosting unit).  It
reads other apps only through their selectors or through ``restrict()``, so a figure never
counts a row its reader may not see, and each item carries the URL of the list behind it.

Labels are stored as the Chinese msgids (figures are computed under zh-hans, see
:func:`compute_dashboard`) and translated when the page is drawn, so one precomputed snapshot
serves both languages.

Adding a figure is one entry in :data:`FIGURES` (a dotted path); the oversight areas' figures
(low-use apps, overlap groups, ledger burden, campaign progress) are in
:mod:`govapp.reports.oversight_figures`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, TypedDict, TypeVar
from urllib.parse import urlencode

from django.db.models import Count, DateTimeField, Q, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop

from govapp.complaints import selectors as complaint_selectors
from govapp.complaints.models import CLOSED_STATUSES, Category, Complaint
from govapp.compliance import selectors as compliance_selectors
from govapp.compliance.models import (
    SEVERITY_CHOICES,
    Finding,
    FindingStatus,
    OrderState,
    PenaltyCase,
    PenaltyState,
    RectificationOrder,
    SpotCheckItem,
    SpotResult,
)
from govapp.compliance.rules import RULES_BY_ID
from govapp.core.actor import Actor
from govapp.core.calendar import SHANGHAI, get_calendar, today_shanghai
from govapp.core.permissions import has_role, is_regulator, restrict
from govapp.registry.legacy.selectors import legacy_deadline, legacy_items
from govapp.registry.models import (
    App,
    Application,
    ApplicationState,
    AppStatus,
    Holder,
    Platform,
    PlatformIdentity,
)

TREND_MONTHS = 12
# Parts of composed labels ("整改·已逾期"), translated part by part when drawn.
LABEL_PARTS = (
    gettext_noop("逾期"),
    gettext_noop("整改"),
    gettext_noop("处罚"),
    gettext_noop("已逾期"),
    gettext_noop("未办结"),
)


class Item(TypedDict, total=False):
    key: str
    label: str
    label_en: str
    value: float
    url: str
    urgent: bool


class Trend(TypedDict):
    label: str
    months: list[str]
    values: list[int]


class Figure(TypedDict, total=False):
    key: str
    title: str
    total: float
    total_label: str
    unit: str
    url: str
    chart: str  # bar | pie | none
    items: list[Item]
    trend: Trend
    note: str
    audience: str  # a key of AUDIENCES: drawn only for people of that audience


@dataclass
class Ctx:
    """What every figure of one computation shares."""

    today: dt.date
    months: list[dt.date] = field(default_factory=list)

    @classmethod
    def for_today(cls, today: dt.date | None = None) -> Ctx:
        today = today or today_shanghai()
        first = today.replace(day=1)
        months = []
        y, m = first.year, first.month
        for _ in range(TREND_MONTHS):
            months.append(dt.date(y, m, 1))
            y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        return cls(today=today, months=list(reversed(months)))


def url(name: str, **params: Any) -> str:
    base = reverse(name)
    query = {k: v for k, v in params.items() if v is not None}
    return f"{base}?{urlencode(query)}" if query else base


def local_day(value: Any) -> dt.date:
    """The Asia/Shanghai date of an aware datetime (of a non-null database column)."""
    day: dt.date = value.astimezone(SHANGHAI).date()
    return day


def _month_key(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(SHANGHAI) if value.tzinfo else value
        return f"{value.year:04d}-{value.month:02d}"
    return f"{value.year:04d}-{value.month:02d}"


def trend(qs: QuerySet[Any], date_field: str, ctx: Ctx, label: str) -> Trend:
    """Counts per month over the last 12 months (Asia/Shanghai months), in one query of
    conditional counts (plain range comparisons: no per-row time-zone functions)."""
    is_datetime = isinstance(qs.model._meta.get_field(date_field), DateTimeField)
    bounds: list[Any] = []
    for m in [*ctx.months, _next_month(ctx.months[-1])]:
        bounds.append(dt.datetime.combine(m, dt.time.min, tzinfo=SHANGHAI) if is_datetime else m)
    aggregates = {
        f"m{i}": Count(
            "pk",
            filter=Q(**{f"{date_field}__gte": bounds[i], f"{date_field}__lt": bounds[i + 1]}),
        )
        for i in range(len(ctx.months))
    }
    row = qs.order_by().aggregate(**aggregates)
    return {
        "label": label,
        "months": [_month_key(m) for m in ctx.months],
        "values": [int(row[f"m{i}"] or 0) for i in range(len(ctx.months))],
    }


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _counts(qs: QuerySet[Any], field_name: str) -> dict[str, int]:
    return {
        str(k): int(n)
        for k, n in qs.order_by()
        .values_list(field_name)
        .annotate(n=Count("pk"))
        .values_list(field_name, "n")
    }


# --- the figures -----------------------------------------------------------------------------


def apps_by_status(user: Actor, ctx: Ctx) -> Figure:
    qs = restrict(App.objects.all(), user, "view")
    counts = _counts(qs, "status")
    items: list[Item] = [
        {
            "key": value,
            "label": str(label),
            "value": counts.get(value, 0),
            "url": url("registry:apps", status=value),
        }
        for value, label in AppStatus.choices
    ]
    return {
        "key": "apps_by_status",
        "title": gettext_noop("政务应用（按状态）"),
        "total": sum(counts.values()),
        "total_label": gettext_noop("应用总数"),
        "url": url("registry:apps"),
        "chart": "pie",
        "items": items,
        "trend": trend(qs.exclude(filed_at=None), "filed_at", ctx, gettext_noop("每月新备案")),
    }


def apps_by_platform(user: Actor, ctx: Ctx) -> Figure:
    """Apps with an identity on each platform (an app on Android and iOS counts on both)."""
    qs = restrict(PlatformIdentity.objects.all(), user, "view").exclude(
        app__status=AppStatus.DEREGISTERED
    )
    counts = {
        str(k): int(n)
        for k, n in qs.order_by()
        .values_list("platform")
        .annotate(n=Count("app_id", distinct=True))
        .values_list("platform", "n")
    }
    items: list[Item] = [
        {
            "key": value,
            "label": str(label),
            "value": counts.get(value, 0),
            "url": url("reports:drill", measure="platform", key=value),
        }
        for value, label in Platform.choices
        if counts.get(value)
    ]
    return {
        "key": "apps_by_platform",
        "title": gettext_noop("政务应用（按平台）"),
        "total": restrict(App.objects.all(), user, "view")
        .exclude(status=AppStatus.DEREGISTERED)
        .count(),
        "total_label": gettext_noop("未注销的应用"),
        "url": url("reports:drill", measure="apps"),
        "chart": "bar",
        "items": items,
        "note": gettext_noop("一个应用可在多个平台发布，各平台数量之和可大于应用数。"),
    }


TIERS = (
    (
        "province",
        gettext_noop("省级完整性审核"),
        Q(state=ApplicationState.SUBMITTED, holder=Holder.PROVINCE),
    ),
    (
        "cac",
        gettext_noop("国家网信办审核检测"),
        Q(state=ApplicationState.FORWARDED, holder=Holder.CAC),
    ),
    ("unit", gettext_noop("待主办单位补正反馈"), Q(state=ApplicationState.FEEDBACK)),
)


def applications_waiting(user: Actor, ctx: Ctx) -> Figure:
    qs = restrict(Application.objects.all(), user, "view")
    aggregates: dict[str, Any] = {}
    for key, _label, cond in TIERS:
        aggregates[key] = Count("pk", filter=cond)
        aggregates[f"{key}_late"] = Count("pk", filter=cond & Q(deadline__lt=ctx.today))
    row = qs.order_by().aggregate(**aggregates)
    items: list[Item] = []
    total = 0
    for key, label, _cond in TIERS:
        n, late = int(row[key] or 0), int(row[f"{key}_late"] or 0)
        total += n
        state = {"province": "submitted", "cac": "forwarded", "unit": "feedback"}[key]
        items.append(
            {
                "key": key,
                "label": label,
                "value": n,
                "url": url("registry:applications", state=state),
            }
        )
        items.append(
            {
                "key": f"{key}_overdue",
                "label": f"{label}·逾期",
                "value": late,
                "url": url("reports:drill", measure="overdue_applications", key=key),
                "urgent": late > 0,
            }
        )
    return {
        "key": "applications_waiting",
        "title": gettext_noop("在办备案申请（按环节）"),
        "total": total,
        "total_label": gettext_noop("在办"),
        "url": url("registry:applications"),
        "chart": "bar",
        "items": items,
        "trend": trend(
            qs.exclude(submitted_at=None), "submitted_at", ctx, gettext_noop("每月提交")
        ),
        "note": gettext_noop("逾期：超过办理期限（工作日）仍未办结。"),
    }


def legacy_unfiled(user: Actor, ctx: Ctx) -> Figure | None:
    if not (is_regulator(user) or has_role(user, "auditor", "unit_manager", "unit_filer")):
        return None
    unfiled = legacy_items(user=user, state="unfiled", today=ctx.today)
    overdue = ctx.today > legacy_deadline()
    n_unfiled = unfiled.count()
    filed = legacy_items(user=user, state="filed", today=ctx.today).count()
    retired = legacy_items(user=user, state="retired", today=ctx.today).count()
    items: list[Item] = [
        {
            "key": "overdue" if overdue else "unfiled",
            "label": gettext_noop("逾期未备案") if overdue else gettext_noop("尚未备案"),
            "value": n_unfiled,
            "url": url("registry:legacy", state="overdue" if overdue else "unfiled"),
            "urgent": overdue and n_unfiled > 0,
        },
        {
            "key": "filed",
            "label": gettext_noop("已备案"),
            "value": filed,
            "url": url("registry:legacy", state="filed"),
        },
        {
            "key": "retired",
            "label": gettext_noop("已停用"),
            "value": retired,
            "url": url("registry:legacy", state="retired"),
        },
    ]
    return {
        "key": "legacy_unfiled",
        "title": gettext_noop("存量应用备案进度"),
        "total": n_unfiled,
        "total_label": gettext_noop("逾期未备案") if overdue else gettext_noop("尚未备案"),
        "url": url("registry:legacy", state="overdue" if overdue else "unfiled"),
        "chart": "pie",
        "items": items,
        "note": gettext_noop("2026年1月25日前已上线的应用应于2026年7月25日前完成备案。"),
    }


def findings_by_rule(user: Actor, ctx: Ctx) -> Figure:
    live = compliance_selectors.findings_for(user).select_related(None)
    counts = _counts(live, "rule_id")
    items: list[Item] = []
    for rule_id, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        rule = RULES_BY_ID.get(rule_id)
        item: Item = {
            "key": rule_id,
            "label": rule.title_zh if rule else rule_id,
            "value": n,
            "url": url("compliance:findings", rule=rule_id),
        }
        if rule:
            item["label_en"] = rule.title_en
        items.append(item)
    all_findings = restrict(Finding.objects.all(), user, "view")
    return {
        "key": "findings_by_rule",
        "title": gettext_noop("未关闭的合规问题（按规则）"),
        "total": sum(counts.values()),
        "total_label": gettext_noop("未关闭"),
        "url": url("compliance:findings"),
        "chart": "bar",
        "items": items,
        "trend": trend(all_findings, "first_seen", ctx, gettext_noop("每月新发现")),
        "note": gettext_noop("未关闭：待整改和已豁免的问题。"),
    }


def findings_by_severity(user: Actor, ctx: Ctx) -> Figure:
    live = compliance_selectors.findings_for(user).select_related(None)
    counts = _counts(live.filter(status=FindingStatus.OPEN), "severity")
    items: list[Item] = [
        {
            "key": value,
            "label": str(label),
            "value": counts.get(value, 0),
            "url": url("compliance:findings", status="open", severity=value),
            "urgent": value in ("high", "critical") and counts.get(value, 0) > 0,
        }
        for value, label in reversed(SEVERITY_CHOICES)
    ]
    return {
        "key": "findings_by_severity",
        "title": gettext_noop("待整改的合规问题（按严重程度）"),
        "total": sum(counts.values()),
        "total_label": gettext_noop("待整改"),
        "url": url("compliance:findings", status="open"),
        "chart": "bar",
        "items": items,
    }


def cases_by_state(user: Actor, ctx: Ctx) -> Figure:
    orders = restrict(RectificationOrder.objects.all(), user, "view")
    order_counts = _counts(orders, "state")
    late = compliance_selectors.overdue_orders(user).count()
    penalties = restrict(PenaltyCase.objects.all(), user, "view")
    penalty_counts = _counts(penalties, "state")
    items: list[Item] = [
        {
            "key": f"order_{value}",
            "label": f"整改·{label}",
            "value": order_counts.get(value, 0),
            "url": url("compliance:orders", state=value),
        }
        for value, label in OrderState.choices
    ]
    items.append(
        {
            "key": "order_overdue",
            "label": gettext_noop("整改·已逾期"),
            "value": late,
            "url": url("compliance:orders", overdue="1"),
            "urgent": late > 0,
        }
    )
    items += [
        {
            "key": f"penalty_{value}",
            "label": f"处罚·{label}",
            "value": penalty_counts.get(value, 0),
            "url": url("reports:drill", measure="penalties", key=value),
        }
        for value, label in PenaltyState.choices
    ]
    open_orders = sum(
        order_counts.get(s, 0)
        for s in (OrderState.OPEN, OrderState.RESPONDED, OrderState.SENT_BACK)
    )
    return {
        "key": "cases_by_state",
        "title": gettext_noop("整改与处罚案件（按状态）"),
        "total": open_orders,
        "total_label": gettext_noop("整改中"),
        "url": url("compliance:orders"),
        "chart": "bar",
        "items": items,
        "trend": trend(orders, "issued_at", ctx, gettext_noop("每月下发整改通知")),
    }


def complaints_by_category(user: Actor, ctx: Ctx) -> Figure | None:
    if not complaint_selectors.can_see_stats(user):
        return None
    qs = complaint_selectors.complaints_for_stats(user)
    counts = _counts(qs, "category")
    items: list[Item] = [
        {
            "key": value,
            "label": str(label),
            "value": counts.get(value, 0),
            "url": url("reports:drill", measure="complaints", key=value),
        }
        for value, label in Category.choices
    ]
    return {
        "key": "complaints_by_category",
        "title": gettext_noop("投诉举报（按类别）"),
        "total": sum(counts.values()),
        "total_label": gettext_noop("收到"),
        "url": url("complaints:stats", since=""),
        "chart": "pie",
        "items": items,
        "trend": trend(qs, "received_on", ctx, gettext_noop("每月收到")),
    }


SPEED_BUCKETS = (
    (5, gettext_noop("5个工作日内")),
    (10, gettext_noop("6–10个工作日")),
    (15, gettext_noop("11–15个工作日")),
)


def complaint_answer_days(qs: QuerySet[Complaint]) -> list[tuple[str, int]]:
    """(scope_code, working days from receipt to closing) of each closed complaint."""
    cal = get_calendar()
    rows = qs.filter(status__in=CLOSED_STATUSES).exclude(closed_at=None)
    out = []
    index = WorkdayIndex(cal)
    for scope, received, closed in rows.values_list("scope_code", "received_on", "closed_at"):
        out.append((scope, index.between(received, local_day(closed))))
    return out


def complaint_answer_speed(user: Actor, ctx: Ctx) -> Figure | None:
    if not complaint_selectors.can_see_stats(user):
        return None
    qs = complaint_selectors.complaints_for_stats(user)
    days = [d for _scope, d in complaint_answer_days(qs)]
    buckets = [0] * (len(SPEED_BUCKETS) + 1)
    for d in days:
        for i, (limit, _label) in enumerate(SPEED_BUCKETS):
            if d <= limit:
                buckets[i] += 1
                break
        else:
            buckets[-1] += 1
    labels = [label for _limit, label in SPEED_BUCKETS] + [gettext_noop("超过15个工作日")]
    items: list[Item] = [
        {"key": f"b{i}", "label": label, "value": n, "url": url("complaints:stats", since="")}
        for i, (label, n) in enumerate(zip(labels, buckets, strict=True))
    ]
    late = qs.filter(complaint_selectors.overdue_q(ctx.today)).count()
    items.append(
        {
            "key": "overdue",
            "label": gettext_noop("未办结·已逾期"),
            "value": late,
            "url": url("reports:drill", measure="complaints", key="overdue"),
            "urgent": late > 0,
        }
    )
    return {
        "key": "complaint_answer_speed",
        "title": gettext_noop("投诉举报办结用时"),
        "total": median(days) if days else 0,
        "total_label": gettext_noop("中位数（工作日）"),
        "unit": gettext_noop("工作日"),
        "url": url("complaints:stats", since=""),
        "chart": "bar",
        "items": items,
        "note": gettext_noop("用时：收到之日至办结之日的工作日数（按国家法定节假日安排计算）。"),
    }


def spotcheck_results(user: Actor, ctx: Ctx) -> Figure | None:
    qs = restrict(SpotCheckItem.objects.all(), user, "view")
    counts = _counts(qs, "result")
    if not counts and not is_regulator(user):
        return None
    items: list[Item] = [
        {
            "key": value,
            "label": str(label),
            "value": counts.get(value, 0),
            "url": url("reports:drill", measure="spotchecks", key=value),
            "urgent": value == SpotResult.FAILED and counts.get(value, 0) > 0,
        }
        for value, label in SpotResult.choices
    ]
    tested = counts.get(SpotResult.PASSED, 0) + counts.get(SpotResult.FAILED, 0)
    return {
        "key": "spotcheck_results",
        "title": gettext_noop("抽查检测结果"),
        "total": round(100 * counts.get(SpotResult.PASSED, 0) / tested, 1) if tested else 0,
        "total_label": gettext_noop("合格率（%）"),
        "unit": "%",
        "url": url("compliance:spotchecks"),
        "chart": "pie",
        "items": items,
        "trend": trend(qs.exclude(tested_at=None), "tested_at", ctx, gettext_noop("每月完成检测")),
    }


# --- the list of figures ----------------------------------------------------------------------

# One entry per figure, in display order: "module.path.function".
FIGURES: list[str] = [
    "govapp.reports.figures.apps_by_status",
    "govapp.reports.figures.apps_by_platform",
    "govapp.reports.figures.applications_waiting",
    "govapp.reports.figures.legacy_unfiled",
    "govapp.reports.figures.findings_by_severity",
    "govapp.reports.figures.findings_by_rule",
    "govapp.reports.figures.cases_by_state",
    "govapp.reports.figures.complaints_by_category",
    "govapp.reports.figures.complaint_answer_speed",
    "govapp.reports.figures.spotcheck_results",
    # the oversight areas (govapp.reports.oversight_figures)
    "govapp.reports.oversight_figures.low_use_apps",
    "govapp.reports.oversight_figures.overlap_groups",
    "govapp.reports.oversight_figures.ledger_burden",
    "govapp.reports.oversight_figures.campaign_progress",
]

# Who may see a figure marked with ``audience`` (figures are shared by everybody of one reach,
# regulators and auditors alike, so a figure of pages only regulators may open is left out
# for the others when it is drawn).
AUDIENCES: dict[str, Callable[[Any], bool]] = {"regulators": is_regulator}


F = TypeVar("F", bound=Mapping[str, object])


def shown_to(figures: Iterable[F], user: Any) -> list[F]:
    """The figures ``user`` may see: those without an audience, and those of their audience."""
    return [f for f in figures if "audience" not in f or AUDIENCES[str(f["audience"])](user)]


FigureFn = Callable[[Any, Ctx], Figure | None]


def resolve(path: str) -> FigureFn:
    module, _dot, name = path.rpartition(".")
    fn: FigureFn = getattr(import_module(module), name)
    return fn


def compute_figures(
    user: Actor, paths: Iterable[str] | None = None, ctx: Ctx | None = None
) -> list[Figure]:
    """Every figure this user may see, labels as Chinese msgids."""
    ctx = ctx or Ctx.for_today()
    out: list[Figure] = []
    with translation.override("zh-hans"):
        for path in FIGURES if paths is None else paths:
            figure = resolve(path)(user, ctx)
            if figure is not None:
                out.append(figure)
    return out


# --- small numeric helpers ---------------------------------------------------------------------


class WorkdayIndex:
    """Working days between two dates in O(1) after one pass over the span (the calendar's
    own rules, govapp.core.calendar): cumulative counts per day, extended on demand."""

    def __init__(self, cal: Any) -> None:
        self.cal = cal
        self.start: dt.date | None = None
        self.cum: list[int] = []

    def _ensure(self, lo: dt.date, hi: dt.date) -> None:
        if self.start is None or lo < self.start or hi >= self.start + dt.timedelta(len(self.cum)):
            start = min(lo, self.start or lo) - dt.timedelta(days=1)
            end = max(hi, (self.start or hi) + dt.timedelta(max(len(self.cum) - 1, 0)))
            cum = []
            n = 0
            day = start
            while day <= end:
                if self.cal.is_working_day(day):
                    n += 1
                cum.append(n)
                day += dt.timedelta(days=1)
            self.start, self.cum = start, cum

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end], as WorkCalendar.working_days_between."""
        if end < start:
            return -self.between(end, start)
        self._ensure(start, end)
        assert self.start is not None
        return self.cum[(end - self.start).days] - self.cum[(start - self.start).days]


def median(values: list[int] | list[float]) -> float:
    return percentile(values, 50)


def percentile(values: list[int] | list[float], p: float) -> float:
    """Nearest-rank percentile (the value at rank ceil(p/100 * n)); 0 for no values."""
    if not values:
        return 0
    ordered = sorted(values)
    import math

    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[rank - 1])
