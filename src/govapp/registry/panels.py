"""The registry's home panels: applications to review or answer, unread notifications, legacy
apps unfiled after the deadline (listed in core.wiring.HOME_PANELS)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from govapp.core.calendar import today_shanghai
from govapp.core.permissions import has_role, is_regulator
from govapp.orgs.models import Role
from govapp.registry import selectors

UNIT_ROLES = (Role.UNIT_MANAGER, Role.UNIT_FILER)


def review_panels(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    panels: list[dict[str, Any]] = []
    today = today_shanghai()
    if is_regulator(user):
        queue = selectors.review_queue(user)
        overdue = queue.filter(deadline__lt=today).count()
        panels.append(
            {
                "label": _("待审核的备案申请"),
                "count": queue.count(),
                "url": reverse("registry:queue"),
                "hint": _("其中 %(n)d 件已逾期") % {"n": overdue} if overdue else "",
                "urgent": overdue > 0,
            }
        )
    if has_role(user, *UNIT_ROLES):
        todo = selectors.unit_todo(user)
        feedback = todo.filter(state="feedback").count()
        panels.append(
            {
                "label": _("待办理的本单位申请"),
                "count": todo.count(),
                "url": reverse("registry:applications") + "?todo=1",
                "hint": _("其中 %(n)d 件待补正反馈") % {"n": feedback} if feedback else "",
                "urgent": feedback > 0,
            }
        )
    unread = selectors.notifications_for(user, unread_only=True).count()
    if unread:
        panels.append(
            {
                "label": _("未读通知"),
                "count": unread,
                "url": reverse("registry:notifications"),
                "hint": "",
                "urgent": False,
            }
        )
    return panels


def legacy_panels(request: HttpRequest) -> list[dict[str, Any]]:
    from govapp.registry.legacy.selectors import legacy_deadline, legacy_overdue

    user = request.user
    if not is_regulator(user) or today_shanghai() <= legacy_deadline():
        return []
    n = legacy_overdue(user=user).count()
    if not n:
        return []
    return [
        {
            "label": _("逾期未备案的存量应用"),
            "count": n,
            "url": reverse("registry:legacy"),
            "hint": _("2026-07-25 前应完成备案"),
            "urgent": True,
        }
    ]
