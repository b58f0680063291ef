"""R-22: likes, online votes, shares or learning duration used as appraisal criteria."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, keyword_evidence

LEARNING_DURATION = (
    "学习时长",
    "累计学习",
    "阅读时长",
    "观看时长",
    "学习时间",
    "studyDuration",
    "studyTime",
    "learningDuration",
    "learnTime",
)


def check(facts: AppFacts) -> list[Evidence]:
    scan = facts.scan
    ranking = scan is not None and any(h.practice == "ranking" for h in scan.keywords)
    out = keyword_evidence(facts, ["appraisal"], corroborated=ranking)
    out += keyword_evidence(facts, ["duration"], terms=LEARNING_DURATION, corroborated=ranking)
    return out


RULE = Rule(
    id="R22_APPRAISAL_METRICS",
    requirement="R-22",
    severity="high",
    title_zh="以点赞量、投票数、转发量、学习时长作为考核评比依据",
    title_en="Likes, votes, shares or learning time used for appraisal",
    explanation_zh="应用统计点赞量、网络投票数、转发量或学习时长并用于考核评比、线上督查。《办法》第十六条禁止。",
    explanation_en="The app counts likes, online votes, shares or learning time for appraisal "
    "or online inspection, which Article 16 forbids.",
    remediation_zh="删除以点赞、投票、转发和学习时长为指标的考核评比功能。",
    remediation_en="Remove appraisal based on likes, votes, shares and learning time.",
    check=check,
    package_only=True,
)
