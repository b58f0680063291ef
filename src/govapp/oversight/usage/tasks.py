"""Background tasks of usage oversight (django-tasks; enqueued by the periodic loop)."""

from __future__ import annotations

from django_tasks import task

from govapp.core.calendar import today_shanghai
from govapp.oversight.usage import services


@task()
def usage_close_past_days() -> int:
    """After midnight Asia/Shanghai: write yesterday's counts and destroy its salt and keys."""
    return services.usage_close_day(before=today_shanghai()).apps


@task()
def usage_evaluate_and_escalate() -> int:
    """Re-evaluate low use for the last complete month and escalate overdue cases."""
    services.lowuse_evaluate()
    return services.cases_escalate()
