"""/api/v1/compliance: rules, findings, evaluation, dashboards, orders, bulletins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from govapp.compliance import selectors
from govapp.compliance import services as svc
from govapp.compliance.models import (
    Exemption,
    Finding,
    PenaltyCase,
    RectificationOrder,
    SpotCheck,
    SpotCheckItem,
)
from govapp.compliance.rules import RULES
from govapp.core.actor import Actor
from govapp.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from govapp.core.errors import ErrorOut as Error
from govapp.core.pagination import API_MAX_OFFSET, ApiPagination
from govapp.core.permissions import get_restricted_or_404, restrict
from govapp.registry.models import App
from govapp.scans.models import PackageScan

router = Router(tags=["compliance"])


class RuleOut(Schema):
    id: str
    requirement: str
    severity: str
    title_zh: str
    title_en: str
    explanation_zh: str
    explanation_en: str
    remediation_zh: str
    remediation_en: str
    package_only: bool
    exemptible: bool
    advisory: bool


class FindingOut(Schema):
    id: int
    app_id: int
    app_name: str
    rule: str
    requirement: str
    severity: str
    status: str
    evidence: list[dict[str, Any]]
    app_version: str
    fact_sources: dict[str, Any]
    exemption_id: int | None
    exemption_expires_on: dt.date | None
    first_seen: dt.datetime
    last_seen: dt.datetime
    close_reason: str


class FindingPage(Schema):
    items: list[FindingOut]
    count: int


class EvaluateOut(Schema):
    opened: int
    updated: int
    closed: int
    findings: list[FindingOut]


class OrderOut(Schema):
    id: int
    app_id: int
    app_name: str = ""
    state: str
    instructions: str = ""
    working_days: int = 0
    deadline: dt.date
    deadline_provisional: bool = False
    escalated: bool
    overdue: bool = False
    findings: list[int]
    response: str = ""
    response_scan_id: int | None = None
    rounds: int = 0
    decision_note: str = ""
    penalty_ids: list[int] = []


def _finding(f: Any) -> dict[str, Any]:
    return {
        "id": f.pk,
        "app_id": f.app_id,
        "app_name": f.app.name,
        "rule": f.rule_id,
        "requirement": f.requirement,
        "severity": f.severity,
        "status": f.status,
        "evidence": f.evidence,
        "app_version": f.app_version,
        "fact_sources": f.fact_sources,
        "exemption_id": f.exemption_id,
        "exemption_expires_on": f.exemption.expires_on if f.exemption_id else None,
        "first_seen": f.first_seen,
        "last_seen": f.last_seen,
        "close_reason": f.close_reason,
    }


@router.get("/rules", response=list[RuleOut])
def rules(request: HttpRequest) -> list[dict[str, Any]]:
    return [{k: getattr(r, k) for k in RuleOut.model_fields} for r in RULES]


@router.get("/findings", response=FindingPage)
def findings(
    request: HttpRequest,
    app: int | None = None,
    rule: str = "",
    status: str = "",
    severity: str = "",
    region: str = "",
    limit: int = Query(50, ge=1),  # type: ignore[type-arg]  # ninja marker, not a generic
    offset: int = Query(0, ge=0, le=API_MAX_OFFSET),  # type: ignore[type-arg]
) -> dict[str, Any]:
    qs = selectors.findings_for(
        request.user, app=app, rule=rule, status=status, severity=severity, region=region
    )
    limit = max(1, min(limit, 500))
    return {"items": [_finding(f) for f in qs[offset : offset + limit]], "count": qs.count()}


@router.post("/apps/{app_id}/evaluate", response=EvaluateOut)
def evaluate(request: HttpRequest, app_id: int) -> dict[str, Any]:
    app = get_restricted_or_404(App.objects.all(), request.user, "view", pk=app_id)
    try:
        out = svc.compliance_evaluate(app=app, actor=request.user)
    except svc.ComplianceError as exc:
        raise NotAllowed(exc.message) from exc
    live = selectors.findings_for(request.user, app=app.pk)
    return {
        "opened": len(out.opened),
        "updated": len(out.updated),
        "closed": len(out.closed),
        "findings": [_finding(f) for f in live],
    }


class RuleCount(Schema):
    rule: str
    title: str
    n: int


class RegionCount(Schema):
    region: str
    name: str
    n: int


class ComplianceDashboardOut(Schema):
    """Live findings by status, rule and province within the caller's reach, and the to-dos."""

    by_status: dict[str, int]
    by_rule: list[RuleCount]
    by_region: list[RegionCount]
    open: int
    exempted: int
    closed: int
    orders_overdue: int
    exemptions_pending: int
    penalties_proposed: int


