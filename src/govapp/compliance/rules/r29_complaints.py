"""R-29/R-33: repeated complaints of forced use, excessive record-keeping or ranking abuse."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev

CATEGORIES = ("forced_use", "excessive_records", "ranking_abuse", "duplicate_reporting")
THRESHOLD = 3  # setting: complaints in these categories before a finding is raised


def check(facts: AppFacts) -> list[Evidence]:
    counts = {c: facts.operation.complaints.get(c, 0) for c in CATEGORIES}
    total = sum(counts.values())
    if total < THRESHOLD:
        return []
    return [ev("complaints", f"{c}: {n}", "投诉举报") for c, n in counts.items() if n]


RULE = Rule(
    id="R29_COMPLAINTS",
    requirement="R-29",
    severity="medium",
    title_zh="多次被投诉强制使用、过度留痕或滥用排名",
    title_en="Repeated complaints of forced use, record-keeping or ranking abuse",
    explanation_zh="基层反映该应用存在强制使用、过度留痕、滥用排名或多头填报等问题，投诉达到核查门槛（3 件）。",
    explanation_en="Grassroots staff reported forced use, excessive record-keeping, ranking "
    "abuse or duplicate reporting often enough (3 reports) to warrant a check.",
    remediation_zh="开展自查自评，逐条核实投诉反映的问题并整改。",
    remediation_en="Run a self-inspection, verify each reported problem and correct it.",
    check=check,
)
