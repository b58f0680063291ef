"""R-23: advertising SDKs (commercial, profit-making activity)."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev


def check(facts: AppFacts) -> list[Evidence]:
    if facts.scan is None:
        return []
    out = []
    for sdk in facts.scan.sdks:
        if sdk.category == "advertising":
            where = "; ".join(f"{e.source}: {e.value}" for e in sdk.evidence[:2])
            out.append(ev("sdk", f"{sdk.name} ({sdk.id})", where))
    return out


RULE = Rule(
    id="R23_ADVERTISING_SDK",
    requirement="R-23",
    severity="high",
    title_zh="集成广告 SDK（经营性活动）",
    title_en="Advertising SDK (commercial activity)",
    explanation_zh="安装包集成了广告 SDK。《办法》第十六条禁止利用政务应用开展广告等经营性活动。",
    explanation_en="The package embeds an advertising SDK. Article 16 forbids commercial, "
    "profit-making activity such as advertising in government apps.",
    remediation_zh="移除广告 SDK 及全部广告位，重新打包后上传检测。",
    remediation_en="Remove the advertising SDK and every ad slot, rebuild and upload again.",
    check=check,
    package_only=True,
)
