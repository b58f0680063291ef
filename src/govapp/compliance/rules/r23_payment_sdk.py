"""R-23: payment SDKs in an app for staff (not public-facing): a sign of profit-making."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev


def check(facts: AppFacts) -> list[Evidence]:
    # Public-facing service apps may collect fees lawfully; a staff app has no reason to.
    if facts.scan is None or facts.declared is None or facts.public_facing:
        return []
    return [
        ev("sdk", f"{s.name} ({s.id})", "; ".join(f"{e.source}: {e.value}" for e in s.evidence[:2]))
        for s in facts.scan.sdks
        if s.category == "payment"
    ]


RULE = Rule(
    id="R23_PAYMENT_SDK",
    requirement="R-23",
    severity="low",
    title_zh="面向工作人员的应用集成支付 SDK",
    title_en="Payment SDK in an app for staff",
    explanation_zh="面向工作人员的政务应用集成了支付 SDK，可能用于经营性活动（《办法》第十六条）。",
    explanation_en="An app for government staff embeds a payment SDK, which may serve "
    "commercial activity (Article 16).",
    remediation_zh="如无收费依据请移除支付 SDK；面向企业和群众的缴费服务请在基本信息中如实标注。",
    remediation_en="Remove the payment SDK unless fees have a legal basis; mark public-facing "
    "fee services as such in the basic information.",
    check=check,
)
