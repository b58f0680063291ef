"""R-18 (advisory): the materials do not declare IPv6 support."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev


def check(facts: AppFacts) -> list[Evidence]:
    d = facts.declared
    if d is None:
        return []
    text = f"{d.tech_plan} {d.security_testing} {d.om_rules}".lower()
    if "ipv6" in text.replace(" ", ""):
        return []
    return [ev("declared", "技术方案未提及 IPv6", f"运维和安全保障（{d.source}）")]


RULE = Rule(
    id="R18_IPV6",
    requirement="R-18",
    severity="info",
    title_zh="未申报支持 IPv6",
    title_en="IPv6 support not declared",
    explanation_zh="技术方案中没有说明支持 IPv6。《办法》要求政务应用支持 IPv6（建议项）。",
    explanation_en="The technical plan does not state IPv6 support, which the Measures expect "
    "(advisory).",
    remediation_zh="在技术方案中说明 IPv6 支持情况并完成改造。",
    remediation_en="State IPv6 support in the technical plan and implement it.",
    check=check,
    advisory=True,
)
