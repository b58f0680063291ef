"""Background tasks of the campaigns (django-tasks; enqueued by govapp periodic)."""

from __future__ import annotations

from django_tasks import task

from govapp.oversight.campaigns.services import campaigns_remind


@task()
def campaigns_remind_task() -> str:
    """Remind units of self-inspection tasks due soon; escalate overdue ones."""
    out = campaigns_remind()
    return f"reminded: {out['reminded']}; escalated: {out['escalated']}"
