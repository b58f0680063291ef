"""Complaint home panels: reports to handle, explanations a regulator asked of a unit
(core.wiring.HOME_PANELS)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from govapp.complaints import selectors
from govapp.complaints.models import CLOSED_STATUSES, Status
from govapp.core.permissions import has_role


def complaint_panels(request: HttpRequest) -> list[dict[str, Any]]:
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
