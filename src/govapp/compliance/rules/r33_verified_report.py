"""R-33/R-29: a report from grassroots staff that a regulator verified and opened for checking."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev


def check(facts: AppFacts) -> list[Evidence]:
    return [
        ev("complaint", r.note or r.category, f"{r.ref}（{r.banned_practice or r.category}）")
        for r in facts.operation.verified_reports
    ]


RULE = Rule(
    id="R33_VERIFIED_REPORT",
    requirement="R-33",
    severity="high",
    title_zh="经核实立案的基层举报问题",
    title_en="Reported violation opened for checking by a regulator",
    explanation_zh="监管部门受理基层举报后认为需要核查，对应用立案；问题核实整改、举报办结后自动关闭。",
    explanation_en="A regulator triaged a report from grassroots staff and opened it for checking; "
    "the finding closes once the problem is corrected and the report is answered.",
    remediation_zh="按举报反映的问题开展核查，整改后向监管部门说明整改情况。",
    remediation_en="Check the reported problem, correct it and report the correction to the regulator.",
    check=check,
)
