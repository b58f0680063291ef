"""The one rate limiter (public pages and API, complaint reports and receipt look-ups, logins).

A sliding window over two fixed windows: the count of the current window plus the previous
window's count weighted by how much of it still overlaps.  Counters are shared by every web
process and host (:mod:`govapp.core.shared`: Redis when ``CACHE_URL`` is Redis, else a
database row updated atomically), so N processes enforce one limit, not N.

The client is identified by an HMAC of its address with a random salt that is kept in the
shared cache for one day and then forgotten: the raw address is never stored or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
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


def _salt(day: int) -> bytes:
    """A random salt per day, shared by every process through the cache, never written to a
    file; when it is evicted or the day ends, clients simply start with fresh counters."""
    key = f"govapp:rl:salt:{day}"
    cache.add(key, secrets.token_hex(32), timeout=2 * 86400)
    value = cache.get(key)
    if not value:  # a cache that keeps nothing (dummy): still one salt per secret key and day
        return hashlib.sha256(f"{settings.SECRET_KEY}:{day}".encode()).digest()
    return bytes.fromhex(str(value))


def client_key(request: HttpRequest) -> str:
    """A keyed hash of the client address (never the address itself)."""
    day = int(time.time() // 86400)
    digest = hmac.new(_salt(day), client_address(request).encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def _estimate(bucket: str, who: str, window: float, now: float) -> tuple[int, int, float]:
    index = int(now // window)
    current = shared.counter_get(f"{KEY_PREFIX}{bucket}:{who}:{index}")
    previous = shared.counter_get(f"{KEY_PREFIX}{bucket}:{who}:{index - 1}")
    elapsed = (now - index * window) / window
    return current, previous, elapsed


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


def hit(*, bucket: str, who: str, limit: int, window: float, consume: bool = True) -> Decision:
    """Count one request of ``who`` in ``bucket`` (at most ``limit`` per ``window`` seconds).

    With ``consume=False`` only check whether one more would be allowed (e.g. a complaint
    counts once it is filed, not when its form is shown)."""
    now = time.time()
    current, previous, elapsed = _estimate(bucket, who, window, now)
    used = previous * (1 - elapsed) + current
    if used + 1 > limit:
        return Decision(False, _retry_after(limit, current, previous, elapsed, window), 0)
    if consume:
        index = int(now // window)
        current = shared.counter_incr(f"{KEY_PREFIX}{bucket}:{who}:{index}", 2 * window + 1)
        used = previous * (1 - elapsed) + current
        if used > limit:  # another process took the last one in the meantime
            return Decision(False, _retry_after(limit, current, previous, elapsed, window), 0)
    return Decision(True, 0, max(0, int(limit - used - (0 if consume else 1))))


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
    """Forget every rate-limit counter (tests; an administrator after a false alarm)."""
    shared.clear(KEY_PREFIX)
