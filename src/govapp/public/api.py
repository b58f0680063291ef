"""Public API, no login (contract in ARCHITECTURE.md): /api/v1/public/...

Every endpoint is rate-limited per client (429 with Retry-After) and answered from the cache
when it can be.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from govapp.core import ratelimit
from govapp.core.errors import ErrorOut
from govapp.public.selectors import (
    VerifyInputError,
    parse_since,
    public_app_get,
    public_changes_page,
    public_search_page,
    verify,
)

router = Router(auth=None, tags=["public"])

MAX_PAGE_SIZE = 100


class AppItemOut(Schema):
    filing_number: str
    name: str
    kind: str
    kind_label: str
    hosting_unit: str
    region: str
    region_code: str
    status: str
    status_label: str
    verdict: str
    public_facing: bool
    filed_at: str | None
    url: str


class PublicIdentityOut(Schema):
    platform: str
    platform_label: str
    identifier: str
    host_platform: str
    cert_sha256: str
    cert_sha1: str
    cert_md5: str
    live: bool


class HarvestItemOut(AppItemOut):
    """An item when ``updated_since`` is given: the full public record (docs/open-data.md)."""

    updated_at: str
    revoked_at: str | None
    shutdown_date: str | None
    offline_at: str | None
    deregistered_at: str | None
    identities: list[PublicIdentityOut]


class AppPageOut(Schema):
    items: list[AppItemOut | HarvestItemOut]
    count: int
    page: int
    page_size: int


class AppDetailOut(AppItemOut):
    revoked_at: str | None
    shutdown_date: str | None
    shutdown_notice: str
    offline_at: str | None
    deregistered_at: str | None
    identities: list[PublicIdentityOut]
    verify_url: str


class VerifyOut(Schema):
    status: str
    status_label: str
    message: str
    filing_number: str | None
    app_name: str | None
    hosting_unit: str | None
    app_status: str | None
    app_status_label: str | None
    certificate_checked: bool
    url: str | None


class SearchIn(Schema):
    q: str = ""
    unit: str = ""
    province: str = ""
    city: str = ""
    kind: str = ""
    status: str = ""
    updated_since: str = ""
    page: int = 1
    page_size: int = 20


def _json(data: Any, status: int = 200) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")


def _limited(request: HttpRequest) -> HttpResponse | None:
    decision = ratelimit.check(request, bucket="public", limit=settings.GOVAPP_PUBLIC_RATE_LIMIT)
    if decision.allowed:
        return None
    resp = _json(
        {
            "detail": _("查询过于频繁，请在 %(s)d 秒后重试。") % {"s": decision.retry_after},
            "retry_after": decision.retry_after,
        },
        status=429,
    )
    resp["Retry-After"] = str(decision.retry_after)
    return resp


@router.get(
    "/apps",
    response={200: AppPageOut, 429: ErrorOut},
    summary="查询已备案应用（公开）",
    description="Filed apps (also revoked, shut down and deregistered ones, as such), by "
    "name/unit/filing number (q), unit, province (2-digit code or 'central'), city (4-digit), "
    "kind and status.  Paginated: {items, count, page, page_size}.  With "
    "`updated_since=<ISO 8601 datetime>` (harvesting, docs/open-data.md): only apps changed at "
    "or after that moment, oldest change first (then by id, a stable order), each item the "
    "full public record with `updated_at` and `identities`.",
)
def apps(request: HttpRequest, filters: Query[SearchIn]) -> Any:
    limited = _limited(request)
    if limited is not None:
        return limited
    page = max(1, filters.page)
    size = max(1, min(MAX_PAGE_SIZE, filters.page_size))
    if filters.updated_since.strip():
        since = parse_since(filters.updated_since)
        if since is None:
            return _json(
                {"detail": _("updated_since 应为 ISO 8601 时间，例如 2026-08-01T00:00:00+08:00。")},
                status=422,
            )
        items, count = public_changes_page(since=since, page=page, page_size=size)
        return _json({"items": items, "count": count, "page": page, "page_size": size})
    args = filters.dict(exclude={"page", "page_size", "updated_since"})
    items, count = public_search_page(
        filters={k: str(v or "") for k, v in args.items()}, page=page, page_size=size
    )
    return _json({"items": items, "count": count, "page": page, "page_size": size})


@router.get(
    "/apps/{filing_number}",
    response={200: AppDetailOut, 404: ErrorOut, 429: ErrorOut},
    summary="已备案应用的公开信息",
)
def app_detail(request: HttpRequest, filing_number: str) -> Any:
    limited = _limited(request)
    if limited is not None:
        return limited
    data = public_app_get(filing_number)
    if data is None:
        return _json({"detail": _("没有这个备案编号的应用，请核对编号后重试。")}, status=404)
    return _json(data)


@router.get(
    "/verify",
    response={200: VerifyOut, 422: ErrorOut, 429: ErrorOut},
    summary="核验应用真伪",
    description="`?package=...&cert_sha256=...` or `?filing_number=...`.  status is one of "
    "filed | not_filed | revoked | deregistered | certificate_mismatch.  The fingerprint may "
    "carry colons or spaces and any case; 40-hex SHA-1 and 32-hex MD5 are accepted too.",
)
def verify_endpoint(
    request: HttpRequest, package: str = "", cert_sha256: str = "", filing_number: str = ""
) -> Any:
    limited = _limited(request)
    if limited is not None:
        return limited
    try:
        data = verify(package=package, cert_sha256=cert_sha256, filing_number=filing_number)
    except VerifyInputError as exc:
        return _json({"detail": str(exc)}, status=422)
    return _json(data)
