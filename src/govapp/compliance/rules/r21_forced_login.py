"""R-21: forced regular login (每日登录、连续登录天数、登录率)."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, keyword_evidence


def check(facts: AppFacts) -> list[Evidence]:
    return keyword_evidence(facts, ["forced_login"])


RULE = Rule(
    id="R21_FORCED_LOGIN",
    requirement="R-21",
    severity="medium",
    title_zh="强制定期登录",
    title_en="Forced regular login",
    explanation_zh="应用统计每日登录、连续登录天数或登录率。《办法》第十六条禁止强制要求定期登录。",
    explanation_en="The app tracks daily logins, login streaks or login rates. Article 16 "
    "forbids forcing regular logins.",
    remediation_zh="删除登录天数、登录率等统计，不要求使用人员定期登录。",
    remediation_en="Remove login-day and login-rate statistics; do not require regular logins.",
    check=check,
    package_only=True,
)
