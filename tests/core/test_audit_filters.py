"""The audit log page's filter choices (issue 16, national scale): the actions and object
types in the reader's reach, found once and kept per reader for a few minutes instead of a
DISTINCT over a million events on every page view."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.registry import factories as rf

pytestmark = pytest.mark.django_db


def _choices(response, key: str) -> set[str]:
    return {value for value, _label in response.context[key]}


def test_filter_choices_are_those_in_reach_and_kept_per_reader(client):
    gd = rf.world()
    sc = rf.world("510104")
    rf.draft(gd)
    rf.submitted(sc)
    client.force_login(gd.province)
    first = client.get("/audit/")
    assert first.status_code == 200
    actions = _choices(first, "actions")
    assert actions and "application.submit" not in actions  # Sichuan's submission: not in reach
    with CaptureQueriesContext(connection) as ctx:
        again = client.get("/audit/")
    assert _choices(again, "actions") == actions
    assert not [q for q in ctx.captured_queries if "DISTINCT" in q["sql"]]
    client.force_login(gd.cac)  # another reader: its own choices
    assert "application.submit" in _choices(client.get("/audit/"), "actions")
