"""``{% compliance_summary app %}``: open findings and latest scan of an app, for registry pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from govapp.compliance.models import SEVERITY_CHOICES, PackageScan
from govapp.compliance.rules import RULES_BY_ID
from govapp.compliance.selectors import findings_for
from govapp.core.permissions import can, restrict

register = template.Library()


@register.inclusion_tag("compliance/_summary.html", takes_context=True)
def compliance_summary(
    context: dict[str, Any], app: Any, application: Any = None
) -> dict[str, Any]:
    request = context.get("request")
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
    return {
        "app": app,
        "application": application,
        "findings": findings,
        "by_severity": [
            (sev, labels[sev], n)
            for sev in ("critical", "high", "medium", "low", "info")
            if (n := sum(1 for f in findings if f.severity == sev))
        ],
        "scan": scan,
        "can_upload": user is not None and can(user, "change", app),
    }
