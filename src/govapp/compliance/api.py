"""/api/v1/compliance: rules, findings, evaluation, dashboards, orders, bulletins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from govapp.compliance import selectors
from govapp.compliance import services as svc
from govapp.compliance.rules import RULES
from govapp.core.permissions import get_restricted_or_404
from govapp.registry.models import App

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
    state: str
    deadline: dt.date
    escalated: bool
    findings: list[int]


class Error(Schema):
    detail: str


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
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    qs = selectors.findings_for(
        request.user, app=app, rule=rule, status=status, severity=severity, region=region
    )
    limit = max(1, min(limit, 500))
    return {"items": [_finding(f) for f in qs[offset : offset + limit]], "count": qs.count()}


@router.post("/apps/{app_id}/evaluate", response=EvaluateOut)
def evaluate(request: HttpRequest, app_id: int) -> dict[str, Any]:
    app = get_restricted_or_404(App.objects.all(), request.user, "view", pk=app_id)
    out = svc.compliance_evaluate(app=app, actor=request.user)
    live = selectors.findings_for(request.user, app=app.pk)
    return {
        "opened": len(out.opened),
        "updated": len(out.updated),
        "closed": len(out.closed),
        "findings": [_finding(f) for f in live],
    }


@router.get("/dashboard")
def dashboard(request: HttpRequest) -> dict[str, Any]:
    return selectors.dashboard(request.user)


@router.get("/orders", response=list[OrderOut])
def orders(request: HttpRequest, overdue: bool = False) -> list[dict[str, Any]]:
    qs = selectors.orders_for(request.user, overdue=overdue).prefetch_related("findings")[:500]
    return [
        {
            "id": o.pk,
            "app_id": o.app_id,
            "state": o.state,
            "deadline": o.deadline,
            "escalated": o.escalated_at is not None,
            "findings": [f.pk for f in o.findings.all()],
        }
        for o in qs
    ]


@router.get("/bulletins", auth=None)
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
