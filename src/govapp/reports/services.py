"""Writes of the reports app: its own tables and files only (it never writes another app's data).

- :func:`snapshots_refresh` recomputes the precomputed figures (the periodic loop, every 5 min).
  Precomputed figures are derived data, re-creatable at any time: refreshing them writes no
  audit event.
- :func:`report_generate`, :func:`schedule_set`: a regulator's acts, each audited.
- :func:`schedules_run`: the periodic loop generates the reports that schedules are due for.
- :func:`opendata_snapshot_write`: the day's open-data files (the periodic loop, daily).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govapp.core.actor import Actor
from govapp.core.audit import audit_record
from govapp.core.calendar import today_shanghai
from govapp.core.errors import InvalidInput, NotAllowed
from govapp.core.permissions import active_grants
from govapp.orgs.models import Division, User
from govapp.reports import opendata
from govapp.reports.content import period_bounds, previous_period, report_data
from govapp.reports.models import GeneratedReport, PeriodKind, ReportSchedule, Snapshot
from govapp.reports.selectors import (
    DASHBOARD,
    SCORECARD,
    Result,
    can_generate_reports,
    compute_dashboard,
    compute_scorecard,
    data_version,
    jurisdiction_reader,
    live_budget_ms,
    timed,
)

OPENDATA_KEEP_DAYS = 400


def snapshot_put(
    *, kind: str, scope_code: str, data: dict[str, Any], elapsed_ms: int, audit_seq: int
) -> Snapshot:
    snap, _created = Snapshot.objects.update_or_create(
        kind=kind,
        scope_code=scope_code,
        defaults={
            "data": data,
            "elapsed_ms": elapsed_ms,
            "audit_seq": audit_seq,
            "computed_at": timezone.now(),
        },
    )
    return snap


def snapshot_keep(*, kind: str, result: Result) -> None:
    """Keep figures a page just computed live when computing them was slow, so the next
    reader of the same jurisdiction gets them at once (see selectors)."""
    if result.snapshot or result.reach is None or result.elapsed_ms < live_budget_ms():
        return
    snapshot_put(
        kind=kind,
        scope_code=result.reach,
        data=result.data,
        elapsed_ms=result.elapsed_ms,
        audit_seq=result.seq,
    )


def _province_codes() -> list[str]:
    return list(Division.objects.filter(level=1).order_by("code").values_list("code", flat=True))


def snapshots_refresh(*, scopes: list[str] | None = None) -> int:
    """Recompute the dashboard and scorecard of the country and of every jurisdiction that has
    a kept snapshot (or of ``scopes``).  Returns how many snapshots were written."""
    written = 0
    if scopes is None:
        # The country, and every jurisdiction someone has looked at (a kept snapshot).
        scopes = sorted({"", *Snapshot.objects.values_list("scope_code", flat=True)})
    for scope in scopes:
        reader = jurisdiction_reader(scope)
        seq = data_version()
        data, ms = timed(lambda reader=reader: compute_dashboard(reader))  # type: ignore[misc]
        snapshot_put(kind=DASHBOARD, scope_code=scope, data=data, elapsed_ms=ms, audit_seq=seq)
        card, ms = timed(
            lambda reader=reader, scope=scope: compute_scorecard(reader, scope)  # type: ignore[misc]
        )
        snapshot_put(kind=SCORECARD, scope_code=scope, data=card, elapsed_ms=ms, audit_seq=seq)
        written += 2
    return written


# --- reports ------------------------------------------------------------------------------------


def _check_scope(actor: Actor, scope_code: str) -> None:
    """The actor must be a regulator whose jurisdiction covers ``scope_code``."""
    if getattr(actor, "is_superuser", False):
        return
    if not can_generate_reports(actor):
        raise NotAllowed(_("只有监管人员可以生成和订阅统计报告。"))
    for g in active_grants(actor):
        if g.role in (
            "national_regulator",
            "provincial_cac_reviewer",
            "provincial_gsa_reviewer",
        ) and (g.division_id is None or scope_code.startswith(g.division_id)):
            return
    raise NotAllowed(
        _("所选地区不在您的管辖范围内。"), {"scope_code": _("所选地区不在您的管辖范围内。")}
    )


def _validate(scope_code: str, kind: str) -> None:
    if kind not in PeriodKind.values:
        raise InvalidInput(_("请选择月报或季报。"), {"period_kind": _("请选择月报或季报。")})
    if scope_code and not Division.objects.filter(code=scope_code).exists():
        raise InvalidInput(_("没有这个行政区划代码。"), {"scope_code": _("没有这个行政区划代码。")})


def report_generate(
    *,
    scope_code: str,
    period_kind: str,
    year: int,
    number: int,
    actor: User | None,
    schedule: ReportSchedule | None = None,
) -> GeneratedReport:
    """Compute and keep one report for ``scope_code`` ('' = national) and one period.
    ``actor`` None means the periodic loop acting on ``schedule``."""
    _validate(scope_code, period_kind)
    if actor is not None:
        _check_scope(actor, scope_code)
    try:
        start, end = period_bounds(period_kind, year, number)
    except ValueError as exc:
        raise InvalidInput(_("统计期间不正确。"), {"number": _("统计期间不正确。")}) from exc
    if start > today_shanghai():
        raise InvalidInput(_("统计期间尚未开始。"), {"number": _("统计期间尚未开始。")})
    data = report_data(
        jurisdiction_reader(scope_code),
        scope_code=scope_code,
        kind=period_kind,
        start=start,
        end=end,
    )
    with transaction.atomic():
        report = GeneratedReport.objects.create(
            scope_code=scope_code,
            period_kind=period_kind,
            period_start=start,
            period_end=end,
            title=data["title"],
            data=data,
            schedule=schedule,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(
            actor=actor,
            action="report.generate",
            obj=report,
            object_repr=report.title,
            after={
                "scope_code": scope_code,
                "period_kind": period_kind,
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
                "schedule": schedule.pk if schedule else None,
            },
            scope_code=scope_code,
        )
    return report


def schedule_set(*, scope_code: str, period_kind: str, active: bool, actor: User) -> ReportSchedule:
    """Start (or stop) generating this jurisdiction's monthly or quarterly report."""
    _validate(scope_code, period_kind)
    _check_scope(actor, scope_code)
    with transaction.atomic():
        schedule, created = ReportSchedule.objects.select_for_update().get_or_create(
            scope_code=scope_code,
            period_kind=period_kind,
            defaults={"active": active, "created_by": actor},
        )
        before = None if created else {"active": schedule.active}
        if not created and schedule.active != active:
            schedule.active = active
            schedule.save(update_fields=["active"])
        audit_record(
            actor=actor,
            action="report.schedule",
            obj=schedule,
            before=before,
            after={"scope_code": scope_code, "period_kind": period_kind, "active": active},
            scope_code=scope_code,
        )
    return schedule


