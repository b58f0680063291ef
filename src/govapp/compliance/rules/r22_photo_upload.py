"""R-22: forced upload of work photos or videos (camera plus upload / 留痕 demands)."""

from __future__ import annotations

from govapp.compliance.facts import AppFacts
from govapp.compliance.rules.base import (
    Evidence,
    Rule,
    capability_evidence,
    declared_features,
    ev,
    feature_evidence,
    has_cap,
    keyword_evidence,
)


def check(facts: AppFacts) -> list[Evidence]:
    out: list[Evidence] = []
    if has_cap(facts, "camera"):
        words = keyword_evidence(facts, ["photo_upload"], corroborated=True)
        if words:
            out = capability_evidence(facts, "camera") + words
    out += feature_evidence(declared_features(facts, "photo_upload"))
    insp = facts.operation.inspection
    if insp is not None and insp.forced_upload_observed:
        out.append(ev("inspection", "forced_upload_observed", insp.source))
    return out


RULE = Rule(
    id="R22_PHOTO_UPLOAD",
    requirement="R-22",
    severity="medium",
    title_zh="强制上传工作照片、视频",
    title_en="Forced upload of work photos or videos",
    explanation_zh="应用调用相机并要求上传工作照片、现场照片、水印照片或视频作为工作留痕。《办法》第十六条禁止无必要地强制上传。",
    explanation_en="The app uses the camera and demands work, site or watermarked photos or "
    "videos as a record of work. Article 16 forbids forcing such uploads without need.",
    remediation_zh="取消强制拍照上传和工作留痕要求，改为按需自愿上传。",
    remediation_en="Drop compulsory photo uploads and record-keeping; make uploads voluntary.",
    check=check,
    package_only=True,
    exemptible=True,
)
