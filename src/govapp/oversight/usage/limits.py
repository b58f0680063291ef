"""The rate limits of the public usage endpoints, in one place.

They use the project's one limiter (govapp.core.ratelimit): counters shared by every web process,
keyed by an HMAC of the client address under a random salt of the day (never the address or the
user agent themselves).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpRequest

from govapp.core import ratelimit
from govapp.core.ratelimit import client_address

__all__ = ["client_address", "ping_buckets", "rating_allowed"]


def _who(request: HttpRequest, *parts: str, base: str = "") -> str:
    base = base or ratelimit.client_key(request)
    if not parts:
        return base
    extra = hashlib.sha256("|".join((base, *parts)).encode()).hexdigest()[:32]
    return extra


def ping_buckets(request: HttpRequest, user_agent: str, key: str) -> list[ratelimit.Bucket]:
    """The ping's limits: per device and app ``GOVAPP_USAGE_PING_RATE`` (default 30 per 10
    minutes) and per address ``GOVAPP_USAGE_PING_ADDRESS_RATE`` (default 6000 per minute,
    generous for the NAT of a government intranet); none when both are off.  The endpoint
    decides them together with the ping's count in one call of the limiter
    (``services.ping_take``): a ping refused by either counts in neither, nor in the figures."""
    device = getattr(settings, "GOVAPP_USAGE_PING_RATE", (30, 600.0))
    whole = getattr(settings, "GOVAPP_USAGE_PING_ADDRESS_RATE", (6000, 60.0))
    if not (device or whole):
        return []
    base = ratelimit.client_key(request)  # the address's keyed hash, computed once
    buckets = []
    if whole:
        buckets.append(ratelimit.Bucket("usage-ping", base, int(whole[0]), float(whole[1])))
    if device:
        buckets.append(
            ratelimit.Bucket(
                "usage-ping-device",
                _who(request, key, user_agent, base=base),
                int(device[0]),
                float(device[1]),
            )
        )
    return buckets


def rating_allowed(request: HttpRequest, app_id: int) -> bool:
    """``GOVAPP_USAGE_RATING_RATE`` (default 5 ratings of one app per address and hour)."""
    conf = getattr(settings, "GOVAPP_USAGE_RATING_RATE", (5, 3600.0))
    if not conf:
        return True
    return ratelimit.hit(
        bucket=f"usage-rate:{app_id}",
        who=_who(request),
        limit=int(conf[0]),
        window=float(conf[1]),
    ).allowed


FORGET_PREFIX = f"govapp:shared:{ratelimit.KEY_PREFIX}usage-ping"  # as the cache names it


def forget_devices() -> None:
    """Forget the counters of the ping's limits (keyed hashes of the address, and of device and
    app): close-day calls this so that no per-device hash outlives the day's count (a device
    may then ping up to its limit once more).  On Redis, close-day's own SCAN finds them
    (``FORGET_PREFIX``)."""
    from govapp.core import shared

    shared.clear(f"{ratelimit.KEY_PREFIX}usage-ping")
