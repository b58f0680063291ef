"""R-09: the package shows clock-in, ranking or online-duration features that the application
does not declare (they must be declared and explained separately)."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev, has_cap, keyword_evidence

PRACTICE_TO_KIND = {"clock_in": "clock_in", "ranking": "ranking", "duration": "online_duration"}


def check(facts: AppFacts) -> list[Evidence]:
    if facts.declared is None or facts.scan is None:
        return []
    declared = {f.sensitive_kind for f in facts.declared.features}
    out: list[Evidence] = []
    for practice, kind in PRACTICE_TO_KIND.items():
        if kind in declared:
            continue
        corroborated = practice == "clock_in" and has_cap(facts, "location", "face-recognition")
        hits = keyword_evidence(facts, [practice], corroborated=corroborated)
        if hits:
            out.append(ev("declared", f"未申报 {kind}", f"功能设置（{facts.declared.source}）"))
            out += hits[:3]
    return out


RULE = Rule(
    id="R09_UNDECLARED_SENSITIVE",
    requirement="R-09",
    severity="high",
    title_zh="安装包含打卡、排名或时长统计功能但未申报",
    title_en="Clock-in, ranking or duration features found but not declared",
    explanation_zh="检测发现安装包含打卡签到、积分排名或在线时长统计功能，但申请材料的功能设置中没有申报和单独说明。",
    explanation_en="The scan found clock-in, ranking or online-duration features that the "
    "application's feature settings neither declare nor explain.",
    remediation_zh="删除这些功能；确属安保、应急等特殊场景的，在功能设置中如实申报并单独说明。",
    remediation_en="Remove these features, or declare them and explain the security or "
    "emergency scenario separately.",
    check=check,
)
