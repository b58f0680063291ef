"""Tasks of package scanning (run by the worker). Their dotted paths are stored in queued task
rows; the paths they had before scans left compliance still resolve to these same tasks through
:mod:`govapp.compliance.scanning`."""

from __future__ import annotations

from django_tasks import task


@task()
def run_package_scan(scan_id: int) -> str:
    """Task entry point: run one scan (idempotent: a finished scan is not rescanned)."""
    from govapp.scans.services import package_scan_run

    scan = package_scan_run(scan_id=scan_id)
    return scan.status


@task()
def requeue_stale_scans_task() -> int:
    """Periodic (core.wiring): scans left running by a killed worker go back on the queue."""
    from govapp.scans.services import requeue_stale_scans

    return requeue_stale_scans()
