"""Registers usage oversight's navigation, home panel, periodic jobs and demo loader."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govapp.core.context_processors import NAV_ITEMS
from govapp.core.demo import DEMO_LOADERS
from govapp.core.periodic import periodic
from govapp.core.permissions import is_regulator
from govapp.core.views import HOME_PANELS


def home_panels(request: HttpRequest) -> list[dict[str, Any]]:
    from govapp.oversight.usage import selectors

    user = request.user
    if not selectors.can_use(user):
        return []
    data = selectors.pipeline(user)
    live = [c for c in data["cases"] if c.live]
    if not live:
        return []
    return [
        {
            "label": _("待处置的低使用应用退出"),
            "count": len(live),
            "url": reverse("usage:cases"),
            "hint": _("其中 %(n)d 件已逾期") % {"n": data["overdue"]} if data["overdue"] else "",
            "urgent": data["overdue"] > 0,
        }
    ]


def can_use(user: Any) -> bool:
    from govapp.oversight.usage import selectors

    return selectors.can_use(user)


def enqueue_close_day() -> None:
    from govapp.oversight.usage.tasks import usage_close_past_days

    usage_close_past_days.enqueue()


def enqueue_evaluate() -> None:
    from govapp.oversight.usage.tasks import usage_evaluate_and_escalate

    usage_evaluate_and_escalate.enqueue()


def demo_load() -> Any:
    from govapp.oversight.usage.demo import demo_usage_load

    return demo_usage_load()


HOME_PANELS.append(home_panels)
NAV_ITEMS.extend(
    [
        ("usage:index", gettext_lazy("使用情况"), can_use),
        ("usage:lowuse", gettext_lazy("低使用应用"), can_use),
        ("usage:cases", gettext_lazy("退出处置"), can_use),
        ("usage:unfiled", gettext_lazy("未备案在用"), is_regulator),
    ]
)
DEMO_LOADERS.append(("usage", demo_load))
# Closing runs hourly and closes only the days before today: the first run after midnight
# Asia/Shanghai closes yesterday.
periodic("usage.close_day", 3600, enqueue_close_day)
periodic("usage.evaluate", 6 * 3600, enqueue_evaluate)
