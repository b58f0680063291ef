"""R-29: a problem found in a self-inspection campaign (admitted by the unit or confirmed by the
reviewer) goes on to rectification like any other finding."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev


def check(facts: AppFacts) -> list[Evidence]:
    return [
        ev(
            "self_inspection",
            p.question or p.problem_class,
            f"{p.ref}（{'审核确认' if p.how == 'confirmed' else '单位自查承认'}{'，' + p.unit if p.unit else ''}）",
        )
        for p in facts.operation.self_inspection_problems
    ]


RULE = Rule(
    id="R29_SELF_INSPECTION",
    requirement="R-29",
    severity="medium",
    title_zh="自查自评发现的问题",
    title_en="Problem found in a self-inspection campaign",
    explanation_zh="单位在自查中承认、或审核部门核实存在的强制使用、过度留痕、滥用排名、多头填报等问题。",
    explanation_en="A problem the unit admitted in a self-inspection, or the reviewer confirmed: "
    "forced use, excessive record-keeping, ranking abuse, duplicate reporting and the like.",
    remediation_zh="按自查发现的问题制定整改措施并落实，整改完成后在下一轮自查中说明。",
    remediation_en="Correct the problems found and report the correction in the next self-inspection.",
    check=check,
)