class PublicBulletinOut(Schema):
    id: int
    title: str
    summary: str
    published_at: str
    cases: list[dict[str, Any]]


@router.get("/dashboard", response=ComplianceDashboardOut)
def dashboard(request: HttpRequest) -> dict[str, Any]:
    return selectors.dashboard(request.user)


def _orders_out(rows: list[RectificationOrder]) -> list[dict[str, Any]]:
    """A page of orders with their findings' and penalties' ids, read as pairs for the whole
    page (two narrow queries, no model instances or related managers per row)."""
    ids = [o.pk for o in rows]
    findings: dict[int, list[int]] = {pk: [] for pk in ids}
    links = RectificationOrder.findings.through.objects.filter(rectificationorder_id__in=ids)
    for order_id, finding_id in links.order_by(
        "finding__status", "-finding__last_seen", "finding_id"
    ).values_list("rectificationorder_id", "finding_id"):
        findings[order_id].append(finding_id)
    penalties: dict[int, list[int]] = {pk: [] for pk in ids}
    for order_id, case_id in PenaltyCase.objects.filter(order_id__in=ids).values_list(
        "order_id", "pk"
    ):
        penalties[order_id].append(case_id)
    return [_order(o, findings=findings[o.pk], penalties=penalties[o.pk]) for o in rows]


@router.get("/orders", response=list[OrderOut])
@paginate(ApiPagination, page_transform=_orders_out)
def orders(request: HttpRequest, overdue: bool = False) -> Any:
    return selectors.orders_for(request.user, overdue=overdue)


@router.get("/bulletins", auth=None, response=list[PublicBulletinOut])
def bulletins(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": b.pk,
            "title": b.title,
            "summary": b.summary,
            "published_at": b.published_at.isoformat(),
            "cases": b.cases,
        }
        for b in selectors.public_bulletins()[:100]
    ]


# --- write actions (thin handlers over the services) ------------------------------------------
# 404: the object does not exist or is outside the caller's jurisdiction; 403: the caller sees
# it but may not do this (e.g. an auditor, or a unit deciding its own exemption); 409: the object
# is no longer in a state that allows it; 400: what was sent is incomplete or invalid.

ERR = {400: Error, 403: Error, 404: Error, 409: Error}


def _call(fn: Any, **kw: Any) -> Any:
    """Call a service; its refusals reach the one API handler (core.errors): 403 and 409 as
    they are, any other compliance refusal as invalid input (400) with its field errors."""
    try:
        return fn(**kw)
    except (NotAllowed, Conflict):
        raise
    except svc.ComplianceError as exc:
        raise InvalidInput(exc.message, exc.errors) from exc


def _order(
    o: RectificationOrder,
    *,
    findings: list[int] | None = None,
    penalties: list[int] | None = None,
) -> dict[str, Any]:
    from govapp.core.calendar import today_shanghai

    return {
        "id": o.pk,
        "app_id": o.app_id,
        "app_name": o.app.name,
        "state": o.state,
        "instructions": o.instructions,
        "working_days": o.working_days,
        "deadline": o.deadline,
        "deadline_provisional": o.deadline_provisional,
        "escalated": o.escalated_at is not None,
        "overdue": o.state in svc.LIVE_ORDER_STATES
        and o.state != "responded"
        and o.deadline < today_shanghai(),
        "findings": [f.pk for f in o.findings.all()] if findings is None else findings,
        "response": o.response,
        "response_scan_id": o.response_scan_id,
        "rounds": o.rounds,
        "decision_note": o.decision_note,
        "penalty_ids": [p.pk for p in o.penalties.all()] if penalties is None else penalties,
    }


class ExemptionOut(Schema):
    id: int
    app_id: int
    rule: str
    scenario: str
    reason: str
    document_name: str
    document_sha256: str
    requested_expiry: dt.date | None
    status: str
    expires_on: dt.date | None
    decision_note: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None


