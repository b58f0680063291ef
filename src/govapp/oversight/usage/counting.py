"""Counting distinct devices per app and day the way cookieless web analytics do, in shared
state that lives only until the day is closed.

A ping names an app (its filing number, or a package name): the *target* ``a<app id>`` or
``p<package>``.  The device is the keyed hash
``HMAC-SHA256(salt of the day, target | client address | user agent)``; the salt is 32 random
bytes created on the first ping of the day, tagged with a random *epoch*.  Where the state
lives depends on the shared cache (``CACHE_URL``):

* **Redis**: the salt record ``govapp:usage:salt:<day>`` (``<epoch>:<salt hex>``), one set of
  device hashes per target ``govapp:usage:<day>:<epoch>:d:<target>`` and one ping counter
  ``govapp:usage:<day>:<epoch>:p:<target>``.  A ping is one Lua script (one round trip, atomic):
  check that the salt of that epoch still exists, ``SADD`` the hash, ``INCR`` the counter.
* **anything else** (the database cache, the local-memory cache of the tests): three small
  tables of this app, ``CountingSalt`` (day, epoch, salt), ``CountingDevice`` (day, target,
  hash; the primary key makes the insert an atomic add-if-absent) and ``CountingTally`` (day,
  target, pings).  A ping is one statement on PostgreSQL (a ``WITH`` of the salt check under
  ``FOR KEY SHARE``, the tally upsert and ``INSERT ... ON CONFLICT DO NOTHING``) and one
  statement on SQLite too: an insert into the view ``usage_countingping``, whose ``INSTEAD OF``
  trigger does the same three steps (:mod:`sqlite_ping`).  Being one autocommit
  statement, it holds SQLite's write lock only while SQLite runs it, never across Python code
  (which under load waits for the interpreter lock while other writers sleep).

Either way a device is counted once however many web processes or hosts see it, and a ping
never writes under a salt that has been destroyed: every write checks, in the same atomic
operation, that the salt of its epoch still exists.  A web process keeps the salt it read in
memory for at most :data:`SALT_MEMORY_SECONDS` (and drops it as soon as a write finds it gone).

``days_close`` (``govapp usage close-day``) deletes the salts first (so no later ping can
extend the period and the day's hashes can never be recomputed), then counts the device hashes
per target, reads the ping counters, hands the aggregates to the caller's ``write`` and deletes
every hash and counter.  On the database the whole close is one transaction (the salts' rows
stay locked until the counts are written and the hashes deleted); on SQLite the deleted rows are
overwritten with zeros (``secure_delete``) and the write-ahead log is truncated, on PostgreSQL
the counting tables are rewritten (``VACUUM FULL``), so no deleted hash survives in a file.

The raw address and user agent exist only in the request being handled; nothing per device is
ever written to a log or any other table.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import IntegrityError, OperationalError, connection, transaction

from govapp.core import ratelimit, shared
from govapp.core.calendar import today_shanghai
from govapp.oversight.usage import sqlite_ping

PREFIX = "govapp:usage:"
KEY_SECONDS = 3 * 86400  # Redis keys vanish by themselves if a day is never closed
SALT_MEMORY_SECONDS = 10.0  # how long a web process may reuse the salt it read
BATCH = 5000


def _cache() -> BaseCache:
    """The shared cache itself (not the proxy), so its kind and internals can be seen."""
    return caches["default"]


def _backend() -> str:
    """``redis`` when the shared cache is Redis, else ``db`` (the counting tables)."""
    return "redis" if type(_cache()).__name__ == "RedisCache" else "db"


# --- the salt of the day --------------------------------------------------------------------

_memory: dict[tuple[str, dt.date], tuple[str, bytes, float]] = {}
_memory_lock = threading.Lock()


def _forget(day: dt.date | None = None) -> None:
    with _memory_lock:
        if day is None:
            _memory.clear()
        else:
            for key in [k for k in _memory if k[1] == day]:
                del _memory[key]


def _salt_key(day: dt.date) -> str:
    return f"{PREFIX}salt:{day.isoformat()}"


def _redis_client() -> Any:
    return shared.redis_client()


def _made(key: str) -> str:
    """The name under which the cache stores ``key`` (its prefix and version before it)."""
    return str(_cache().make_key(key))


def _load_salt(day: dt.date) -> tuple[str, bytes]:
    new_epoch, new_salt = secrets.token_hex(4), secrets.token_bytes(32)
    if _backend() == "redis":
        client = _redis_client()
        key = _made(_salt_key(day))
        client.set(key, f"{new_epoch}:{new_salt.hex()}", nx=True, ex=KEY_SECONDS)
        raw = client.get(key)
        if raw is None:  # closed in between: start the new period ourselves
            client.set(key, f"{new_epoch}:{new_salt.hex()}", nx=True, ex=KEY_SECONDS)
            raw = client.get(key) or f"{new_epoch}:{new_salt.hex()}"
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        epoch, hex_salt = text.split(":", 1)
        return epoch, bytes.fromhex(hex_salt)
    from govapp.oversight.usage.models import CountingSalt

    for _attempt in range(3):
        row = CountingSalt.objects.filter(day=day).values_list("epoch", "salt").first()
        if row is not None:
            return str(row[0]), bytes(row[1])
        CountingSalt.objects.bulk_create(
            [CountingSalt(day=day, epoch=new_epoch, salt=new_salt)], ignore_conflicts=True
        )
    raise RuntimeError("the salt of the day could not be created")


def day_salt(day: dt.date) -> tuple[str, bytes]:
    """The (epoch, salt) of ``day``, created by the first process that needs it."""
    slot = (_backend(), day)
    now = time.monotonic()
    with _memory_lock:
        held = _memory.get(slot)
    if held is not None and held[2] > now:
        return held[0], held[1]
    epoch, salt = _load_salt(day)
    with _memory_lock:
        if len(_memory) > 16:
            _memory.clear()
        _memory[slot] = (epoch, salt, now + SALT_MEMORY_SECONDS)
    return epoch, salt


# --- one ping -----------------------------------------------------------------------------


def device_hash(salt: bytes, target: str, address: str, user_agent: str) -> str:
    message = f"{target}\n{address}\n{user_agent}".encode(errors="replace")
    return hmac.new(salt, message, hashlib.sha256).hexdigest()[:32]


# KEYS: salt record, device set, ping counter; ARGV: epoch, hash, seconds.
# -1: the salt of that epoch is gone (closed); else 1 for a new device, 0 for a known one.
_PING_LUA = """
local salt = redis.call('GET', KEYS[1])
if (not salt) or string.sub(salt, 1, string.len(ARGV[1]) + 1) ~= ARGV[1] .. ':' then
  return -1
