"""Reads of the reports app: dashboards, scorecards, map counts, past reports.

Who sees what: every figure is computed through ``restrict()`` for a reader.  A person whose
reach is one whole jurisdiction (the country, or one division: the CAC, a provincial office,
an auditor) shares precomputed figures with everybody of the same reach: they are computed
for a *jurisdiction reader*, a user object that holds exactly one read-only grant on that
division and goes through the same ``restrict()``.  Anyone else (a hosting unit, a person
with a mix of grants) is computed live for themselves.

Precomputed figures (:class:`~govapp.reports.models.Snapshot`) are used by how long they took
to compute (measured each time):

- under ``GOVAPP_REPORTS_LIVE_MS`` (default 120 ms): never, every page computes live;
- under ``GOVAPP_REPORTS_SLOW_MS`` (default 2000 ms): while nothing audited has changed since
  (every state change in govapp writes one audit event, so the audit chain's length is a data
  version that costs one row to read);
- slower (national scale): while younger than ``GOVAPP_REPORTS_MAX_AGE`` seconds (default 900);
  the periodic job refreshes them every 5 minutes, and the page says when they were computed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from govapp.core.actor import Actor
from govapp.core.permissions import (
    JURISDICTION_ROLES,
    active_grants,
    has_role,
    is_regulator,
    restrict,
)
from govapp.orgs.models import Grant, Role, User
from govapp.reports.figures import Ctx, compute_figures
from govapp.reports.models import GeneratedReport, ReportSchedule, Snapshot
from govapp.reports.regions import map_counts, scorecard

DASHBOARD = "dashboard"
SCORECARD = "scorecard"


def live_budget_ms() -> int:
    return int(getattr(settings, "GOVAPP_REPORTS_LIVE_MS", 120))


def slow_ms() -> int:
    return int(getattr(settings, "GOVAPP_REPORTS_SLOW_MS", 2000))


def data_version() -> int:
    """The audit chain's length: it grows with every audited change anywhere."""
    from govapp.core.models import AuditHead

    return int(AuditHead.objects.filter(id=1).values_list("last_seq", flat=True).first() or 0)


def max_age_seconds() -> int:
    return int(getattr(settings, "GOVAPP_REPORTS_MAX_AGE", 900))


