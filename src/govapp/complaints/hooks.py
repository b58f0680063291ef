"""Registers the complaint channel's home panels, navigation and deadline recomputer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govapp.complaints import selectors
from govapp.complaints.models import CLOSED_STATUSES, Status
from govapp.complaints.services import deadlines_recompute
from govapp.core.calendar import register_deadline_recomputer
from govapp.core.context_processors import NAV_ITEMS
from govapp.core.demo import DEMO_LOADERS
from govapp.core.permissions import has_role
from govapp.core.views import HOME_PANELS


def _home_panels(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    panels: list[dict[str, Any]] = []
    if selectors.can_handle_complaints(user):
        qs = selectors.complaints_for(user).exclude(status__in=CLOSED_STATUSES)
        overdue = qs.filter(selectors.overdue_q()).count()
        new = qs.filter(status=Status.RECEIVED).count()
        panels.append(
            {
                "label": _("待办理的投诉举报"),
                "count": qs.count(),
                "url": reverse("complaints:manage"),
                "hint": (_("其中 %(n)d 件已逾期") % {"n": overdue})
                if overdue
                else (_("其中 %(n)d 件待受理") % {"n": new} if new else ""),
                "urgent": overdue > 0,
            }
        )
    if has_role(user, "unit_manager", "unit_filer"):
        todo = selectors.open_explanations_for(user).count()
        if todo:
            panels.append(
                {
                    "label": _("监管部门要求说明的问题"),
                    "count": todo,
                    "url": reverse("complaints:unit"),
                    "hint": _("请在期限内提交情况说明"),
                    "urgent": True,
                }
            )
    return panels


HOME_PANELS.append(_home_panels)
NAV_ITEMS.extend(
    [
        ("complaints:manage", gettext_lazy("投诉举报"), selectors.can_handle_complaints),
        ("complaints:stats", gettext_lazy("举报统计"), selectors.can_see_stats),
        (
            "complaints:unit",
            gettext_lazy("投诉入口与说明"),
            lambda u: has_role(u, "unit_manager", "unit_filer"),
        ),
    ]
)
register_deadline_recomputer(deadlines_recompute)


def _demo_complaints() -> Any:
    from govapp.complaints.demo import demo_complaints_load

    return demo_complaints_load()


DEMO_LOADERS.append(("complaints", _demo_complaints))
