"""R-19: repeated demands on grassroots units to fill in forms and report data (advisory)."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, keyword_evidence


def check(facts: AppFacts) -> list[Evidence]:
    return keyword_evidence(facts, ["form_reporting"])


RULE = Rule(
    id="R19_FORM_REPORTING",
    requirement="R-19",
    severity="low",
    title_zh="要求基层重复填表报数",
    title_en="Repeated form-filling and data reporting by grassroots units",
    explanation_zh="应用含有重复填报、多头填报、报表填报等功能迹象。《办法》第十六条禁止随意或重复要求基层填表报数交材料。",
    explanation_en="The app shows signs of repeated or multi-channel form filling and data "
    "reporting, which Article 16 forbids demanding arbitrarily or repeatedly.",
    remediation_zh="核对填报事项，已有数据通过共享获取，同一数据最多报一次。",
    remediation_en="Review the reporting items; obtain existing data by sharing so the same "
    "data is reported at most once.",
    check=check,
    package_only=True,
    advisory=True,
)
