"""The hash-chained audit log: recorded in the same transaction, verified, tamper detected."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from govapp.core.audit import audit_record, audit_verify
from govapp.core.models import AuditEvent
from govapp.orgs.models import Unit, UnitKind
from govapp.orgs.services import unit_update
from tests import factories as f

pytestmark = pytest.mark.django_db


def _events(n: int) -> list[AuditEvent]:
    return [
        audit_record(actor=None, action="test.event", object_type="t", object_id=i, after={"i": i})
        for i in range(n)
    ]


def test_every_change_writes_an_event_with_before_and_after() -> None:
    actor = f.regulator()
    unit = f.unit("440106", name="旧名称")
    unit_update(actor=actor, unit=unit, name="新名称")
    event = AuditEvent.objects.filter(action="unit.update").get()
    assert event.before == {"name": "旧名称"}
    assert event.after == {"name": "新名称"}
    assert event.actor_name == actor.username
    assert event.object_type == "orgs.unit"
    assert event.object_id == str(unit.pk)
    assert event.scope_code == "440106"
    assert len(event.hash) == 64


def test_event_rolls_back_with_the_change() -> None:
    unit = f.unit("440106", name="甲")
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        unit_update(actor=None, unit=unit, name="乙")
        raise RuntimeError("boom")
    assert AuditEvent.objects.count() == before
    assert Unit.objects.get(pk=unit.pk).name == "甲"
    assert audit_verify().ok


def test_untouched_log_verifies_ok() -> None:
    _events(5)
    result = audit_verify()
    assert result.ok
    assert result.checked == AuditEvent.objects.count()


def test_altered_row_is_named() -> None:
    events = _events(6)
    AuditEvent.objects.filter(pk=events[3].pk).update(after={"i": 999})
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == events[3].seq
    assert "altered" in result.reason


def test_altered_actor_name_is_detected() -> None:
    events = _events(3)
    AuditEvent.objects.filter(pk=events[0].pk).update(actor_name="somebody-else")
    assert audit_verify().first_bad_seq == events[0].seq


def test_deleted_row_is_named() -> None:
    events = _events(6)
    AuditEvent.objects.filter(pk=events[2].pk).delete()
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == events[3].seq
    assert "missing" in result.reason


def test_deleted_newest_row_is_detected_through_the_head() -> None:
    events = _events(4)
    AuditEvent.objects.filter(pk=events[-1].pk).delete()
    result = audit_verify()
    assert not result.ok
    assert "newest" in result.reason


def test_reordered_rows_are_detected() -> None:
    events = _events(6)
    a, b = events[1], events[4]
    # Swap the positions of two events (their sequence numbers), keeping their own hashes.
    AuditEvent.objects.filter(pk=a.pk).update(seq=-1)
    AuditEvent.objects.filter(pk=b.pk).update(seq=a.seq)
    AuditEvent.objects.filter(pk=a.pk).update(seq=b.seq)
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == a.seq


def test_rewritten_chain_with_recomputed_hash_is_still_caught_by_the_next_link() -> None:
    from govapp.core.audit import event_hash

    events = _events(4)
    e = AuditEvent.objects.get(pk=events[1].pk)
    e.after = {"i": "forged"}
    e.hash = event_hash(e)
    e.save()
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == events[2].seq


def test_verify_command_ok_and_broken(capsys: pytest.CaptureFixture[str]) -> None:
    events = _events(3)
    call_command("audit", "verify")
    assert "OK" in capsys.readouterr().out
    AuditEvent.objects.filter(pk=events[1].pk).update(action="test.forged")
    with pytest.raises(CommandError, match=f"#{events[1].seq}"):
        call_command("audit", "verify")


def test_secrets_never_enter_the_log() -> None:
    f.user(username="secretive", password="very-secret-pass-1")
    for event in AuditEvent.objects.filter(action="user.create"):
        assert "password" not in (event.after or {})
        assert "very-secret" not in str(event.after)


def test_unit_kind_change_is_audited() -> None:
    unit = f.unit("5101")
    unit_update(actor=None, unit=unit, kind=UnitKind.PUBLIC_INSTITUTION)
    ev = AuditEvent.objects.filter(action="unit.update", object_id=str(unit.pk)).get()
    assert ev.after == {"kind": "public_institution"}
    assert ev.scope_code == "5101"


def test_who_saw_what_once_per_person_record_and_day(client: object) -> None:
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    boss = f.regulator(username="reader")
    target = f.user(unit_obj=f.unit("440106"), username="someone")
    c = Client()
    c.force_login(boss)
    for _ in range(3):
        assert c.get(f"/orgs/users/{target.pk}/").status_code == 200
    reads = AuditEvent.objects.filter(action="user.read", object_id=str(target.pk))
    assert reads.count() == 1
    assert reads.get().actor_name == "reader"
    assert audit_verify().ok
