"""Reads: usage figures, ratings, low-use flags and the retirement pipeline, always through the
jurisdiction filter."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from govapp.core.actor import Actor
from govapp.core.calendar import today_shanghai
from govapp.core.permissions import has_role, is_regulator, restrict
from govapp.oversight.usage.models import (
    CaseState,
    DailyUsage,
    LowUseFlag,
    MonthlyReturn,
    Rating,
    RetirementCase,
    Source,
    Stage,
    UnfiledUsage,
)
from govapp.registry.models import App

MIN_RATINGS_SHOWN = 5
DAYS_SHOWN = 90


def can_use(user: Actor) -> bool:
    return is_regulator(user) or has_role(user, "unit_manager", "unit_filer", "auditor")


def apps_for(user: Actor) -> QuerySet[App]:
    return restrict(App.objects.select_related("hosting_unit"), user, "view")


def app_usage(app: App, *, days: int = DAYS_SHOWN) -> dict[str, Any]:
    """The contract of ``GET /api/v1/usage/apps/{filing_number}``."""
    since = today_shanghai() - dt.timedelta(days=days)
    return {
        "days": [
            {"date": d, "devices": n, "pings": p}
            for d, n, p in DailyUsage.objects.filter(app=app, date__gte=since)
            .order_by("date")
            .values_list("date", "devices", "pings")
        ],
        "months": [
            {
                "month": m.strftime("%Y-%m"),
                "active_users": a,
                "intended_users": i,
                "sessions": s,
                "source": src,
                "source_label": str(Source(src).label) if src in Source.values else src,
                "ratio": round(a / i * 100, 2) if i else None,
            }
            for m, a, i, s, src in MonthlyReturn.objects.filter(app=app)
            .order_by("month")
            .values_list("month", "active_users", "intended_users", "sessions", "source")
        ],
    }


def rating_summary(app: App) -> dict[str, Any]:
    """Aggregates only, and only from five ratings up."""
    agg = Rating.objects.filter(app=app).aggregate(avg=Avg("score"), n=Count("pk"))
    n = int(agg["n"] or 0)
    if n < MIN_RATINGS_SHOWN:
        return {"shown": False, "n": n, "min": MIN_RATINGS_SHOWN}
    dist = Counter(Rating.objects.filter(app=app).values_list("score", flat=True))
    return {
        "shown": True,
        "n": n,
        "avg": round(float(agg["avg"]), 2),
        "distribution": [(s, dist.get(s, 0)) for s in range(5, 0, -1)],
        "min": MIN_RATINGS_SHOWN,
    }


def comments_for(app: App, limit: int = 50) -> list[dict[str, Any]]:
    """Suggestions (already redacted), with the month only."""
    return [
        {"month": m.strftime("%Y-%m"), "comment": c}
        for m, c in Rating.objects.filter(app=app)
        .exclude(comment="")
        .order_by("-month", "-pk")
        .values_list("month", "comment")[:limit]
    ]


def reason_text(reason: dict[str, Any], crit: dict[str, Any]) -> dict[str, str]:
    """What was found and which criterion it breaks, for display next to the flag."""
    code, v = reason.get("code"), reason.get("values") or []
    if code == "ratio":
        return {
            "finding": _("近 %(n)d 个月活跃用户占服务对象比例：%(v)s")
            % {"n": len(v), "v": "、".join(f"{x}%" for x in v)},
            "criterion": _("标准：连续 %(m)d 个月低于 %(p)s%%")
            % {"m": crit.get("ratio_months"), "p": crit.get("ratio_percent")},
        }
    if code == "few_users":
        return {
            "finding": _("月活跃用户 %(n)s 人") % {"n": v[0] if v else "-"},
            "criterion": _("标准：少于 %(n)s 人") % {"n": crit.get("min_active_users")},
        }
    if code == "no_return":
        return {
            "finding": _("连续 %(n)s 个月未报送使用情况") % {"n": v[0] if v else "-"},
            "criterion": _("标准：%(n)s 个月未报送") % {"n": crit.get("no_return_months")},
        }
    if code == "poor_rating":
        return {
            "finding": _("实用性评分 %(a)s（%(n)s 条评价）")
            % {"a": v[0] if v else "-", "n": v[1] if len(v) > 1 else "-"},
            "criterion": _("标准：不少于 %(n)s 条评价且均分低于 %(s)s")
            % {"n": crit.get("min_ratings"), "s": crit.get("min_rating")},
        }
    return {"finding": str(code), "criterion": ""}


def flag_rows(flag: LowUseFlag) -> list[dict[str, str]]:
    return [reason_text(r, flag.criteria) for r in flag.reasons]


def lowuse_for(user: Actor, *, include_exempt: bool = True) -> QuerySet[LowUseFlag]:
    qs = restrict(
        LowUseFlag.objects.select_related("app", "app__hosting_unit"), user, "view"
    ).filter(app__status="filed")
    if not include_exempt:
        qs = qs.filter(exempt=False)
    return qs.order_by("exempt", "app__hosting_unit__scope_code", "app__name")


# Which flags are candidates for retirement: not exempt and without a live case (the
# services' LIVE_STATES); what the low-use list marks "候选" and can open cases for.
LIVE_CASE_STATES = (CaseState.OPEN, CaseState.APPEALED)
LOWUSE_SHOW = ("candidates", "in_case", "exempt")


def lowuse_shown(qs: QuerySet[LowUseFlag], show: str) -> QuerySet[LowUseFlag]:
    """The flags of one kind: ``candidates`` (neither exempt nor with a live retirement case),
    ``in_case`` (a live case is open), ``exempt``; anything else: all of them."""
    live = Q(app__retirement_cases__state__in=LIVE_CASE_STATES)
    if show == "candidates":
        return qs.filter(exempt=False).exclude(live)
    if show == "in_case":
        return qs.filter(
            exempt=False,
            app_id__in=RetirementCase.objects.filter(state__in=LIVE_CASE_STATES).values("app_id"),
        )
    if show == "exempt":
        return qs.filter(exempt=True)
    return qs


def cases_for(user: Actor) -> QuerySet[RetirementCase]:
    return restrict(
        RetirementCase.objects.select_related("app", "app__hosting_unit", "app__successor"),
        user,
        "view",
    )


def is_overdue(case: RetirementCase, today: dt.date | None = None) -> bool:
    return case.stage == Stage.OPEN and case.deadline < (today or today_shanghai())


_RETIRING_STATUS: dict[str, str] = {
    Stage.RETIRED: "deregistered",
    Stage.OFFLINE: "offline",
    Stage.NOTICE: "shutdown_notice",
}


def stage_q(stage: str) -> Q:
    """The database condition of :attr:`RetirementCase.stage` (the same rules, for counting
    without loading every case)."""
    withdrawn = Q(state=CaseState.WITHDRAWN)
    if stage == Stage.WITHDRAWN:
        return withdrawn
    if stage in _RETIRING_STATUS:
        return ~withdrawn & Q(app__status=_RETIRING_STATUS[stage])
    not_retiring = ~withdrawn & ~Q(app__status__in=list(_RETIRING_STATUS.values()))
    if stage == Stage.APPEALED:
        return not_retiring & Q(state=CaseState.APPEALED)
    if stage == Stage.OPEN:
        return not_retiring & ~Q(state=CaseState.APPEALED)
    return Q(pk__in=[])


def overdue_q(today: dt.date) -> Q:
    """:func:`is_overdue` as a database condition."""
    return stage_q(Stage.OPEN) & Q(deadline__lt=today)


def region_of(scope: str) -> str:
    from govapp.orgs.models import Division

    code = scope[:4] if scope[:2].isdigit() else ""
    if not code:
        return _("中央")
    names = dict(Division.objects.filter(code__in=[code[:2], code]).values_list("code", "name"))
    parts: list[str] = []
    for c in (code[:2], code):
        if c in names and names[c] not in parts:  # a municipality is its own city
            parts.append(names[c])
    return " · ".join(parts) or code


def pipeline(user: Actor) -> dict[str, Any]:
    """Counts of the jurisdiction's cases by stage and by region (province / city)."""
    today = today_shanghai()
    cases = list(cases_for(user))
    stages = [s for s, _label in Stage.choices]
    by_stage = Counter(c.stage for c in cases)
    regions: dict[str, Counter[str]] = {}
    overdue_by_region: Counter[str] = Counter()
    scopes = {c.app.hosting_unit.scope_code for c in cases}
    names = {s: region_of(s) for s in scopes}
    for c in cases:
        name = names[c.app.hosting_unit.scope_code]
        regions.setdefault(name, Counter())[c.stage] += 1
        if is_overdue(c, today):
            overdue_by_region[name] += 1
    return {
        "stages": [(s, Stage(s).label, by_stage.get(s, 0)) for s in stages],
        "regions": [
            {
                "name": name,
                "parts": name.split(" · "),
                "counts": [counts.get(s, 0) for s in stages],
                "overdue": overdue_by_region.get(name, 0),
                "total": sum(counts.values()),
            }
            for name, counts in sorted(regions.items())
        ],
        "overdue": sum(overdue_by_region.values()),
        "cases": cases,
        "today": today,
    }


def unfiled_signals(days: int = 30) -> list[dict[str, Any]]:
    """Packages pinged but not registered: aggregate per package over the last days."""
    since = today_shanghai() - dt.timedelta(days=days)
    return [
        dict(row)
        for row in UnfiledUsage.objects.filter(date__gte=since)
        .values("package")
        .annotate(days=Count("date"), devices=Sum("devices"), pings=Sum("pings"))
        .order_by("-devices", "package")[:500]
    ]


def latest_month(app: App) -> MonthlyReturn | None:
    return MonthlyReturn.objects.filter(app=app).order_by("-month").first()
