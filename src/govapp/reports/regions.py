"""Figures by region: the map's measures, the lists behind them, and the province scorecard.

Every measure is a queryset through ``restrict()`` plus the path of the row's scope code
(the hosting unit's division code, or ``central``); counts by region are that queryset
grouped by scope code and rolled up to a prefix (2 digits for provinces, 4 for prefectures,
6 for the districts of the four municipalities), so the map, the drill-down list and the
scorecard all count the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_noop

from govapp.complaints import selectors as complaint_selectors
from govapp.complaints.models import CLOSED_STATUSES, Category, Complaint
from govapp.compliance.models import (
    Finding,
    FindingStatus,
    OrderState,
    PenaltyCase,
    PenaltyState,
    RectificationOrder,
    SpotCheckItem,
    SpotResult,
)
from govapp.core.actor import Actor
from govapp.core.calendar import SHANGHAI, get_calendar
from govapp.core.permissions import restrict
from govapp.public.selectors import FILED_LIKE, PLACEHOLDER_NAMES, division_names
from govapp.registry.legacy.selectors import legacy_deadline, legacy_items
from govapp.registry.models import (
    App,
    Application,
    ApplicationState,
    AppStatus,
    Holder,
    LegacyInventoryItem,
    Platform,
)
from govapp.reports.figures import Ctx, WorkdayIndex, local_day, median, percentile

CENTRAL = "central"
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
HIGH = ("high", "critical")
WAITING_STATES = (ApplicationState.SUBMITTED, ApplicationState.FORWARDED, ApplicationState.FEEDBACK)
TIER_Q = {
    "province": Q(state=ApplicationState.SUBMITTED, holder=Holder.PROVINCE),
    "cac": Q(state=ApplicationState.FORWARDED, holder=Holder.CAC),
    "unit": Q(state=ApplicationState.FEEDBACK),
}


def child_length(prefix: str) -> int:
    """Length of the codes one level below ``prefix`` ('' = the country)."""
    if not prefix:
        return 2
    if len(prefix) == 2:
        return 6 if prefix in MUNICIPALITIES else 4
    return 6


def region_key(scope: str, prefix: str) -> str | None:
    """The child region of ``prefix`` that ``scope`` falls in (None: outside ``prefix``)."""
    if not scope:
        return None
    if scope == CENTRAL:
        return CENTRAL if not prefix else None
    if prefix and not scope.startswith(prefix):
        return None
    n = child_length(prefix)
    return scope[:n] if len(scope) >= n else scope


def region_name(code: str) -> str:
    if code == CENTRAL:
        return gettext_noop("中央国家机关")
    names = division_names()
    name = names.get(code, code)
    if name in PLACEHOLDER_NAMES and len(code) > 2:
        return f"{names.get(code[:2], code[:2])}·{name}"
    return name


def rollup(counts: dict[str, int], prefix: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for scope, n in counts.items():
        key = region_key(scope, prefix)
        if key is not None:
            out[key] = out.get(key, 0) + n
    return out


def scope_counts(qs: QuerySet[Any], scope_field: str) -> dict[str, int]:
    return {
        str(s or ""): int(n)
        for s, n in qs.order_by()
        .values_list(scope_field)
        .annotate(n=Count("pk"))
        .values_list(scope_field, "n")
    }


# --- measures: what the map can be coloured by, and what a drill-down lists ------------------


@dataclass(frozen=True)
class Row:
    title: str
    subtitle: str
    status: str
    url: str
    scope: str


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    scope_field: str
    queryset: Callable[[Any, str, Ctx], QuerySet[Any]]
    rows: Callable[[QuerySet[Any], Any], list[Row]]
    on_map: bool = True
    keys: tuple[tuple[str, str], ...] = ()
    order: tuple[str, ...] = ("pk",)
    related: tuple[str, ...] = ()


def _apps_qs(user: Actor, key: str, ctx: Ctx) -> QuerySet[App]:
    qs = restrict(App.objects.all(), user, "view")
    return qs.filter(status=key) if key in AppStatus.values else qs


def _filed_qs(user: Actor, key: str, ctx: Ctx) -> QuerySet[App]:
    return restrict(App.objects.filter(status__in=FILED_LIKE), user, "view")


def _platform_qs(user: Actor, key: str, ctx: Ctx) -> QuerySet[App]:
    qs = restrict(App.objects.exclude(status=AppStatus.DEREGISTERED), user, "view")
    if key in Platform.values:
        qs = qs.filter(pk__in=restrict(App.objects.filter(identities__platform=key), user, "view"))
    return qs


def _app_rows(qs: QuerySet[App], user: Actor) -> list[Row]:
    return [
        Row(
            a.name,
            a.hosting_unit.name,
            a.get_status_display(),
            reverse("registry:app", args=[a.pk]),
            a.hosting_unit.scope_code,
        )
        for a in qs
    ]


def _legacy_qs(user: Actor, key: str, ctx: Ctx) -> QuerySet[LegacyInventoryItem]:
    state = "overdue" if ctx.today > legacy_deadline() else "unfiled"
    return legacy_items(user=user, state=state, today=ctx.today)


def _legacy_rows(qs: QuerySet[LegacyInventoryItem], user: Actor) -> list[Row]:
    return [
        Row(i.name, i.unit_name, i.get_kind_display(), reverse("registry:legacy"), i.scope_code)
        for i in qs
    ]


def _findings_high_qs(user: Actor, key: str, ctx: Ctx) -> QuerySet[Finding]:
    return restrict(
        Finding.objects.filter(status=FindingStatus.OPEN, severity__in=HIGH), user, "view"
    )


def _finding_rows(qs: QuerySet[Finding], user: Actor) -> list[Row]:
    return [
        Row(
            f"{f.app.name} · {f.rule_id}",
            f.app.hosting_unit.name,
            f.get_severity_display(),
            reverse("compliance:app", args=[f.app_id]),
            f.app.hosting_unit.scope_code,
        )
        for f in qs
    ]


def _complaints_qs(user: Actor, key: str, ctx: Ctx) -> QuerySet[Complaint]:
    qs = complaint_selectors.complaints_for_stats(user)
    if key == "overdue":
        return qs.filter(complaint_selectors.overdue_q(ctx.today))
    if key in Category.values:
        return qs.filter(category=key)
    return qs


def _complaint_rows(qs: QuerySet[Complaint], user: Actor) -> list[Row]:
    handler = complaint_selectors.can_handle_complaints(user)
    # Only the reference, category and state: statistics readers never see content.
    return [
        Row(
            c.reference,
            c.get_category_display(),
            c.get_status_display(),
            reverse("complaints:detail", args=[c.pk]) if handler else "",
            c.scope_code,
        )
        for c in qs
    ]


def _overdue_applications_qs(user: Actor, key: str, ctx: Ctx) -> QuerySet[Application]:
    qs = restrict(Application.objects.all(), user, "view").filter(
        state__in=WAITING_STATES, deadline__lt=ctx.today
    )
    return qs.filter(TIER_Q[key]) if key in TIER_Q else qs


def _by_app_rows(
    status: Callable[[Any], str], url: Callable[[Any], str]
) -> Callable[[QuerySet[Any], Any], list[Row]]:
    """Rows of objects that belong to an app: the app, its hosting unit, a status and a link."""

    def rows(qs: QuerySet[Any], user: Any) -> list[Row]:
        return [
            Row(
                o.app.name,
                o.app.hosting_unit.name,
                status(o),
                url(o),
                o.app.hosting_unit.scope_code,
            )
            for o in qs
        ]

    return rows


_application_rows = _by_app_rows(
    lambda a: f"{a.get_state_display()} · {a.deadline}",
    lambda a: reverse("registry:application", args=[a.pk]),
)


def _penalties_qs(user: Actor, key: str, ctx: Ctx) -> QuerySet[PenaltyCase]:
    qs = restrict(PenaltyCase.objects.all(), user, "view")
    return qs.filter(state=key) if key in PenaltyState.values else qs


_penalty_rows = _by_app_rows(
    lambda p: p.get_state_display(), lambda p: reverse("compliance:penalty", args=[p.pk])
)


def _spot_qs(user: Actor, key: str, ctx: Ctx) -> QuerySet[SpotCheckItem]:
    qs = restrict(SpotCheckItem.objects.all(), user, "view")
    return qs.filter(result=key) if key in SpotResult.values else qs


_spot_rows = _by_app_rows(
    lambda i: i.get_result_display(),
    lambda i: reverse("compliance:spotcheck", args=[i.spot_check_id]),
)


APP_ORDER = ("name", "pk")
APP_REL = ("hosting_unit",)
BY_APP = ("app__hosting_unit",)

MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure(
            "filed",
            gettext_noop("已备案应用"),
            "hosting_unit__scope_code",
            _filed_qs,
            _app_rows,
            order=APP_ORDER,
            related=APP_REL,
        ),
        Measure(
            "apps",
            gettext_noop("政务应用"),
            "hosting_unit__scope_code",
            _apps_qs,
            _app_rows,
            keys=tuple((str(v), str(lbl)) for v, lbl in AppStatus.choices),
            order=APP_ORDER,
            related=APP_REL,
        ),
        Measure(
            "legacy_overdue",
            gettext_noop("逾期未备案的存量应用"),
            "scope_code",
            _legacy_qs,
            _legacy_rows,
            order=("scope_code", "unit_name", "name", "pk"),
        ),
        Measure(
            "findings_high",
            gettext_noop("待整改的高危合规问题"),
            "app__hosting_unit__scope_code",
            _findings_high_qs,
            _finding_rows,
            order=("-last_seen", "pk"),
            related=BY_APP,
        ),
        Measure(
            "overdue_applications",
            gettext_noop("逾期未办结的备案申请"),
            "app__hosting_unit__scope_code",
            _overdue_applications_qs,
            _application_rows,
            order=("deadline", "pk"),
            related=BY_APP,
        ),
        Measure(
            "complaints",
            gettext_noop("投诉举报"),
            "scope_code",
            _complaints_qs,
            _complaint_rows,
            order=("-received_on", "-pk"),
        ),
        Measure(
            "platform",
            gettext_noop("政务应用（按平台）"),
            "hosting_unit__scope_code",
            _platform_qs,
            _app_rows,
            on_map=False,
            keys=tuple((str(v), str(lbl)) for v, lbl in Platform.choices),
            order=APP_ORDER,
            related=APP_REL,
        ),
        Measure(
            "penalties",
            gettext_noop("处罚案件"),
            "app__hosting_unit__scope_code",
            _penalties_qs,
            _penalty_rows,
            on_map=False,
            keys=tuple((str(v), str(lbl)) for v, lbl in PenaltyState.choices),
            order=("-proposed_at", "pk"),
            related=BY_APP,
        ),
        Measure(
            "spotchecks",
            gettext_noop("抽查对象"),
            "app__hosting_unit__scope_code",
            _spot_qs,
            _spot_rows,
            on_map=False,
            keys=tuple((str(v), str(lbl)) for v, lbl in SpotResult.choices),
            order=("-spot_check_id", "pk"),
            related=BY_APP,
        ),
    )
}


def measure_visible(measure: Measure, user: Actor) -> bool:
    if measure.key == "complaints":
        return complaint_selectors.can_see_stats(user)
    return True


def drill_queryset(
    measure: Measure, user: Actor, *, key: str, region: str, ctx: Ctx
) -> QuerySet[Any]:
    qs = measure.queryset(user, key, ctx).select_related(*measure.related).order_by(*measure.order)
    if region == CENTRAL:
        return qs.filter(**{measure.scope_field: CENTRAL})
    if region.isdigit():
        return qs.filter(**{f"{measure.scope_field}__startswith": region})
    return qs


def _map_key(scope: str) -> str:
    """The finest level a map draws: the prefecture (the district in a municipality)."""
    if scope == CENTRAL or len(scope) <= 2:
        return scope
    return scope[: child_length(scope[:2])]


def map_counts(user: Actor, ctx: Ctx) -> dict[str, dict[str, int]]:
    """For each map measure, counts by prefecture-level scope code (rolled up by the page):
    a few hundred keys per measure at national scale instead of one per county."""
    out: dict[str, dict[str, int]] = {}
    for m in MEASURES.values():
        if not (m.on_map and measure_visible(m, user)):
            continue
        counts: dict[str, int] = {}
        for scope, n in scope_counts(m.queryset(user, "", ctx), m.scope_field).items():
            key = _map_key(scope)
            counts[key] = counts.get(key, 0) + n
        out[m.key] = counts
    return out


# --- the scorecard ------------------------------------------------------------------------------

SCORECARD_COLUMNS = (
    (
        "known",
        gettext_noop("已知应用"),
        gettext_noop(
            "在用应用：系统内未注销的应用，加上存量清单中尚未对应到系统内应用的在用应用。"
        ),
    ),
    (
        "filed",
        gettext_noop("已备案"),
        gettext_noop("处于已备案状态（含已公告关停、已下线待注销）的应用。"),
    ),
    ("filing_rate", gettext_noop("备案率（%）"), gettext_noop("已备案 ÷ 已知应用 × 100。")),
    (
        "review_median",
        gettext_noop("审核用时中位数（工作日）"),
        gettext_noop(
            "近12个月内办结备案的申请，自最后一次提交至备案决定的工作日数（按国家法定节假日安排）的中位数。"
        ),
    ),
    (
        "review_p90",
        gettext_noop("审核用时90分位（工作日）"),
        gettext_noop("同上，第90百分位（最近秩法）。"),
    ),
    (
        "overdue",
        gettext_noop("逾期事项"),
        gettext_noop(
            "超过期限仍未办结的事项：备案申请、整改通知和投诉举报（受理或答复逾期）之和。"
        ),
    ),
    (
        "high_per_100",
        gettext_noop("高危问题/百应用"),
        gettext_noop("待整改的高、严重等级合规问题数 ÷ 未注销应用数 × 100。"),
    ),
    (
        "complaint_days",
        gettext_noop("投诉办结用时中位数（工作日）"),
        gettext_noop("近12个月内办结的投诉举报，自收到之日至办结之日的工作日数的中位数。"),
    ),
)


def scorecard(user: Actor, *, prefix: str, ctx: Ctx) -> dict[str, Any]:
    """One row per child region of ``prefix`` ('' = provinces and the central bodies) with the
    scorecard's measures, plus the total row, counted over what ``user`` may see."""
    year_ago = dt.datetime.combine(ctx.today - dt.timedelta(days=365), dt.time.min, tzinfo=SHANGHAI)
    apps = restrict(App.objects.exclude(status=AppStatus.DEREGISTERED), user, "view")
    scope = "hosting_unit__scope_code"
    app_scope = "app__hosting_unit__scope_code"
    known = rollup(scope_counts(apps, scope), prefix)
    legacy_extra = rollup(
        scope_counts(
            restrict(LegacyInventoryItem.objects.filter(app=None, retired=False), user, "view"),
            "scope_code",
        ),
        prefix,
    )
    filed = rollup(scope_counts(apps.filter(status__in=FILED_LIKE), scope), prefix)
    overdue_apps = rollup(
        scope_counts(
            restrict(Application.objects.all(), user, "view").filter(
                state__in=WAITING_STATES, deadline__lt=ctx.today
            ),
            app_scope,
        ),
        prefix,
    )
    overdue_orders = rollup(
        scope_counts(
            restrict(RectificationOrder.objects.all(), user, "view").filter(
                state__in=[OrderState.OPEN, OrderState.SENT_BACK], deadline__lt=ctx.today
            ),
            app_scope,
        ),
        prefix,
    )
    complaints = complaint_selectors.complaints_for_stats(user)
    overdue_complaints = rollup(
        scope_counts(complaints.filter(complaint_selectors.overdue_q(ctx.today)), "scope_code"),
        prefix,
    )
    high = rollup(
        scope_counts(
            restrict(
                Finding.objects.filter(status=FindingStatus.OPEN, severity__in=HIGH), user, "view"
            ),
            app_scope,
        ),
        prefix,
    )
    index = WorkdayIndex(get_calendar())
    review: dict[str, list[int]] = {}
    decided = (
        restrict(Application.objects.all(), user, "view")
        .filter(state=ApplicationState.FILED, decided_at__gte=year_ago)
        .exclude(submitted_at=None)
        .values_list(app_scope, "submitted_at", "decided_at")
    )
    for s, submitted, decided_at in decided:
        key = region_key(s, prefix)
        if key is None:
            continue
        days = index.between(local_day(submitted), local_day(decided_at))
        review.setdefault(key, []).append(max(days, 0))
    answered: dict[str, list[int]] = {}
    closed = (
        complaints.filter(status__in=CLOSED_STATUSES, closed_at__gte=year_ago)
        .order_by()
        .values_list("scope_code", "received_on", "closed_at")
    )
    for s, received, closed_at in closed:
        key = region_key(s, prefix)
        if key is None:
            continue
        answered.setdefault(key, []).append(max(index.between(received, local_day(closed_at)), 0))

    def row(code: str, name: str, keys: list[str] | None) -> dict[str, Any]:
        def total(d: dict[str, int]) -> int:
            return sum(v for k, v in d.items() if keys is None or k in keys)

        def pool(d: dict[str, list[int]]) -> list[int]:
            return [x for k, v in d.items() if keys is None or k in keys for x in v]

        n_known = total(known) + total(legacy_extra)
        n_apps = total(known)
        n_filed = total(filed)
        reviews = pool(review)
        answers = pool(answered)
        return {
            "code": code,
            "name": name,
            "known": n_known,
            "filed": n_filed,
            "filing_rate": round(100 * n_filed / n_known, 1) if n_known else None,
            "review_median": median(reviews) if reviews else None,
            "review_p90": percentile(reviews, 90) if reviews else None,
            "reviews": len(reviews),
            "overdue": total(overdue_apps) + total(overdue_orders) + total(overdue_complaints),
            "overdue_applications": total(overdue_apps),
            "overdue_orders": total(overdue_orders),
            "overdue_complaints": total(overdue_complaints),
            "high": total(high),
            "high_per_100": round(100 * total(high) / n_apps, 1) if n_apps else None,
            "complaint_days": median(answers) if answers else None,
            "answers": len(answers),
        }

    codes = set(known) | set(legacy_extra) | set(overdue_apps) | set(overdue_orders)
    codes |= set(overdue_complaints) | set(high) | set(review) | set(answered)
    names = division_names()
    n = child_length(prefix)
    codes |= {
        c
        for c in names
        if len(c) == n and c.startswith(prefix) and names[c] not in PLACEHOLDER_NAMES
    }

    def label(code: str) -> str:
        # units of the region itself (a provincial department) rather than of a child region
        return (
            f"{region_name(code)}·{gettext_noop('本级')}" if code == prefix else region_name(code)
        )

    rows = [row(c, label(c), [c]) for c in sorted(codes, key=lambda c: (c == CENTRAL, c))]
    return {
        "prefix": prefix,
        "name": region_name(prefix) if prefix else gettext_noop("全国"),
        "rows": rows,
        "total": row(prefix or "", region_name(prefix) if prefix else gettext_noop("合计"), None),
    }
