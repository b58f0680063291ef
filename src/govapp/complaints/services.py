"""Writes of the complaint channel: one transaction and one audit event per change.

The public side has no actor: reports and additional information arrive anonymously, and
their audit events carry no request id (so nothing ties them to a web request).  The audit
events record the state of a complaint, never its text.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from govapp.complaints import privacy, selectors
from govapp.complaints.models import (
    CLOSED_STATUSES,
    AppComplaintKey,
    Author,
    BannedPractice,
    Category,
    Channel,
    Complaint,
    Evidence,
    ExplanationRequest,
    ExplanationState,
    Message,
    Status,
)
from govapp.compliance.selectors import verified_report_finding_ref
from govapp.compliance.services import app_operation_facts_put
from govapp.core import middleware
from govapp.core.actor import Actor
from govapp.core.audit import audit_record
from govapp.core.calendar import add_working_days, today_shanghai
from govapp.core.errors import InvalidInput
from govapp.core.permissions import can, has_role
from govapp.orgs.models import Unit, UnitKind, User
from govapp.registry.models import App, AppStatus

MAX_DESCRIPTION = 5000
MAX_MESSAGE = 3000

AUDIT_FIELDS = ("status", "category", "channel", "app_id", "routed_to_id", "merged_into_id")


def ack_working_days() -> int:
    return int(getattr(settings, "GOVAPP_COMPLAINT_ACK_WORKING_DAYS", 3))


def answer_working_days() -> int:
    return int(getattr(settings, "GOVAPP_COMPLAINT_ANSWER_WORKING_DAYS", 15))


def explanation_working_days() -> int:
    return int(getattr(settings, "GOVAPP_COMPLAINT_EXPLANATION_WORKING_DAYS", 5))


def _state(c: Complaint) -> dict[str, Any]:
    return {f: getattr(c, f) for f in AUDIT_FIELDS}


@contextmanager
def _anonymous_request() -> Any:
    """No request id on anonymous events (it would tie the event to one HTTP request)."""
    token = middleware._request_id.set("")
    try:
        yield
    finally:
        middleware._request_id.reset(token)


def _require(cond: bool, message: str, field: str = "") -> None:
    """Refuse with ``message`` (under ``field`` when the refusal is about one input)."""
    if not cond:
        raise InvalidInput(message, {field: message} if field else None)


def regulator_for(app: App | None) -> tuple[Unit, str]:
    """R-33 routing: the provincial cyberspace office of the hosting unit's province, or the
    CAC for central units and for reports that name no filed app.  Returns (unit, scope)."""
    cac = Unit.objects.filter(kind=UnitKind.CAC, is_active=True).order_by("pk").first()
    if app is None:
        _require(cac is not None, _("系统尚未配置国家网信办单位，请联系系统管理员。"))
        assert cac is not None
        return cac, ""
    unit = app.hosting_unit
    if unit.is_central:
        _require(cac is not None, _("系统尚未配置国家网信办单位，请联系系统管理员。"))
        assert cac is not None
        return cac, unit.scope_code
    province = unit.division.province_code
    office = (
        Unit.objects.filter(kind=UnitKind.PROVINCIAL_CAC, division_id=province, is_active=True)
        .order_by("pk")
        .first()
    )
    target = office or cac
    _require(target is not None, _("系统尚未配置受理举报的网信部门，请联系系统管理员。"))
    assert target is not None
    return target, unit.scope_code


@dataclass(frozen=True)
class Submitted:
    complaint: Complaint
    receipt: str
    warnings: list[str]


def _clean_evidence(files: Iterable[bytes]) -> tuple[list[privacy.CleanFile], list[str]]:
    items = list(files)
    _require(
        len(items) <= privacy.max_evidence_files(),
        _("最多上传 %(n)d 个证据文件，请删去一些后重试。") % {"n": privacy.max_evidence_files()},
        "evidence",
    )
    cleaned: list[privacy.CleanFile] = []
    warnings: list[str] = []
    for data in items:
        try:
            c = privacy.evidence_clean(data)
        except privacy.EvidenceError as exc:
            raise InvalidInput(str(exc), {"evidence": str(exc)}) from exc
        cleaned.append(c)
        if c.warning and c.warning not in warnings:
            warnings.append(c.warning)
    return cleaned, warnings


def _store_evidence(complaint: Complaint, files: list[privacy.CleanFile], day: Any) -> None:
    for c in files:
        ev = Evidence(
            complaint=complaint,
            kind=c.kind,
            content_type=c.content_type,
            size=len(c.content),
            sha256=hashlib.sha256(c.content).hexdigest(),
            created_on=day,
        )
        ev.file.save(f"{secrets.token_hex(16)}.{c.extension}", ContentFile(c.content), save=False)
        ev.save()


def complaint_submit(
    *,
    app: App | None,
    app_name: str = "",
    category: str,
    description: str,
    banned_practice: str = "",
    happened: str = "",
    evidence: Iterable[bytes] = (),
    channel: str = Channel.WEB,
) -> Submitted:
    """File an anonymous report and return it with its receipt (shown once, never stored)."""
    description = (description or "").strip()
    app_name = (app_name or "").strip()[:128]
    _require(category in Category.values, _("请选择举报类别。"), "category")
    _require(
        banned_practice in BannedPractice.values,
        _("所选的禁止行为不在列表中，请重新选择。"),
        "banned_practice",
    )
    _require(channel in Channel.values, "unknown channel", "channel")
    _require(
        len(description) >= 10,
        _("请写明发生了什么（至少 10 个字），以便监管部门核查。"),
        "description",
    )
    _require(
        len(description) <= MAX_DESCRIPTION,
        _("举报内容过长（上限 %(n)d 字），请精简后重试。") % {"n": MAX_DESCRIPTION},
        "description",
    )
    _require(
        app is not None or bool(app_name),
        _("请填写所涉应用的名称或备案编号。"),
        "app_name",
    )
    cleaned, warnings = _clean_evidence(evidence)
    routed_to, scope = regulator_for(app)
    today = today_shanghai()
    ack = add_working_days(today, ack_working_days())
    answer = add_working_days(today, answer_working_days())
    receipt = privacy.receipt_new()
    with _anonymous_request(), transaction.atomic():
        complaint = Complaint.objects.create(
            app=app,
            app_name_given="" if app is not None else app_name,
            hosting_unit=app.hosting_unit if app is not None else None,
            scope_code=scope,
            routed_to=routed_to,
            channel=channel,
            category=category,
            banned_practice=banned_practice,
            description=description,
            happened=(happened or "").strip()[:64],
            receipt_hash=privacy.receipt_hash(receipt),
            received_on=today,
            ack_due=ack.date,
            ack_due_provisional=ack.provisional,
            answer_due=answer.date,
            answer_due_provisional=answer.provisional,
        )
        _store_evidence(complaint, cleaned, today)
        audit_record(
            actor=None,
            action="complaint.submit",
            obj=complaint,
            object_repr=complaint.reference,
            after={**_state(complaint), "evidence": len(cleaned)},
        )
    return Submitted(complaint, receipt, warnings)


def complaint_add_information(
    *, complaint: Complaint, text: str, evidence: Iterable[bytes] = ()
) -> Message:
    """The reporter adds information (with the receipt; no actor)."""
    text = (text or "").strip()
    still_open = not complaint.is_closed or (
        complaint.status == Status.MERGED
        and complaint.merged_into is not None
        and not complaint.merged_into.is_closed
    )
    _require(still_open, _("该举报已办结，不能再补充材料；如有新情况请重新举报。"))
    _require(bool(text), _("请填写补充的内容。"), "text")
    _require(
        len(text) <= MAX_MESSAGE, _("补充内容过长（上限 %(n)d 字）。") % {"n": MAX_MESSAGE}, "text"
    )
    cleaned, _warnings = _clean_evidence(evidence)
    today = today_shanghai()
    with _anonymous_request(), transaction.atomic():
        msg = Message.objects.create(
            complaint=complaint,
            author=Author.REPORTER,
            text=text,
            to_reporter=True,
            created_on=today,
        )
        _store_evidence(complaint, cleaned, today)
        audit_record(
            actor=None,
            action="complaint.add_information",
            obj=complaint,
            object_repr=complaint.reference,
            after={"message_id": msg.pk, "evidence": len(cleaned)},
        )
    return msg


def _can_handle(actor: Actor, complaint: Complaint) -> bool:
    from govapp.complaints.selectors import complaints_for

    return complaints_for(actor, action="review").filter(pk=complaint.pk).exists()


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _change(
    *,
    complaint: Complaint,
    actor: User,
    action: str,
    apply: Callable[[Complaint], None],
    open_only: bool = True,
    extra: dict[str, Any] | None = None,
) -> Complaint:
    _require(_can_handle(actor, complaint), _("您无权办理这件举报。"))
    with transaction.atomic():
        c = _locked(complaint)
        if open_only:
            _require(not c.is_closed, _("这件举报已办结，不能再进行此操作。"))
        before = _state(c)
        apply(c)
        if c.acknowledged_at is None:
            c.acknowledged_at = timezone.now()
        if c.status in CLOSED_STATUSES and c.closed_at is None:
            c.closed_at = timezone.now()
        c.handled_by = actor
        c.save()
        audit_record(
            actor=actor,
            action=action,
            obj=c,
            object_repr=c.reference,
            before=before,
            after={**_state(c), **(extra or {})},
        )
        if c.app_id is not None:
            _push_operation_facts(c.app_id, actor)
    return c


def _push_operation_facts(app_id: int, actor: Actor) -> None:
    """Complaint counts by category and the reports opened for checking reach the compliance
    engine (R-29, R-33): only counts, categories and the regulator's own note, nothing the
    reporter wrote."""
    app = App.objects.get(pk=app_id)
    app_operation_facts_put(
        app=app, source="complaints", facts=selectors.operation_facts(app_id), actor=actor
    )


def complaint_acknowledge(*, complaint: Complaint, actor: User) -> Complaint:
    def apply(c: Complaint) -> None:
        _require(c.status == Status.RECEIVED, _("这件举报已受理。"))
        c.status = Status.ACKNOWLEDGED

    return _change(complaint=complaint, actor=actor, action="complaint.acknowledge", apply=apply)


def complaint_reply(
    *, complaint: Complaint, actor: User, text: str, to_reporter: bool = True
) -> Message:
    """A reply the reporter reads with the receipt, or an internal note."""
    text = (text or "").strip()
    _require(bool(text), _("请填写内容。"), "text")
    _require(
        len(text) <= MAX_MESSAGE, _("内容过长（上限 %(n)d 字）。") % {"n": MAX_MESSAGE}, "text"
    )
    _require(_can_handle(actor, complaint), _("您无权办理这件举报。"))
    with transaction.atomic():
        c = _locked(complaint)
        now = timezone.now()
        msg = Message.objects.create(
            complaint=c,
            author=Author.REGULATOR,
            author_user=actor,
            text=text,
            to_reporter=to_reporter,
            created_on=today_shanghai(),
            created_at=now,
        )
        if to_reporter and c.status == Status.RECEIVED:
            c.status = Status.ACKNOWLEDGED
            c.acknowledged_at = now
            c.save(update_fields=["status", "acknowledged_at"])
        audit_record(
            actor=actor,
            action="complaint.reply" if to_reporter else "complaint.note",
            obj=c,
            object_repr=c.reference,
            after={"message_id": msg.pk, "status": c.status},
        )
    return msg


def complaint_dismiss(*, complaint: Complaint, actor: User, reason: str) -> Complaint:
    reason = (reason or "").strip()
    _require(len(reason) >= 4, _("请写明不予受理的理由（举报人可以看到）。"), "reason")

    def apply(c: Complaint) -> None:
        c.status = Status.DISMISSED
        c.dismiss_reason = reason
        c.outcome = reason

    return _change(complaint=complaint, actor=actor, action="complaint.dismiss", apply=apply)


def complaint_merge(*, complaint: Complaint, into: Complaint, actor: User) -> Complaint:
    """Merge a report into a related one; the reporter then follows the primary's outcome."""
    _require(complaint.pk != into.pk, _("不能把举报合并到它自己。"))
    _require(_can_handle(actor, into), _("找不到要合并到的举报，请核对编号。"))
    _require(into.merged_into_id is None, _("目标举报本身已被合并，请合并到它所合并的举报。"))

    def apply(c: Complaint) -> None:
        c.status = Status.MERGED
        c.merged_into = into
        c.outcome = _("已与同类举报 %(ref)s 合并办理。") % {"ref": into.reference}

    merged = _change(
        complaint=complaint,
        actor=actor,
        action="complaint.merge",
        apply=apply,
        extra={"into": into.pk},
    )
    # Reports already merged into this one follow the new primary.
    Complaint.objects.filter(merged_into=merged).update(merged_into=into)
    return merged


