"""Registers the reports app's navigation items and periodic jobs."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from govapp.core.context_processors import NAV_ITEMS
from govapp.core.periodic import periodic
from govapp.reports.selectors import can_read_reports, can_see_scorecard


def _enqueue_refresh() -> None:
    from govapp.reports.tasks import refresh_snapshots

    refresh_snapshots.enqueue()


def _enqueue_schedules() -> None:
    from govapp.reports.tasks import run_schedules

    run_schedules.enqueue()


def _enqueue_opendata() -> None:
    from govapp.reports.tasks import write_opendata_snapshot

    write_opendata_snapshot.enqueue()


NAV_ITEMS.extend(
    [
        ("reports:map", gettext_lazy("地图与趋势"), lambda u: True),
        ("reports:scorecard", gettext_lazy("地区对比"), can_see_scorecard),
        ("reports:reports", gettext_lazy("统计报告"), can_read_reports),
    ]
)
periodic("reports.refresh_snapshots", 300, _enqueue_refresh)
periodic("reports.run_schedules", 3600, _enqueue_schedules)
periodic("reports.opendata_snapshot", 3600, _enqueue_opendata)
