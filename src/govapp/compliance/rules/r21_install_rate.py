"""R-21: forced downloads and assessment/publication of installation and usage rates."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, keyword_evidence


def check(facts: AppFacts) -> list[Evidence]:
    return keyword_evidence(facts, ["install_rate"])


RULE = Rule(
    id="R21_INSTALL_RATE",
    requirement="R-21",
    severity="high",
    title_zh="强制下载、考核通报安装使用率",
    title_en="Forced download; installation/usage rates assessed or published",
    explanation_zh="应用统计、考核或通报用户的安装率、下载率、激活率或使用率。《办法》第十六条禁止强制下载和考核通报安装使用率。",
    explanation_en="The app counts, assesses or publishes installation, download, activation "
    "or usage rates. Article 16 forbids forced downloads and assessing such rates.",
    remediation_zh="删除安装率、使用率的统计、考核和通报功能。",
    remediation_en="Remove the statistics, assessment and publication of installation and "
    "usage rates.",
    check=check,
    package_only=True,
)
