"""HTTP API of the burden ledger: /api/v1/ledger (login) and /api/v1/public/ledger (no login)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from govapp.core.errors import InvalidInput, NotAllowed
from govapp.core.pagination import ApiPagination
from govapp.core.permissions import has_role
from govapp.orgs.models import Division
from govapp.orgs.requests import authenticated_user
from govapp.oversight.ledger import selectors, services
from govapp.oversight.ledger.burden import q as rq
from govapp.oversight.ledger.models import Demand, Frequency, ProposalState, TargetLevel
from govapp.oversight.ledger.services import FieldSpec
from govapp.registry.models import App

router = Router(tags=["ledger"])
public_router = Router(tags=["ledger (public)"])


class FieldIn(Schema):
    label: str
    type: str = "text"


class FieldOut(Schema):
    label: str
    type: str
    item: str
    item_name: str


class DemandIn(Schema):
    title: str
    division: str
    fields: list[FieldIn]
    frequency: Frequency = Frequency.MONTHLY
    target_level: TargetLevel = TargetLevel.VILLAGE
    units_targeted: int = 1
    minutes_per_field: Decimal = Decimal(2)
    basis: str = ""
    app_id: int | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


class DemandOut(Schema):
    id: int
    ledger_number: str
    title: str
    department: str
    division: str
    status: str
    frequency: str
    target_level: str
    units_targeted: int
    minutes_per_field: Decimal
    app_id: int | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    fields: list[FieldOut]


class DemandPage(Schema):
    items: list[DemandOut]
    count: int


class ProposeIn(Schema):
    reason: str = ""


class ProposalOut(Schema):
    id: int
    demand_id: int
    kind: str
    state: str
    duplicated: int
    check: dict[str, Any]
    decision_reason: str
    reuse_source_id: int | None


class DecideIn(Schema):
    decision: str
    reason: str = ""
    reuse_source_id: int | None = None


class BurdenRow(Schema):
    ledger_number: str
    title: str
    department: str
    division: str
    fields: int
    duplicated_fields: int
    hours_per_unit: Decimal
    hours_total: Decimal
    hours_duplicated: Decimal


class BurdenOut(Schema):
    total_hours: Decimal
    duplicated_hours: Decimal
    demands: list[BurdenRow]
    trend: list[dict[str, Any]]


class LedgerCheckOut(Schema):
    status: str
    ledger_number: str
    title: str | None = None
    department: str | None = None
    division: str | None = None
    division_code: str | None = None
    frequency: str | None = None
    target_level: str | None = None
    starts_on: str | None = None
    ends_on: str | None = None
    fields: list[str] = []


def _out(d: Demand) -> dict[str, Any]:
    return {
        "id": d.pk,
        "ledger_number": d.ledger_number,
        "title": d.title,
        "department": d.department_name,
        "division": d.scope_code,
        "status": d.status,
        "frequency": d.frequency,
        "target_level": d.target_level,
        "units_targeted": d.units_targeted,
        "minutes_per_field": d.minutes_per_field,
        "app_id": d.app_id,
        "starts_on": d.starts_on,
        "ends_on": d.ends_on,
        "fields": [
            {"label": f.label, "type": f.type, "item": f.item, "item_name": f.item_name}
            for f in d.fields.all()
        ],
    }


def _proposal_out(p: Any) -> dict[str, Any]:
    return {
        "id": p.pk,
        "demand_id": p.demand_id,
        "kind": p.kind,
        "state": p.state,
        "duplicated": int(p.field_check.get("duplicated", 0)),
        "check": p.field_check,
        "decision_reason": p.decision_reason,
        "reuse_source_id": p.reuse_source_id,
    }


@router.get("/demands", response=DemandPage)
def demands(
    request: HttpRequest,
    q: str = "",
    status: str = "",
    division: str = "",
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    qs = selectors.visible_demands(request.user).prefetch_related("fields")
    if status:
        qs = qs.filter(status=status)
    if division:
        qs = qs.filter(scope_code__startswith=division)
    if q:
        qs = qs.filter(title__icontains=q)
    limit = max(1, min(limit, 200))
    return {"items": [_out(d) for d in qs[offset : offset + limit]], "count": qs.count()}


@router.get("/demands/{demand_id}", response=DemandOut)
def demand(request: HttpRequest, demand_id: int) -> dict[str, Any]:
    return _out(selectors.demand_or_404(request.user, demand_id))


@router.post("/demands", response={201: DemandOut})
def demand_create(request: HttpRequest, payload: DemandIn) -> Status[Any]:
    user = authenticated_user(request)
    unit = getattr(user, "unit", None)
    if unit is None or not has_role(user, "unit_manager", "unit_filer"):
        raise NotAllowed(_("只有部门工作人员可以提出填报事项。"))
    division = Division.objects.filter(code=payload.division).first()
    if division is None:
        raise InvalidInput(_("没有这个区划代码。"), {"division": _("没有这个区划代码。")})
    app = None
    if payload.app_id is not None:
        app = App.objects.filter(pk=payload.app_id, hosting_unit=unit).first()
        if app is None:
            raise InvalidInput(_("没有这个本单位应用。"), {"app_id": _("没有这个本单位应用。")})
    d = services.demand_create(
        unit=unit,
        division=division,
        title=payload.title,
        fields=[FieldSpec(f.label[:120], f.type) for f in payload.fields],
        frequency=payload.frequency,
        target_level=payload.target_level,
        units_targeted=payload.units_targeted,
        minutes_per_field=payload.minutes_per_field,
        basis=payload.basis,
        app=app,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        actor=user,
    )
    return Status(201, _out(d))


@router.post("/demands/{demand_id}/propose", response={201: ProposalOut})
def demand_propose(request: HttpRequest, demand_id: int, payload: ProposeIn) -> Status[Any]:
    d = selectors.editable_demand_or_404(request.user, demand_id)
    p = services.demand_propose(demand=d, reason=payload.reason, actor=authenticated_user(request))
    return Status(201, _proposal_out(p))


@router.get("/proposals", response=list[ProposalOut])
@paginate(ApiPagination, transform=_proposal_out)
def proposals(request: HttpRequest) -> Any:
    return selectors.review_queue(request.user)


@router.get("/proposals/{proposal_id}", response=ProposalOut)
def proposal(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    return _proposal_out(selectors.proposal_or_404(request.user, proposal_id))


@router.post("/proposals/{proposal_id}/decide", response=ProposalOut)
def proposal_decide(request: HttpRequest, proposal_id: int, payload: DecideIn) -> dict[str, Any]:
    p = selectors.proposal_or_404(request.user, proposal_id)
    if payload.decision not in ProposalState.values:
        raise InvalidInput(
            _("审查结论应为 approved、sent_back 或 refused。"),
            {"decision": "approved | sent_back | refused"},
        )
    source = None
    if payload.reuse_source_id is not None:
        source = selectors.visible_demands(request.user).filter(pk=payload.reuse_source_id).first()
    services.proposal_decide(
        proposal=p,
        decision=payload.decision,
        reason=payload.reason,
        reuse_source=source,
        actor=authenticated_user(request),
    )
    p.refresh_from_db()
    return _proposal_out(p)


@router.get("/burden", response=BurdenOut)
def burden(request: HttpRequest, division: str = "") -> dict[str, Any]:
    report = selectors.burden_report(request.user, prefix=division)
    return {
        "total_hours": rq(report.total),
        "duplicated_hours": rq(report.duplicated),
        "demands": [
            {
                "ledger_number": r.demand.ledger_number,
                "title": r.demand.title,
                "department": r.demand.department_name,
                "division": r.demand.scope_code,
                "fields": r.fields,
                "duplicated_fields": len(r.duplicated),
                "hours_per_unit": rq(r.per_unit, "0.001"),
                "hours_total": rq(r.total),
                "hours_duplicated": rq(r.duplicated_hours),
            }
            for r in report.rows
        ],
        "trend": [{"month": m, "hours": str(rq(h))} for m, h in report.trend],
    }


@public_router.get("/{ledger_number}", response=LedgerCheckOut, auth=None)
def check(request: HttpRequest, ledger_number: str) -> dict[str, Any]:
    """Is a request carrying this ledger number legitimate? status: listed | not_listed |
    withdrawn | replaced | expired | not_yet_valid."""
    return selectors.public_check(ledger_number)