def complaint_open_finding(*, complaint: Complaint, actor: User, note: str) -> Complaint:
    """Mark the report for checking: the compliance engine opens an R33 finding for the app
    from the regulator's note (see _push_operation_facts) when the transaction commits."""
    # the note becomes evidence of a finding the hosting unit reads
    note = privacy.redact_for_unit((note or "").strip(), original=complaint.description)
    _require(
        complaint.app_id is not None, _("这件举报未对应到已备案应用，无法立案；请先合并或答复。")
    )
    _require(bool(note), _("请写明立案核查的问题。"), "note")
    _require(has_role(actor, "national_regulator", "provincial_cac_reviewer"), _("您无权立案。"))

    def apply(c: Complaint) -> None:
        c.status = Status.FINDING_OPENED
        c.finding_note = note
        c.finding_ref = verified_report_finding_ref(complaint.app_id or 0)[:64]

    return _change(complaint=complaint, actor=actor, action="complaint.open_finding", apply=apply)


def complaint_request_explanation(
    *, complaint: Complaint, actor: User, redacted_text: str, confirmed_redacted: bool
) -> ExplanationRequest:
    """Ask the hosting unit to explain, through a copy the regulator wrote and approved.
    The unit sees only ``redacted_text``, the app and the category."""
    # whatever the regulator wrote, the reporter's contacts, ID numbers and names never reach
    # the unit; the regulator is still asked to confirm the rest is harmless
    written = (redacted_text or "").strip()
    redacted_text = privacy.redact_for_unit(written, original=complaint.description)
    _require(complaint.app_id is not None, _("这件举报未对应到已备案应用，无法要求主办单位说明。"))
    _require(
        len(redacted_text) >= 10,
        _("请填写发给主办单位的脱敏问题描述（至少 10 个字）。"),
        "redacted_text",
    )
    _require(
        confirmed_redacted,
        _("请确认已删除可能识别举报人的内容（姓名、岗位、时间地点细节、联系方式等）。"),
        "confirmed_redacted",
    )
    _require(
        written != complaint.description.strip()
        and redacted_text
        != privacy.redact_for_unit(complaint.description.strip(), original=complaint.description),
        _("发给主办单位的文字不能是举报原文，请改写并删除可能识别举报人的内容。"),
        "redacted_text",
    )
    result: dict[str, ExplanationRequest] = {}

    def apply(c: Complaint) -> None:
        assert c.app is not None
        due = add_working_days(today_shanghai(), explanation_working_days())
        result["req"] = ExplanationRequest.objects.create(
            complaint=c,
            app=c.app,
            hosting_unit=c.app.hosting_unit,
            category=c.category,
            redacted_text=redacted_text,
            requested_by=actor,
            due=due.date,
            due_provisional=due.provisional,
        )
        c.status = Status.EXPLANATION_REQUESTED

    with transaction.atomic():
        _change(
            complaint=complaint,
            actor=actor,
            action="complaint.request_explanation",
            apply=apply,
        )
        req = result["req"]
        audit_record(
            actor=actor,
            action="explanation.request",
            obj=req,
            object_repr=req.reference,
            after={"app_id": req.app_id, "due": req.due, "state": req.state},
        )
    return req


