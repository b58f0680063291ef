"""R-20: online-duration statistics (统计在线时长), allowed only under an approved exemption."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import (
    Evidence,
    Rule,
    declared_features,
    feature_evidence,
    keyword_evidence,
)

# duration terms about being online (learning-duration terms belong to R22_APPRAISAL_METRICS)
TERMS = ("在线时长", "累计在线", "在线时间", "停留时长", "onlineDuration", "onlineTime")


def check(facts: AppFacts) -> list[Evidence]:
    out = feature_evidence(declared_features(facts, "online_duration"))
    out += keyword_evidence(facts, ["duration"], terms=TERMS)
    return out


RULE = Rule(
    id="R20_ONLINE_DURATION",
    requirement="R-20",
    severity="high",
    title_zh="统计在线时长",
    title_en="Online-duration statistics",
    explanation_zh="应用统计使用人员的在线时长。《办法》第十六条禁止统计在线时长，安保、应急等特殊场景除外。",
    explanation_en="The app measures how long each user stays online. Article 16 forbids "
    "online-duration statistics except in security and emergency scenarios.",
    remediation_zh="停止按人统计在线时长；运行统计只按应用汇总，不落到个人。",
    remediation_en="Stop per-person online-time statistics; measure usage per app only.",
    check=check,
    package_only=True,
    exemptible=True,
)
