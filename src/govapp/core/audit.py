"""Writing and verifying the hash-chained audit log (R-28, house style 2).

Every service that changes data calls :func:`audit_record` inside its own
``transaction.atomic`` block, so the change and its audit event commit or roll back together.

The chain is keyed: each event's hash is HMAC-SHA256 under the audit key, which lives outside
the database (``GOVAPP_AUDIT_KEY`` or the file ``GOVAPP_AUDIT_KEY_FILE``, default
var/audit_key), so someone who can edit rows cannot recompute a valid chain.  The head is
also anchored outside the database (:func:`audit_anchor`: a signed line appended to
``GOVAPP_AUDIT_ANCHOR_FILE`` by the periodic loop and ``govapp audit anchor``), so even a
rewrite by someone holding the key is caught against the anchors written before it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import hmac
import json
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import models, transaction
from django.utils import timezone

from govapp.core.actor import Actor
from govapp.core.bulk import copy_insert
from govapp.core.middleware import current_request_id
from govapp.core.models import AuditEvent, AuditHead

GENESIS = "0" * 64
SECRET_FIELDS = {"password", "key_hash", "receipt_hash", "token"}


def json_safe(value: Any) -> Any:
    """A value that survives a JSON round trip through any database unchanged."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [json_safe(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, models.Model):
        return value.pk if isinstance(value.pk, int | str) else str(value.pk)
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``obj`` (foreign keys by id), secrets left out."""
    data: dict[str, Any] = {}
    wanted = set(fields) if fields is not None else None
    for field in obj._meta.concrete_fields:
        if field.name in SECRET_FIELDS or (wanted is not None and field.name not in wanted):
            continue
        data[field.attname] = json_safe(getattr(obj, field.attname))
    return data


def diff(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys that changed, for compact events."""
    if before is None or after is None:
        return before or {}, after or {}
    keys = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _time_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# The key file's content by path: read once per process, not once per event (a million-event
# ``audit verify`` read the file a million times).  A key never changes under a running chain.
_KEY_FILES: dict[str, bytes] = {}


def audit_key() -> bytes:
    """The audit chain's key: ``GOVAPP_AUDIT_KEY``, else the key file (created once, 0600)."""
    from django.conf import settings

    configured = str(getattr(settings, "GOVAPP_AUDIT_KEY", "") or "")
    if configured:
        return configured.encode()
    path = settings.GOVAPP_AUDIT_KEY_FILE
    cached = _KEY_FILES.get(str(path))
    if cached:
        return cached
    try:
        key = path.read_bytes().strip()
        if key:
            _KEY_FILES[str(path)] = key
        return key
    except FileNotFoundError:
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_hex(32).encode())
        return path.read_bytes().strip()


def event_hash(event: Any, *, keyed: bool = True, key: bytes | None = None) -> str:
    """The hash of an :class:`AuditEvent` (or of any object with its fields as attributes,
    such as the rows ``audit verify`` streams); ``key``: the audit key when the caller
    already holds it (batch writers), else :func:`audit_key`."""
    payload = {
        "seq": event.seq,
        "time": _time_text(event.time),
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "before": event.before,
        "after": event.after,
        "request_id": event.request_id,
        "scope_code": event.scope_code,
        "unit_pk": event.unit_pk,
        "prev_hash": event.prev_hash,
    }
    if keyed:
        return hmac.new(key or audit_key(), _canonical(payload), hashlib.sha256).hexdigest()
    return hashlib.sha256(_canonical(payload)).hexdigest()


def _scope_of(obj: models.Model | None) -> tuple[str, int | None]:
    """The scope code and unit id of the object's owner, for jurisdiction-filtered reading."""
    if obj is None:
        return "", None
    jur = getattr(type(obj), "jurisdiction", None)
    if jur is None:
        return "", None

    def follow(path: str) -> Any:
        value: Any = obj
        for part in path.split("__"):
            if value is None:
                return None
            value = getattr(value, part, None)
        return value

    scope = follow(jur.scope)
    unit = follow(jur.unit)
    return (str(scope) if scope else ""), (int(unit) if unit else None)