end
local new = redis.call('SADD', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], ARGV[3])
return new
"""


def _redis_keys(day: dt.date, epoch: str, target: str) -> list[str]:
    base = f"{PREFIX}{day.isoformat()}:{epoch}:"
    return [_made(_salt_key(day)), _made(f"{base}d:{target}"), _made(f"{base}p:{target}")]


def _redis_ping(day: dt.date, epoch: str, target: str, digest: str) -> int:
    client = _redis_client()
    script = shared.redis_script(_PING_LUA)
    keys = _redis_keys(day, epoch, target)
    return int(script(keys=keys, args=[epoch, digest, KEY_SECONDS], client=client))


def _tables() -> tuple[str, str, str]:
    from govapp.oversight.usage.models import CountingDevice, CountingSalt, CountingTally

    q = connection.ops.quote_name
    return (
        q(CountingSalt._meta.db_table),
        q(CountingDevice._meta.db_table),
        q(CountingTally._meta.db_table),
    )


@functools.cache
def _pg_ping_sql() -> str:
    """The ping's one PostgreSQL statement, built once."""
    salt_t, device_t, tally_t = _tables()
    return (
        f"WITH s AS (SELECT 1 FROM {salt_t} WHERE day = %s AND epoch = %s FOR KEY SHARE), "  # noqa: S608 (quoted model tables)
        f"t AS (INSERT INTO {tally_t} (day, target, epoch, pings) SELECT %s, %s, %s, 1 FROM s "
        f"ON CONFLICT (day, target) DO UPDATE SET pings = {tally_t}.pings + 1 RETURNING 1), "
        f"d AS (INSERT INTO {device_t} (day, target, hash, epoch) SELECT %s, %s, %s, %s FROM s "
        "ON CONFLICT DO NOTHING RETURNING 1) "
        "SELECT (SELECT count(*) FROM s), (SELECT count(*) FROM d)"
    )


