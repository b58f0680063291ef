"""State shared by every web process and host: atomic counters and one-time markers.

With ``CACHE_URL=redis://...`` they live in Redis (``SET NX`` and ``INCRBY`` are atomic);
otherwise in the database table ``core_sharedcounter`` (an ``UPDATE ... value + 1`` and a
primary key), because Django's database cache increments with a read and a write, which two
processes can interleave, and culls entries when full (a replay marker must not vanish).
The local-memory cache is never used for them: it is private to one process.
"""

from __future__ import annotations

import datetime as dt
import secrets
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from govapp.core import writelock

PREFIX = "govapp:shared:"


_clients: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_scripts: dict[str, Any] = {}


def redis_client() -> Any:
    """The ``redis.Redis`` client of the shared cache (``CACHE_URL=redis://...``), made once
    per cache connection: Django's ``get_client()`` builds a new client object, about 0.2 ms
    of CPU, on every call."""
    from django.core.cache import caches

    backend = caches["default"]._cache  # type: ignore[attr-defined]
    client = _clients.get(backend)
    if client is None:
        client = _clients[backend] = backend.get_client(write=True)
    return client


def redis_script(source: str) -> Any:
    """A Lua script run with ``script(keys=..., args=..., client=redis_client())``: sent by
    its SHA1 (``EVALSHA``), loaded into Redis again by itself when Redis has forgotten it."""
    script = _scripts.get(source)
    if script is None:
        script = _scripts[source] = redis_client().register_script(source)
    return script


def _redis() -> bool:
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    return isinstance(caches["default"], RedisCache)


def _purge_expired(now: dt.datetime) -> None:
    from govapp.core.models import SharedCounter

    if secrets.randbelow(64) == 0:  # now and then, not on every write
        SharedCounter.objects.filter(expires__lte=now).delete()


@dataclass(frozen=True)
class Window:
    """One counter pair of a sliding-window limit: ``current`` and ``previous`` are the keys of
    the counters of the current and the previous fixed window; the request fits when
    ``previous * weight + current + 1 <= limit``; a new current counter lives ``ttl`` seconds."""

    current: str
    previous: str
    weight: float
    limit: int
    ttl: float


@dataclass(frozen=True)
class Then:
    """Work that :func:`windows_take` does in the **same round trip** when it admits the
    request (and only then): a caller's write that must happen exactly for admitted requests,
    e.g. counting an admitted ping.  Give both forms; the store in use picks one.

    * ``lua``: a Lua script written as if run on its own, with its own ``KEYS`` (``keys``: key
      names as Redis knows them, i.e. already made by the cache) and ``ARGV`` (``args``); it is
      appended to the limiter's script, so check and write are one ``EVALSHA``.
    * ``sql``: called with the cursor right after the limiter's statement; on SQLite both run
      in one immediate transaction (one write lock, one commit), and a refused request's
      transaction is simply rolled back."""

    lua: str
    keys: Sequence[str]
    args: Sequence[Any]
    sql: Callable[[Any], Any]


@dataclass(frozen=True)
class Taken:
    """The outcome of :func:`windows_take`: whether every window had room, and each window's
    ``(current, previous)`` counts (``current`` includes this request when it was counted);
    ``then`` is what the :class:`Then` work returned (None when it did not run)."""

    room: bool
    counts: list[tuple[int, int]]
    then: Any = None


def windows_take(
    windows: Sequence[Window], *, consume: bool = True, then: Then | None = None
) -> Taken:
    """Check several windows at once and, when every one has room and ``consume`` is set, add
    one to every current counter (and do the ``then`` work): **one round trip**, atomic
    across processes and hosts.

    Redis: one Lua script (``MGET`` of every counter, the check, ``INCR`` + ``EXPIRE`` of the
    current ones, then ``then.lua``).  Database: one statement, an upsert of the current
    counters that returns their new values and, by a subquery, the previous ones; when a
    window turns out full the increments are taken back with a second statement (only refused
    requests pay for it), so a refused request counts nowhere and no process ever admits more
    than the limit; ``then.sql`` follows on the same connection (on SQLite in the same
    immediate transaction, rolled back instead of taken back when refused).  No windows: just
    the ``then`` work.  With ``consume=False`` one read (and no ``then``)."""
    if not windows:
        if then is None or not consume:
            return Taken(True, [])
        if _redis():
            out = redis_script(then.lua)(
                keys=list(then.keys), args=list(then.args), client=redis_client()
            )
            return Taken(True, [], out)
        with connection.cursor() as cursor:
            return Taken(True, [], then.sql(cursor))
    if _redis():
        return _redis_take(list(windows), consume, then if consume else None)
    return _db_take(list(windows), consume, then if consume else None)


