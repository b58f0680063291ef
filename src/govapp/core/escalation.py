"""Marking overdue work as escalated (rectification orders, retirement cases ...): each row is
locked, marked once with ``escalated_at`` and audited; a row another worker marked first is
skipped.  The row's model needs ``escalated_at`` and ``deadline`` fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from govapp.core.audit import audit_record


def escalate_overdue(rows: Iterable[Any], *, action: str, today: dt.date) -> int:
    """Mark each of ``rows`` escalated (audit action ``action``); returns how many were."""
    n = 0
    for row in rows:
        with transaction.atomic():
            locked = type(row)._default_manager.select_for_update().get(pk=row.pk)
            if locked.escalated_at is not None:
                continue
            locked.escalated_at = timezone.now()
            locked.save(update_fields=["escalated_at"])
            audit_record(
                actor=None,
                action=action,
                obj=locked,
                after={"deadline": locked.deadline, "overdue_since": today},
            )
        n += 1
    return n