def explanation_respond(
    *, request: ExplanationRequest, actor: User, response: str
) -> ExplanationRequest:
    """The hosting unit answers a redacted request."""
    response = (response or "").strip()
    _require(len(response) >= 4, _("请填写情况说明。"), "response")
    _require(len(response) <= MAX_DESCRIPTION, _("说明过长，请精简。"), "response")
    _require(can(actor, "submit", request), _("您无权答复这项说明要求。"))
    with transaction.atomic():
        req = ExplanationRequest.objects.select_for_update().get(pk=request.pk)
        _require(req.state == ExplanationState.OPEN, _("这项说明要求已答复或已撤回。"))
        req.response = response
        req.responded_by = actor
        req.responded_at = timezone.now()
        req.state = ExplanationState.ANSWERED
        req.save()
        c = Complaint.objects.select_for_update().get(pk=req.complaint_id)
        if c.status == Status.EXPLANATION_REQUESTED:
            c.status = Status.EXPLANATION_RECEIVED
            c.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="explanation.respond",
            obj=req,
            object_repr=req.reference,
            after={"state": req.state},
        )
    return req


def complaint_answer(*, complaint: Complaint, actor: User, outcome: str) -> Complaint:
    """Close the report with the outcome the reporter reads."""
    outcome = (outcome or "").strip()
    _require(len(outcome) >= 4, _("请写明处理结果（举报人可以看到）。"), "outcome")

    def apply(c: Complaint) -> None:
        c.status = Status.ANSWERED
        c.outcome = outcome
        ExplanationRequest.objects.filter(complaint=c, state=ExplanationState.OPEN).update(
            state=ExplanationState.WITHDRAWN
        )

    return _change(complaint=complaint, actor=actor, action="complaint.answer", apply=apply)


