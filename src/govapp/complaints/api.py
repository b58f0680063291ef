"""Public complaint API, no login: /api/v1/public/complaints (contract in ARCHITECTURE.md).

Nothing about the caller is stored: the address is used only to compute an in-memory
rate-limit key.  A proof-of-work token (``pow``, from ``GET .../challenge``) is optional for
API clients; without one the per-client limit is tighter.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from govapp.complaints import privacy, selectors, services
from govapp.complaints.models import Channel, Complaint
from govapp.complaints.public import complaint_public_view
from govapp.core.errors import ErrorOut, InvalidInput

router = Router(auth=None, tags=["public complaints"])


def anonymous(view: Callable[..., Any]) -> Callable[..., Any]:
    """Nothing logged while handling the request carries its details (see privacy)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with privacy.private_request():
            return view(*args, **kwargs)

    return wrapper


class EvidenceIn(Schema):
    content_base64: str


class ComplaintIn(Schema):
    filing_number: str = ""
    app_name: str = ""
    app_key: str = ""
    category: str
    description: str
    banned_practice: str = ""
    happened: str = ""
    evidence: list[EvidenceIn] = []
    pow: str = ""


class ReceiptOut(Schema):
    receipt: str
    status: str
    status_label: str
    routed_to: str
    ack_due: str
    answer_due: str
    warnings: list[str]
    note: str


class ReporterMessageOut(Schema):
    author: str
    author_label: str
    text: str
    date: str


class ReporterComplaintOut(Schema):
    status: str
    status_label: str
    closed: bool
    category: str
    category_label: str
    banned_practice: str
    app_name: str
    filing_number: str | None
    received_on: str
    ack_due: str
    answer_due: str
    acknowledged: bool
    description: str
    happened: str
    evidence_count: int
    messages: list[ReporterMessageOut]
    outcome: str
    merged: bool


class MoreIn(Schema):
    text: str
    evidence: list[EvidenceIn] = []


class ChallengeOut(Schema):
    challenge: str
    bits: int
    algorithm: str


class CountsOut(Schema):
    filing_number: str
    received: int
    resolved: int


def _json(data: Any, status: int = 200) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder)
    resp = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    resp["Cache-Control"] = "no-store"
    return resp


def _too_many(retry_after: int) -> HttpResponse:
    resp = _json(
        {"detail": _("提交过于频繁，请在 %(s)d 秒后重试。") % {"s": retry_after}}, status=429
    )
    resp["Retry-After"] = str(retry_after)
    return resp


def _invalid(exc: InvalidInput) -> HttpResponse:
    """A refused report or addition: 422 (this API's answer to bad input since it opened) in
    the one error shape, every sentence in ``detail``."""
    return _json({"detail": " ".join(exc.messages), "errors": exc.errors}, status=422)


def _decode(items: list[EvidenceIn]) -> list[bytes]:
    out = []
    for item in items:
        try:
            out.append(base64.b64decode(item.content_base64, validate=True))
        except (binascii.Error, ValueError) as exc:
            bad = _("证据文件不是有效的 base64 编码。")
            raise InvalidInput(bad, {"evidence": bad}) from exc
    return out


@router.get("/challenge", response=ChallengeOut, summary="取得工作量证明题目（可选）")
@anonymous
def challenge(request: HttpRequest) -> Any:
    """Find a decimal nonce such that SHA-256("<challenge>:<nonce>") starts with ``bits`` zero
    bits, and send ``pow`` = "<challenge>:<nonce>" with the report."""
    return _json(
        {
            "challenge": privacy.pow_challenge(),
            "bits": privacy.pow_bits(),
            "algorithm": "sha256-leading-zero-bits",
        }
    )


