"""Filters that put evidence sources and fact sources in the reader's words
(``{% load compliance_tags %}`` on the compliance pages)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy

register = template.Library()


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


@register.filter
def rule_title(rule_id: str) -> str:
    """A rule's title in the reader's language (the id stays for a details line)."""
    from django.utils.translation import get_language

    from govapp.compliance.rules import RULES_BY_ID

    rule = RULES_BY_ID.get(rule_id)
    return rule.title(get_language() or "zh-hans") if rule else rule_id
