"""Periodic jobs: deadlines that lapse, stale jobs, expiring decisions.

Apps register jobs with :func:`periodic`; ``govapp periodic`` runs them on their intervals
(``make demo`` starts it beside the web server and the task worker; in production run it as a
service, or from cron with ``--once``).  Each run enqueues the job on the task queue, so the
work itself happens in a worker, is retried there and is visible if it fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: int
    enqueue: Callable[[], Any]


JOBS: dict[str, PeriodicJob] = {}


def periodic(name: str, every_seconds: int, enqueue: Callable[[], Any]) -> None:
    """Register (or replace) a periodic job; ``enqueue`` puts one run on the task queue."""
    JOBS[name] = PeriodicJob(name, every_seconds, enqueue)
