"""Counting distinct devices per app and day the way cookieless web analytics do, in the shared
cache only.

A ping names an app (its filing number, or a package name).  The device is the keyed hash
``HMAC-SHA256(salt of the day, target | client address | user agent)``; the salt is 32 random
bytes created on the first ping of the day and kept only in the shared cache (Django's cache
from ``CACHE_URL``: Redis, or the database cache table ``govapp_cache``).  Each ping does:

1. read the day's salt record (created with an atomic add-if-absent if missing);
2. ``add`` the device key ``govapp:usage:<day>:<epoch>:d:<target>:<hash>`` (atomic
   add-if-absent: a primary key in the database cache, ``SET NX`` in Redis), so a device is
   counted once however many processes see it;
3. add one to the ping counter ``govapp:usage:<day>:<epoch>:p:<target>`` (an atomic
   increment: ``INCR`` in Redis, a locked read-and-write in the database cache).

``day_close`` (``govapp usage close-day``) deletes the salt record first (so no later ping can
reuse it and the day's hashes can never be recomputed), then lists every key of the closed
days, counts the device keys per target, reads the ping counters, returns the aggregates and
deletes every key.  With the database cache on SQLite the file is then vacuumed and its
write-ahead log truncated, so deleted rows leave no copy in the file.

The raw address and user agent exist only in the request being handled; nothing per device is
ever written to the database or a log.  The local-memory cache works for one process (tests).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import connections, router, transaction

from govapp.core.calendar import today_shanghai

PREFIX = "govapp:usage:"
KEY_SECONDS = 3 * 86400  # keys vanish by themselves if a day is never closed


def _cache() -> BaseCache:
    """The shared cache itself (not the proxy), so its kind and internals can be seen."""
    return caches["default"]


def _backend() -> str:
    name = type(_cache()).__name__
    if name == "RedisCache":
        return "redis"
    if name == "DatabaseCache":
        return "db"
    if name == "LocMemCache":
        return "locmem"
    raise RuntimeError(
        f"usage counting needs the redis, database or local-memory cache, not {name}"
    )


# --- the salt of the day --------------------------------------------------------------------


def _salt_key(day: dt.date) -> str:
    return f"{PREFIX}salt:{day.isoformat()}"


def day_salt(day: dt.date) -> tuple[str, bytes]:
    """The (epoch, salt) of ``day``, created by the first process that needs it."""
    key = _salt_key(day)
    record = _cache().get(key)
    if record is None:
        _cache().add(key, (secrets.token_hex(4), secrets.token_bytes(32)), KEY_SECONDS)
        record = _cache().get(key)
        if record is None:  # closed in between: a new period starts
            record = (secrets.token_hex(4), secrets.token_bytes(32))
            _cache().add(key, record, KEY_SECONDS)
            record = _cache().get(key) or record
    epoch, salt = record
    return str(epoch), bytes(salt)


# --- atomic increment -------------------------------------------------------------------------


def _db_table() -> tuple[str, str]:
    table = str(getattr(_cache(), "_table", "govapp_cache"))
    db = router.db_for_write(_cache().cache_model_class) or "default"  # type: ignore[attr-defined]
    return table, db


def counter_incr(key: str) -> None:
    """Add one to the counter ``key`` atomically across processes."""
    _cache().add(key, 0, KEY_SECONDS)
    backend = _backend()
    if backend != "db":
        try:
            _cache().incr(key)
        except ValueError:  # vanished between add and incr
            if not _cache().add(key, 1, KEY_SECONDS):
                _cache().incr(key)
        return
    # Django's database cache increments with a read and a write that two processes could
    # interleave: lock the row first (SQLite: the immediate transaction is the lock).
    table, db = _db_table()
    conn = connections[db]
    made = _cache().make_and_validate_key(key)
    with transaction.atomic(using=db):
        with conn.cursor() as cursor:
            lock = "" if conn.vendor == "sqlite" else " FOR UPDATE"
            cursor.execute(
                f"SELECT cache_key FROM {conn.ops.quote_name(table)} WHERE cache_key = %s{lock}",  # noqa: S608 (quoted table name from settings)
                [made],
            )
        value = _cache().get(key)
        _cache().set(key, (int(value) if value is not None else 0) + 1, KEY_SECONDS)


# --- one ping -----------------------------------------------------------------------------


def device_hash(salt: bytes, target: str, address: str, user_agent: str) -> str:
    message = f"{target}\n{address}\n{user_agent}".encode(errors="replace")
    return hmac.new(salt, message, hashlib.sha256).hexdigest()[:32]


def ping_count(*, target: str, address: str, user_agent: str, day: dt.date | None = None) -> bool:
    """Count one ping of ``target`` (``a<app id>`` or ``p<package>``); True for a new device."""
    day = day or today_shanghai()
    epoch, salt = day_salt(day)
    base = f"{PREFIX}{day.isoformat()}:{epoch}:"
    new = bool(
        _cache().add(
            f"{base}d:{target}:{device_hash(salt, target, address, user_agent)}", 1, KEY_SECONDS
        )
    )
    counter_incr(f"{base}p:{target}")
    return new


# --- listing and deleting keys ------------------------------------------------------------


def _made_prefix() -> tuple[str, int]:
    """The stored form of PREFIX and how many characters the cache puts before a key."""
    made = _cache().make_key(PREFIX)
    return made, len(made) - len(PREFIX)


def _redis_client() -> Any:
    return _cache()._cache.get_client(write=True)  # type: ignore[attr-defined]


def usage_keys(prefix: str = PREFIX) -> Iterator[str]:
    """Every usage key in the shared cache (as the application names it) under ``prefix``."""
    made, skip = _made_prefix()
    made = made + prefix[len(PREFIX) :]
    backend = _backend()
    if backend == "redis":
        client = _redis_client()
        for raw in client.scan_iter(match=made + "*", count=10_000):
            text = raw.decode() if isinstance(raw, bytes) else str(raw)
            yield text[skip:]
    elif backend == "db":
        table, db = _db_table()
        conn = connections[db]
        quoted = conn.ops.quote_name(table)
        with conn.cursor() as cursor:
            if conn.vendor == "sqlite":  # binary collation: the prefix is one range of the key
                upper = made[:-1] + chr(ord(made[-1]) + 1)
                cursor.execute(
                    f"SELECT cache_key FROM {quoted} WHERE cache_key >= %s AND cache_key < %s",  # noqa: S608 (quoted table name from settings)
                    [made, upper],
                )
            else:
                cursor.execute(
                    f"SELECT cache_key FROM {quoted} WHERE cache_key LIKE %s",  # noqa: S608 (quoted table name from settings)
                    [made + "%"],
                )
            rows = cursor.fetchall()
        for (key,) in rows:
            if key.startswith(made):
                yield key[skip:]
    else:
        for key in list(_cache()._cache.keys()):  # type: ignore[attr-defined]
            if key.startswith(made):
                yield key[skip:]


def _chunks(values: list[str], size: int = 1000) -> Iterator[list[str]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def keys_delete(keys: Iterable[str]) -> int:
    keys = list(keys)
    n = 0
    backend = _backend()
    made, skip = _made_prefix()
    head = made[:skip]  # what the cache puts before every key (prefix and version)
    if backend == "redis":
        client = _redis_client()
        for chunk in _chunks(keys, 5000):
            n += int(client.unlink(*[head + k for k in chunk]))
        return n
    if backend == "db":
        table, db = _db_table()
        conn = connections[db]
        with transaction.atomic(using=db), conn.cursor() as cursor:
            if conn.vendor == "sqlite":
                cursor.execute("PRAGMA secure_delete = ON")
            for chunk in _chunks(keys, 500):
                full = [head + k for k in chunk]
                marks = ",".join(["%s"] * len(full))
                cursor.execute(
                    f"DELETE FROM {conn.ops.quote_name(table)} WHERE cache_key IN ({marks})",  # noqa: S608 (placeholders only)
                    full,
                )
                n += cursor.rowcount
        return n
    for chunk in _chunks(keys):
        _cache().delete_many(chunk)
        n += len(chunk)
    return n


def scrub_storage() -> None:
    """Leave no copy of deleted cache rows in the database files (SQLite: vacuum and truncate
    the write-ahead log; PostgreSQL: rewrite the cache table)."""
    if _backend() != "db" or not getattr(settings, "GOVAPP_USAGE_SCRUB", True):
        return
    table, db = _db_table()
    conn = connections[db]
    if conn.in_atomic_block:
        return  # inside a test transaction; the caller's database is discarded anyway
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute("PRAGMA secure_delete = ON")
            cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        elif conn.vendor == "postgresql":
            cursor.execute(f"VACUUM FULL {conn.ops.quote_name(table)}")


# --- closing days ---------------------------------------------------------------------------


@dataclass
class Closed:
    """The aggregates of the closed days: {(day, target): [devices, pings]}."""

    counts: dict[tuple[dt.date, str], list[int]] = field(default_factory=dict)
    days: set[dt.date] = field(default_factory=set)
    keys_deleted: int = 0


def _day_of(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def days_close(*, before: dt.date | None = None) -> Closed:
    """Collect and destroy the counting state of every day before ``before`` (None: every day,
    the current one included)."""

    def wanted(day: dt.date | None) -> bool:
        return day is not None and (before is None or day < before)

    # 1. destroy the salts first: from here on no ping can extend these periods
    salts = [k for k in usage_keys(PREFIX + "salt:") if wanted(_day_of(k.rsplit(":", 1)[1]))]
    keys_delete(salts)
    # 2. everything written under the closed days (listed again: pings in flight may have added)
    out = Closed()
    devices: dict[tuple[dt.date, str], int] = defaultdict(int)
    counters: list[tuple[dt.date, str, str]] = []
    doomed: list[str] = list(salts)
    for key in usage_keys():
        rest = key[len(PREFIX) :]
        if rest.startswith("salt:"):
            continue
        parts = rest.split(":", 3)
        day = _day_of(parts[0])
        if not wanted(day) or len(parts) < 4:
            if day is None:
                doomed.append(key)  # not ours to keep
            continue
        assert day is not None
        kind, tail = parts[2], parts[3]
        doomed.append(key)
        out.days.add(day)
        if kind == "d":
            target = tail.rsplit(":", 1)[0]
            devices[(day, target)] += 1
        elif kind == "p":
            counters.append((day, tail, key))
    pings: dict[tuple[dt.date, str], int] = defaultdict(int)
    for chunk_start in range(0, len(counters), 1000):
        chunk = counters[chunk_start : chunk_start + 1000]
        values = _cache().get_many([c[2] for c in chunk])
        for day, target, key in chunk:
            pings[(day, target)] += int(values.get(key) or 0)
    for k in set(devices) | set(pings):
        out.counts[k] = [devices.get(k, 0), max(pings.get(k, 0), devices.get(k, 0))]
    out.keys_deleted = keys_delete(doomed)
    scrub_storage()
    return out
