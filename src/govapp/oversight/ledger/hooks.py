"""Registers the ledger's navigation items, home panel and demo loader (until the wiring
tables of govapp.core.wiring replace these lists)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govapp.core.context_processors import NAV_ITEMS
from govapp.core.demo import DEMO_LOADERS
from govapp.core.views import HOME_PANELS
from govapp.oversight.ledger import selectors


def _home_panels(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    panels: list[dict[str, Any]] = []
    if selectors.is_reviewer(user):
        queue = selectors.review_queue(user)
        n = queue.count()
        dup = sum(1 for p in queue if p.field_check.get("duplicated"))
        panels.append(
            {
                "label": _("待审查的填报事项"),
                "count": n,
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


def _demo_ledger() -> Any:
    from govapp.oversight.ledger.demo import demo_ledger_load

    return demo_ledger_load()


NAV_ITEMS.append(("ledger:list", gettext_lazy("填报事项清单"), lambda u: True))
NAV_ITEMS.append(("ledger:burden", gettext_lazy("基层填报负担"), lambda u: True))
HOME_PANELS.append(_home_panels)
DEMO_LOADERS.append(("ledger", _demo_ledger))
