"""The rate limits of the public usage endpoints, in one place.

They use the project's in-memory limiter (govapp.complaints.privacy: a random salt, nothing
written anywhere, so no address or address hash is ever stored).  Each web process keeps its
own buckets; the limits are meant against floods, not as exact quotas.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from govapp.complaints.privacy import _limiter


def client_address(request: HttpRequest) -> str:
    proxies = int(getattr(settings, "GOVAPP_PUBLIC_TRUSTED_PROXIES", 0) or 0)
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def ping_allowed(request: HttpRequest, address: str, user_agent: str, key: str) -> int:
    """The one rate-limit call of the ping: 0 when allowed, else seconds to wait.

    The project's in-memory limiter (a random salt, nothing written anywhere): per device and
    app ``GOVAPP_USAGE_PING_RATE`` (default 30 per 10 minutes) and per address
    ``GOVAPP_USAGE_PING_ADDRESS_RATE`` (default 6000 per minute, generous for the NAT of a
    government intranet)."""
    device = getattr(settings, "GOVAPP_USAGE_PING_RATE", (30, 600.0))
    whole = getattr(settings, "GOVAPP_USAGE_PING_ADDRESS_RATE", (6000, 60.0))
    if whole:
        decision = _limiter.check(address, "usage-ping", int(whole[0]), float(whole[1]))
        if not decision.allowed:
            return decision.retry_after
    if device:
        decision = _limiter.check(
            address, f"usage-ping|{key}|{user_agent}", int(device[0]), float(device[1])
        )
        if not decision.allowed:
            return decision.retry_after
    return 0


def rating_allowed(address: str, app_id: int) -> bool:
    """``GOVAPP_USAGE_RATING_RATE`` (default 5 ratings of one app per address and hour)."""
    conf = getattr(settings, "GOVAPP_USAGE_RATING_RATE", (5, 3600.0))
    if not conf:
        return True
    return _limiter.check(address, f"usage-rate|{app_id}", int(conf[0]), float(conf[1])).allowed
