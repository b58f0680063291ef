"""Technical testing of a filing application (R-10), as the CAC's approval needs it.

Testing is done when, for every platform identity the app declares, a package of the
submitted version was scanned to completion and its package name and signing certificate
match the declared ones, and no high-severity finding is open without an approved exemption.
:func:`testing_report` works that out from the scans and findings; :func:`testing_refresh`
pushes it into the registry (``registry.services.review.application_testing_put``), which refuses an
approval while anything is missing unless the reviewer writes an override reason.  The
engine refreshes the report after every evaluation; :func:`testing_refresh_stale` (a
periodic job in core.wiring.PERIODIC_JOBS) catches identities or versions edited since.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from govapp.compliance.models import Finding, FindingStatus
from govapp.compliance.rules import RULES_BY_ID
from govapp.core.actor import Actor
from govapp.registry.models import OPEN_STATES, App, Application, ApplicationKind
from govapp.registry.services.review import application_testing_put, testing_basis
from govapp.scans.identity import KIND_PLATFORMS
from govapp.scans.models import PackageScan, ScanStatus

HIGH = {"high", "critical"}


def _norm_version(value: Any) -> str:
    text = str(value or "").strip().lower()
    return text[1:] if text.startswith("v") else text


def scan_matches_identity(facts: dict[str, Any], identifier: str, cert_sha256: str) -> bool:
    """The scanned package is this identity: same package name and, when a certificate was
    declared, signed with it."""
    package = str((facts.get("identity") or {}).get("package") or "")
    if package != identifier:
        return False
    if not cert_sha256:
        return True
    certs = {
        str(c.get("sha256", "")).lower()
        for c in (facts.get("signing") or {}).get("certificates", [])
    }
    return cert_sha256.lower() in certs


def _found(facts: dict[str, Any]) -> str:
    package = str((facts.get("identity") or {}).get("package") or "—")
    certs = [
        str(c.get("sha256", ""))[:16] + "…"
        for c in (facts.get("signing") or {}).get("certificates", [])
    ]
    return package + (" / " + ", ".join(certs) if certs else "")


def testing_report(application: Application) -> dict[str, Any]:
    """``{"gaps": [...], "scans": [...]}`` for one application (empty gaps = testing done)."""
    app = application.app
    gaps: list[dict[str, Any]] = []
    used: list[dict[str, Any]] = []
    if application.kind == ApplicationKind.DEREGISTER:
        return {"gaps": [], "scans": []}
    declared_version = _norm_version(
        ((application.sections or {}).get("basic") or {}).get("version")
    )
    identities = list(app.identities.all())
    if not identities:
        gaps.append({"code": "no_platform"})
    scans = list(PackageScan.objects.filter(app=app).order_by("-created_at", "-pk")[:200])
    pending = any(s.status in {ScanStatus.QUEUED, ScanStatus.RUNNING} for s in scans)
    failed = any(s.status == ScanStatus.FAILED for s in scans)
    for ident in identities:
        base = {"platform": ident.platform, "identifier": ident.identifier}
        done = [
            s
            for s in scans
            if s.status == ScanStatus.DONE
            and s.facts
            and ident.platform in KIND_PLATFORMS.get(s.kind, set())
        ]
        if not done:
            code = "scan_pending" if pending else "scan_failed" if failed else "no_scan"
            gaps.append({"code": code, **base})
            continue
        versioned = [
            s
            for s in done
            if not declared_version
            or _norm_version((s.facts or {}).get("identity", {}).get("version_name"))
            == declared_version
        ]
        if not versioned:
            found = sorted(
                {str((s.facts or {}).get("identity", {}).get("version_name") or "—") for s in done}
            )
            gaps.append(
                {
                    "code": "version",
                    **base,
                    "version": declared_version,
                    "found": "、".join(found),
                }
            )
            continue
        match = next(
            (
                s
                for s in versioned
                if scan_matches_identity(s.facts or {}, ident.identifier, ident.cert_sha256)
            ),
            None,
        )
        if match is None:
            gaps.append({"code": "identity", **base, "found": _found(versioned[0].facts or {})})
            continue
        used.append({**base, "scan": match.pk, "version": declared_version})
    for finding in Finding.objects.filter(
        app=app, status=FindingStatus.OPEN, severity__in=HIGH
    ).order_by("pk"):
        rule = RULES_BY_ID.get(finding.rule_id)
        gaps.append(
            {
                "code": "finding",
                "rule": finding.rule_id,
                "finding": finding.pk,
                "title_zh": rule.title_zh if rule else finding.rule_id,
                "title_en": rule.title_en if rule else finding.rule_id,
            }
        )
    return {"gaps": gaps, "scans": used}


def testing_refresh(*, app: App, actor: Actor | None = None) -> int:
    """Recompute and push the report of each open application of ``app``."""
    n = 0
    for application in Application.objects.filter(app=app, state__in=OPEN_STATES).select_related(
        "app"
    ):
        application_testing_put(
            application=application, report=testing_report(application), actor=actor
        )
        n += 1
    return n


def testing_refresh_stale(*, limit: int = 500) -> int:
    """Re-evaluate apps whose open application's report is missing or measured against
    identities or a version that have changed since (findings and identity checks follow)."""
    from govapp.compliance import engine

    n = 0
    qs = (
        Application.objects.filter(state__in=OPEN_STATES)
        .exclude(kind=ApplicationKind.DEREGISTER)
        .select_related("app")
        .order_by("pk")
    )
    for application in qs[:limit]:
        if (application.testing or {}).get("basis") == testing_basis(application):
            continue
        engine.evaluate_app(app=application.app, actor=None)
        n += 1
    return n


@task()
def testing_refresh_stale_task() -> int:
    return testing_refresh_stale()
