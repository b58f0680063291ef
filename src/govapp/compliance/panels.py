"""Compliance home panels: findings to rectify, exemptions to decide (core.wiring.HOME_PANELS)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from govapp.compliance.models import SEVERITY_CHOICES
from govapp.compliance.rules import RULES_BY_ID
from govapp.compliance.selectors import findings_for
from govapp.core.permissions import can, is_regulator, restrict
from govapp.scans.identity import identity_check
from govapp.scans.models import PackageScan, ScanStatus


def compliance_panels(request: HttpRequest) -> list[dict[str, Any]]:
    from govapp.compliance import selectors

    user = request.user
    d = selectors.dashboard(user)
    panels = [
        {
            "label": _("待整改的合规问题"),
            "count": d["open"],
            "url": reverse("compliance:findings") + "?status=open",
            "hint": _("其中 %(n)d 件整改通知已逾期") % {"n": d["orders_overdue"]}
            if d["orders_overdue"]
            else "",
            "urgent": d["orders_overdue"] > 0,
        }
    ]
    if is_regulator(user) and d["exemptions_pending"]:
        panels.append(
            {
                "label": _("待审批的豁免申请"),
                "count": d["exemptions_pending"],
                "url": reverse("compliance:exemptions") + "?status=requested",
                "hint": "",
                "urgent": False,
            }
        )
    return panels


def app_compliance_section(
    request: HttpRequest, *, app: Any, application: Any = None
) -> SafeString:
    """Open findings and the latest scan of an app, for the registry's app and application pages
    (core.wiring.APP_SECTIONS)."""
    return render_to_string(
        "compliance/_summary.html",
        _summary_context(request, app=app, application=application),
        request=request,
    )


def _summary_context(request: HttpRequest, *, app: Any, application: Any) -> dict[str, Any]:
    user = getattr(request, "user", None)
    findings: list[Any] = list(findings_for(user, app=app.pk)[:50]) if user is not None else []
    lang = get_language() or "zh-hans"
    for f in findings:  # Finding has no title of its own: the rule's, in the page's language
        rule = RULES_BY_ID.get(f.rule_id)
        f.title = rule.title(lang) if rule else f.rule_id
    labels = dict(SEVERITY_CHOICES)
    scan = (
        restrict(PackageScan.objects.defer("facts"), user, "view")
        .filter(app=app)
        .order_by("-created_at")
        .first()
        if user is not None
        else None
    )
    done = (
        restrict(PackageScan.objects.all(), user, "view")
        .filter(app=app, status=ScanStatus.DONE)
        .order_by("-created_at")
        .first()
        if user is not None
        else None
    )
    return {
        "app": app,
        "application": application,
        # no green "no problems" unless a package was really scanned; the identity is checked
        # against what is declared now, not when the scan ran
        "scanned": done is not None,
        "check": identity_check(done.facts, app) if done is not None and done.facts else None,
        "findings": findings,
        "by_severity": [
            (sev, labels[sev], n)
            for sev in ("critical", "high", "medium", "low", "info")
            if (n := sum(1 for f in findings if f.severity == sev))
        ],
        "scan": scan,
        "can_upload": user is not None and can(user, "submit", app),
    }
