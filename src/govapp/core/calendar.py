"""China's working-day calendar (R-12).

Holidays and worked weekend days (调休) are data in the database (``CalendarDay``), seeded
from the chinese-calendar package for the years it knows; a regulator enters each new year's
official schedule when the State Council publishes it (``CalendarYear``).  A date in a year
with no known schedule is computed Monday to Friday, and any result that depends on such a
year is *provisional*.  Deadlines are counted in Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Max

from govapp.core.models import CalendarDay, CalendarYear, DayKind

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_WORKING_DAYS = 3660


@dataclass(frozen=True)
class Deadline:
    date: dt.date
    provisional: bool

    def __str__(self) -> str:
        return self.date.isoformat() + (" (provisional)" if self.provisional else "")


class WorkCalendar:
    """A snapshot of the calendar data; cheap to query many times."""

    def __init__(self, known_years: set[int], days: dict[dt.date, str]) -> None:
        self.known_years = known_years
        self.days = days

    def is_known(self, day: dt.date) -> bool:
        return day.year in self.known_years

    def is_working_day(self, day: dt.date) -> bool:
        kind = self.days.get(day) if day.year in self.known_years else None
        if kind == DayKind.HOLIDAY:
            return False
        if kind == DayKind.WORKDAY:
            return True
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, n: int) -> Deadline:
        """The n-th working day after ``start`` (``start`` itself not counted; n=0 is start)."""
        if n < 0 or n > MAX_WORKING_DAYS:
            raise ValueError("n must be between 0 and 3660 working days")
        day = start
        provisional = False
        remaining = n
        while remaining > 0:
            day += dt.timedelta(days=1)
            provisional = provisional or not self.is_known(day)
            if self.is_working_day(day):
                remaining -= 1
        return Deadline(day, provisional)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def range_is_provisional(self, start: dt.date, end: dt.date) -> bool:
        lo, hi = min(start, end), max(start, end)
        return any(y not in self.known_years for y in range(lo.year, hi.year + 1))


_cache: dict[str, object] = {}


def _version() -> tuple[object, ...]:
    years = CalendarYear.objects.aggregate(n=Count("year"), t=Max("updated_at"))
    days = CalendarDay.objects.aggregate(n=Count("date"), d=Max("date"))
    return (years["n"], years["t"], days["n"], days["d"])


_PINNED: ContextVar[WorkCalendar | None] = ContextVar("govapp_calendar_pinned", default=None)


@contextmanager
def calendar_pinned() -> Iterator[WorkCalendar]:
    """Within the block :func:`get_calendar` answers one snapshot without checking the data's
    version each time: for batch jobs that count deadlines for thousands of rows (two queries
    per deadline otherwise; ``govapp compliance evaluate``)."""
    token = _PINNED.set(get_calendar())
    try:
        cal = _PINNED.get()
        assert cal is not None
        yield cal
    finally:
        _PINNED.reset(token)


def get_calendar() -> WorkCalendar:
    """The current calendar, reloaded when the data changed (checked with one cheap query)."""
    pinned = _PINNED.get()
    if pinned is not None:
        return pinned
    version = _version()
    cal = _cache.get("cal")
    if cal is None or _cache.get("version") != version:
        cal = WorkCalendar(
            set(CalendarYear.objects.values_list("year", flat=True)),
            dict(CalendarDay.objects.values_list("date", "kind")),
        )
        _cache["cal"] = cal
        _cache["version"] = version
    assert isinstance(cal, WorkCalendar)
    return cal


def today_shanghai() -> dt.date:
    return dt.datetime.now(SHANGHAI).date()


def local_date(value: dt.datetime) -> dt.date:
    return value.astimezone(SHANGHAI).date()


def add_working_days(start: dt.date, n: int) -> Deadline:
    return get_calendar().add_working_days(start, n)


def working_days_between(start: dt.date, end: dt.date) -> int:
    return get_calendar().working_days_between(start, end)


def is_working_day(day: dt.date) -> bool:
    return get_calendar().is_working_day(day)


# Other apps register functions that recompute stored deadlines after a year's schedule
# changes (e.g. provisional review deadlines that ran into that year).
def recompute_deadlines(year: int) -> int:
    """Recompute provisional deadlines in every app (core.wiring.DEADLINE_RECOMPUTERS)."""
    from govapp.core import wiring
    from govapp.core.tasks import resolve

    return sum(resolve(path)(year) for path in wiring.DEADLINE_RECOMPUTERS)


def chinese_calendar_days(years: range | None = None) -> dict[int, dict[dt.date, tuple[str, str]]]:
    """Holidays on weekdays and worked weekend days from chinese-calendar, by year."""
    import chinese_calendar

    out: dict[int, dict[dt.date, tuple[str, str]]] = {}
    for day, name in chinese_calendar.holidays.items():
        if day.weekday() < 5 and (years is None or day.year in years):
            out.setdefault(day.year, {})[day] = (DayKind.HOLIDAY, str(name or ""))
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5 and (years is None or day.year in years):
            out.setdefault(day.year, {})[day] = (DayKind.WORKDAY, str(name or ""))
    return out


def chinese_calendar_years() -> list[int]:
    """Years chinese-calendar covers completely (it knows holidays up to its last year)."""
    import chinese_calendar

    last = max(d.year for d in chinese_calendar.holidays)
    first = min(d.year for d in chinese_calendar.holidays)
    return list(range(first, last + 1))


def _holiday_words() -> dict[str, Any]:
    from django.utils.translation import gettext_lazy

    pairs = [
        (("New Year's Day", "元旦"), gettext_lazy("元旦")),
        (("Spring Festival", "春节"), gettext_lazy("春节")),
        (("Tomb-sweeping Day", "清明节", "清明"), gettext_lazy("清明节")),
        (("Labour Day", "劳动节"), gettext_lazy("劳动节")),
        (("Dragon Boat Festival", "端午节", "端午"), gettext_lazy("端午节")),
        (("Mid-autumn Festival", "中秋节", "中秋"), gettext_lazy("中秋节")),
        (("National Day", "国庆节", "国庆"), gettext_lazy("国庆节")),
        (
            ("Anti-Fascist 70th Day", "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日"),
            gettext_lazy("抗战胜利70周年纪念日"),
        ),
    ]
    return {name: label for names, label in pairs for name in names}


def holiday_label(name: str) -> str:
    """A holiday's name in the reader's language, whether it came from chinese-calendar
    (English) or was typed in Chinese; other names are shown as typed."""
    return str(_holiday_words().get((name or "").strip(), name))
