"""The overlap API (/api/v1/overlap): check before you build (R-16), groups and decisions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from govapp.core.errors import NotAllowed
from govapp.core.pagination import ApiPagination
from govapp.core.permissions import get_restricted_or_404, is_regulator
from govapp.orgs.models import Unit
from govapp.orgs.requests import authenticated_user
from govapp.oversight.overlap import selectors, services
from govapp.oversight.overlap.models import OverlapGroup, ProposalCheck

router = Router(tags=["overlap"])


class CheckIn(Schema):
    unit_id: int
    name: str
    features: list[str]
    users: str = ""
    division: str = ""
    description: str = ""


class MatchOut(Schema):
    app_id: int
    name: str
    unit: str
    filing_number: str
    score: float
    function: str
    same_function: bool
    could_be_module: bool
    reasons: list[str]


class ProposalCheckOut(Schema):
    number: str
    name: str
    function: str
    strong_match: bool
    warnings: list[str]
    matches: list[MatchOut]


class GroupOut(Schema):
    id: int
    relation: str
    score: float
    function: str
    scope_code: str
    app_ids: list[int]
    reasons: list[str]
    decision: str
    decision_reason: str


class DecisionIn(Schema):
    decision: str
    reason: str = ""


def _check(c: ProposalCheck) -> dict[str, Any]:
    return {
        "number": c.number,
        "name": c.name,
        "function": c.function,
        "strong_match": c.strong_match,
        "warnings": c.warnings,
        "matches": c.matches,
    }


def _group(g: OverlapGroup) -> dict[str, Any]:
    d = selectors.decision_of(g)
    return {
        "id": g.pk,
        "relation": g.relation,
        "score": g.score,
        "function": g.function,
        "scope_code": g.scope_code,
        "app_ids": sorted(a.pk for a in g.apps.all()),
        "reasons": g.reasons,
        "decision": d.decision if d else "open",
        "decision_reason": d.reason if d else "",
    }


@router.post("/checks", response={201: ProposalCheckOut}, summary="建设前重复核查（R-16）")
def check_create(request: HttpRequest, data: CheckIn) -> Any:
    unit = get_restricted_or_404(Unit.objects.all(), request.user, "view", pk=data.unit_id)
    c = services.proposal_check_create(
        actor=authenticated_user(request),
        unit=unit,
        name=data.name,
        features=data.features,
        users=data.users,
        division=data.division,
        description=data.description,
    )
    return Status(201, _check(c))


@router.get("/checks/{number}", response=ProposalCheckOut, summary="查看核查结果")
def check_get(request: HttpRequest, number: str) -> Any:
    return _check(
        get_restricted_or_404(ProposalCheck.objects.all(), request.user, "view", number=number)
    )


@router.get("/groups", response=list[GroupOut], summary="本辖区最近一次检测的重复应用组")
@paginate(ApiPagination, transform=_group)
def group_list(request: HttpRequest, relation: str = "duplicate") -> Any:
    if not is_regulator(request.user):
        raise NotAllowed(_("只有监管人员可以查看重复应用组。"))
    return selectors.groups_for(request.user, relation=relation)


@router.post("/groups/{group_id}/decision", response=GroupOut, summary="认定：整合或不重复")
def group_decide(request: HttpRequest, group_id: int, data: DecisionIn) -> Any:
    group = get_restricted_or_404(OverlapGroup.objects.all(), request.user, "view", pk=group_id)
    services.group_decide(
        actor=authenticated_user(request), group=group, decision=data.decision, reason=data.reason
    )
    return _group(group)
