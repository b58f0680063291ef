"""The registry version: a counter bumped after every change the public can see.

Cached public answers (govapp.public) are keyed by :func:`registry_version`, which also folds in
the newest ``App.updated_at``, so a change made by any process invalidates every process's cache
within ``GOVAPP_PUBLIC_VERSION_TTL`` seconds (default 1 s) and at once in the process that made it.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from govapp.registry.models import App, RegistryVersion

_memo_lock = threading.Lock()
_memo: dict[str, Any] = {"token": None, "at": 0.0}


def _bump() -> None:
    now = timezone.now()
    if not RegistryVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=now):
        RegistryVersion.objects.get_or_create(pk=1, defaults={"version": 1})
    with _memo_lock:
        _memo["token"] = None


def registry_changed() -> None:
    """Call it inside the transaction of any change the public
    can see (filing, revocation, shutdown notice, offline report, deregistration, identities).
    The cached public answers are dropped once the transaction commits."""
    transaction.on_commit(_bump)


def registry_version() -> str:
    """The current version token (memoised per process for GOVAPP_PUBLIC_VERSION_TTL s)."""
    ttl = float(getattr(settings, "GOVAPP_PUBLIC_VERSION_TTL", 1.0))
    now = time.monotonic()
    with _memo_lock:
        token = _memo["token"]
        if token is not None and now - _memo["at"] < ttl:
            return str(token)
    row = RegistryVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    newest = App.objects.aggregate(m=Max("updated_at"))["m"]
    token = f"{row or 0}.{newest.timestamp() if newest else 0}"
    with _memo_lock:
        _memo["token"] = token
        _memo["at"] = now
    return token
