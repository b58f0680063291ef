"""Reads for package scans, shaped for the pages."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import QuerySet

from govapp.compliance.models import PackageScan
from govapp.core.permissions import restrict

SDK_CATEGORY_LABELS = {
    "advertising": "广告",
    "analytics": "统计分析",
    "push": "推送",
    "location_maps": "定位/地图",
    "face_liveness": "人脸识别/活体检测",
    "payment": "支付",
    "crash_reporting": "崩溃上报",
    "social_share": "社交分享",
    "customer_service": "客服",
    "im": "即时通讯",
    "hot_update": "热更新",
    "security": "安全加固",
    "other": "其他",
}
CAPABILITY_LABELS = {
    "location": "定位",
    "background-location": "后台定位",
    "camera": "相机",
    "media-library": "相册/媒体库",
    "microphone": "麦克风",
    "contacts": "通讯录",
    "sms": "短信",
    "phone": "电话",
    "call-log": "通话记录",
    "calendar": "日历",
    "usage-stats": "应用使用情况",
    "face-recognition": "人脸识别",
    "bluetooth": "蓝牙",
    "nfc": "NFC",
    "storage": "存储",
    "install-packages": "安装应用",
    "overlay": "悬浮窗",
    "accessibility": "无障碍服务",
    "device-id": "设备标识",
    "notifications": "通知",
    "biometric": "生物识别",
    "clipboard": "剪贴板",
}
PRACTICE_LABELS = {
    "clock_in": "打卡签到",
    "ranking": "积分排名",
    "duration": "在线/学习时长",
    "appraisal": "点赞投票转发考核",
    "track": "轨迹定位上报",
    "photo_upload": "强制拍照上传",
    "forced_login": "强制登录",
    "install_rate": "安装率/使用率考核",
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
