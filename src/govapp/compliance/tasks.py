"""Background tasks of the compliance engine (run by the worker; enqueued by govapp periodic)."""

from __future__ import annotations

from django_tasks import task

from govapp.compliance import services
from govapp.core.periodic import periodic


@task()
def compliance_tick() -> str:
    """Expire exemptions past their date (their findings reopen); escalate overdue orders."""
    expired = services.exemptions_expire()
    escalated = services.orders_escalate()
    offline = services.offline_reports_evaluate()
    return (
        f"exemptions expired: {expired}; orders escalated: {escalated}; "
        f"shutdown apps re-evaluated: {offline}"
    )


def _enqueue_tick() -> None:
    compliance_tick.enqueue()


periodic("compliance.tick", 3600, _enqueue_tick)
