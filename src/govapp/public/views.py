"""Public pages, no login: search the registry, an app's public page, verify an app."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import unquote, urlencode

import segno
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from govapp.core import ratelimit
from govapp.public.selectors import (
    CENTRAL,
    PUBLIC_STATUSES,
    VerifyInputError,
    cities,
    provinces,
    public_app_get,
    public_search_page,
    verify,
)
from govapp.registry.models import AppKind, AppStatus

PAGE_SIZE = 20
VERDICT_CLASS = {
    "filed": "badge-ok",
    "not_filed": "badge-danger",
    "revoked": "badge-danger",
    "deregistered": "badge-warn",
    "certificate_mismatch": "badge-danger",
}


def rate_limited(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Answer 429 with Retry-After and a page that says when to try again."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        decision = ratelimit.check(
            request, bucket="public", limit=settings.GOVAPP_PUBLIC_RATE_LIMIT
        )
        if not decision.allowed:
            resp = render(
                request,
                "public/rate_limited.html",
                {"retry_after": decision.retry_after},
                status=429,
            )
            resp["Retry-After"] = str(decision.retry_after)
            return resp
        return view(request, *args, **kwargs)

    return wrapper


@dataclass
class _Paginator:
    count: int
    num_pages: int


@dataclass
class CachedPage:
    """Enough of Django's Page for templates/pagination.html over cached rows."""

    object_list: list[dict[str, Any]]
    number: int
    paginator: _Paginator

    def __iter__(self) -> Any:
        return iter(self.object_list)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.paginator.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


FILTER_KEYS = ("q", "unit", "province", "city", "kind", "status")


@require_GET
@rate_limited
def search(request: HttpRequest) -> HttpResponse:
    f = {k: request.GET.get(k, "").strip()[:100] for k in FILTER_KEYS}
    if f["city"] and not f["city"].startswith(f["province"] or "-"):
        f["city"] = ""
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    items, count = public_search_page(filters=f, page=number, page_size=PAGE_SIZE)
    num_pages = max(1, math.ceil(count / PAGE_SIZE))
    if number > num_pages:
        number = num_pages
        items, count = public_search_page(filters=f, page=number, page_size=PAGE_SIZE)
    for item in items:
        item["badge"] = VERDICT_CLASS.get(item["verdict"], "")
    page = CachedPage(items, number, _Paginator(count, num_pages))
    return render(
        request,
        "public/search.html",
        {
            "page": page,
            "f": f,
            "query": urlencode({k: v for k, v in f.items() if v}),
            "provinces": provinces(),
            "cities": cities(f["province"]),
            "central": CENTRAL,
            "kinds": AppKind.choices,
            "statuses": [(s.value, s.label) for s in PUBLIC_STATUSES],
        },
    )


def qr_svg(url: str) -> str:
    return mark_safe(segno.make(url, error="m").svg_inline(scale=3, dark="#1f2329"))  # noqa: S308


@require_GET
@rate_limited
def app_detail(request: HttpRequest, filing_number: str) -> HttpResponse:
    app = public_app_get(filing_number)
    if app is None:
        raise Http404(_("没有这个备案编号的应用，请核对编号后重试。"))
    verify_url = request.build_absolute_uri(app["verify_url"])
    from govapp.complaints.selectors import complaint_counts_for_app
    from govapp.registry.models import App

    row = App.objects.filter(filing_number=app["filing_number"]).select_related("successor").first()
    successor = row.successor if row is not None and row.status in RETIRING else None
    return render(
        request,
        "public/app_detail.html",
        {
            "app": app,
            "complaints": complaint_counts_for_app(row) if row is not None else None,
            "badge": VERDICT_CLASS.get(app["verdict"], ""),
            "verify_url": verify_url,
            "verify_url_readable": unquote(verify_url),
            "qr": qr_svg(verify_url),
            "deregistered": app["status"] == AppStatus.DEREGISTERED,
            # retired or merged: the app users should move to (R-26, App.successor)
            "successor": successor if successor is not None and successor.filing_number else None,
        },
    )


RETIRING = (AppStatus.SHUTDOWN_NOTICE, AppStatus.OFFLINE, AppStatus.DEREGISTERED)


@require_GET
@rate_limited
def verify_view(request: HttpRequest) -> HttpResponse:
    form = {k: request.GET.get(k, "").strip() for k in ("package", "cert_sha256", "filing_number")}
    result: dict[str, Any] | None = None
    error = ""
    status = 200
    if any(form.values()):
        try:
            result = verify(**form)
        except VerifyInputError as exc:
            error = str(exc)
            status = 422
    return render(
        request,
        "public/verify.html",
        {
            "form": form,
            "result": result,
            "badge": VERDICT_CLASS.get(result["status"], "") if result else "",
            "error": error,
        },
        status=status,
    )
