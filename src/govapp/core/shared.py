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

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

PREFIX = "govapp:shared:"


def _redis() -> bool:
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    return isinstance(caches["default"], RedisCache)


def _purge_expired(now: dt.datetime) -> None:
    from govapp.core.models import SharedCounter

    if secrets.randbelow(64) == 0:  # now and then, not on every write
        SharedCounter.objects.filter(expires__lte=now).delete()


def counter_incr(key: str, ttl: float) -> int:
    """Add one to ``key`` (created at 0, expiring ``ttl`` seconds after creation); the new value."""
    if _redis():
        full = PREFIX + key
        cache.add(full, 0, timeout=max(1, int(ttl)))
        try:
            return int(cache.incr(full))
        except ValueError:  # expired between add and incr
            cache.add(full, 1, timeout=max(1, int(ttl)))
            return 1
    from govapp.core.models import SharedCounter

    now = timezone.now()
    with transaction.atomic():
        if SharedCounter.objects.filter(key=key, expires__gt=now).update(value=F("value") + 1):
            return int(SharedCounter.objects.get(key=key).value)
        try:
            with transaction.atomic():
                SharedCounter.objects.filter(key=key, expires__lte=now).delete()
                SharedCounter.objects.create(
                    key=key, value=1, expires=now + dt.timedelta(seconds=ttl)
                )
        except IntegrityError:  # another process created it first
            SharedCounter.objects.filter(key=key).update(value=F("value") + 1)
            return int(SharedCounter.objects.get(key=key).value)
        _purge_expired(now)
        return 1


def counter_get(key: str) -> int:
    if _redis():
        return int(cache.get(PREFIX + key, 0) or 0)
    from govapp.core.models import SharedCounter

    value = (
        SharedCounter.objects.filter(key=key, expires__gt=timezone.now())
        .values_list("value", flat=True)
        .first()
    )
    return int(value or 0)


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
        from django.core.cache import caches

        client = caches["default"]._cache.get_client(write=True)  # type: ignore[attr-defined]
        for name in client.scan_iter(match=cache.make_key(PREFIX + prefix) + "*"):
            client.delete(name)
        return
    from govapp.core.models import SharedCounter

    SharedCounter.objects.filter(key__startswith=prefix).delete()
