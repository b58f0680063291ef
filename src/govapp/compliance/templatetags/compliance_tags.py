"""``{% compliance_summary app %}``: open findings and latest scan of an app, for registry pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language, gettext_lazy

from govapp.compliance.models import SEVERITY_CHOICES, PackageScan, ScanStatus
from govapp.compliance.rules import RULES_BY_ID
from govapp.compliance.scanning import identity_check
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
        "findings": findings,
        "by_severity": [
            (sev, labels[sev], n)
            for sev in ("critical", "high", "medium", "low", "info")
            if (n := sum(1 for f in findings if f.severity == sev))
        ],
        "scan": scan,
        "scanned": done is not None,
        "check": identity_check(done.facts, app) if done is not None and done.facts else None,
        "can_upload": user is not None and can(user, "submit", app),
    }


EVIDENCE_SOURCES = {
    "registry": gettext_lazy("备案登记"),
    "declared": gettext_lazy("申报材料"),
    "inspection": gettext_lazy("抽查检测"),
    "signing": gettext_lazy("签名证书"),
    "sdk": gettext_lazy("第三方 SDK"),
    "capability": gettext_lazy("敏感能力"),
    "operation": gettext_lazy("运行情况"),
    "keyword": gettext_lazy("关键词线索"),
    "complaints": gettext_lazy("投诉举报"),
    "complaint": gettext_lazy("投诉举报"),
    "permission": gettext_lazy("权限"),
    "dex_package": gettext_lazy("代码包"),
    "native_lib": gettext_lazy("原生库"),
    "component": gettext_lazy("组件"),
    "api_call": gettext_lazy("接口调用"),
    "plist": gettext_lazy("iOS 配置"),
    "manifest": gettext_lazy("清单文件"),
}
FACT_SOURCES = {
    "declared": gettext_lazy("申报材料"),
    "scan": gettext_lazy("安装包检测"),
    "inspection": gettext_lazy("抽查检测"),
}


@register.filter
def evidence_source(code: str) -> str:
    """The kind of evidence in the reader's words (never the internal code)."""
    return str(EVIDENCE_SOURCES.get(code, gettext_lazy("检测依据")))


@register.filter
def fact_source(code: str) -> str:
    return str(FACT_SOURCES.get(code, gettext_lazy("依据")))