def audit_record(
    *,
    actor: Actor | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    object_repr: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    scope_code: str | None = None,
    unit_pk: int | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction."""
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        obj_scope, obj_unit = _scope_of(obj)
        user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
        event = AuditEvent(
            seq=head.last_seq + 1,
            time=timezone.now(),
            actor_id=user.pk if user is not None else None,  # core names no User class
            actor_name=user.get_username() if user else "system",
            action=action,
            object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
            object_id=str(object_id if object_id is not None else (obj.pk if obj else "")),
            object_repr=(object_repr if object_repr is not None else str(obj or ""))[:255],
            before=json_safe(before) if before is not None else None,
            after=json_safe(after) if after is not None else None,
            request_id=current_request_id(),
            scope_code=scope_code if scope_code is not None else obj_scope,
            unit_pk=unit_pk if unit_pk is not None else obj_unit,
            prev_hash=head.last_hash,
        )
        event.hash = event_hash(event, keyed=event.seq >= head.keyed_from_seq)
        event.save(force_insert=True)
        head.last_seq = event.seq
        head.last_hash = event.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event


def audit_record_many(*, actor: Actor | None, events: Iterable[dict[str, Any]]) -> int:
    """Append many events to the chain at once, in the caller's transaction: the same events,
    in the same order and with the same hashes, as calling :func:`audit_record` once per item
    of ``events`` (each a dict of its keyword arguments other than ``actor``), but the head is
    locked, read and moved once and the rows are written at once (``COPY`` on PostgreSQL,
    ``bulk_create`` elsewhere: :func:`govapp.core.bulk.copy_insert`).  For batch jobs
    that change thousands of rows (``govapp compliance evaluate``).  Returns the count."""
    items = list(events)
    if not items:
        return 0
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    actor_name = user.get_username() if user else "system"
    request_id = current_request_id()
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        seq, prev = head.last_seq, head.last_hash
        now = timezone.now()
        key = audit_key()
        rows: list[AuditEvent] = []
        for item in items:
            obj = item.get("obj")
            obj_scope, obj_unit = _scope_of(obj)
            object_id = item.get("object_id")
            object_type = item.get("object_type")
            object_repr = item.get("object_repr")
            before, after = item.get("before"), item.get("after")
            scope_code, unit_pk = item.get("scope_code"), item.get("unit_pk")
            seq += 1
            event = AuditEvent(
                seq=seq,
                time=now,
                actor_id=user.pk if user is not None else None,
                actor_name=actor_name,
                action=item["action"],
                object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
                object_id=str(object_id if object_id is not None else (obj.pk if obj else "")),
                object_repr=(object_repr if object_repr is not None else str(obj or ""))[:255],
                before=json_safe(before) if before is not None else None,
                after=json_safe(after) if after is not None else None,
                request_id=request_id,
                scope_code=scope_code if scope_code is not None else obj_scope,
                unit_pk=unit_pk if unit_pk is not None else obj_unit,
                prev_hash=prev,
            )
            event.hash = event_hash(event, keyed=seq >= head.keyed_from_seq, key=key)
            prev = event.hash
            rows.append(event)
        copy_insert(AuditEvent, rows)
        head.last_seq, head.last_hash = seq, prev
        head.save(update_fields=["last_seq", "last_hash"])
    return len(rows)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    reason: str = ""


class ChainRow(NamedTuple):
    """One event as ``audit verify`` reads it: the hashed columns and the row id, a tuple
    instead of a model instance."""

    pk: int
    seq: int
    time: dt.datetime
    actor_id: int | None
    actor_name: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: Any
    after: Any
    request_id: str
    scope_code: str
    unit_pk: int | None
    prev_hash: str
    hash: str


def events_in_order(*, batch_size: int = 5000) -> Iterator[Any]:
    """Every event by ``seq`` as a light row (:data:`ChainRow`: the hashed columns, ``pk``),
    read in keyset chunks (``seq > last LIMIT n``): memory stays flat however long the log is,
    no server-side cursor or long transaction is held (a verify of a million events does not
    pin a snapshot for minutes), and each chunk is an index range scan on the unique ``seq``
    index."""
    last: int | None = None
    while True:
        qs = AuditEvent.objects.order_by("seq")
        if last is not None:
            qs = qs.filter(seq__gt=last)
        chunk = [ChainRow._make(r) for r in qs.values_list(*ChainRow._fields)[:batch_size]]
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq
        if len(chunk) < batch_size:
            return


def audit_verify(*, batch_size: int = 5000) -> VerifyResult:
    """Walk the chain in order and report the first event that does not fit."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    last_pk = None
    head = AuditHead.objects.filter(id=1).first()
    keyed_from = head.keyed_from_seq if head is not None else 1
    anchors = {a["seq"]: a for a in anchors_read()}
    if anchors and min(a.get("keyed_from", 1) for a in anchors.values()) < keyed_from:
        return VerifyResult(
            False,
            0,
            keyed_from,
            None,
            f"the chain claims to be keyed only from #{keyed_from}, but an anchor recorded an "
            f"earlier start: the head was edited",
        )
    for event in events_in_order(batch_size=batch_size):
        checked += 1
        if event.seq != expected_seq:
            return VerifyResult(
                False,
                checked,
                event.seq,
                event.pk,
                f"event #{expected_seq} is missing (the next one present is #{event.seq})",
            )
        if event.prev_hash != prev:
            return VerifyResult(
                False,
                checked,
                event.seq,
                event.pk,
                f"event #{event.seq} does not follow the previous event (deleted or reordered)",
            )
        if event_hash(event, keyed=event.seq >= keyed_from) != event.hash:
            return VerifyResult(
                False, checked, event.seq, event.pk, f"event #{event.seq} was altered"
            )
        anchor = anchors.get(event.seq)
        if anchor is not None and anchor["hash"] != event.hash:
            return VerifyResult(
                False,
                checked,
                event.seq,
                event.pk,
                f"event #{event.seq} differs from the anchor written at {anchor['at']}: "
                "the chain was rewritten",
            )
        prev = event.hash
        expected_seq += 1
        last_pk = event.pk
    beyond = [seq for seq in anchors if seq > expected_seq - 1]
    if beyond:
        return VerifyResult(
            False,
            checked,
            expected_seq,
            last_pk,
            f"an anchor records event #{max(beyond)} but the chain ends at #{expected_seq - 1}: "
            "the newest events were deleted",
        )
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev):
        return VerifyResult(
            False,
            checked,
            expected_seq,
            last_pk,
            f"the chain ends at #{expected_seq - 1} but the head records "
            f"#{head.last_seq}: the newest events were deleted",
        )
    return VerifyResult(True, checked)


