"""R-24: every app must provide an in-app complaints and suggestions function."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev, text_mentions

WORDS = ("投诉", "建议", "意见反馈", "反馈", "留言", "举报", "complaint", "feedback", "suggestion")


def check(facts: AppFacts) -> list[Evidence]:
    insp = facts.operation.inspection
    if insp is not None and insp.complaint_function_present is False:
        return [ev("inspection", "complaint_function_present=false", insp.source)]
    if insp is not None and insp.complaint_function_present:
        return []
    if facts.declared is None:
        return []
    if any(text_mentions(f.text, WORDS) for f in facts.declared.features):
        return []
    return [ev("declared", "无投诉建议功能", f"功能设置（{facts.declared.source}）")]


RULE = Rule(
    id="R24_COMPLAINT_FUNCTION",
    requirement="R-24",
    severity="medium",
    title_zh="缺少应用内投诉建议功能",
    title_en="No in-app complaints and suggestions function",
    explanation_zh="《办法》第十七条要求在应用内提供投诉建议功能，申报的功能或检查结果中没有该功能。",
    explanation_en="Article 17 requires a complaints and suggestions function inside every "
    "app; neither the declared functions nor the inspection show one.",
    remediation_zh="在应用内增加投诉建议入口，并在功能设置中申报。",
    remediation_en="Add a complaints and suggestions entry to the app and declare it.",
    check=check,
)
