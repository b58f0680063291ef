"""R-09: a declared clock-in or similar feature without a separate special-scenario explanation."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import Evidence, Rule, ev

SENSITIVE = ("clock_in", "ranking", "online_duration", "photo_upload", "location_track")
MIN_EXPLANATION = 10


def check(facts: AppFacts) -> list[Evidence]:
    if facts.declared is None:
        return []
    out = []
    for f in facts.declared.features:
        if f.sensitive_kind not in SENSITIVE:
            continue
        if f.scenario in ("security", "emergency", "other") and (
            len(f.scenario_explanation.strip()) >= MIN_EXPLANATION
        ):
            continue
        out.append(
            ev(
                "declared",
                f.name or f.sensitive_kind,
                f"功能设置: {f.sensitive_kind}，场景“{f.scenario or '未选择'}”，"
                f"说明 {len(f.scenario_explanation.strip())} 字",
            )
        )
    return out


RULE = Rule(
    id="R09_SCENARIO_UNEXPLAINED",
    requirement="R-09",
    severity="medium",
    title_zh="特殊场景功能未单独说明",
    title_en="Special-scenario feature not explained",
    explanation_zh="申报了打卡签到、积分排名、在线时长、照片或轨迹上传等功能，但没有选择安保、应急等特殊场景并单独说明理由。",
    explanation_en="A clock-in, ranking, duration, photo or track feature is declared without "
    "a security or emergency scenario and a separate explanation.",
    remediation_zh="为该功能选择特殊场景并写明理由（不少于 10 个字），或删除该功能。",
    remediation_en="Choose the special scenario and explain it (at least 10 characters), or "
    "remove the feature.",
    check=check,
)
