"""``govapp audit verify`` streams the log in keyset chunks (issue 16): chunk boundaries do
not hide a break, and the command reports time and peak memory."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from govapp.core.audit import audit_record, audit_verify, events_in_order
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
