"""R-07: an unfiled (or revoked) app is in use."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev

NOT_FILED = ("unfiled", "revoked")


def check(facts: AppFacts) -> list[Evidence]:
    op = facts.operation
    if facts.status not in NOT_FILED:
        return []
    in_use = op.in_use or (op.monthly_active_users or 0) > 0
    if not in_use:
        return []
    return [
        ev("registry", f"status={facts.status}", "备案状态"),
        ev("operation", f"in use (MAU {op.monthly_active_users or '-'})", op.in_use_source),
    ]


RULE = Rule(
    id="R07_UNFILED_IN_USE",
    requirement="R-07",
    severity="critical",
    title_zh="未备案应用正在使用",
    title_en="Unfiled app in use",
    explanation_zh="应用未备案（或备案已撤销）却仍在使用。《办法》要求应用上线前备案，不得要求下载、安装或使用未备案的应用。",
    explanation_en="The app is in use although it is not filed (or its filing was revoked). "
    "Apps must be filed before launch; nobody may be required to use an unfiled app.",
    remediation_zh="立即停止推广使用，尽快提交备案申请；备案前不得要求任何人下载安装。",
    remediation_en="Stop promoting it at once and file it; until filed, nobody may be required "
    "to install it.",
    check=check,
)
