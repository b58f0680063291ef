"""R-20: compulsory clock-in / check-in (打卡签到), allowed only under an approved
security or emergency exemption."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import (
    Evidence,
    Rule,
    declared_features,
    ev,
    feature_evidence,
    has_cap,
    keyword_evidence,
)


def check(facts: AppFacts) -> list[Evidence]:
    out = feature_evidence(declared_features(facts, "clock_in"))
    corroborated = has_cap(facts, "location", "background-location", "face-recognition")
    out += keyword_evidence(facts, ["clock_in"], corroborated=corroborated)
    insp = facts.operation.inspection
    if insp is not None and insp.clock_in_observed:
        out.append(ev("inspection", "clock_in_observed", insp.source))
    return out


RULE = Rule(
    id="R20_CLOCK_IN",
    requirement="R-20",
    severity="high",
    title_zh="强制打卡签到",
    title_en="Compulsory clock-in / check-in",
    explanation_zh="应用设置了打卡签到（考勤、定位打卡、人脸打卡等）功能。《办法》第十六条禁止建设强制打卡签到功能，"
    "安保、应急等特殊场景除外。",
    explanation_en="The app has a clock-in / check-in feature (attendance, location or face "
    "clock-in). Article 16 forbids compulsory clock-in except in security and emergency scenarios.",
    remediation_zh="删除打卡签到功能；确属安保、应急等特殊场景的，在备案材料中单独说明并申请豁免。",
    remediation_en="Remove the clock-in feature; if it serves a security or emergency scenario, "
    "explain it separately in the filing and request an exemption.",
    check=check,
    package_only=True,
    exemptible=True,
)
