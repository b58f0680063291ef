"""R-22: forced upload of location tracks.

Fails on any of: continuous location whose results the code sends onwards (the scanner's
``location-tracking`` capability, with the calls and files that show it; no word such as 轨迹
is needed), background location together with track words, or a declared track feature."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import (
    Evidence,
    Rule,
    capability_evidence,
    declared_features,
    feature_evidence,
    has_cap,
    keyword_evidence,
)


def check(facts: AppFacts) -> list[Evidence]:
    out: list[Evidence] = []
    declared = declared_features(facts, "location_track")
    if has_cap(facts, "location-tracking"):
        out = capability_evidence(facts, "location-tracking", limit=5, with_where=True)
        out += capability_evidence(facts, "background-location")
        out += keyword_evidence(facts, ["track"], corroborated=True)
    elif has_cap(facts, "background-location"):
        words = keyword_evidence(facts, ["track"], corroborated=True)
        if words or declared:
            out = capability_evidence(facts, "background-location") + words
    out += feature_evidence(declared)
    return out


RULE = Rule(
    id="R22_LOCATION_TRACK",
    requirement="R-22",
    severity="high",
    title_zh="强制上传位置轨迹",
    title_en="Forced upload of location tracks",
    explanation_zh="应用持续获取位置并把结果发送出去（持续定位订阅加网络上传），或在后台定位并上报行动轨迹，"
    "或设置了位置轨迹上报功能。《办法》第十六条禁止无必要地强制上传轨迹。",
    explanation_en="The app subscribes to continuous location and sends the results onwards, or "
    "collects location in the background and reports movement tracks, or declares a "
    "track-reporting feature. Article 16 forbids forcing track uploads without need.",
    remediation_zh="删除后台定位和轨迹上报；确有必要的特殊场景，应单独说明并申请豁免。",
    remediation_en="Remove background location and track reporting; where a special scenario "
    "truly needs it, explain it separately and request an exemption.",
    check=check,
    package_only=True,
    exemptible=True,
)