def _db_ping_sql(cursor: Any, day: dt.date, epoch: str, target: str, digest: str) -> int:
    """The ping's one statement with ``cursor``: 1 for a new device, 0 for a known one, -1
    when the salt of ``epoch`` is gone (the day was closed; nothing was written)."""
    if connection.vendor == "postgresql":
        cursor.execute(_pg_ping_sql(), [day, epoch, day, target, epoch, day, target, digest, epoch])
        found, new = cursor.fetchone()
        return int(new) if found else -1
    raw = connection.connection  # the sqlite3 connection, which counts the trigger's writes
    for attempt in range(2):
        before = raw.total_changes
        try:
            cursor.execute(sqlite_ping.INSERT, [day, target, digest, epoch])
        except IntegrityError as error:
            if sqlite_ping.SALT_GONE in str(error):
                return -1
            raise
        except OperationalError as error:
            # a ping while ``migrate`` runs (it drops the view first): make it, count again
            if attempt or sqlite_ping.VIEW not in str(error) or not sqlite_ping.create(connection):
                raise
            continue
        return 1 if raw.total_changes - before == 2 else 0  # the tally, and a new device
    raise RuntimeError("the ping's view could not be made")


def _db_ping(day: dt.date, epoch: str, target: str, digest: str) -> int:
    with connection.cursor() as cursor:
        return _db_ping_sql(cursor, day, epoch, target, digest)


def ping_count(*, target: str, address: str, user_agent: str, day: dt.date | None = None) -> bool:
    """Count one ping of ``target`` (``a<app id>`` or ``p<package>``); True for a new device."""
    day = day or today_shanghai()
    write = _redis_ping if _backend() == "redis" else _db_ping
    for _attempt in range(3):
        epoch, salt = day_salt(day)
        outcome = write(day, epoch, target, device_hash(salt, target, address, user_agent))
        if outcome >= 0:
            return outcome == 1
        _forget(day)  # the day was closed since this process read the salt: a new period
    raise RuntimeError("the salt of the day vanished three times in a row")


def ping_limited(
    *,
    target: str,
    address: str,
    user_agent: str,
    buckets: Sequence[ratelimit.Bucket],
    day: dt.date | None = None,
) -> int:
    """Decide the ping's rate limits and, when it is admitted, count it: **one round trip**
    (the limiter's :func:`~govapp.core.ratelimit.hit_many` with the count as its ``then``
    work: one Lua script on Redis, one transaction on SQLite).  0 when counted, else the
    seconds to wait (a refused ping counts nowhere)."""
    if not buckets:
        ping_count(target=target, address=address, user_agent=user_agent, day=day)
        return 0
    day = day or today_shanghai()
    epoch, salt = day_salt(day)
    digest = device_hash(salt, target, address, user_agent)
    then = shared.Then(
        lua=_PING_LUA,
        keys=_redis_keys(day, epoch, target) if _backend() == "redis" else [],
        args=[epoch, digest, KEY_SECONDS],
        sql=lambda cursor: _db_ping_sql(cursor, day, epoch, target, digest),
    )
    decision = ratelimit.hit_many(buckets, then=then)
    if not decision.allowed:
        return decision.retry_after
    if not isinstance(decision.then, int) or decision.then < 0:
        # the day was closed since this process read its salt: count under the new one
        _forget(day)
        ping_count(target=target, address=address, user_agent=user_agent, day=day)
    return 0


# --- listing (tests and checks) -------------------------------------------------------------