@router.post(
    "",
    response={201: ReceiptOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="匿名举报（无需登录）",
    description="Returns a receipt (160 random bits), shown only once: keep it to read replies, "
    "add information and see the outcome.  No address, user agent or other request data is "
    "stored.  Evidence: base64 images (metadata is stripped) or PDFs (stored as-is).",
)
@anonymous
def submit(request: HttpRequest, payload: ComplaintIn) -> Any:
    proven = privacy.pow_verify(payload.pow) if payload.pow else False
    if payload.pow and not proven:
        return _json({"detail": _("工作量证明无效或已使用，请重新取得题目后再试。")}, status=422)
    limit = privacy.rate_limit(request, action="report", proven=proven, consume=False)
    if not limit.allowed:
        return _too_many(limit.retry_after)
    channel = Channel.API
    app = None
    if payload.app_key:
        app = selectors.app_by_key(payload.app_key)
        if app is None:
            return _json({"detail": _("应用投诉入口无效，请从应用内重新打开。")}, status=404)
        channel = Channel.IN_APP
    else:
        app, error = selectors.app_find(filing_number=payload.filing_number, name=payload.app_name)
        if error:
            return _json(
                {"detail": _("没有这个备案编号的应用，请核对编号，或改为填写应用名称。")},
                status=422,
            )
    try:
        result = services.complaint_submit(
            app=app,
            app_name=payload.app_name,
            category=payload.category,
            description=payload.description,
            banned_practice=payload.banned_practice,
            happened=payload.happened,
            evidence=_decode(payload.evidence),
            channel=channel,
        )
    except InvalidInput as exc:
        return _invalid(exc)
    privacy.rate_limit(request, action="report", proven=proven)
    c = result.complaint
    return _json(
        {
            "receipt": result.receipt,
            "status": c.status,
            "status_label": str(c.get_status_display()),
            "routed_to": c.routed_to.name,
            "ack_due": c.ack_due.isoformat(),
            "answer_due": c.answer_due.isoformat(),
            "warnings": result.warnings,
            "note": _("请妥善保存查询码：它只显示这一次，系统不保存原文，丢失后无法找回。"),
        },
        status=201,
    )


def _lookup(request: HttpRequest, receipt: str) -> Complaint | HttpResponse:
    limit = privacy.rate_limit(request, action="lookup")
    if not limit.allowed:
        return _too_many(limit.retry_after)
    found = selectors.complaint_by_receipt(receipt)
    if found is None:
        return _json({"detail": _("查询码不正确，请核对后重试。")}, status=404)
    return found


@router.get(
    "/stats/{filing_number}",
    response={200: CountsOut, 404: ErrorOut},
    summary="应用收到和办结的举报数（公开，不含内容）",
)
@anonymous
def stats(request: HttpRequest, filing_number: str) -> Any:
    app, error = selectors.app_find(filing_number=filing_number)
    if app is None or error:
        return _json({"detail": _("没有这个备案编号的应用，请核对编号后重试。")}, status=404)
    return _json({"filing_number": app.filing_number, **selectors.complaint_counts_for_app(app)})


@router.get(
    "/{receipt}",
    response={200: ReporterComplaintOut, 404: ErrorOut, 429: ErrorOut},
    summary="凭查询码查看办理进展和答复",
)
@anonymous
def read(request: HttpRequest, receipt: str) -> Any:
    found = _lookup(request, receipt)
    if isinstance(found, HttpResponse):
        return found
    return _json(complaint_public_view(found))


@router.post(
    "/{receipt}/messages",
    response={201: ReporterComplaintOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="凭查询码补充材料",
)
@anonymous
def add_information(request: HttpRequest, receipt: str, payload: MoreIn) -> Any:
    found = _lookup(request, receipt)
    if isinstance(found, HttpResponse):
        return found
    try:
        services.complaint_add_information(
            complaint=found, text=payload.text, evidence=_decode(payload.evidence)
        )
    except InvalidInput as exc:
        return _invalid(exc)
    found.refresh_from_db()
    return _json(complaint_public_view(found), status=201)
