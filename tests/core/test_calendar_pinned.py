"""``core.calendar.calendar_pinned``: batch jobs count many deadlines on one snapshot."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govapp.core.calendar import add_working_days, calendar_pinned, get_calendar
from govapp.core.models import CalendarDay, CalendarSource, CalendarYear, DayKind

pytestmark = pytest.mark.django_db


def test_pinned_calendar_answers_without_queries_and_unpins_after():
    start = dt.date(2031, 9, 30)
    with calendar_pinned() as cal:
        with CaptureQueriesContext(connection) as q:
            for _ in range(50):
                assert get_calendar() is cal
                add_working_days(start, 3)
        assert len(q.captured_queries) == 0
        # data changed inside the block: the pinned snapshot does not see it ...
        CalendarYear.objects.create(year=2031, source=CalendarSource.MANUAL)
        CalendarDay.objects.create(date=dt.date(2031, 10, 1), kind=DayKind.HOLIDAY)
        assert add_working_days(start, 1).date == dt.date(2031, 10, 1)
    # ... the next caller after the block does
    assert add_working_days(start, 1).date == dt.date(2031, 10, 2)
