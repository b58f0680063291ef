"""R-18 (advisory): a standalone app should work on Android, iOS and HarmonyOS."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev

MAIN = ("android", "ios", "harmony")


def check(facts: AppFacts) -> list[Evidence]:
    if facts.kind != "app" or not facts.identities:
        return []
    have = {i.platform for i in facts.identities}
    missing = [p for p in MAIN if p not in have]
    if not missing:
        return []
    return [ev("registry", "缺少平台: " + ", ".join(missing), "平台标识")]


RULE = Rule(
    id="R18_PLATFORM_COVERAGE",
    requirement="R-18",
    severity="info",
    title_zh="未覆盖主流移动操作系统",
    title_en="Not available on all main mobile systems",
    explanation_zh="独立 APP 应适配安卓、iOS 和鸿蒙等主流移动操作系统（建议项）。",
    explanation_en="A standalone app should work on Android, iOS and HarmonyOS (advisory).",
    remediation_zh="补充适配缺少的平台，并登记其平台标识。",
    remediation_en="Support the missing platforms and register their identities.",
    check=check,
    advisory=True,
)