def schedules_run(*, today: dt.date | None = None) -> int:
    """Generate each active schedule's report for the last complete period, once."""
    today = today or today_shanghai()
    made = 0
    for schedule in ReportSchedule.objects.filter(active=True):
        year, number = previous_period(schedule.period_kind, today)
        start, _end = period_bounds(schedule.period_kind, year, number)
        if GeneratedReport.objects.filter(
            schedule=schedule, period_start=start, period_kind=schedule.period_kind
        ).exists():
            continue
        report_generate(
            scope_code=schedule.scope_code,
            period_kind=schedule.period_kind,
            year=year,
            number=number,
            actor=None,
            schedule=schedule,
        )
        made += 1
    return made


# --- open data ------------------------------------------------------------------------------------


def opendata_snapshot_write(*, day: dt.date | None = None, force: bool = False) -> bool:
    """Write today's registry.csv and registry.json under MEDIA_ROOT/opendata (atomically:
    a temporary file renamed into place); drop snapshots older than 400 days.  Returns False
    when today's files already exist (unless ``force``)."""
    day = day or today_shanghai()
    paths = opendata.snapshot_paths(day)
    if not force and all(p.is_file() for p in paths.values()):
        return False
    base = opendata.snapshot_dir()
    base.mkdir(parents=True, exist_ok=True)
    items = list(opendata.records())
    for ext, stream in (("csv", opendata.csv_stream), ("json", opendata.json_stream)):
        tmp = paths[ext].with_suffix(f".{ext}.tmp")
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            for chunk in stream(iter(items)):
                fh.write(chunk)
        os.replace(tmp, paths[ext])
    cutoff = day - dt.timedelta(days=OPENDATA_KEEP_DAYS)
    for snap in opendata.snapshots():
        if dt.date.fromisoformat(snap["date"]) < cutoff:
            for p in opendata.snapshot_paths(dt.date.fromisoformat(snap["date"])).values():
                p.unlink(missing_ok=True)
    return True