def reach_of(user: Actor) -> str | None:
    """'' for the whole country, a division code for one division, None for anything else
    (unit roles, or grants over several divisions)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "is_superuser", False):
        return ""
    grants = active_grants(user)
    if not grants or any(g.role not in JURISDICTION_ROLES for g in grants):
        return None
    divisions = {g.division_id or "" for g in grants}
    if "" in divisions:
        return ""
    return divisions.pop() if len(divisions) == 1 else None


def jurisdiction_reader(scope_code: str) -> User:
    """A read-only reader of one jurisdiction ('' = national), for precomputation.  It is
    never saved; its one grant is what ``restrict()`` filters on."""
    reader = User(username=f"reports:{scope_code or 'national'}", is_active=True)
    reader._govapp_grants = [  # type: ignore[attr-defined]
        Grant(role=Role.AUDITOR, division_id=scope_code or None)
    ]
    return reader


def can_see_scorecard(user: Actor) -> bool:
    return is_regulator(user) or has_role(user, "auditor")


def can_generate_reports(user: Actor) -> bool:
    return is_regulator(user)


def can_read_reports(user: Actor) -> bool:
    return is_regulator(user) or has_role(user, "auditor")


def fresh_snapshot(kind: str, scope_code: str) -> Snapshot | None:
    snap = Snapshot.objects.filter(kind=kind, scope_code=scope_code).first()
    if snap is None or snap.elapsed_ms < live_budget_ms():
        return None
    if (timezone.now() - snap.computed_at).total_seconds() > max_age_seconds():
        return None
    if snap.elapsed_ms < slow_ms() and snap.audit_seq != data_version():
        return None
    return snap


def timed(compute: Callable[[], Any]) -> tuple[Any, int]:
    start = time.perf_counter()
    data = compute()
    return data, int((time.perf_counter() - start) * 1000)


def compute_dashboard(
    reader: Any, ctx: Ctx | None = None, *, with_map: bool = True
) -> dict[str, Any]:
    ctx = ctx or Ctx.for_today()
    return {
        "figures": compute_figures(reader, ctx=ctx),
        "map": map_counts(reader, ctx) if with_map else {},
        "today": ctx.today.isoformat(),
    }


def compute_scorecard(reader: Any, prefix: str, ctx: Ctx | None = None) -> dict[str, Any]:
    return scorecard(reader, prefix=prefix, ctx=ctx or Ctx.for_today())


class Result:
    """Figures and where they came from: ``snapshot`` (precomputed) or live."""

    def __init__(
        self,
        data: dict[str, Any],
        *,
        computed_at: dt.datetime,
        elapsed_ms: int,
        snapshot: bool,
        reach: str | None,
        seq: int = 0,
    ) -> None:
        self.seq = seq
        self.data = data
        self.computed_at = computed_at
        self.elapsed_ms = elapsed_ms
        self.snapshot = snapshot
        self.reach = reach


def cached_for_user(kind: str, user: Actor, compute: Callable[[], Any]) -> tuple[Any, bool]:
    """``compute()`` for one person, kept in the cache under the same policy as snapshots
    (only when it was slow; while nothing audited changed, or, when very slow, for
    GOVAPP_REPORTS_MAX_AGE).  Returns (value, came from the cache)."""
    from django.core.cache import cache
    from django.utils.translation import get_language

    seq = data_version()
    key = f"govapp:reports:{kind}:{getattr(user, 'pk', '')}:{get_language()}"
    entry = cache.get(key)
    if entry is not None:
        value, ms, at_seq, at = entry
        young = time.time() - at < max_age_seconds()
        if ms >= live_budget_ms() and young and (at_seq == seq or ms >= slow_ms()):
            return value, True
    value, ms = timed(compute)
    if ms >= live_budget_ms():
        cache.set(key, (value, ms, seq, time.time()), max_age_seconds())
    return value, False


def dashboard_for(user: Actor) -> Result:
    reach = reach_of(user)
    if reach is None:
        start = timezone.now()
        (data, ms), hit = cached_for_user(
            "dashboard", user, lambda: timed(lambda: compute_dashboard(user, with_map=False))
        )
        return Result(data, computed_at=start, elapsed_ms=ms, snapshot=hit, reach=None)
    if reach is not None:
        snap = fresh_snapshot(DASHBOARD, reach)
        if snap is not None:
            return Result(
                snap.data,
                computed_at=snap.computed_at,
                elapsed_ms=snap.elapsed_ms,
                snapshot=True,
                reach=reach,
            )
    reader = jurisdiction_reader(reach) if reach is not None else user
    seq = data_version()
    data, ms = timed(lambda: compute_dashboard(reader))
    return Result(
        data, computed_at=timezone.now(), elapsed_ms=ms, snapshot=False, reach=reach, seq=seq
    )


def scorecard_prefix(user: Actor, requested: str) -> str | None:
    """The region whose children the scorecard compares: the requested one if the user's
    reach covers it, else the user's own reach; None when the user has no single reach."""
    reach = reach_of(user)
    if reach is None:
        return None
    requested = requested.strip()
    if requested.isdigit() and len(requested) in (2, 4) and requested.startswith(reach):
        return requested
    return reach


def scorecard_for(user: Actor, prefix: str) -> Result:
    """``prefix`` must come from :func:`scorecard_prefix`: it lies inside the user's reach, so
    the rows counted for its jurisdiction reader are rows the user may see."""
    snap = fresh_snapshot(SCORECARD, prefix)
    if snap is not None:
        return Result(
            snap.data,
            computed_at=snap.computed_at,
            elapsed_ms=snap.elapsed_ms,
            snapshot=True,
            reach=prefix,
        )
    seq = data_version()
    data, ms = timed(lambda: compute_scorecard(jurisdiction_reader(prefix), prefix))
    return Result(
        data, computed_at=timezone.now(), elapsed_ms=ms, snapshot=False, reach=prefix, seq=seq
    )


def reports_for(user: Actor) -> QuerySet[GeneratedReport]:
    return restrict(GeneratedReport.objects.all(), user, "view").order_by(
        "-period_start", "-created_at", "-pk"
    )


def schedules_for(user: Actor) -> QuerySet[ReportSchedule]:
    return restrict(ReportSchedule.objects.all(), user, "view")