def _exemption(e: Exemption) -> dict[str, Any]:
    return {
        "id": e.pk,
        "app_id": e.app_id,
        "rule": e.rule_id,
        "scenario": e.scenario,
        "reason": e.reason,
        "document_name": e.document_name,
        "document_sha256": e.document_sha256,
        "requested_expiry": e.requested_expiry,
        "status": e.status,
        "expires_on": e.expires_on,
        "decision_note": e.decision_note,
        "requested_at": e.requested_at,
        "decided_at": e.decided_at,
    }


class ExemptionIn(Schema):
    rule_id: str
    scenario: str
    reason: str
    requested_expiry: dt.date | None = None


@router.get("/exemptions", response=list[ExemptionOut], summary="可见的豁免申请")
@paginate(ApiPagination, transform=_exemption)
def exemption_list(request: HttpRequest, status: str = "") -> Any:
    return selectors.exemptions_for(request.user, status=status)


@router.post(
    "/apps/{app_id}/exemptions",
    response={201: ExemptionOut, **ERR},
    summary="申请豁免（multipart：rule_id、scenario、reason、requested_expiry、document 文件）",
)
def exemption_request(
    request: HttpRequest,
    app_id: int,
    data: Form[ExemptionIn],
    document: File[UploadedFile | None] = None,
) -> Any:
    app = get_restricted_or_404(App.objects.all(), request.user, "view", pk=app_id)
    ex = _call(
        svc.exemption_request,
        actor=request.user,
        app=app,
        rule_id=data.rule_id,
        scenario=data.scenario,
        reason=data.reason,
        document_name=(document.name or "") if document else "",
        document=document.read(svc.MAX_DOCUMENT_BYTES + 1) if document else b"",
        requested_expiry=data.requested_expiry,
    )
    return Status(201, _exemption(ex))


class ExemptionDecideIn(Schema):
    approve: bool
    expires_on: dt.date | None = None
    note: str = ""


@router.post(
    "/exemptions/{exemption_id}/decide",
    response={200: ExemptionOut, **ERR},
    summary="审批豁免（批准须填有效期，不予批准须写理由）",
)
def exemption_decide(request: HttpRequest, exemption_id: int, data: ExemptionDecideIn) -> Any:
    ex = get_restricted_or_404(
        Exemption.objects.select_related("app"), request.user, "view", pk=exemption_id
    )
    ex = _call(
        svc.exemption_decide,
        actor=request.user,
        exemption=ex,
        approve=data.approve,
        expires_on=data.expires_on,
        note=data.note,
    )
    return Status(200, _exemption(ex))


class OrderIn(Schema):
    findings: list[int]
    instructions: str
    working_days: int = 10


def _get_order(request: HttpRequest, order_id: int) -> RectificationOrder:
    return get_restricted_or_404(
        RectificationOrder.objects.select_related("app"), request.user, "view", pk=order_id
    )


def _order_out(order: RectificationOrder) -> dict[str, Any]:
    return _order(RectificationOrder.objects.select_related("app").get(pk=order.pk))


@router.post(
    "/apps/{app_id}/orders", response={201: OrderOut, **ERR}, summary="下达整改通知（工作日期限）"
)
def order_create(request: HttpRequest, app_id: int, data: OrderIn) -> Any:
    app = get_restricted_or_404(App.objects.all(), request.user, "view", pk=app_id)
    found = list(Finding.objects.filter(app=app, pk__in=data.findings))
    missing = sorted(set(data.findings) - {f.pk for f in found})
    if missing:
        raise InvalidInput(
            _("合规问题 %(v0)s 不属于该应用，请用 GET /findings?app=%(v1)s 查看。")
            % {"v0": ", ".join(map(str, missing)), "v1": app.pk},
        )
    order = _call(
        svc.order_issue,
        actor=request.user,
        app=app,
        findings=found,
        instructions=data.instructions,
        working_days=data.working_days,
    )
    return Status(201, _order_out(order))


@router.get("/orders/{order_id}", response={200: OrderOut, 404: Error}, summary="整改通知详情")
def order_detail(request: HttpRequest, order_id: int) -> Any:
    return Status(200, _order(_get_order(request, order_id)))


class RespondIn(Schema):
    response: str
    scan_id: int | None = None


