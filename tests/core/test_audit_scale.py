"""``govapp audit verify`` streams the log in keyset chunks (issue 16): chunk boundaries do
not hide a break, and the command reports time and peak memory."""

from __future__ import annotations

import itertools

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govapp.core.audit import (
    audit_record,
    audit_record_many,
    audit_verify,
    event_hash,
    events_in_order,
)
from govapp.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _events(n: int) -> list[AuditEvent]:
    return [
        audit_record(actor=None, action="test.event", object_type="t", object_id=i, after={"i": i})
        for i in range(n)
    ]


def test_keyset_chunks_yield_every_event_once_in_order() -> None:
    _events(10)
    seqs = [e.seq for e in events_in_order(batch_size=3)]
    assert seqs == sorted(AuditEvent.objects.values_list("seq", flat=True))
    assert len(seqs) == len(set(seqs)) == AuditEvent.objects.count()


@pytest.mark.parametrize("bad", [2, 3, 5, 6])  # at, before and after chunk boundaries (3)
def test_a_break_at_a_chunk_boundary_is_found(bad: int) -> None:
    events = _events(9)
    AuditEvent.objects.filter(pk=events[bad].pk).update(after={"i": "forged"})
    result = audit_verify(batch_size=3)
    assert not result.ok
    assert result.first_bad_seq == events[bad].seq
    assert result.checked == bad + 1 + (AuditEvent.objects.count() - len(events))


def test_a_gap_at_a_chunk_boundary_is_found() -> None:
    events = _events(9)
    AuditEvent.objects.filter(pk=events[3].pk).delete()
    result = audit_verify(batch_size=3)
    assert not result.ok and "missing" in result.reason


def test_command_reports_time_and_peak_memory(capsys: pytest.CaptureFixture[str]) -> None:
    _events(3)
    call_command("audit", "verify")
    captured = capsys.readouterr()
    assert "OK" in captured.out
    assert "peak memory" in captured.err and "MiB" in captured.err


def test_verify_reads_only_the_chain_columns_in_keyset_chunks() -> None:
    """Each chunk is one ``seq > last`` range query over the hashed columns (not ``SELECT *``
    of model instances), so a million events are a few hundred small queries."""
    _events(7)
    with CaptureQueriesContext(connection) as ctx:
        assert audit_verify(batch_size=3).ok
    reads = [q["sql"] for q in ctx.captured_queries if '"core_auditevent"' in q["sql"]]
    assert len(reads) == 3  # 3 + 3 + 1 rows: the short chunk ends the walk
    assert all("ORDER BY" in sql and "LIMIT 3" in sql for sql in reads)
    assert all('"seq" >' in sql for sql in reads[1:])


def test_record_many_chains_like_one_at_a_time() -> None:
    """``audit_record_many`` writes the events ``audit_record`` would, in one locked append:
    consecutive sequence numbers, each linked to the one before, hashes that verify."""
    first = audit_record(actor=None, action="test.one", object_type="t", object_id=0)
    with CaptureQueriesContext(connection) as ctx:
        n = audit_record_many(
            actor=None,
            events=[
                {"action": "test.many", "object_type": "t", "object_id": i, "after": {"i": i}}
                for i in range(1, 2501)
            ],
        )
    assert n == 2500
    # head lock, the inserts (1,000 rows each on PostgreSQL; SQLite's variable limit makes
    # them about 70 rows each), head update: not one query per event
    assert len(ctx.captured_queries) <= (8 if connection.vendor == "postgresql" else 45)
    rows = list(AuditEvent.objects.filter(seq__gt=first.seq).order_by("seq"))
    assert [e.seq for e in rows] == list(range(first.seq + 1, first.seq + 2501))
    assert rows[0].prev_hash == first.hash
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert all(event_hash(e) == e.hash for e in rows)
    assert rows[-1].after == {"i": 2500}
    assert audit_verify().ok
    assert audit_record_many(actor=None, events=[]) == 0
