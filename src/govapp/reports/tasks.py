"""Background tasks of the reports app (run by the worker; the periodic loop enqueues them)."""

from __future__ import annotations

from django_tasks import task

from govapp.reports import services


@task()
def refresh_snapshots() -> int:
    """Recompute the precomputed dashboard and scorecard figures."""
    return services.snapshots_refresh()


@task()
def run_schedules() -> int:
    """Generate the scheduled monthly and quarterly reports that are due."""
    return services.schedules_run()


@task()
def write_opendata_snapshot() -> bool:
    """Keep today's copy of the open-data files."""
    return services.opendata_snapshot_write()


@task()
def build_opendata_live_files() -> list[str]:
    """Build the live registry.json and registry.csv of the current registry version ahead of
    the first download after a change (each is built once per version; see opendata.live_file)."""
    from govapp.reports import opendata

    return [str(opendata.live_file(ext)[0] or "") for ext in ("json", "csv")]
