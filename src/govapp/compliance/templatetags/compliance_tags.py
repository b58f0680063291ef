"""``{% compliance_summary app %}``: open findings and latest scan of an app, for registry pages."""

from __future__ import annotations

from typing import Any

from django import template

from govapp.compliance.models import PackageScan
from govapp.compliance.selectors import findings_for
from govapp.core.permissions import can, restrict

register = template.Library()


@register.inclusion_tag("compliance/_summary.html", takes_context=True)
def compliance_summary(
    context: dict[str, Any], app: Any, application: Any = None
) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    findings = list(findings_for(user, app=app.pk)[:50]) if user is not None else []
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
        "by_severity": {
            sev: sum(1 for f in findings if f.severity == sev)
            for sev in ("critical", "high", "medium", "low", "info")
        },
        "scan": scan,
        "can_upload": user is not None and can(user, "change", app),
    }
