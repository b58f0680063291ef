"""Regulators' triage API: /api/v1/complaints (Bearer token or session with CSRF).

The same reach as the regulator's pages (:func:`selectors.complaints_for`): the CAC and the
cyberspace reviewers of the app's province.  A report outside it is a 404, exactly as if it
did not exist; the hosting unit never reaches anything here.  Auditors and government-service
reviewers see counts only (the statistics export), not reports.  Nothing identifying the
reporter is stored, so nothing of the kind can be returned.

Errors are ``{"detail": "..."}`` in Chinese: 400 what was sent is incomplete or invalid, 403 the
caller may see the list or the report but not do this, 404 outside reach, 409 the report is
no longer in a state that allows the action.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema

from govapp.complaints import export, privacy, selectors, services
from govapp.complaints.models import Category, Complaint, Status
from govapp.core.actor import Actor
from govapp.core.audit import audit_read
from govapp.core.calendar import today_shanghai
from govapp.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from govapp.core.errors import ErrorOut as TriageError
from govapp.core.pagination import API_MAX_OFFSET
from govapp.core.permissions import has_role
from govapp.orgs.models import User

router = Router(tags=["complaint triage"])

NOT_FOUND = gettext_lazy("没有这件举报，或不在您的管辖范围内。")
NOTHING_HERE = gettext_lazy("没有找到（投诉举报由应用主办单位的上级网信部门办理）。")
COUNTS_ONLY = gettext_lazy(
    "您只能查看举报统计（GET /api/v1/complaints/stats.xlsx），不能查看或办理举报。"
)
CLOSED = gettext_lazy("这件举报已办结，不能再进行此操作。")
CONFIRM = gettext_lazy("此操作会结束办理，请以 confirm=true 确认后重新提交。")


ERR = {400: TriageError, 403: TriageError, 404: TriageError, 409: TriageError}


def _confirm_required(schema: dict[str, Any]) -> None:
    required = schema.setdefault("required", [])
    if "confirm" not in required:
        required.append("confirm")


# --- output -----------------------------------------------------------------------------------


class OverdueOut(Schema):
    ack: bool
    answer: bool


class ComplaintRowOut(Schema):
    id: int
    reference: str
    status: str
    status_label: str
    category: str
    category_label: str
    channel: str
    app_id: int | None
    app_name: str
    filing_number: str
    matched_app: bool
    hosting_unit: str
    routed_to: str
    received_on: dt.date
    ack_due: dt.date
    answer_due: dt.date
    overdue: OverdueOut


class ComplaintPageOut(Schema):
    items: list[ComplaintRowOut]
    count: int


class TriageMessageOut(Schema):
    id: int
    author: str
    kind: str = Field(description="reporter | reply (the reporter reads it) | note (internal)")
    by: str = Field(description="the regulator's username; empty for the reporter")
    text: str
    date: dt.date


class ComplaintEvidenceOut(Schema):
    id: int
    kind: str
    kind_label: str
    content_type: str
    size: int
    url: str


class ExplanationOut(Schema):
    reference: str
    state: str
    state_label: str
    redacted_text: str
    due: dt.date
    due_provisional: bool
    response: str
    responded_by: str
    responded_on: dt.date | None


class RefOut(Schema):
    id: int
    reference: str
    status: str


class ComplaintOut(ComplaintRowOut):
    banned_practice: str
    banned_practice_label: str
    happened: str
    description: str
    ack_due_provisional: bool
    answer_due_provisional: bool
    acknowledged: bool
    closed: bool
    outcome: str
    dismiss_reason: str
    finding_note: str
    finding_ref: str
    merged_into: RefOut | None
    merged_here: list[RefOut]
    related: list[RefOut] = Field(description="other open reports about the same app (merge)")
    messages: list[TriageMessageOut]
    evidence: list[ComplaintEvidenceOut]
    explanations: list[ExplanationOut]
    redaction_suggestion: str = Field(
        description="a starting point for request-explanation (contact data removed); edit it"
    )


def _ref(c: Complaint) -> dict[str, Any]:
    return {"id": c.pk, "reference": c.reference, "status": c.status}


def _row(c: Complaint, today: dt.date) -> dict[str, Any]:
    return {
        "id": c.pk,
        "reference": c.reference,
        "status": c.status,
        "status_label": str(c.get_status_display()),
        "category": c.category,
        "category_label": str(c.get_category_display()),
        "channel": c.channel,
        "app_id": c.app_id,
        "app_name": c.app.name if c.app is not None else c.app_name_given,
        "filing_number": (c.app.filing_number or "") if c.app is not None else "",
        "matched_app": c.app is not None,
        "hosting_unit": c.hosting_unit.name if c.hosting_unit is not None else "",
        "routed_to": c.routed_to.name,
        "received_on": c.received_on,
        "ack_due": c.ack_due,
        "answer_due": c.answer_due,
        "overdue": selectors.is_overdue(c, today),
    }


def _detail(c: Complaint, user: Actor) -> dict[str, Any]:
    messages = []
    for m in c.messages.select_related("author_user"):
        kind = "reporter" if m.author == "reporter" else ("reply" if m.to_reporter else "note")
        by = m.author_user.get_username() if m.author_user is not None else ""
        messages.append(
            {
                "id": m.pk,
                "author": m.author,
                "kind": kind,
                "by": by,
                "text": m.text,
                "date": m.created_on,
            }
        )
    return {
        **_row(c, today_shanghai()),
        "banned_practice": c.banned_practice,
        "banned_practice_label": str(c.get_banned_practice_display()) if c.banned_practice else "",
        "happened": c.happened,
        "description": c.description,
        "ack_due_provisional": c.ack_due_provisional,
        "answer_due_provisional": c.answer_due_provisional,
        "acknowledged": c.acknowledged_at is not None,
        "closed": c.is_closed,
        "outcome": c.outcome,
        "dismiss_reason": c.dismiss_reason,
        "finding_note": c.finding_note,
        "finding_ref": c.finding_ref,
        "merged_into": _ref(c.merged_into) if c.merged_into is not None else None,
        "merged_here": [_ref(m) for m in c.merged.all()],
        "related": [_ref(r) for r in selectors.related_complaints(c, user)],
        "messages": messages,
        "evidence": [
            {
                "id": ev.pk,
                "kind": ev.kind,
                "kind_label": str(ev.get_kind_display()),
                "content_type": ev.content_type,
                "size": ev.size,
                "url": reverse("complaints:evidence", args=[c.pk, ev.pk]),
            }
            for ev in c.evidence.all()
        ],
        "explanations": [
            {
                "reference": e.reference,
                "state": e.state,
                "state_label": str(e.get_state_display()),
                "redacted_text": e.redacted_text,
                "due": e.due,
                "due_provisional": e.due_provisional,
                "response": e.response,
                "responded_by": e.responded_by.get_username() if e.responded_by else "",
                "responded_on": e.responded_at.date() if e.responded_at else None,
            }
            for e in c.explanation_requests.select_related("responded_by")
        ],
        "redaction_suggestion": privacy.redaction_suggest(c.description),
    }


# --- reach ------------------------------------------------------------------------------------


def _reach(request: HttpRequest) -> QuerySet[Complaint]:
    """The reports the caller may read and handle; 403 for counts-only roles (auditors,
    government-service reviewers), 404 for everyone else (hosting units included)."""
    user = request.user
    if selectors.can_handle_complaints(user):
        return selectors.complaints_for(user)
    if selectors.can_see_stats(user):
        raise NotAllowed(COUNTS_ONLY)
    raise NotFound(NOTHING_HERE)


def _get(request: HttpRequest, complaint_id: int) -> Complaint:
    found = selectors.complaints_for(request.user).filter(pk=complaint_id).first()
    if found is None:  # outside reach, counts-only roles and units included: as if absent
        raise NotFound(NOT_FOUND)
    return found


def _act(
    request: HttpRequest,
    complaint_id: int,
    fn: Callable[..., Any],
    *,
    check: Callable[[Complaint], None] | None = None,
    **kw: Any,
) -> dict[str, Any]:
    c = _get(request, complaint_id)
    if c.is_closed:
        raise Conflict(CLOSED)
    if check is not None:
        check(c)
    try:
        fn(complaint=c, actor=request.user, **kw)
    except InvalidInput as exc:
        c.refresh_from_db()
        if c.is_closed:  # closed concurrently
            raise Conflict(CLOSED) from exc
        raise
    fresh = selectors.complaints_for(request.user).get(pk=c.pk)
    return _detail(fresh, request.user)


def _confirmed(confirm: bool) -> None:
    if confirm is not True:
        raise InvalidInput(CONFIRM)


# --- reads ------------------------------------------------------------------------------------


@router.get(
    "",
    response={200: ComplaintPageOut, 400: TriageError, 403: TriageError, 404: TriageError},
    summary="管辖范围内的投诉举报列表",
    description="Filters: `status` (a status, or `open` for every report not yet closed), "
    "`category`, `overdue=true`, `q` (app name, filing number or JB-number). "
    "Newest first; `limit` (1..200) and `offset`.",
)
def complaint_list(
    request: HttpRequest,
    status: str = "",
    category: str = "",
    overdue: bool = False,
    q: str = "",
    limit: int = 50,
    offset: int = 0,
) -> Any:
    qs = _reach(request)
    if status and status != "open" and status not in Status.values:
        raise InvalidInput(
            _("status 应为 open 或以下之一：%(v0)s。") % {"v0": ", ".join(Status.values)}
        )
    if category and category not in Category.values:
        raise InvalidInput(
            _("category 应为以下之一：%(v0)s。") % {"v0": ", ".join(Category.values)}
        )
    qs = selectors.complaint_filter(
        qs, status=status, category=category, overdue=overdue, q=q.strip()[:64]
    )
    limit = max(1, min(limit, 200))
    offset = max(0, min(offset, API_MAX_OFFSET))
    today = today_shanghai()
    return {
        "items": [_row(c, today) for c in qs[offset : offset + limit]],
        "count": qs.count(),
    }


@router.get(
    "/stats.xlsx",
    response={200: None, 400: TriageError, 403: TriageError, 404: TriageError},
    url_name="complaints_stats_xlsx",
    summary="举报统计导出（XLSX，仅数量，不含举报内容）",
    description="Counts by category, app, hosting unit, region and month within the caller's "
    "reach (regulators, auditors).  `since` / `until`: YYYY-MM-DD, both optional.",
    openapi_extra={
        "responses": {
            "200": {
                "description": "XLSX workbook",
                "content": {export.XLSX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def stats_xlsx(request: HttpRequest, since: str = "", until: str = "") -> Any:
    if not selectors.can_see_stats(request.user):
        raise NotFound(NOTHING_HERE)
    dates: list[dt.date | None] = []
    for name, value in (("since", since), ("until", until)):
        try:
            parsed = parse_date(value.strip()) if value.strip() else None
        except ValueError:
            parsed = None
        if value.strip() and parsed is None:
            raise InvalidInput(_("%(v0)s 应为 YYYY-MM-DD 格式的日期。") % {"v0": name})
        dates.append(parsed)
    body = export.stats_workbook_cached(request.user, since=dates[0], until=dates[1])
    resp = HttpResponse(body, content_type=export.XLSX)
    resp["Content-Disposition"] = f'attachment; filename="{export.file_name(dates[0], dates[1])}"'
    resp["Cache-Control"] = "no-store"
    return resp


@router.get(
    "/{complaint_id}",
    response={200: ComplaintOut, 404: TriageError},
    summary="举报详情（监管人员办理页面的同样内容）",
)
def complaint_detail(request: HttpRequest, complaint_id: int) -> Any:
    c = _get(request, complaint_id)
    audit_read(actor=request.user, obj=c)
    return _detail(c, request.user)


# --- actions (thin handlers over the services) ------------------------------------------------


class TextIn(Schema):
    text: str = ""


class ReasonIn(Schema):
    reason: str = Field("", description="shown to the reporter")
    confirm: bool = Field(False, description="must be true: this closes the report")

    model_config = {"json_schema_extra": _confirm_required}


class MergeIn(Schema):
    into: int | None = Field(None, description="id of the report to merge into (same reach)")
    confirm: bool = Field(False, description="must be true: this closes the report")

    model_config = {"json_schema_extra": _confirm_required}


class NoteIn(Schema):
    note: str = ""


class ExplanationIn(Schema):
    redacted_text: str = Field("", description="what the hosting unit reads; not the original text")
    confirmed_redacted: bool = Field(
        False, description="must be true: anything identifying the reporter was removed"
    )


class OutcomeIn(Schema):
    outcome: str = Field("", description="shown to the reporter")
    confirm: bool = Field(False, description="must be true: this closes the report")

    model_config = {"json_schema_extra": _confirm_required}


@router.post(
    "/{complaint_id}/acknowledge",
    response={200: ComplaintOut, **ERR},
    summary="受理",
)
def complaint_acknowledge(request: HttpRequest, complaint_id: int) -> Any:
    def check(c: Complaint) -> None:
        if c.status != Status.RECEIVED:
            raise Conflict(_("这件举报已受理。"))

    return _act(request, complaint_id, services.complaint_acknowledge, check=check)


@router.post(
    "/{complaint_id}/reply",
    response={200: ComplaintOut, **ERR},
    summary="答复举报人（举报人凭查询码可见）",
)
def complaint_reply(request: HttpRequest, complaint_id: int, data: TextIn) -> Any:
    return _act(request, complaint_id, services.complaint_reply, text=data.text, to_reporter=True)


@router.post(
    "/{complaint_id}/note",
    response={200: ComplaintOut, **ERR},
    summary="内部备注（举报人和主办单位都看不到）",
)
def complaint_note(request: HttpRequest, complaint_id: int, data: TextIn) -> Any:
    return _act(request, complaint_id, services.complaint_reply, text=data.text, to_reporter=False)


@router.post(
    "/{complaint_id}/dismiss",
    response={200: ComplaintOut, **ERR},
    summary="不予受理（需 confirm=true；理由告知举报人）",
)
def complaint_dismiss(request: HttpRequest, complaint_id: int, data: ReasonIn) -> Any:
    return _act(
        request,
        complaint_id,
        services.complaint_dismiss,
        check=lambda c: _confirmed(data.confirm),
        reason=data.reason,
    )


@router.post(
    "/{complaint_id}/merge",
    response={200: ComplaintOut, **ERR},
    summary="与同类举报合并办理（需 confirm=true）",
)
def complaint_merge(request: HttpRequest, complaint_id: int, data: MergeIn) -> Any:
    into: dict[str, Complaint] = {}

    def check(c: Complaint) -> None:
        if data.into is None:
            raise InvalidInput(_("请填写要合并到的举报编号（into）。"))
        _confirmed(data.confirm)
        target = selectors.complaints_for(request.user).filter(pk=data.into).first()
        if target is None:
            raise NotFound(_("找不到要合并到的举报，或不在您的管辖范围内。"))
        into["c"] = target

    def merge(*, complaint: Complaint, actor: User) -> Any:
        return services.complaint_merge(complaint=complaint, into=into["c"], actor=actor)

    return _act(request, complaint_id, merge, check=check)


@router.post(
    "/{complaint_id}/open-finding",
    response={200: ComplaintOut, **ERR},
    summary="立案核查（对所涉应用）",
)
def complaint_open_finding(request: HttpRequest, complaint_id: int, data: NoteIn) -> Any:
    def check(c: Complaint) -> None:
        if not has_role(request.user, "national_regulator", "provincial_cac_reviewer"):
            raise NotAllowed(_("您无权立案。"))

    return _act(request, complaint_id, services.complaint_open_finding, check=check, note=data.note)


@router.post(
    "/{complaint_id}/request-explanation",
    response={200: ComplaintOut, **ERR},
    summary="通过脱敏文字要求主办单位说明（需 confirmed_redacted=true）",
)
def complaint_request_explanation(
    request: HttpRequest, complaint_id: int, data: ExplanationIn
) -> Any:
    return _act(
        request,
        complaint_id,
        services.complaint_request_explanation,
        redacted_text=data.redacted_text,
        confirmed_redacted=data.confirmed_redacted is True,
    )


@router.post(
    "/{complaint_id}/answer",
    response={200: ComplaintOut, **ERR},
    summary="答复并办结（需 confirm=true；处理结果告知举报人）",
)
def complaint_answer(request: HttpRequest, complaint_id: int, data: OutcomeIn) -> Any:
    return _act(
        request,
        complaint_id,
        services.complaint_answer,
        check=lambda c: _confirmed(data.confirm),
        outcome=data.outcome,
    )
