"""Usage oversight's home panel and its section on a registry app's page (core.wiring)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from govapp.oversight.usage import selectors
from govapp.oversight.usage.models import LowUseFlag


def usage_panels(request: HttpRequest) -> list[dict[str, Any]]:
    """Open retirement cases of the jurisdiction (overdue ones make the panel urgent)."""
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


def app_usage_section(request: HttpRequest, *, app: Any, application: Any = None) -> SafeString:
    """The latest monthly return, the low-use flag and the open retirement case of an app."""
    if application is not None or not selectors.can_use(request.user):
        return SafeString("")
    flag = LowUseFlag.objects.filter(app=app).first()
    return render_to_string(
        "usage/_app_section.html",
        {
            "app": app,
            "latest": selectors.latest_month(app),
            "flag": flag,
            "case": next((c for c in app.retirement_cases.all() if c.live), None),
        },
        request=request,
    )
