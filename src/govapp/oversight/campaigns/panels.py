"""Campaign home panels and the using-units section of registry app pages (core.wiring)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from govapp.core.calendar import today_shanghai
from govapp.core.permissions import can, is_regulator
from govapp.oversight.campaigns import selectors
from govapp.oversight.campaigns.models import OPEN_TASK_STATES, CampaignState, TaskState


def campaign_panels(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    tasks = selectors.tasks_for(user).filter(campaign__state=CampaignState.OPEN)
    if is_regulator(user):
        waiting = tasks.filter(state=TaskState.SUBMITTED).count()
        if not waiting:
            return []
        return [
            {
                "label": _("待审核的自查"),
                "count": waiting,
                "url": reverse("campaigns:list"),
                "hint": "",
                "urgent": False,
            }
        ]
    mine = tasks.filter(state__in=OPEN_TASK_STATES)
    n = mine.count()
    if not n:
        return []
    overdue = mine.filter(due__lt=today_shanghai()).count()
    return [
        {
            "label": _("待填报的自查任务"),
            "count": n,
            "url": reverse("campaigns:list"),
            "hint": _("其中 %(n)d 项已逾期") % {"n": overdue} if overdue else "",
            "urgent": overdue > 0,
        }
    ]


def app_using_units_section(
    request: HttpRequest, *, app: Any, application: Any = None
) -> SafeString:
    if application is not None:
        return SafeString("")
    rows = list(selectors.using_units_for(request.user, app.pk))
    return render_to_string(
        "campaigns/_using_units_section.html",
        {"app": app, "rows": rows, "can_change": can(request.user, "change", app)},
        request=request,
    )
