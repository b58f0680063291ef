"""Per-client rate limiting of the public pages and API (no CAPTCHA).

A token bucket per client, kept in Django's cache.  The client is identified by an HMAC of
its address with a salt derived from SECRET_KEY: the raw address is never stored or logged.

Settings:
- ``GOVAPP_PUBLIC_RATE_LIMIT``: ``(requests, seconds)``, default ``(120, 60)``: a burst of 120
  requests, refilled at 120 per minute.  ``None`` turns limiting off.
- ``GOVAPP_PUBLIC_TRUSTED_PROXIES``: how many reverse proxies in front of the server append
  to ``X-Forwarded-For`` (default 0: use ``REMOTE_ADDR``).

With the default per-process cache (LocMemCache) each web process keeps its own buckets, so
the effective limit is multiplied by the number of processes; configure a shared cache
(Redis, Memcached or the database cache) in production for an exact limit.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

_lock = threading.Lock()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0
    remaining: int = 0


def _salt() -> bytes:
    return hashlib.sha256(b"govapp-public-ratelimit:" + settings.SECRET_KEY.encode()).digest()


def client_address(request: HttpRequest) -> str:
    proxies = int(getattr(settings, "GOVAPP_PUBLIC_TRUSTED_PROXIES", 0) or 0)
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def client_key(request: HttpRequest) -> str:
    """A salted, keyed hash of the client address (never the address itself)."""
    digest = hmac.new(_salt(), client_address(request).encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def limits() -> tuple[int, float] | None:
    value = getattr(settings, "GOVAPP_PUBLIC_RATE_LIMIT", (120, 60))
    if not value:
        return None
    count, seconds = value
    return int(count), float(seconds)


def check(request: HttpRequest, bucket: str = "public") -> Decision:
    """Take one token from the client's bucket."""
    conf = limits()
    if conf is None:
        return Decision(True, 0, 0)
    capacity, seconds = conf
    rate = capacity / seconds  # tokens per second
    key = f"govapp:rl:{bucket}:{client_key(request)}"
    now = time.time()
    with _lock:  # per-process; the cache itself serialises across processes only roughly
        state = cache.get(key)
        tokens, last = (float(capacity), now) if state is None else state
        tokens = min(float(capacity), tokens + (now - last) * rate)
        if tokens >= 1.0:
            tokens -= 1.0
            cache.set(key, (tokens, now), int(seconds) + 1)
            return Decision(True, 0, int(tokens))
        cache.set(key, (tokens, now), int(seconds) + 1)
    retry = max(1, math.ceil((1.0 - tokens) / rate))
    return Decision(False, retry, 0)