@router.post(
    "/orders/{order_id}/respond",
    response={200: OrderOut, **ERR},
    summary="报送整改情况（可附新版本安装包的检测编号 scan_id）",
)
def order_respond(request: HttpRequest, order_id: int, data: RespondIn) -> Any:
    order = _get_order(request, order_id)
    scan = None
    if data.scan_id:
        scan = PackageScan.objects.filter(pk=data.scan_id, app_id=order.app_id).first()
        if scan is None:
            raise InvalidInput(
                _("检测 %(v0)s 不是该应用的安装包检测，请先上传新版本安装包。")
                % {"v0": data.scan_id}
            )
    order = _call(
        svc.order_respond, actor=request.user, order=order, response=data.response, scan=scan
    )
    return Status(200, _order_out(order))


class AcceptIn(Schema):
    note: str = ""
    force: bool = False


@router.post(
    "/orders/{order_id}/accept",
    response={200: OrderOut, **ERR},
    summary="验收整改（问题仍存在时须 force=true 表示人工核实）",
)
def order_accept(request: HttpRequest, order_id: int, data: AcceptIn) -> Any:
    order = _call(
        svc.order_accept,
        actor=request.user,
        order=_get_order(request, order_id),
        note=data.note,
        force=data.force,
    )
    return Status(200, _order_out(order))


class OrderReturnIn(Schema):
    note: str
    working_days: int | None = None


@router.post(
    "/orders/{order_id}/return",
    response={200: OrderOut, **ERR},
    summary="退回重新整改（可给新的工作日期限）",
)
def order_return(request: HttpRequest, order_id: int, data: OrderReturnIn) -> Any:
    if data.working_days is not None and not 1 <= data.working_days <= 60:
        raise InvalidInput(_("新的整改期限应为 1 到 60 个工作日。"))
    order = _call(
        svc.order_send_back,
        actor=request.user,
        order=_get_order(request, order_id),
        note=data.note,
        working_days=data.working_days,
    )
    return Status(200, _order_out(order))


class PenaltyOut(Schema):
    id: int
    app_id: int
    order_id: int
    state: str
    reason: str
    filing_number: str
    decision_note: str
    proposed_at: dt.datetime
    decided_at: dt.datetime | None


def _penalty(c: PenaltyCase) -> dict[str, Any]:
    return {
        "id": c.pk,
        "app_id": c.app_id,
        "order_id": c.order_id,
        "state": c.state,
        "reason": c.reason,
        "filing_number": c.filing_number,
        "decision_note": c.decision_note,
        "proposed_at": c.proposed_at,
        "decided_at": c.decided_at,
    }


class FailIn(Schema):
    reason: str


@router.post(
    "/orders/{order_id}/fail",
    response={201: PenaltyOut, **ERR},
    summary="认定整改不合格（提出撤销备案的处罚案件）",
)
def order_fail(request: HttpRequest, order_id: int, data: FailIn) -> Any:
    case = _call(
        svc.order_fail,
        actor=request.user,
        order=_get_order(request, order_id),
        reason=data.reason,
    )
    return Status(201, _penalty(case))


@router.get("/penalties", response=list[PenaltyOut], summary="可见的处罚案件")
@paginate(ApiPagination, transform=_penalty)
def penalty_list(request: HttpRequest) -> Any:
    return selectors.penalties_for(request.user)


class PenaltyDecideIn(Schema):
    decision: str  # revoke | drop
    note: str = ""
    confirm: bool = False


@router.post(
    "/penalties/{case_id}/decide",
    response={200: PenaltyOut, **ERR},
    summary="处罚决定：revoke（撤销备案，须 confirm=true）或 drop（不予处罚，须写理由）",
)
def penalty_decide(request: HttpRequest, case_id: int, data: PenaltyDecideIn) -> Any:
    case = get_restricted_or_404(
        PenaltyCase.objects.select_related("app"), request.user, "view", pk=case_id
    )
    if data.decision == "revoke":
        if not data.confirm:
            raise InvalidInput(_("撤销备案不可撤回，请确认后以 confirm=true 重新提交。"))
        case = _call(svc.penalty_revoke, actor=request.user, case=case, note=data.note)
    elif data.decision == "drop":
        case = _call(svc.penalty_drop, actor=request.user, case=case, note=data.note)
    else:
        raise InvalidInput(_("decision 应为 revoke（撤销备案）或 drop（不予处罚）。"))
    return Status(200, _penalty(case))


