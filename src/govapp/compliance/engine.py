"""Builds the facts of an app from the database and keeps its findings in step with the rules.

The rules are pure (:mod:`govapp.compliance.rules`); everything that touches the database is here.
:func:`evaluate_app` is idempotent: re-evaluating after new facts updates the live finding of
each (app, rule) instead of adding another, marks findings covered by an approved, unexpired
exemption as exempted, and closes those that no longer hold with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from govapp.compliance.facts import (
    AppFacts,
    Declared,
    DeclaredFeature,
    Inspection,
    Operation,
    PlatformId,
)
from govapp.compliance.models import (
    Exemption,
    ExemptionStatus,
    Finding,
    FindingStatus,
    OperationFacts,
    SpotCheckItem,
    SpotResult,
)
from govapp.compliance.rules import RULES_BY_ID, Hit, evaluate
from govapp.compliance.testing import testing_refresh
from govapp.core.actor import Actor
from govapp.core.audit import audit_record
from govapp.core.calendar import today_shanghai
from govapp.registry.models import OPEN_STATES, App, Application, ExceptionDecision
from govapp.registry.services.shutdown import offline_report_deadline, offline_report_overdue
from govapp.scanner.facts import ScanResult
from govapp.scans.models import PackageScan, ScanStatus


def declared_from_sections(sections: dict[str, Any] | None, source: str) -> Declared | None:
    if not sections:
        return None
    basic = sections.get("basic") or {}
    ops = sections.get("operations") or {}
    features = [DeclaredFeature.model_validate(f) for f in sections.get("features") or []]
    return Declared(
        source=source,
        version=str(basic.get("version") or ""),
        features=features,
        target_levels=list(basic.get("target_levels") or []),
        mlps_level=str(ops.get("mlps_level") or ""),
        mlps_test_date=str(ops.get("mlps_test_date") or ""),
        tech_plan=str(ops.get("tech_plan") or ""),
        security_testing=str(ops.get("security_testing") or ""),
        om_rules=str(ops.get("om_rules") or ""),
    )


def _declared(app: App, application: Application | None) -> tuple[Declared | None, Any]:
    if application is None:
        application = (
            app.applications.filter(state__in=OPEN_STATES).order_by("-created_at", "-pk").first()
        )
    if application is not None and application.sections:
        return declared_from_sections(application.sections, f"application:{application.pk}"), (
            application
        )
    return declared_from_sections(app.filed_sections, "filed"), None


def newest_scan(app: App, application: Application | None = None) -> PackageScan | None:
    qs = PackageScan.objects.filter(status=ScanStatus.DONE, facts__isnull=False)
    if application is not None:
        found = qs.filter(application=application).order_by("-created_at", "-pk").first()
        if found is not None:
            return found
    return qs.filter(app=app).order_by("-created_at", "-pk").first()


def scan_facts(scan: PackageScan | None) -> tuple[ScanResult | None, str]:
    if scan is None or not scan.facts:
        return None, ""
    result = ScanResult.model_validate(scan.facts)
    version = result.identity.version_name or "-"
    return result, f"scan:{scan.pk} ({scan.file_name}, {version})"


def _inspection(app: App) -> Inspection | None:
    item = (
        SpotCheckItem.objects.filter(app=app)
        .exclude(result=SpotResult.PENDING)
        .order_by("-tested_at", "-pk")
        .first()
    )
    if item is None:
        return None
    data = {k: v for k, v in (item.checks or {}).items() if k in Inspection.model_fields}
    return Inspection(source=f"spotcheck:{item.spot_check_id}", note=item.note, **data)


def _operation(app: App) -> Operation:
    data: dict[str, Any] = {}
    legacy = (
        app.legacy_items.filter(retired=False).first() if hasattr(app, "legacy_items") else None
    )
    if legacy is not None:
        data["in_use"] = True
        data["in_use_source"] = f"存量应用清单（{legacy.name}）"
    # pushed by higher apps (complaints, usage, ledger ...): services.app_operation_facts_put
    for row in OperationFacts.objects.filter(app=app).order_by("source"):
        data.update(row.data)
    op = Operation.model_validate(data)
    op.inspection = _inspection(app)
    return op


@dataclass
class Built:
    facts: AppFacts
    scan: PackageScan | None = None
    application: Application | None = None


def build_facts(app: App, application: Application | None = None) -> Built:
    declared, used_application = _declared(app, application)
    scan = newest_scan(app, application or used_application)
    result, scan_source = scan_facts(scan)
    unit = app.hosting_unit
    exception = app.applications.filter(exception_decision=ExceptionDecision.APPROVED).exists()
    facts = AppFacts(
        app_id=app.pk,
        app_name=app.name,
        kind=app.kind,
        status=app.status,
        filing_number=app.filing_number or "",
        public_facing=app.public_facing,
        unit_level=unit.level,
        below_county_exception_approved=exception,
        identities=[
            PlatformId(platform=i.platform, identifier=i.identifier, cert_sha256=i.cert_sha256)
            for i in app.identities.all()
        ],
        declared=declared,
        scan=result,
        scan_source=scan_source,
        operation=_operation(app),
    )
    shutdown_facts(app, facts)
    return Built(facts, scan, used_application or application)


def shutdown_facts(app: App, facts: AppFacts) -> None:
    """The announced shutdown and the offline report's deadline (R-14), from the app's own
    columns (the one-app and the batch paths share it)."""
    due = offline_report_deadline(app)
    if due is not None and app.shutdown_date is not None:
        facts.shutdown_date = app.shutdown_date.isoformat()
        facts.offline_report_due = due.isoformat()
        facts.offline_report_overdue = offline_report_overdue(app)


def active_exemptions(app: App, today: dt.date | None = None) -> dict[str, Exemption]:
    today = today or today_shanghai()
    qs = Exemption.objects.filter(
        app=app, status=ExemptionStatus.APPROVED, expires_on__gte=today
    ).order_by("expires_on")
    return {e.rule_id: e for e in qs}


@dataclass
class Outcome:
    opened: list[Finding] = field(default_factory=list)
    updated: list[Finding] = field(default_factory=list)
    closed: list[Finding] = field(default_factory=list)
    unchanged: list[Finding] = field(default_factory=list)

    @property
    def live(self) -> list[Finding]:
        return self.opened + self.updated + self.unchanged


def _sources(built: Built) -> dict[str, str]:
    f = built.facts
    return {
        "declared": f.declared.source if f.declared else "",
        "scan": f.scan_source,
        "inspection": f.operation.inspection.source if f.operation.inspection else "",
    }


def sync_findings(*, app: App, built: Built, hits: Iterable[Hit], actor: Actor | None) -> Outcome:
    """Write the findings of one evaluation (call inside a transaction)."""
    now = timezone.now()
    out = Outcome()
    exemptions = active_exemptions(app)
    live = {
        f.rule_id: f
        for f in Finding.objects.select_for_update()
        .filter(app=app)
        .exclude(status=FindingStatus.CLOSED)
    }
    sources = _sources(built)
    version = built.facts.version
    for hit in hits:
        rule = hit.rule
        evidence = [e.model_dump(mode="json") for e in hit.evidence]
        exemption = exemptions.get(rule.id) if rule.exemptible else None
        status = FindingStatus.EXEMPTED if exemption else FindingStatus.OPEN
        finding = live.pop(rule.id, None)
        if finding is None:
            finding = new_finding(
                app, rule, built, status, evidence, version, sources, exemption, now
            )
            finding.save()
            audit_record(
                actor=actor,
                action="finding.open",
                obj=finding,
                object_repr=f"{app.name} · {rule.title_zh}",
                after={"rule": rule.id, "status": status, "evidence": evidence},
            )
            out.opened.append(finding)
            continue
        before, changed = refresh_finding(
            finding, rule, built, status, evidence, version, sources, exemption, now
        )
        finding.save()
        if changed:
            audit_record(
                actor=actor,
                action="finding.update",
                obj=finding,
                object_repr=f"{app.name} · {rule.title_zh}",
                before=before,
                after={"status": status, "evidence": evidence},
            )
            out.updated.append(finding)
        else:
            out.unchanged.append(finding)
    for finding in live.values():
        rule_title = RULES_BY_ID[finding.rule_id].title_zh if finding.rule_id in RULES_BY_ID else ""
        src = "；".join(f"{k}={v}" for k, v in sources.items() if v) or "无"
        finding.status = FindingStatus.CLOSED
        finding.closed_at = now
        finding.exemption = None
        finding.close_reason = f"重新检测不再违反该规则（依据：{src}）。"
        finding.save()
        audit_record(
            actor=actor,
            action="finding.close",
            obj=finding,
            object_repr=f"{app.name} · {rule_title}",
            before={"status": "open"},
            after={"status": "closed", "reason": finding.close_reason},
        )
        out.closed.append(finding)
    return out


def new_finding(
    app: App,
    rule: Any,
    built: Built,
    status: str,
    evidence: Any,
    version: str,
    sources: Any,
    exemption: Any,
    now: Any,
) -> Finding:
    """An unsaved finding of ``rule`` for ``app`` (the one-app and the batch paths share it)."""
    return Finding(
        app=app,
        rule_id=rule.id,
        requirement=rule.requirement,
        severity=rule.severity,
        status=status,
        evidence=evidence,
        app_version=version,
        fact_sources=sources,
        scan=built.scan,
        application=built.application,
        exemption=exemption,
        first_seen=now,
        last_seen=now,
    )


def refresh_finding(
    finding: Finding,
    rule: Any,
    built: Built,
    status: str,
    evidence: Any,
    version: str,
    sources: Any,
    exemption: Any,
    now: Any,
) -> tuple[dict[str, Any], bool]:
    """Bring an existing (unsaved) ``finding`` up to this evaluation; returns its status and
    evidence before, and whether either changed (the one-app and the batch paths share it)."""
    before = {"status": finding.status, "evidence": finding.evidence}
    changed = finding.status != status or finding.evidence != evidence
    finding.status = status
    finding.evidence = evidence
    finding.severity = rule.severity
    finding.app_version = version
    finding.fact_sources = sources
    finding.scan = built.scan
    finding.application = built.application
    finding.exemption = exemption
    finding.last_seen = now
    return before, changed


def evaluate_app(
    *, app: App, actor: Actor | None, application: Application | None = None
) -> Outcome:
    """Evaluate every rule for ``app`` and write its findings (one transaction)."""
    with transaction.atomic():
        app = (
            App.objects.select_for_update().select_related("hosting_unit__division").get(pk=app.pk)
        )
        built = build_facts(app, application)
        outcome = sync_findings(app=app, built=built, hits=evaluate(built.facts), actor=actor)
        # the CAC's approval reads the technical-testing report of open applications
        testing_refresh(app=app, actor=actor)
        return outcome
