"""Reads for package scans, shaped for the pages."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from govapp.core import wiring
from govapp.core.actor import Actor
from govapp.core.permissions import restrict
from govapp.core.tasks import resolve
from govapp.scans.models import PackageScan

SDK_CATEGORY_LABELS = {
    "advertising": gettext_lazy("广告"),
    "analytics": gettext_lazy("统计分析"),
    "push": gettext_lazy("推送"),
    "location_maps": gettext_lazy("定位/地图"),
    "face_liveness": gettext_lazy("人脸识别/活体检测"),
    "payment": gettext_lazy("支付"),
    "crash_reporting": gettext_lazy("崩溃上报"),
    "social_share": gettext_lazy("社交分享"),
    "customer_service": gettext_lazy("客服"),
    "im": gettext_lazy("即时通讯"),
    "hot_update": gettext_lazy("热更新"),
    "security": gettext_lazy("安全加固"),
    "other": gettext_lazy("其他"),
}
CAPABILITY_LABELS = {
    "location": gettext_lazy("定位"),
    "background-location": gettext_lazy("后台定位"),
    "location-tracking": gettext_lazy("持续定位并上传"),
    "camera": gettext_lazy("相机"),
    "media-library": gettext_lazy("相册/媒体库"),
    "microphone": gettext_lazy("麦克风"),
    "contacts": gettext_lazy("通讯录"),
    "sms": gettext_lazy("短信"),
    "phone": gettext_lazy("电话"),
    "call-log": gettext_lazy("通话记录"),
    "calendar": gettext_lazy("日历"),
    "usage-stats": gettext_lazy("应用使用情况"),
    "face-recognition": gettext_lazy("人脸识别"),
    "bluetooth": gettext_lazy("蓝牙"),
    "nfc": gettext_lazy("NFC"),
    "storage": gettext_lazy("存储"),
    "install-packages": gettext_lazy("安装应用"),
    "overlay": gettext_lazy("悬浮窗"),
    "accessibility": gettext_lazy("无障碍服务"),
    "device-id": gettext_lazy("设备标识"),
    "notifications": gettext_lazy("通知"),
    "biometric": gettext_lazy("生物识别"),
    "clipboard": gettext_lazy("剪贴板"),
}
PRACTICE_LABELS = {
    "clock_in": gettext_lazy("打卡签到"),
    "ranking": gettext_lazy("积分排名"),
    "duration": gettext_lazy("在线/学习时长"),
    "appraisal": gettext_lazy("点赞投票转发考核"),
    "track": gettext_lazy("轨迹定位上报"),
    "photo_upload": gettext_lazy("强制拍照上传"),
    "forced_login": gettext_lazy("强制登录"),
    "install_rate": gettext_lazy("安装率/使用率考核"),
}


def scans_for(user: Actor, *, q: str = "", status: str = "") -> QuerySet[PackageScan]:
    qs = restrict(
        PackageScan.objects.select_related("hosting_unit", "app").defer("facts"), user, "view"
    )
    if q:
        qs = qs.filter(file_name__icontains=q) | qs.filter(package__icontains=q)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at")


def facts_view(facts: dict[str, Any] | None) -> dict[str, Any]:
    """Group the stored facts for display: SDKs by category, keywords by practice."""
    if not facts:
        return {}
    sdks: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for sdk in facts.get("sdks", []):
        sdks[sdk.get("category", "other")].append(sdk)
    keywords: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for hit in facts.get("keywords", []):
        keywords[hit.get("practice") or "other"].append(hit)
    evidence = {c["id"]: c.get("evidence", []) for c in facts.get("capability_evidence", [])}
    return {
        "identity": facts.get("identity", {}),
        "signing": facts.get("signing", {}),
        "permissions": facts.get("permissions", []),
        "capabilities": [
            {"id": cap, "label": CAPABILITY_LABELS.get(cap, cap), "evidence": evidence.get(cap, [])}
            for cap in facts.get("capabilities", [])
        ],
        "sdk_groups": [
            {"category": cat, "label": SDK_CATEGORY_LABELS.get(cat, cat), "items": items}
            for cat, items in sorted(sdks.items())
        ],
        "keyword_groups": [
            {"practice": p, "label": PRACTICE_LABELS.get(p, p), "items": items}
            for p, items in sorted(keywords.items())
        ],
        "findings": resolve(wiring.CHECKS["scan.findings_display"])(facts.get("findings", [])),
        "warnings": facts.get("warnings", []),
        "native_libs": facts.get("native_libs", []),
        "kind": facts.get("kind", ""),
        "file": facts.get("file", {}),
        "elapsed_ms": facts.get("elapsed_ms", 0),
    }
