"""Usage API: the public ping (no login) and the per-app figures for units and regulators.

Contract (ARCHITECTURE.md): ``POST /api/v1/public/usage/ping`` with ``{"filing_number"}`` or
``{"package"}`` -> 204; ``GET /api/v1/usage/apps/{filing_number}`` ->
``{"days": [{"date", "devices", "pings"}], "months": [{"month", "active_users",
"intended_users", "sessions", "source"}]}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from govapp.core.errors import NotFound
from govapp.core.permissions import restrict
from govapp.orgs.requests import authenticated_user
from govapp.oversight.usage import selectors, services
from govapp.oversight.usage.limits import client_address, ping_buckets
from govapp.oversight.usage.models import Source
from govapp.registry.models import App

public_router = Router(auth=None, tags=["public usage"])
router = Router(tags=["usage"])


# --- the ping ---------------------------------------------------------------------------------


class PingIn(Schema):
    filing_number: str = ""
    package: str = ""


@public_router.post("/ping", response={204: None, 429: dict[str, str]}, url_name="usage_ping")
def ping(request: HttpRequest, payload: PingIn) -> Any:
    """Count one start of an app (no login, nothing per device or person is stored)."""
    address = client_address(request)
    user_agent = str(request.META.get("HTTP_USER_AGENT", ""))
    key = payload.filing_number.strip() or payload.package.strip()
    wait = services.ping_take(
        filing_number=payload.filing_number,
        package=payload.package,
        address=address,
        user_agent=user_agent,
        buckets=ping_buckets(request, user_agent, key),
    )
    if wait:
        response = HttpResponse(
            b'{"detail": "too many pings, retry later"}',
            status=429,
            content_type="application/json",
        )
        response["Retry-After"] = str(wait)
        return response
    return HttpResponse(status=204)


# --- figures ------------------------------------------------------------------------------


class DayOut(Schema):
    date: dt.date
    devices: int
    pings: int


class MonthOut(Schema):
    month: str
    active_users: int
    intended_users: int
    sessions: int
    source: str


class UsageOut(Schema):
    days: list[DayOut]
    months: list[MonthOut]


def _app(request: HttpRequest, filing_number: str) -> App:
    app = (
        restrict(App.objects.all(), request.user, "view")
        .filter(filing_number=filing_number)
        .first()
    )
    if app is None:
        raise NotFound(_("没有找到该备案编号的应用，或不在您的管辖范围内。"))
    return app


@router.get("/apps/{filing_number}", response=UsageOut, url_name="usage_app")
def app_usage(request: HttpRequest, filing_number: str) -> dict[str, Any]:
    """Daily distinct devices and pings (last 90 days) and the monthly returns of one app."""
    return selectors.app_usage(_app(request, filing_number))


class UsageReturnIn(Schema):
    month: str  # YYYY-MM
    active_users: int
    intended_users: int
    sessions: int = 0
    functions: dict[str, int] = {}


class ReturnOut(Schema):
    month: str
    active_users: int
    intended_users: int
    sessions: int
    source: str


@router.post(
    "/apps/{filing_number}/returns",
    response={200: ReturnOut, 400: dict[str, Any], 403: dict[str, Any]},
    url_name="usage_return",
)
def return_put(request: HttpRequest, filing_number: str, payload: UsageReturnIn) -> Any:
    """Send (or correct) the monthly return of one app; the audit log keeps earlier figures."""
    app = _app(request, filing_number)
    try:
        month = dt.datetime.strptime(payload.month.strip()[:7], "%Y-%m").date()
    except ValueError as exc:
        raise services.UsageError(
            _("月份格式应为 YYYY-MM，例如 2026-10。"), {"month": "YYYY-MM"}
        ) from exc
    row = services.return_save(
        app=app,
        month=month,
        active_users=payload.active_users,
        intended_users=payload.intended_users,
        sessions=payload.sessions,
        functions=payload.functions,
        source=Source.API,
        actor=authenticated_user(request),
    )
    return Status(
        200,
        {
            "month": row.month.strftime("%Y-%m"),
            "active_users": row.active_users,
            "intended_users": row.intended_users,
            "sessions": row.sessions,
            "source": row.source,
        },
    )