def _fits(w: Window, current: int, previous: int) -> bool:
    return previous * w.weight + current + 1 <= w.limit


# KEYS: per window its current then its previous counter (then the keys of the follow-up).
# ARGV[1]: 1 to take one; ARGV[2]: the number of windows n; then per window: weight of the
# previous count, limit, seconds a new current counter lives (then the follow-up's args).
# Returns {room (1/0), current1, previous1, current2, previous2, ..., follow-up's reply}.
_TAKE_LUA = """
local n = tonumber(ARGV[2])
local values = redis.call('MGET', unpack(KEYS, 1, 2 * n))
local out = {1}
for i = 1, n do
  local cur = tonumber(values[2 * i - 1]) or 0
  local prev = tonumber(values[2 * i]) or 0
  out[2 * i] = cur
  out[2 * i + 1] = prev
  if prev * tonumber(ARGV[3 * i]) + cur + 1 > tonumber(ARGV[3 * i + 1]) then out[1] = 0 end
end
if out[1] == 1 and ARGV[1] == '1' then
  local done = {}
  for i = 1, n do
    local key = KEYS[2 * i - 1]
    if done[key] == nil then
      done[key] = redis.call('INCR', key)
      if done[key] == 1 then redis.call('EXPIRE', key, ARGV[3 * i + 2]) end
    end
    out[2 * i] = done[key]
  end
  %s
end
return out
"""

# the follow-up, run as a function of its own KEYS and ARGV (the rest of the script's)
_THEN_LUA = """
  local then_keys, then_args = {}, {}
  for i = 2 * n + 1, #KEYS do then_keys[#then_keys + 1] = KEYS[i] end
  for i = 3 * n + 3, #ARGV do then_args[#then_args + 1] = ARGV[i] end
  out[2 * n + 2] = (function(KEYS, ARGV)
%s
  end)(then_keys, then_args)
"""


def _redis_take(windows: list[Window], consume: bool, then: Then | None) -> Taken:
    keys: list[str] = []
    args: list[Any] = ["1" if consume else "0", len(windows)]
    for w in windows:
        keys += [cache.make_key(PREFIX + w.current), cache.make_key(PREFIX + w.previous)]
        args += [repr(float(w.weight)), int(w.limit), max(1, int(w.ttl))]
    source = _TAKE_LUA % ""
    if then is not None:
        source = _TAKE_LUA % (_THEN_LUA % then.lua)
        keys += list(then.keys)
        args += list(then.args)
    raw = redis_script(source)(keys=keys, args=args, client=redis_client())
    n = len(windows)
    out = [int(v) for v in raw[: 2 * n + 1]]
    counts = [(out[2 * i + 1], out[2 * i + 2]) for i in range(n)]
    after = raw[2 * n + 1] if len(raw) > 2 * n + 1 else None
    return Taken(bool(out[0]), counts, after)


def _table() -> str:
    from govapp.core.models import SharedCounter

    return str(connection.ops.quote_name(SharedCounter._meta.db_table))


class _Refused(Exception):
    """Rolls back the one transaction of a refused request (SQLite with a follow-up)."""


