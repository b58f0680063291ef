"""Periodic jobs: deadlines that lapse, stale jobs, expiring decisions.

The jobs are listed in :data:`govapp.core.wiring.PERIODIC_JOBS`; ``govapp periodic`` enqueues each
job's task on its interval (``make demo`` starts it beside the web server and the task worker; in
production run it as a service, or from cron with ``--once``). The work itself happens in a
worker, is retried there and is visible if it fails.
"""

from __future__ import annotations

from typing import Any

from govapp.core import wiring
from govapp.core.tasks import resolve
from govapp.core.wiring import PeriodicJob

__all__ = ["PeriodicJob", "enqueue", "jobs"]


def jobs() -> tuple[PeriodicJob, ...]:
    return wiring.PERIODIC_JOBS


def enqueue(job: PeriodicJob) -> Any:
    """Put one run of ``job`` on the task queue."""
    return resolve(job.task).enqueue()
