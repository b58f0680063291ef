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


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for name, label, allowed in NAV_ITEMS:
        if not allowed(user):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append(
            {
                "url": url,
                "label": label,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    return {"nav_items": items}
