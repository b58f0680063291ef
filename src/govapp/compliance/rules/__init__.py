"""The compliance rules: one module per rule (house style 7).  PURE: no Django import.

Each module defines ``RULE`` (a :class:`~govapp.compliance.rules.base.Rule`) whose ``check``
reads an :class:`~govapp.compliance.facts.AppFacts` and returns the evidence that the rule is
broken (an empty list when it holds).  :func:`package_findings` runs the rules that can be
judged from a package alone; ``govapp scan`` puts their output in ``findings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from govapp.compliance.facts import AppFacts, facts_from_scan
from govapp.compliance.rules.base import SEVERITY_ORDER, Rule
from govapp.scanner.facts import Finding, FindingEvidence, ScanResult

MODULES = (
    "r20_clock_in",
    "r20_points_ranking",
    "r20_online_duration",
    "r21_install_rate",
    "r21_forced_login",
    "r22_appraisal_metrics",
    "r22_location_track",
    "r22_photo_upload",
    "r23_advertising_sdk",
    "r23_ad_placements",
    "r23_payment_sdk",
    "r19_form_reporting",
    "r08_undeclared_location",
    "r09_undeclared_sensitive",
    "r09_scenario_unexplained",
    "r24_complaint_function",
    "r11_filing_number_display",
    "r11_certificate_mismatch",
    "r07_unfiled_in_use",
    "r03_below_county",
    "r18_ipv6",
    "r18_platform_coverage",
    "r27_graded_protection",
    "r27_debug_certificate",
    "r29_complaints",
    "r33_verified_report",
    "r29_self_inspection",
)

RULES: tuple[Rule, ...] = tuple(import_module(f"{__name__}.{m}").RULE for m in MODULES)
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
PACKAGE_RULES: tuple[Rule, ...] = tuple(r for r in RULES if r.package_only)
assert len(RULES_BY_ID) == len(RULES), "rule ids must be unique"


@dataclass(frozen=True)
class Hit:
    rule: Rule
    evidence: list[FindingEvidence]


def evaluate(facts: AppFacts, rules: tuple[Rule, ...] = RULES) -> list[Hit]:
    """Every rule that ``facts`` break, with its evidence, most severe first."""
    hits = []
    for rule in rules:
        evidence = rule.check(facts)
        if evidence:
            hits.append(Hit(rule, evidence))
    hits.sort(key=lambda h: (-SEVERITY_ORDER[h.rule.severity], h.rule.id))
    return hits


def to_finding(hit: Hit) -> Finding:
    return Finding(
        rule=hit.rule.id,
        severity=hit.rule.severity,
        title=hit.rule.title_zh,
        title_en=hit.rule.title_en,
        requirement=hit.rule.requirement,
        evidence=hit.evidence,
    )


def package_findings(scan: ScanResult) -> list[Finding]:
    """The findings of the rules that can be judged from one package alone."""
    facts = facts_from_scan(scan, source=f"package {scan.file.name}")
    return [to_finding(h) for h in evaluate(facts, PACKAGE_RULES)]


def rule(rule_id: str) -> Rule:
    return RULES_BY_ID[rule_id]


__all__ = ["PACKAGE_RULES", "RULES", "RULES_BY_ID", "Hit", "evaluate", "package_findings", "rule"]
