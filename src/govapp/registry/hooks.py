"""Registers the registry's home panels, navigation items and deadline recomputer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govapp.core.calendar import register_deadline_recomputer, today_shanghai
from govapp.core.context_processors import NAV_ITEMS
from govapp.core.demo import DEMO_LOADERS
from govapp.core.permissions import has_role, is_regulator
from govapp.core.views import HOME_PANELS
from govapp.orgs.models import Role
from govapp.registry import selectors
from govapp.registry.services import deadlines_recompute

UNIT_ROLES = (Role.UNIT_MANAGER, Role.UNIT_FILER)


def _home_panels(request: HttpRequest) -> list[dict[str, Any]]:
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


HOME_PANELS.append(_home_panels)
NAV_ITEMS.extend(
    [
        ("registry:apps", gettext_lazy("政务应用"), lambda u: True),
        ("registry:applications", gettext_lazy("备案申请"), lambda u: True),
        ("registry:queue", gettext_lazy("审核队列"), is_regulator),
        ("registry:notifications", gettext_lazy("通知"), lambda u: True),
    ]
)
register_deadline_recomputer(deadlines_recompute)


# --- Part B: legacy inventory and demo data -----------------------------------------


def _legacy_panel(request: HttpRequest) -> list[dict[str, Any]]:
    from govapp.registry.legacy import legacy_deadline, legacy_overdue

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


def _demo_registry() -> Any:
    from govapp.registry.demo import demo_registry_load

    return demo_registry_load()


HOME_PANELS.append(_legacy_panel)
NAV_ITEMS.append(
    (
        "registry:legacy",
        gettext_lazy("存量应用"),
        lambda u: is_regulator(u) or has_role(u, *UNIT_ROLES),
    )
)
DEMO_LOADERS.append(("registry", _demo_registry))


def _enqueue_abandon() -> None:
    from govapp.registry.tasks import abandon_lapsed_applications

    abandon_lapsed_applications.enqueue()


from govapp.core.periodic import periodic  # noqa: E402

periodic("registry.abandon_lapsed", 3600, _enqueue_abandon)
