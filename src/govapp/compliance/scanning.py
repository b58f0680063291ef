"""Old home of package scanning, kept only so that task rows queued before scanning moved to
:mod:`govapp.scans` (whose ``task_path`` is ``govapp.compliance.scanning.<name>``) still run:
django-tasks-db imports a row's task by that path. New code imports ``govapp.scans``."""

from __future__ import annotations

from govapp.scans.tasks import requeue_stale_scans_task, run_package_scan

__all__ = ["requeue_stale_scans_task", "run_package_scan"]
