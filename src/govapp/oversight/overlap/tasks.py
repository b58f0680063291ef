"""Periodic follow-up of consolidation cases (registered in core/wiring.py PERIODIC_JOBS)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def overlap_cases_tick() -> dict[str, Any]:
    from govapp.oversight.overlap.services import cases_tick

    return cases_tick()
