"""Navigation by role, for the base template."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from govapp.core.permissions import can_read_audit, has_role, is_national

# (url name, label, predicate on the user).  Other apps append to NAV_ITEMS.
NAV_ITEMS: list[tuple[str, Any, Any]] = [
    ("home", _("工作台"), lambda u: True),
    ("audit:list", _("审计日志"), can_read_audit),
    ("core:calendar", _("工作日历"), lambda u: has_role(u, "national_regulator") or is_national(u)),
    ("scans:list", _("安装包检测"), lambda u: True),
    ("orgs:units", _("单位"), lambda u: True),
    ("orgs:users", _("用户与授权"), lambda u: True),
    ("orgs:tokens", _("API 令牌"), lambda u: True),
]


# Sections of the side navigation, by the URL namespace of an item (in display order).
NAV_SECTIONS: list[tuple[str, Any]] = [
    ("registry", _("备案管理")),
    ("scans", _("检测与合规")),
    ("compliance", _("检测与合规")),
    ("complaints", _("投诉举报")),
    ("reports", _("统计分析")),
    ("audit", _("系统")),
    ("core", _("系统")),
    ("orgs", _("系统")),
]
_SECTION_OF = dict(NAV_SECTIONS)
_SECTION_ORDER = {name: i for i, (name, _label) in enumerate(NAV_SECTIONS)}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    entries = []
    for position, (name, label, allowed) in enumerate(NAV_ITEMS):
        if not allowed(user):
            continue
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
