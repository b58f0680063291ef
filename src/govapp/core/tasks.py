"""Task helpers: follow-up tasks by event, and the entries of core.wiring resolved by path."""

from __future__ import annotations

from functools import cache, partial
from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string

from govapp.core import wiring


@cache
def resolve(path: str) -> Any:
    """The object at a dotted path of a core.wiring table (imported once, then cached)."""
    return import_string(path)


def follow_up(event: str, **kwargs: Any) -> None:
    """Enqueue, when the current transaction commits, every task that core.wiring.FOLLOW_UPS
    lists for ``event``, with ``kwargs`` (JSON values). A failing task stays on the queue with
    its error and can be retried; it never undoes the change that caused it."""
    try:
        paths = wiring.FOLLOW_UPS[event]
    except KeyError:
        raise ValueError(f"unknown follow-up event {event!r} (see govapp.core.wiring)") from None
    for path in paths:
        transaction.on_commit(partial(resolve(path).enqueue, **kwargs))
