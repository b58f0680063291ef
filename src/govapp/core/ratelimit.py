"""The one rate limiter (public pages and API, complaint reports and receipt look-ups, logins).

A sliding window over two fixed windows: the count of the current window plus the previous
window's count weighted by how much of it still overlaps.  Counters are shared by every web
process and host (:mod:`govapp.core.shared`: Redis when ``CACHE_URL`` is Redis, else a
database row updated atomically), so N processes enforce one limit, not N.

The client is identified by an HMAC of its address with a random salt that is kept in the
shared cache for one day and then forgotten: the raw address is never stored or logged.  A
decision, for one bucket or several at once (:func:`hit_many`), is one round trip to the
shared store; the salt is read from the cache at most once per 10 s per process.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from govapp.core import shared

KEY_PREFIX = "rl:"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0
    remaining: int = 0
    then: object = None  # what the ``then`` work of an admitted request returned


def client_address(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or with ``GOVAPP_TRUSTED_PROXIES`` = N reverse
    proxies in front, the address the outermost trusted proxy saw (N-th from the right of
    ``X-Forwarded-For``)."""
    proxies = int(getattr(settings, "GOVAPP_TRUSTED_PROXIES", 0) or 0)
    if proxies > 0:
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        hops = [h.strip() for h in forwarded.split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


SALT_MEMORY_SECONDS = 10.0  # how long a web process may reuse the salt it read from the cache
_salts: dict[int, tuple[bytes, float]] = {}
_salts_lock = threading.Lock()


def _salt(day: int) -> bytes:
    """A random salt per day, shared by every process through the cache, never written to a
    file; when it is evicted or the day ends, clients simply start with fresh counters.  Each
    process keeps the salt it read for :data:`SALT_MEMORY_SECONDS` (so a request costs no round
    trip for it) and only for its day: yesterday's is dropped when today's is first read."""
    now = time.monotonic()
    with _salts_lock:
        held = _salts.get(day)
    if held is not None and held[1] > now:
        return held[0]
    key = f"govapp:rl:salt:{day}"
    cache.add(key, secrets.token_hex(32), timeout=2 * 86400)
    value = cache.get(key)
    if value:
        salt = bytes.fromhex(str(value))
    else:  # a cache that keeps nothing (dummy): still one salt per secret key and day
        salt = hashlib.sha256(f"{settings.SECRET_KEY}:{day}".encode()).digest()
    with _salts_lock:
        _salts.clear()
        _salts[day] = (salt, now + SALT_MEMORY_SECONDS)
    return salt


def client_key(request: HttpRequest) -> str:
    """A keyed hash of the client address (never the address itself)."""
    day = int(time.time() // 86400)
    digest = hmac.new(_salt(day), client_address(request).encode(), hashlib.sha256).hexdigest()
    return digest[:32]


@dataclass(frozen=True)
class Bucket:
    """At most ``limit`` requests of ``who`` in ``bucket`` per ``window`` seconds."""

    bucket: str
    who: str
    limit: int
    window: float


def _retry_after(limit: int, current: int, previous: int, elapsed: float, window: float) -> int:
    """Seconds until one more request fits."""
    room = limit - 1
    if current > room:
        # wait for the next window; then the current count becomes the weighted previous one
        needed = 1 - room / current if current else 0
        seconds = (1 - elapsed) * window + needed * window
    elif previous:
        needed = 1 - (room - current) / previous
        seconds = max(0.0, needed - elapsed) * window
    else:
        seconds = 1
    return max(1, math.ceil(seconds))


def hit_many(
    buckets: Sequence[Bucket], *, consume: bool = True, then: shared.Then | None = None
) -> Decision:
    """Count one request in every bucket at once: allowed when each has room, and then counted
    in each; refused (counted in none) when one is full, with the longest wait.  One round
    trip to the shared store (:func:`govapp.core.shared.windows_take`), atomic across
    processes.  With ``consume=False`` only check whether one more would be allowed (e.g. a
    complaint counts once it is filed, not when its form is shown).  ``then``: a write done in
    the same round trip when the request is admitted (:class:`govapp.core.shared.Then`), e.g.
    counting an admitted ping; its result is ``Decision.then``."""
    if not buckets and then is None:
        return Decision(True)
    now = time.time()
    windows, elapsed = [], []
    for b in buckets:
        index = int(now // b.window)
        share = (now - index * b.window) / b.window
        elapsed.append(share)
        windows.append(
            shared.Window(
                current=f"{KEY_PREFIX}{b.bucket}:{b.who}:{index}",
                previous=f"{KEY_PREFIX}{b.bucket}:{b.who}:{index - 1}",
                weight=1 - share,
                limit=int(b.limit),
                ttl=2 * b.window + 1,
            )
        )
    taken = shared.windows_take(windows, consume=consume, then=then)
    if not taken.room:
        waits = [
            _retry_after(b.limit, current, previous, share, b.window)
            for b, w, share, (current, previous) in zip(
                buckets, windows, elapsed, taken.counts, strict=True
            )
            if previous * w.weight + current + 1 > w.limit
        ]
        return Decision(False, max(waits, default=1), 0)
    remaining = min(
        (
            int(w.limit - (previous * w.weight + current) - (0 if consume else 1))
            for w, (current, previous) in zip(windows, taken.counts, strict=True)
        ),
        default=0,
    )
    return Decision(True, 0, max(0, remaining), taken.then)


def hit(*, bucket: str, who: str, limit: int, window: float, consume: bool = True) -> Decision:
    """Count one request of ``who`` in ``bucket`` (at most ``limit`` per ``window`` seconds);
    :func:`hit_many` with one bucket."""
    return hit_many([Bucket(bucket, who, limit, window)], consume=consume)


def check(
    request: HttpRequest,
    *,
    bucket: str,
    limit: tuple[int, float] | None,
    consume: bool = True,
) -> Decision:
    """Count one request from the client of ``request``; ``limit`` = ``(count, seconds)`` or
    ``None`` (no limit)."""
    if not limit:
        return Decision(True)
    count, seconds = limit
    return hit(
        bucket=bucket,
        who=client_key(request),
        limit=int(count),
        window=float(seconds),
        consume=consume,
    )


def reset() -> None:
    """Forget every rate-limit counter (tests; an administrator after a false alarm) and the
    salt this process holds in memory."""
    shared.clear(KEY_PREFIX)
    with _salts_lock:
        _salts.clear()
