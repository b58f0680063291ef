"""Reads of the legacy inventory (R-15), always through ``restrict()``: the items a user may
see by state, the overdue ones after the deadline, and their counts per province."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from govapp.core.calendar import today_shanghai
from govapp.core.permissions import restrict
from govapp.registry.legacy.parser import CENTRAL
from govapp.registry.models import AppStatus, LegacyInventoryItem

# A filing counts for R-15 while the app is filed, being shut down, or properly deregistered.
FILED_FOR_LEGACY = (
    AppStatus.FILED,
    AppStatus.SHUTDOWN_NOTICE,
    AppStatus.OFFLINE,
    AppStatus.DEREGISTERED,
)


def legacy_deadline() -> dt.date:
    value = getattr(settings, "GOVAPP_LEGACY_DEADLINE", "2026-07-25")
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def legacy_items(
    *,
    user: Any,
    state: str = "overdue",
    q: str = "",
    province: str = "",
    today: dt.date | None = None,
) -> QuerySet[LegacyInventoryItem]:
    """The inventory the user may see.  state: overdue (unfiled, past the deadline, or
    pending before it) | unfiled | filed | retired | all."""
    qs = restrict(LegacyInventoryItem.objects.all(), user, "view").select_related(
        "app", "hosting_unit", "division"
    )
    unfiled = Q(retired=False) & (Q(app__isnull=True) | ~Q(app__status__in=FILED_FOR_LEGACY))
    today = today or today_shanghai()
    if state == "overdue":
        qs = qs.filter(unfiled) if today > legacy_deadline() else qs.none()
    elif state == "unfiled":
        qs = qs.filter(unfiled)
    elif state == "filed":
        qs = qs.filter(app__status__in=FILED_FOR_LEGACY)
    elif state == "retired":
        qs = qs.filter(retired=True)
    if q.strip():
        qs = qs.filter(
            Q(name__icontains=q.strip())
            | Q(unit_name__icontains=q.strip())
            | Q(identifier__icontains=q.strip())
        )
    if province == CENTRAL:
        qs = qs.filter(scope_code=CENTRAL)
    elif province.isdigit():
        qs = qs.filter(scope_code__startswith=province)
    return qs.order_by("scope_code", "unit_name", "name", "pk")


def legacy_overdue(*, user: Any, today: dt.date | None = None) -> QuerySet[LegacyInventoryItem]:
    """Items still unfiled after 2026-07-25, in the user's jurisdiction (R-15)."""
    return legacy_items(user=user, state="overdue", today=today)


def legacy_overdue_by_region(*, user: Any, today: dt.date | None = None) -> list[tuple[str, int]]:
    """Overdue counts per province (scope prefix), for the summary."""
    counts: dict[str, int] = defaultdict(int)
    for scope in legacy_overdue(user=user, today=today).values_list("scope_code", flat=True):
        counts[CENTRAL if scope == CENTRAL else scope[:2]] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