class SpotItemOut(Schema):
    id: int
    app_id: int
    app_name: str
    stratum: str
    risk: float
    result: str
    checks: dict[str, Any]
    note: str


class SpotCheckOut(Schema):
    id: int
    name: str
    seed: int
    sample_size: int
    forced: bool
    created_at: dt.datetime
    items: list[SpotItemOut]


def _item(i: SpotCheckItem) -> dict[str, Any]:
    return {
        "id": i.pk,
        "app_id": i.app_id,
        "app_name": i.app.name,
        "stratum": i.stratum,
        "risk": i.risk,
        "result": i.result,
        "checks": i.checks,
        "note": i.note,
    }


def _spotcheck(c: SpotCheck, user: Actor) -> dict[str, Any]:
    items = restrict(c.items.select_related("app"), user, "view")
    return {
        "id": c.pk,
        "name": c.name,
        "seed": c.seed,
        "sample_size": c.sample_size,
        "forced": c.forced,
        "created_at": c.created_at,
        "items": [_item(i) for i in items],
    }


class DrawIn(Schema):
    name: str
    sample_size: int
    seed: int | None = None
    forced: bool = False


@router.post(
    "/spot-checks",
    response={201: SpotCheckOut, **ERR},
    summary="抽取抽查样本（按省份和类型分层、按风险加权，记录随机种子）",
)
def spotcheck_draw(request: HttpRequest, data: DrawIn) -> Any:
    check = _call(
        svc.spotcheck_draw,
        actor=request.user,
        name=data.name,
        sample_size=data.sample_size,
        seed=data.seed,
        forced=data.forced,
    )
    return Status(201, _spotcheck(check, request.user))


@router.get("/spot-checks/{check_id}", response={200: SpotCheckOut, 404: Error})
def spotcheck_detail(request: HttpRequest, check_id: int) -> Any:
    check = get_restricted_or_404(SpotCheck.objects.all(), request.user, "view", pk=check_id)
    return Status(200, _spotcheck(check, request.user))


class ResultIn(Schema):
    filing_number_displayed: bool | None = None
    complaint_function_present: bool | None = None
    clock_in_observed: bool | None = None
    forced_upload_observed: bool | None = None
    ads_observed: bool | None = None
    note: str = ""


@router.post(
    "/spot-checks/items/{item_id}/result",
    response={200: SpotItemOut, **ERR},
    summary="录入一个应用的抽查检测结果（未检查的项目留空）",
)
def spotcheck_record(request: HttpRequest, item_id: int, data: ResultIn) -> Any:
    item = get_restricted_or_404(
        SpotCheckItem.objects.select_related("app"), request.user, "view", pk=item_id
    )
    checks = {k: getattr(data, k) for k in svc.CHECK_FIELDS}
    item = _call(svc.spotcheck_record, actor=request.user, item=item, checks=checks, note=data.note)
    return Status(200, _item(item))


class BulletinIn(Schema):
    title: str
    summary: str = ""
    orders: list[int]
    anonymised: bool = True


class BulletinOut(Schema):
    id: int
    title: str
    summary: str
    anonymised: bool
    published_at: dt.datetime
    cases: list[dict[str, Any]]


@router.post(
    "/bulletins",
    response={201: BulletinOut, **ERR},
    summary="发布典型问题通报（选择已办结的整改案件，可隐去单位名称）",
)
def bulletin_publish(request: HttpRequest, data: BulletinIn) -> Any:
    orders = list(
        restrict(RectificationOrder.objects.all(), request.user, "view")
        .filter(pk__in=data.orders)
        .select_related("app__hosting_unit__division")
    )
    missing = sorted(set(data.orders) - {o.pk for o in orders})
    if missing:
        raise NotFound(
            _("整改通知 %(v0)s 不存在或不在您的辖区内。") % {"v0": ", ".join(map(str, missing))}
        )
    b = _call(
        svc.bulletin_publish,
        actor=request.user,
        title=data.title,
        summary=data.summary,
        orders=orders,
        anonymised=data.anonymised,
    )
    return Status(
        201,
        {
            "id": b.pk,
            "title": b.title,
            "summary": b.summary,
            "anonymised": b.anonymised,
            "published_at": b.published_at,
            "cases": b.cases,
        },
    )
