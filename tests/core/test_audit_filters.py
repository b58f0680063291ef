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


def test_figures_are_kept_until_the_next_audited_change():
    """core.selectors.cached_until_changed: a figure is computed again after any audited
    change (every change of state writes an audit event), and kept per reader otherwise."""
    from govapp.core.audit import audit_record
    from govapp.core.selectors import cached_until_changed
    from tests import factories as f

    reader, other = f.regulator(None), f.regulator("44")
    calls: list[str] = []

    def figure(name: str) -> dict[str, int]:
        calls.append(name)
        return {"n": len(calls)}

    assert cached_until_changed("t", reader, lambda: figure("a")) == {"n": 1}
    assert cached_until_changed("t", reader, lambda: figure("a")) == {"n": 1}
    assert cached_until_changed("t", other, lambda: figure("b")) == {"n": 2}  # its own
    audit_record(actor=reader, action="test.change", object_type="test", object_id=1)
    assert cached_until_changed("t", reader, lambda: figure("a")) == {"n": 3}
    assert calls == ["a", "b", "a"]


def test_compliance_dashboard_is_counted_again_after_an_audited_change():
    """The dashboard's aggregates over every finding in reach are read from the cache until
    an audited change (every change to findings is audited)."""
    from govapp.compliance.selectors import dashboard

    def finding_reads() -> int:
        with CaptureQueriesContext(connection) as ctx:
            dashboard(w.cac)
        return len([q for q in ctx.captured_queries if "compliance_finding" in q["sql"]])

    w = rf.world()
    assert finding_reads() > 0
    assert finding_reads() == 0  # from the cache
    rf.draft(w)  # audited changes elsewhere: counted again
    assert finding_reads() > 0