def _db_take(windows: list[Window], consume: bool, then: Then | None = None) -> Taken:
    now = timezone.now()
    when = connection.ops.adapt_datetimefield_value(now)
    t = _table()
    if not consume:
        keys = list({k for w in windows for k in (w.current, w.previous)})
        marks = ", ".join(["%s"] * len(keys))
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT "key", value FROM {t} WHERE "key" IN ({marks}) AND expires > %s',  # noqa: S608 (quoted model table)
                [*keys, when],
            )
            seen = {str(k): int(v) for k, v in cursor.fetchall()}
        counts = [(seen.get(w.current, 0), seen.get(w.previous, 0)) for w in windows]
        return Taken(all(_fits(w, c, p) for w, (c, p) in zip(windows, counts, strict=True)), counts)
    # one upsert of the current counters (each once, however many windows name it) that
    # returns each new value and, by a subquery, the value of its previous counter
    first: dict[str, Window] = {}
    for w in windows:
        first.setdefault(w.current, w)
    rows = ", ".join(["(%s, 1, %s)"] * len(first))
    pairs = " ".join(["WHEN %s THEN %s"] * len(first))
    params: list[Any] = []
    for key, w in first.items():
        params += [key, connection.ops.adapt_datetimefield_value(now + dt.timedelta(seconds=w.ttl))]
    params += [when, when]
    for key, w in first.items():
        params += [key, w.previous]
    params.append(when)
    sql = (
        f'INSERT INTO {t} ("key", value, expires) VALUES {rows} '  # noqa: S608 (quoted model table)
        f'ON CONFLICT ("key") DO UPDATE SET '
        f"value = CASE WHEN {t}.expires > %s THEN {t}.value + 1 ELSE 1 END, "
        f"expires = CASE WHEN {t}.expires > %s THEN {t}.expires ELSE excluded.expires END "
        f'RETURNING "key", value, (SELECT p.value FROM {t} p WHERE p."key" = '
        f'CASE {t}."key" {pairs} END AND p.expires > %s)'
    )
    if then is not None and connection.vendor == "sqlite":
        # one immediate transaction for the decision and the follow-up: one write lock and
        # one commit; a refused request rolls it back and so counts nowhere
        refused: list[tuple[int, int]] = []
        try:
            with writelock.write_turn(), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)
                got = {str(k): (int(v), int(p or 0)) for k, v, p in cursor.fetchall()}
                counts = [got[w.current] for w in windows]
                if not all(_fits(w, c - 1, p) for w, (c, p) in zip(windows, counts, strict=True)):
                    refused = [(c - 1, p) for c, p in counts]
                    raise _Refused
                after = then.sql(cursor)
        except _Refused:
            return Taken(False, refused)
        _purge_expired(now)
        return Taken(True, counts, after)
    with writelock.write_turn(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        got = {str(k): (int(v), int(p or 0)) for k, v, p in cursor.fetchall()}
        counts = [got[w.current] for w in windows]
        if all(_fits(w, c - 1, p) for w, (c, p) in zip(windows, counts, strict=True)):
            after = then.sql(cursor) if then is not None else None
            _purge_expired(now)
            return Taken(True, counts, after)
        # full (or filled by another process meanwhile): take this request back everywhere
        marks = ", ".join(["%s"] * len(first))
        cursor.execute(
            f'UPDATE {t} SET value = value - 1 WHERE "key" IN ({marks}) AND value > 0',  # noqa: S608 (quoted model table)
            list(first),
        )
    return Taken(False, [(c - 1, p) for c, p in counts])


def claim(key: str, ttl: float) -> bool:
    """True for the first caller (in any process) to claim ``key`` until it expires."""
    if _redis():
        return bool(cache.add(PREFIX + key, 1, timeout=max(1, int(ttl))))
    from govapp.core.models import SharedCounter

    now = timezone.now()
    try:
        with transaction.atomic():
            SharedCounter.objects.filter(key=key, expires__lte=now).delete()
            SharedCounter.objects.create(key=key, value=1, expires=now + dt.timedelta(seconds=ttl))
    except IntegrityError:
        return False
    _purge_expired(now)
    return True


def clear(prefix: str = "") -> None:
    """Forget shared counters whose key starts with ``prefix`` (tests and administrators)."""
    if _redis():
        client = redis_client()
        for name in client.scan_iter(match=cache.make_key(PREFIX + prefix) + "*"):
            client.delete(name)
        return
    from govapp.core.models import SharedCounter

    SharedCounter.objects.filter(key__startswith=prefix).delete()
