"""R-08: the declared features contradict the package: it requests background location but no
declared function needs location."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, capability_evidence, ev, text_mentions

LOCATION_WORDS = ("定位", "位置", "轨迹", "地图", "导航", "巡查", "巡逻", "location", "map", "gps")


def check(facts: AppFacts) -> list[Evidence]:
    if facts.declared is None or facts.scan is None:
        return []
    if "background-location" not in facts.scan.capabilities:
        return []
    for f in facts.declared.features:
        if f.sensitive_kind == "location_track" or text_mentions(f.text, LOCATION_WORDS):
            return []
    return [
        *capability_evidence(facts, "background-location"),
        ev("declared", "无涉及位置的功能", f"功能设置（{facts.declared.source}）"),
    ]


RULE = Rule(
    id="R08_UNDECLARED_LOCATION",
    requirement="R-08",
    severity="high",
    title_zh="安装包后台定位与申报功能不符",
    title_en="Background location not covered by any declared function",
    explanation_zh="安装包申请了后台定位权限，但功能设置中没有任何需要位置的功能，申报材料与实际不符。",
    explanation_en="The package requests background location, but no declared function needs "
    "location: the materials do not match the app.",
    remediation_zh="删除后台定位权限；确有需要的，在功能设置中如实申报该功能及其理由和依据。",
    remediation_en="Remove the background-location permission, or declare the function that "
    "needs it with its reason and basis.",
    check=check,
)
