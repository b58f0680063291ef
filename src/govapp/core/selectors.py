"""Reads for core data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from govapp.core.models import AuditEvent
from govapp.core.permissions import can_read_audit, restrict


def audit_events(
    *,
    user: Any,
    object_type: str = "",
    object_id: str = "",
    actor: str = "",
    action: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[AuditEvent]:
    if not can_read_audit(user):
        return AuditEvent.objects.none()
    qs = restrict(AuditEvent.objects.all(), user, "view")
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    if action:
        qs = qs.filter(action__startswith=action)
    if since:
        qs = qs.filter(time__gte=since)
    if until:
        qs = qs.filter(time__lte=until)
    return qs.order_by("-seq")