def app_complaint_key_ensure(*, app: App) -> AppComplaintKey:
    """The app's in-app complaint key (created on first use; every filed app has one)."""
    existing = AppComplaintKey.objects.filter(app=app).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        key, created = AppComplaintKey.objects.get_or_create(
            app=app, defaults={"key": secrets.token_urlsafe(16)}
        )
        if created:
            audit_record(
                actor=None,
                action="complaint_key.create",
                obj=key,
                object_repr=app.name,
                after={"app_id": app.pk},
            )
    return key


_ORIGIN = re.compile(r"^https://[a-z0-9.-]+(?::\d{1,5})?$")
_ORIGIN_HTTP = re.compile(r"^https?://[a-z0-9.-]+(?::\d{1,5})?$")


def complaint_key_frame_ancestors_set(
    *, key: AppComplaintKey, origins: str, actor: Actor
) -> AppComplaintKey:
    """The hosting unit registers the web origins allowed to frame its complaint page."""
    from django.conf import settings

    _require(can(actor, "submit", key.app), _("您无权修改该应用的投诉入口。"))
    items = [o.strip().rstrip("/").lower() for o in re.split(r"[\s,]+", origins or "") if o.strip()]
    # plain-http origins are accepted (and framed, selectors.frame_ancestors_for_key) only where
    # an intranet without TLS allows them explicitly; before, they were allowed to frame but
    # could not be registered, so such a unit could never embed its page
    pattern = _ORIGIN_HTTP if settings.GOVAPP_FRAME_ANCESTORS_ALLOW_HTTP else _ORIGIN
    bad = [o for o in items if not pattern.match(o)]
    _require(
        not bad,
        (
            _("来源格式不正确：%(o)s。请填写 https://域名[:端口] 或 http://域名[:端口]，每行一个。")
            if settings.GOVAPP_FRAME_ANCESTORS_ALLOW_HTTP
            else _("来源格式不正确：%(o)s。请填写 https://域名[:端口]，每行一个。")
        )
        % {"o": "、".join(bad[:3])},
        "origins",
    )
    _require(len(items) <= 10, _("最多登记 10 个来源。"), "origins")
    with transaction.atomic():
        before = key.frame_ancestors
        key.frame_ancestors = "\n".join(dict.fromkeys(items))
        key.save(update_fields=["frame_ancestors"])
        audit_record(
            actor=actor,
            action="complaint_key.frame_ancestors",
            obj=key,
            object_repr=key.app.name,
            before={"frame_ancestors": before},
            after={"frame_ancestors": key.frame_ancestors},
        )
    return key


def app_complaint_keys_ensure_all() -> int:
    """Give every filed app a key (for the demo loader and a periodic task)."""
    n = 0
    for app in App.objects.filter(status=AppStatus.FILED).filter(Q(complaint_key__isnull=True)):
        app_complaint_key_ensure(app=app)
        n += 1
    return n


def deadlines_recompute(year: int) -> int:
    """Recompute provisional deadlines after a year's holiday schedule is entered."""
    n = 0
    for c in Complaint.objects.filter(
        Q(ack_due_provisional=True) | Q(answer_due_provisional=True),
        received_on__year__lte=year,
    ).exclude(status__in=CLOSED_STATUSES):
        ack = add_working_days(c.received_on, ack_working_days())
        answer = add_working_days(c.received_on, answer_working_days())
        Complaint.objects.filter(pk=c.pk).update(
            ack_due=ack.date,
            ack_due_provisional=ack.provisional,
            answer_due=answer.date,
            answer_due_provisional=answer.provisional,
        )
        n += 1
    return n
