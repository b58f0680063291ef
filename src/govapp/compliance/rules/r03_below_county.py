"""R-03: units below county level may not build apps without an approved exception."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev

TOWNSHIP = 4


def check(facts: AppFacts) -> list[Evidence]:
    if facts.unit_level is None or facts.unit_level < TOWNSHIP:
        return []
    if facts.below_county_exception_approved:
        return []
    return [ev("registry", f"unit level {facts.unit_level} (乡镇及以下)", "主办单位")]


RULE = Rule(
    id="R03_BELOW_COUNTY",
    requirement="R-03",
    severity="high",
    title_zh="县级以下单位建设应用未获例外批准",
    title_en="App of a below-county unit without an approved exception",
    explanation_zh="主办单位在县级以下（乡镇、村），原则上不得建设政务应用，且没有经批准的例外。",
    explanation_en="The hosting unit is below county level, which in principle may not build "
    "government apps, and no exception was approved.",
    remediation_zh="改由县级及以上单位建设或并入上级应用；确需建设的，在备案申请中说明理由并申请例外。",
    remediation_en="Have a county-level or higher unit build it or merge it into a higher "
    "level's app; otherwise explain and request an exception in the filing.",
    check=check,
)