def usage_keys() -> Iterator[str]:
    """Every piece of open counting state, named as the Redis layout names it: ``salt:<day>``,
    ``<day>:<epoch>:d:<target>:<hash>`` for each device hash, ``<day>:<epoch>:p:<target>``
    (each after :data:`PREFIX`).  Empty after a close of every day."""
    if _backend() == "redis":
        client = _redis_client()
        made = _made(PREFIX)
        skip = len(made) - len(PREFIX)
        for raw in client.scan_iter(match=made + "*", count=10_000):
            name = raw.decode() if isinstance(raw, bytes) else str(raw)
            if ":d:" in name and not name.startswith(made + "salt:"):
                for member in client.sscan_iter(name, count=10_000):
                    text = member.decode() if isinstance(member, bytes) else str(member)
                    yield f"{name[skip:]}:{text}"
            else:
                yield name[skip:]
        return
    from govapp.oversight.usage.models import CountingDevice, CountingSalt, CountingTally

    for day in CountingSalt.objects.values_list("day", flat=True):
        yield f"{PREFIX}salt:{day.isoformat()}"
    for day, epoch, target, digest in CountingDevice.objects.values_list(
        "day", "epoch", "target", "hash"
    ):
        yield f"{PREFIX}{day.isoformat()}:{epoch}:d:{target}:{digest}"
    for day, epoch, target in CountingTally.objects.values_list("day", "epoch", "target"):
        yield f"{PREFIX}{day.isoformat()}:{epoch}:p:{target}"


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


def _add(out: Closed, day: dt.date, target: str, devices: int, pings: int) -> None:
    out.days.add(day)
    cell = out.counts.setdefault((day, target), [0, 0])
    cell[0] += devices
    cell[1] += pings


def _finish(out: Closed) -> None:
    for cell in out.counts.values():
        cell[1] = max(cell[1], cell[0])  # a ping always comes with its device


def days_close(
    *,
    before: dt.date | None = None,
    write: Callable[[Closed], None] | None = None,
    forget: tuple[str, ...] = (),
) -> Closed:
    """Collect and destroy the counting state of every day before ``before`` (None: every day,
    the current one included); ``write`` is called with the aggregates before the per-device
    state is deleted (on the database: in the same transaction).  On Redis the keys starting
    with one of ``forget`` (cache key names) are deleted too, found by the same SCAN."""
    _forget()
    close = _close_redis if _backend() == "redis" else _close_db
    out = close(before, write, forget)
    _forget()
    return out


def _close_db(
    before: dt.date | None, write: Callable[[Closed], None] | None, forget: tuple[str, ...]
) -> Closed:
    salt_t, device_t, tally_t = _tables()
    where, params = ("WHERE day < %s", [before]) if before else ("", [])
    out = Closed()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA secure_delete = ON")
        # 1. the salts first: on PostgreSQL this waits for the pings in flight (they hold the
        #    salt row FOR KEY SHARE) and makes every later ping of these days start anew
        cursor.execute(f"DELETE FROM {salt_t} {where}", params)  # noqa: S608 (quoted model tables)
        out.keys_deleted += max(cursor.rowcount, 0)
        # 2. count per target and day, read the ping counters
        cursor.execute(
            f"SELECT day, target, COUNT(*) FROM {device_t} {where} GROUP BY day, target",  # noqa: S608 (quoted model tables)
            params,
        )
        for day, target, devices in cursor.fetchall():
            _add(out, _as_date(day), str(target), int(devices), 0)
        cursor.execute(f"SELECT day, target, pings FROM {tally_t} {where}", params)  # noqa: S608 (quoted model tables)
        for day, target, pings in cursor.fetchall():
            _add(out, _as_date(day), str(target), 0, int(pings))
        _finish(out)
        if write is not None:
            write(out)
        # 3. every hash and counter of these days
        for table in (device_t, tally_t):
            cursor.execute(f"DELETE FROM {table} {where}", params)  # noqa: S608 (quoted model tables)
            out.keys_deleted += max(cursor.rowcount, 0)
    scrub_storage()
    return out


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


