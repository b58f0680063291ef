"""Reads for core data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from govapp.core.actor import Actor
from govapp.core.models import AuditEvent
from govapp.core.permissions import can_read_audit, restrict

# Events about complaints are shown to the day, not the second: a staff login beside a
# report's arrival must not point to its author.  Events caused by the (anonymous) reporter
# are left out of the general list and appear only in the trail of their own object.
DAY_ONLY_PREFIX = "complaints."
REPORTER_ACTIONS = ("complaint.submit", "complaint.add_information")


def day_only(event: AuditEvent) -> bool:
    return event.object_type.startswith(DAY_ONLY_PREFIX)


def audit_day(event: AuditEvent) -> dt.date:
    return timezone.localtime(event.time).date()


def audit_events(
    *,
    user: Actor,
    object_type: str = "",
    object_id: str = "",
    actor: str = "",
    action: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    listing: bool = True,
) -> QuerySet[AuditEvent]:
    if not can_read_audit(user):
        return AuditEvent.objects.none()
    qs = restrict(AuditEvent.objects.all(), user, "view")
    if listing and not object_id:
        qs = qs.exclude(action__in=REPORTER_ACTIONS)
    coarse = Q(object_type__startswith=DAY_ONLY_PREFIX)
    if since:
        day = timezone.localtime(since).date()
        qs = qs.filter((~coarse & Q(time__gte=since)) | (coarse & Q(time__date__gte=day)))
    if until:
        day = timezone.localtime(until).date()
        qs = qs.filter((~coarse & Q(time__lte=until)) | (coarse & Q(time__date__lte=day)))
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    if action:
        qs = qs.filter(action__startswith=action)
    return qs.order_by("-seq")


# The audit log's filter choices are the actions and object types present in the reader's
# reach.  Finding them is a DISTINCT over every event in reach (a million rows at national
# scale, hundreds of milliseconds), so they are kept per reader for a few minutes: a kind of
# event that appears for the first time shows up in the choices at most this much later (the
# filter itself accepts any value meanwhile).
AUDIT_FILTERS_SECONDS = 600


def audit_filter_values(user: Actor) -> tuple[list[str], list[str]]:
    """(actions, object types) of the events ``user`` may read, from the shared cache."""
    from django.core.cache import cache

    joined = getattr(user, "date_joined", None)  # a re-used primary key is another person
    key = f"govapp:audit-filters:{getattr(user, 'pk', '')}:{joined.timestamp() if joined else ''}"
    hit = cache.get(key)
    if hit is not None:
        return list(hit[0]), list(hit[1])
    seen = audit_events(user=user).order_by()
    actions = list(seen.values_list("action", flat=True).distinct()[:500])
    types = list(seen.values_list("object_type", flat=True).distinct()[:200])
    cache.set(key, (actions, types), AUDIT_FILTERS_SECONDS)
    return actions, types


def audited_data_version() -> int:
    """The audit chain's length: every change of state writes an audit event (house rule 2),
    so while it stands still nothing that a figure counts has changed.  One row by key."""
    from govapp.core.models import AuditHead

    return int(AuditHead.objects.filter(id=1).values_list("last_seq", flat=True).first() or 0)


def cached_until_changed(kind: str, user: Actor, compute: Any, *, seconds: int = 300) -> Any:
    """``compute()`` for ``user``, kept in the shared cache while no audited change happened
    anywhere (:func:`audited_data_version`) and for at most ``seconds``: figures over a whole
    country's rows (issue 16: aggregates precomputed where needed) that are exact whenever
    they are shown."""
    from django.core.cache import cache
    from django.utils.translation import get_language

    joined = getattr(user, "date_joined", None)  # a re-used primary key is another person
    key = (
        f"govapp:figures:{kind}:{getattr(user, 'pk', '')}:"
        f"{joined.timestamp() if joined else ''}:{get_language()}"
    )
    version = audited_data_version()
    hit = cache.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    value = compute()
    cache.set(key, (version, value), seconds)
    return value
