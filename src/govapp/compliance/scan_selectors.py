"""Reads for package scans, shaped for the pages."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _l

from govapp.compliance.models import PackageScan
from govapp.core.permissions import restrict

SDK_CATEGORY_LABELS = {
    "advertising": _l("广告"),
    "analytics": _l("统计分析"),
    "push": _l("推送"),
    "location_maps": _l("定位/地图"),
    "face_liveness": _l("人脸识别/活体检测"),
    "payment": _l("支付"),
    "crash_reporting": _l("崩溃上报"),
    "social_share": _l("社交分享"),
    "customer_service": _l("客服"),
    "im": _l("即时通讯"),
    "hot_update": _l("热更新"),
    "security": _l("安全加固"),
    "other": _l("其他"),
}
CAPABILITY_LABELS = {
    "location": _l("定位"),
    "background-location": _l("后台定位"),
    "location-tracking": _l("持续定位并上传"),
    "camera": _l("相机"),
    "media-library": _l("相册/媒体库"),
    "microphone": _l("麦克风"),
    "contacts": _l("通讯录"),
    "sms": _l("短信"),
    "phone": _l("电话"),
    "call-log": _l("通话记录"),
    "calendar": _l("日历"),
    "usage-stats": _l("应用使用情况"),
    "face-recognition": _l("人脸识别"),
    "bluetooth": _l("蓝牙"),
    "nfc": _l("NFC"),
    "storage": _l("存储"),
    "install-packages": _l("安装应用"),
    "overlay": _l("悬浮窗"),
    "accessibility": _l("无障碍服务"),
    "device-id": _l("设备标识"),
    "notifications": _l("通知"),
    "biometric": _l("生物识别"),
    "clipboard": _l("剪贴板"),
}
PRACTICE_LABELS = {
    "clock_in": _l("打卡签到"),
    "ranking": _l("积分排名"),
    "duration": _l("在线/学习时长"),
    "appraisal": _l("点赞投票转发考核"),
    "track": _l("轨迹定位上报"),
    "photo_upload": _l("强制拍照上传"),
    "forced_login": _l("强制登录"),
    "install_rate": _l("安装率/使用率考核"),
}


def scans_for(user: Any, *, q: str = "", status: str = "") -> QuerySet[PackageScan]:
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
        "findings": facts.get("findings", []),
        "warnings": facts.get("warnings", []),
        "native_libs": facts.get("native_libs", []),
        "kind": facts.get("kind", ""),
        "file": facts.get("file", {}),
        "elapsed_ms": facts.get("elapsed_ms", 0),
    }
