"""Navigation by role, for the base template."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from govapp.core import wiring
from govapp.core.tasks import resolve

_SECTION_OF = dict(wiring.NAV_SECTIONS)
_SECTION_ORDER = {name: i for i, (name, _label) in enumerate(wiring.NAV_SECTIONS)}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    entries = []
    for position, entry in enumerate(wiring.NAV):
        if entry.visible and not resolve(entry.visible)(user):
            continue
        name, label = entry.url_name, entry.label
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        namespace = name.split(":", 1)[0] if ":" in name else ""
        entries.append((_SECTION_ORDER.get(namespace, -1), position, namespace, url, label))
    items: list[dict[str, Any]] = []
    section = None
    for _order, _pos, namespace, url, label in sorted(entries, key=lambda e: (e[0], e[1])):
        heading = _SECTION_OF.get(namespace)
        if heading is not None and heading != section:
            items.append({"heading": heading})
            section = heading
        active = request.path == url or (url != "/" and request.path.startswith(url))
        items.append({"url": url, "label": label, "active": active})
    return {"nav_items": items}
