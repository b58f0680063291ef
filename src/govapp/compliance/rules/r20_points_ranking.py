"""R-20: points rankings (积分排名), allowed only under an approved exemption."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import (
    Evidence,
    Rule,
    declared_features,
    feature_evidence,
    keyword_evidence,
)


def check(facts: AppFacts) -> list[Evidence]:
    out = feature_evidence(declared_features(facts, "ranking"))
    out += keyword_evidence(facts, ["ranking"])
    return out


RULE = Rule(
    id="R20_POINTS_RANKING",
    requirement="R-20",
    severity="high",
    title_zh="积分排名",
    title_en="Points ranking",
    explanation_zh="应用对使用人员进行积分、排名或排行通报。《办法》第十六条禁止积分排名，安保、应急等特殊场景除外。",
    explanation_en="The app scores, ranks or publishes leaderboards of its users. Article 16 "
    "forbids points rankings except in security and emergency scenarios.",
    remediation_zh="删除积分、排名和排行榜功能，不以积分排名考核基层。",
    remediation_en="Remove points, rankings and leaderboards; do not appraise grassroots staff "
    "by them.",
    check=check,
    package_only=True,
    exemptible=True,
)
