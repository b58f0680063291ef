"""R-27 (advisory): no graded-protection (等保) assessment declared."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev


def check(facts: AppFacts) -> list[Evidence]:
    d = facts.declared
    if d is None or d.mlps_level not in ("", "none"):
        return []
    return [
        ev("declared", f"mlps_level={d.mlps_level or '未填写'}", f"运维和安全保障（{d.source}）")
    ]


RULE = Rule(
    id="R27_GRADED_PROTECTION",
    requirement="R-27",
    severity="low",
    title_zh="未开展等级保护测评",
    title_en="No graded-protection assessment",
    explanation_zh="申请材料未申报网络安全等级保护测评（等保测评）。",
    explanation_en="The materials declare no graded-protection (MLPS) assessment.",
    remediation_zh="开展等保定级和测评，并在运维和安全保障材料中填写级别、日期和测评机构。",
    remediation_en="Carry out MLPS grading and assessment and record level, date and assessor.",
    check=check,
    advisory=True,
)
