"""The ledger's home panels and the section it adds to a registry app's or application's page
(listed in govapp.core.wiring)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from govapp.oversight.ledger import selectors


def ledger_panels(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    panels: list[dict[str, Any]] = []
    if selectors.is_reviewer(user):
        queue = list(selectors.review_queue(user))
        dup = sum(1 for p in queue if p.field_check.get("duplicated"))
        panels.append(
            {
                "label": _("待审查的填报事项"),
                "count": len(queue),
                "url": reverse("ledger:queue"),
                "hint": _("其中 %(n)d 项与已有数据重复") % {"n": dup} if dup else "",
                "urgent": dup > 0,
            }
        )
    unit_id = getattr(user, "unit_id", None)
    if unit_id:
        sent_back = (
            selectors.visible_demands(user).filter(unit_id=unit_id, status="sent_back").count()
        )
        if sent_back:
            panels.append(
                {
                    "label": _("被退回的填报事项"),
                    "count": sent_back,
                    "url": reverse("ledger:list") + "?status=sent_back&mine=1",
                    "hint": _("请复用已有数据，不再要求基层重复填报"),
                    "urgent": True,
                }
            )
    return panels


def app_demands_section(request: HttpRequest, *, app: Any, application: Any = None) -> SafeString:
    """The demands on grassroots units that the app carries (a filing lists them)."""
    demands = list(
        selectors.app_demands(app).filter(
            pk__in=selectors.visible_demands(request.user).values("pk")
        )
    )
    return render_to_string(
        "ledger/_app_section.html", {"demands": demands, "app": app}, request=request
    )
