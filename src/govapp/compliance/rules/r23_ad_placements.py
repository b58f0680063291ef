"""R-23: ad placements in the code (开屏广告、激励视频、信息流广告 ...)."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev, keyword_evidence


def check(facts: AppFacts) -> list[Evidence]:
    out = keyword_evidence(facts, ["commercial"])
    insp = facts.operation.inspection
    if insp is not None and insp.ads_observed:
        out.append(ev("inspection", "ads_observed", insp.source))
    return out


RULE = Rule(
    id="R23_AD_PLACEMENTS",
    requirement="R-23",
    severity="medium",
    title_zh="设置广告位（经营性活动）",
    title_en="Ad placements (commercial activity)",
    explanation_zh="应用代码或页面中有开屏广告、插屏广告、激励视频等广告位。《办法》第十六条禁止经营性活动。",
    explanation_en="The code or pages contain splash, interstitial or rewarded-video ad slots. "
    "Article 16 forbids commercial activity.",
    remediation_zh="删除全部广告位和广告展示逻辑。",
    remediation_en="Remove every ad slot and ad display logic.",
    check=check,
    package_only=True,
)
