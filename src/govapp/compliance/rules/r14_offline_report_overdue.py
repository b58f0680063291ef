"""R-14: the app announced its shutdown, but no offline report reached the regulator within
the set time after the shutdown date (default 10 working days)."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev


def check(facts: AppFacts) -> list[Evidence]:
    if not facts.offline_report_overdue:
        return []
    return [
        ev("registry", f"关停日期 {facts.shutdown_date}", "关停公告"),
        ev("registry", f"下线报告期限 {facts.offline_report_due}", "未收到下线报告"),
    ]


RULE = Rule(
    id="R14_OFFLINE_REPORT_OVERDUE",
    requirement="R-14",
    severity="medium",
    title_zh="关停后逾期未报告下线",
    title_en="Offline report overdue after shutdown",
    explanation_zh="应用已公告关停，关停日期后超过规定时限仍未向监管部门报告下线情况并申请注销。",
    explanation_en="The app announced its shutdown, but no offline report and deregistration "
    "application reached the regulator within the set time after the shutdown date.",
    remediation_zh="在应用页面提交下线报告（下线日期、数据处置、用户迁移），并提交注销备案申请。",
    remediation_en="Submit the offline report on the app page (date taken offline, data "
    "disposal, where users went) and the deregistration application.",
    check=check,
)