# KEYS: sets of device hashes; the size of each (one call for a whole batch of sets).
_SIZES_LUA = """
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('SCARD', key) end
return out
"""


def _redis_count(client: Any, parsed: list[tuple[Any, dt.date, str, str]], out: Closed) -> None:
    """The size of each set (one Lua call per ``BATCH`` sets) and the value of each counter
    (one ``MGET`` per ``BATCH``): a few round trips for the whole close."""
    sizes = shared.redis_script(_SIZES_LUA)
    sets = [p for p in parsed if p[2] == "d"]
    counters = [p for p in parsed if p[2] == "p"]
    for i in range(0, len(sets), BATCH):
        chunk = sets[i : i + BATCH]
        values = sizes(keys=[c[0] for c in chunk], client=client)
        for (_raw, day, _kind, target), value in zip(chunk, values, strict=True):
            _add(out, day, target, int(value or 0), 0)
    for i in range(0, len(counters), BATCH):
        chunk = counters[i : i + BATCH]
        values = client.mget([c[0] for c in chunk])
        for (_raw, day, _kind, target), value in zip(chunk, values, strict=True):
            _add(out, day, target, 0, int(value or 0))


def _close_redis(
    before: dt.date | None, write: Callable[[Closed], None] | None, forget: tuple[str, ...]
) -> Closed:
    client = _redis_client()
    made = _made(PREFIX)
    head = len(made)

    def wanted(day: dt.date | None) -> bool:
        return day is not None and (before is None or day < before)

    out = Closed()
    # 1. the salts first: the ping script refuses to write once its salt is gone.  A salt
    #    expires KEY_SECONDS after it was made, so only the last few days can have one.
    today = today_shanghai()
    days = [today + dt.timedelta(days=i) for i in range(-(KEY_SECONDS // 86400) - 1, 2)]
    salts = [_made(_salt_key(d)) for d in days if wanted(d)]
    if salts:
        out.keys_deleted += int(client.unlink(*salts))
    # 2. every set and counter of the closed days (one SCAN, which also finds the keys of
    #    ``forget``), counted in pipelined batches
    doomed: list[Any] = []
    parsed: list[tuple[Any, dt.date, str, str]] = []
    extra = tuple(_made(p) for p in forget)
    for raw in client.scan_iter(match=_made("govapp:") + "*", count=10_000):
        name = raw.decode() if isinstance(raw, bytes) else str(raw)
        if extra and name.startswith(extra):
            doomed.append(raw)
            continue
        if not name.startswith(made):
            continue
        parts = name[head:].split(":", 3)
        if parts[0] == "salt":
            continue
        day = _day_of(parts[0])
        if day is None:
            doomed.append(raw)  # not ours to keep
            continue
        if not wanted(day) or len(parts) < 4:
            continue
        doomed.append(raw)
        parsed.append((raw, day, parts[2], parts[3]))
    _redis_count(client, parsed, out)
    _finish(out)
    if write is not None:
        write(out)
    # 3. delete every set and counter
    for i in range(0, len(doomed), BATCH):
        out.keys_deleted += int(client.unlink(*doomed[i : i + BATCH]))
    return out


def scrub_storage() -> None:
    """Leave no copy of deleted counting rows in the database files (SQLite: the rows were
    zeroed by ``secure_delete``, the write-ahead log is checkpointed and truncated; PostgreSQL:
    the counting tables are rewritten)."""
    if not getattr(settings, "GOVAPP_USAGE_SCRUB", True) or connection.in_atomic_block:
        return  # inside a test transaction the caller's database is discarded anyway
    from govapp.oversight.usage.models import CountingDevice, CountingSalt, CountingTally

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for _attempt in range(20):
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                row = cursor.fetchone()
                if not row or not row[0]:  # not busy: the log is empty
                    break
                time.sleep(0.1)
        elif connection.vendor == "postgresql":
            for model in (CountingDevice, CountingTally, CountingSalt):
                cursor.execute(f"VACUUM FULL {connection.ops.quote_name(model._meta.db_table)}")
