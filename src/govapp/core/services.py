"""Writes for core data: the working-day calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from govapp.core.actor import Actor
from govapp.core.audit import audit_record
from govapp.core.calendar import recompute_deadlines
from govapp.core.errors import InvalidInput
from govapp.core.models import CalendarDay, CalendarSource, CalendarYear, DayKind
from govapp.core.spreadsheets import Limits, SpreadsheetTooLarge, csv_records


@dataclass(frozen=True)
class DayEntry:
    date: dt.date
    kind: str
    name: str = ""


KIND_ALIASES = {
    "holiday": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "假": DayKind.HOLIDAY,
    "节假日": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY,
}


# a year has at most 366 days; comments and blank lines leave room
CALENDAR_LIMITS = Limits(rows=2000, columns=8, cell_chars=200)


def parse_schedule(text: str, *, year: int) -> list[DayEntry]:
    """Parse ``date,kind[,name]`` lines (CSV; kind holiday/workday or 休/班).  Every problem is
    reported with its line number; nothing is accepted if any line is wrong."""
    errors: dict[str, str] = {}  # "schedule.<line>" -> what is wrong there
    entries: dict[dt.date, DayEntry] = {}
    try:
        records = list(csv_records(text.strip(), CALENDAR_LIMITS))
    except SpreadsheetTooLarge as exc:
        raise InvalidInput(str(exc), {"schedule": str(exc)}) from exc
    for lineno, row in records:
        cells = [c.strip() for c in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if lineno == 1 and cells[0].lower() in {"date", "日期"}:
            continue
        if len(cells) < 2:
            errors[f"schedule.{lineno}"] = _("第 %(n)d 行：需要“日期,类型[,名称]”。") % {
                "n": lineno
            }
            continue
        try:
            day = dt.date.fromisoformat(cells[0])
        except ValueError:
            errors[f"schedule.{lineno}"] = _("第 %(n)d 行：日期“%(v)s”应为 YYYY-MM-DD。") % {
                "n": lineno,
                "v": cells[0],
            }
            continue
        kind = KIND_ALIASES.get(cells[1].lower()) or KIND_ALIASES.get(cells[1])
        if kind is None:
            errors[f"schedule.{lineno}"] = _(
                "第 %(n)d 行：类型“%(v)s”应为 holiday/休 或 workday/班。"
            ) % {"n": lineno, "v": cells[1]}
            continue
        if day.year != year:
            errors[f"schedule.{lineno}"] = _("第 %(n)d 行：%(d)s 不在 %(y)d 年。") % {
                "n": lineno,
                "d": day,
                "y": year,
            }
            continue
        if kind == DayKind.WORKDAY and day.weekday() < 5:
            errors[f"schedule.{lineno}"] = _(
                "第 %(n)d 行：%(d)s 本来就是工作日，不需要登记为调休上班日。"
            ) % {"n": lineno, "d": day}
            continue
        if day in entries:
            errors[f"schedule.{lineno}"] = _("第 %(n)d 行：%(d)s 重复。") % {"n": lineno, "d": day}
            continue
        entries[day] = DayEntry(day, kind, cells[2] if len(cells) > 2 else "")
    if errors:
        shown = dict(list(errors.items())[:50])
        if len(errors) > 50:
            shown["schedule"] = _("……另有 %(n)d 处错误未列出。") % {"n": len(errors) - 50}
        raise InvalidInput(next(iter(shown.values())), shown)
    if not entries:
        message = _("没有读到任何日期。")
        raise InvalidInput(message, {"schedule": message})
    return sorted(entries.values(), key=lambda e: e.date)


def calendar_year_set(
    *,
    actor: Actor,
    year: int,
    days: Iterable[DayEntry],
    source: str = CalendarSource.MANUAL,
    notice: str = "",
) -> CalendarYear:
    """Enter (or replace) one year's official schedule; stored deadlines that were provisional
    for this year are recomputed after commit."""
    if year < 2000 or year > 2100:
        message = _("年份超出范围。")
        raise InvalidInput(message, {"year": message})
    days = list(days)
    with transaction.atomic():
        before_days = list(
            CalendarDay.objects.filter(date__year=year).values_list("date", "kind", "name")
        )
        existed = CalendarYear.objects.filter(year=year).exists()
        CalendarDay.objects.filter(date__year=year).delete()
        # Weekend holidays are off anyway; only weekday holidays are stored.
        CalendarDay.objects.bulk_create(
            [
                CalendarDay(date=d.date, kind=d.kind, name=d.name)
                for d in days
                if not (d.kind == DayKind.HOLIDAY and d.date.weekday() >= 5)
            ]
        )
        cal_year, _created = CalendarYear.objects.update_or_create(
            year=year, defaults={"source": source, "notice": notice}
        )
        audit_record(
            actor=actor,
            action="calendar.year_update" if existed else "calendar.year_create",
            obj=cal_year,
            object_type="core.calendaryear",
            before={"days": [list(map(str, d)) for d in before_days]} if existed else None,
            after={
                "source": source,
                "notice": notice,
                "days": [[str(d.date), d.kind, d.name] for d in days],
            },
        )
        transaction.on_commit(lambda: recompute_deadlines(year))
    return cal_year


def calendar_year_delete(*, actor: Actor, year: int) -> None:
    with transaction.atomic():
        cal_year = CalendarYear.objects.select_for_update().filter(year=year).first()
        if cal_year is None:
            message = _("%(y)d 年没有录入节假日安排。") % {"y": year}
            raise InvalidInput(message, {"year": message})
        days = list(CalendarDay.objects.filter(date__year=year).values_list("date", "kind", "name"))
        CalendarDay.objects.filter(date__year=year).delete()
        audit_record(
            actor=actor,
            action="calendar.year_delete",
            obj=cal_year,
            object_type="core.calendaryear",
            before={"days": [list(map(str, d)) for d in days], "source": cal_year.source},
        )
        cal_year.delete()
        transaction.on_commit(lambda: recompute_deadlines(year))


def calendar_seed_from_package() -> int:
    """Load the years chinese-calendar knows that are not in the database yet (idempotent).
    The data migration does the same on a new database; returns the number of years added."""
    from govapp.core.calendar import chinese_calendar_days, chinese_calendar_years

    years = chinese_calendar_years()
    known = set(CalendarYear.objects.values_list("year", flat=True))
    missing = [y for y in years if y not in known]
    if not missing:
        return 0
    by_year = chinese_calendar_days(range(missing[0], missing[-1] + 1))
    with transaction.atomic():
        for year in missing:
            CalendarYear.objects.create(
                year=year, source=CalendarSource.CHINESE_CALENDAR, notice="chinese-calendar 1.11.0"
            )
            CalendarDay.objects.bulk_create(
                [
                    CalendarDay(date=d, kind=k, name=n)
                    for d, (k, n) in by_year.get(year, {}).items()
                ],
                ignore_conflicts=True,
            )
    return len(missing)