def audit_read(*, actor: Actor, obj: models.Model) -> AuditEvent | None:
    """R-28's "who saw what": record that ``actor`` opened a record holding personal or
    confidential data (a filing application with its handler's contact, a complaint, an account).

    One event per person, record and day (later views that day are not repeated), so the log
    answers "who has seen this" without growing with every page refresh."""
    from django.core.cache import cache

    from govapp.core.calendar import today_shanghai

    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    label = obj._meta.label_lower
    key = f"govapp:read:{actor.pk}:{label}:{obj.pk}:{today_shanghai().isoformat()}"
    if not cache.add(key, 1, timeout=86400):
        return None
    return audit_record(actor=actor, action=f"{label.split('.')[-1]}.read", obj=obj)


# --- anchors: the head, signed, outside the database ---------------------------------------


def _anchor_sig(line: dict[str, Any]) -> str:
    body = f"{line['seq']}|{line['hash']}|{line['at']}|{line.get('keyed_from', 1)}"
    return hmac.new(audit_key(), b"anchor|" + body.encode(), hashlib.sha256).hexdigest()


def audit_anchor() -> dict[str, Any] | None:
    """Append the current head (sequence, hash, time, signature) to the anchor file; None
    when the log is empty or the head has not moved since the last anchor."""
    from django.conf import settings

    head = AuditHead.objects.filter(id=1).first()
    if head is None or head.last_seq == 0:
        return None
    existing = anchors_read()
    if existing and existing[-1]["seq"] == head.last_seq:
        return None
    line: dict[str, Any] = {
        "seq": head.last_seq,
        "hash": head.last_hash,
        "at": timezone.now().isoformat(),
        "keyed_from": head.keyed_from_seq,
    }
    line["sig"] = _anchor_sig(line)
    path = settings.GOVAPP_AUDIT_ANCHOR_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line, sort_keys=True) + "\n")
        out.flush()
        os.fsync(out.fileno())
    return line


def anchors_read() -> list[dict[str, Any]]:
    """The anchors whose signature holds (a line with a bad signature is an error)."""
    from django.conf import settings

    path = settings.GOVAPP_AUDIT_ANCHOR_FILE
    if not path.exists():
        return []
    out = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        line = json.loads(text)
        if not hmac.compare_digest(_anchor_sig(line), str(line.get("sig", ""))):
            raise ValueError(f"{path}: line {number} has a bad signature (the anchor was forged)")
        out.append(line)
    return out
