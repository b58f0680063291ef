"""R-11: a filed app must display its unit name and filing number prominently."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev


def check(facts: AppFacts) -> list[Evidence]:
    insp = facts.operation.inspection
    if not facts.filing_number or insp is None or insp.filing_number_displayed is not False:
        return []
    return [ev("inspection", f"filing_number_displayed=false ({facts.filing_number})", insp.source)]


RULE = Rule(
    id="R11_FILING_NUMBER_DISPLAY",
    requirement="R-11",
    severity="medium",
    title_zh="未在应用内显著位置展示备案编号",
    title_en="Filing number not displayed in the app",
    explanation_zh="抽查检测发现应用内没有显著展示主办单位名称和备案编号（《办法》第十一条）。",
    explanation_en="A spot check found that the app does not prominently display the hosting "
    "unit's name and the filing number (Article 11).",
    remediation_zh="在启动页或“关于”页面显著展示主办单位名称和备案编号。",
    remediation_en="Show the hosting unit's name and the filing number on the start or About page.",
    check=check,
)
