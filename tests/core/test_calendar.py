"""Working days across 2026's official holidays and the 2026/2027 boundary (R-12)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from govapp.core.calendar import (
    add_working_days,
    get_calendar,
    is_working_day,
    recompute_deadlines,
    working_days_between,
)
from govapp.core.errors import InvalidInput
from govapp.core.models import AuditEvent, CalendarYear
from govapp.core.services import calendar_year_delete, calendar_year_set, parse_schedule

pytestmark = pytest.mark.django_db
D = dt.date

# The State Council's 2027 schedule as a regulator would enter it (a fictional but
# well-formed schedule: these tests only need the mechanism).
SCHEDULE_2027 = """date,kind,name
2027-01-01,休,元旦
2027-02-05,休,春节
2027-02-08,休,春节
2027-02-09,休,春节
2027-02-10,休,春节
2027-02-11,休,春节
2027-02-06,班,春节
2027-02-20,班,春节
"""


def test_seeded_from_chinese_calendar_up_to_2026() -> None:
    years = set(CalendarYear.objects.values_list("year", flat=True))
    assert {2024, 2025, 2026} <= years
    assert 2027 not in years


def test_spring_festival_2026_with_make_up_saturdays() -> None:
    # 2026 Spring Festival: Feb 15-23 off; Sat Feb 14 and Sat Feb 28 are worked.
    assert is_working_day(D(2026, 2, 14))  # Saturday, worked
    assert not is_working_day(D(2026, 2, 16))  # Monday, holiday
    assert not is_working_day(D(2026, 2, 23))
    assert is_working_day(D(2026, 2, 24))
    assert is_working_day(D(2026, 2, 28))  # Saturday, worked
    # Friday Feb 13 + 1 working day is the worked Saturday, + 2 is Tuesday Feb 24.
    assert add_working_days(D(2026, 2, 13), 1).date == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 13), 2).date == D(2026, 2, 24)
    # Feb 14, 24, 25, 26, 27, 28 (worked Saturday), Mar 2, 3, 4, 5.
    assert add_working_days(D(2026, 2, 13), 10).date == D(2026, 3, 5)
    assert not add_working_days(D(2026, 2, 13), 10).provisional


def test_national_day_2026() -> None:
    # 2026 National Day: Oct 1-7 off; Sat Sep 20 and Sat Oct 10 are worked.
    assert not is_working_day(D(2026, 10, 1))
    assert not is_working_day(D(2026, 10, 7))
    assert is_working_day(D(2026, 10, 10))
    assert is_working_day(D(2026, 9, 20))
    # Oct 8 (Thu), Oct 9 (Fri), Oct 10 (Sat, worked) and Oct 12 (Mon); Oct 11 is a Sunday.
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 12)) == 4


def test_working_days_between_is_antisymmetric() -> None:
    a, b = D(2026, 9, 25), D(2026, 10, 20)
    assert working_days_between(a, b) == -working_days_between(b, a)
    assert working_days_between(a, a) == 0


SEEN_YEARS: list[int] = []


def spy_recomputer(year: int) -> int:
    """A deadline recomputer listed in core.wiring by the tests below."""
    SEEN_YEARS.append(year)
    return 1


@pytest.fixture
def spy_wired(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from govapp.core import wiring

    SEEN_YEARS.clear()
    monkeypatch.setattr(
        wiring,
        "DEADLINE_RECOMPUTERS",
        (*wiring.DEADLINE_RECOMPUTERS, "tests.core.test_calendar.spy_recomputer"),
    )
    return SEEN_YEARS


def test_deadline_into_2027_is_provisional_then_recomputed(
    django_capture_on_commit_callbacks: Any, spy_wired: list[int]
) -> None:
    start = D(2026, 12, 25)  # Friday
    before = add_working_days(start, 10)
    assert before.provisional
    # Monday to Friday: Dec 28-31 (4), Jan 1 Fri (5), Jan 4-8 (10).
    assert before.date == D(2027, 1, 8)
    seen = spy_wired
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_set(
            actor=None, year=2027, days=parse_schedule(SCHEDULE_2027, year=2027), notice="通知"
        )
    after = add_working_days(start, 10)
    assert not after.provisional
    assert after.date == D(2027, 1, 11)  # Jan 1 is now a holiday
    assert 2027 in seen
    assert AuditEvent.objects.filter(action="calendar.year_create").exists()
    # Across the Spring Festival of the entered schedule, with its worked Saturday.
    assert add_working_days(D(2027, 2, 4), 1).date == D(2027, 2, 6)
    assert add_working_days(D(2027, 2, 4), 2).date == D(2027, 2, 12)


def test_deleting_a_year_makes_it_provisional_again() -> None:
    calendar_year_set(actor=None, year=2027, days=parse_schedule(SCHEDULE_2027, year=2027))
    assert not add_working_days(D(2027, 1, 4), 3).provisional
    calendar_year_delete(actor=None, year=2027)
    assert add_working_days(D(2027, 1, 4), 3).provisional
    assert 2027 not in get_calendar().known_years


def test_schedule_errors_name_every_bad_line() -> None:
    text = "2027-01-01,休,元旦\n2027-13-01,休,x\n2027-01-04,班,not a weekend\n2026-05-01,休,y\n2027-01-01,休,dup\n2027-01-09,maybe\n"
    with pytest.raises(InvalidInput) as exc:
        parse_schedule(text, year=2027)
    msgs = exc.value.messages
    assert len(msgs) == 5
    assert msgs[0].startswith("第 2 行")
    assert any(m.startswith("第 3 行") for m in msgs)
    assert any(m.startswith("第 6 行") for m in msgs)
    # each line's problem under its own key, the first as the sentence
    assert set(exc.value.errors) == {f"schedule.{n}" for n in (2, 3, 4, 5, 6)}
    assert exc.value.message == msgs[0]
    # Nothing was stored.
    assert 2027 not in get_calendar().known_years


def test_recompute_is_called_for_the_year(spy_wired: list[int]) -> None:
    assert recompute_deadlines(2030) >= 1
    assert 2030 in spy_wired
