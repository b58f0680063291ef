"""Capabilities normalised across platforms."""

from __future__ import annotations

from govapp.scanner.capabilities import (
    CAPABILITIES,
    android_capabilities,
    capability_ids,
    harmony_capabilities,
    ios_capabilities,
    merge_capabilities,
    miniprogram_capabilities,
    quickapp_capabilities,
)
from govapp.scanner.facts import Capability, Component, Evidence, SdkHit


def _evidence(caps: list[Capability]) -> dict[str, list[tuple[str, str]]]:
    return {c.id: [(e.source, e.value) for e in c.evidence] for c in caps}


def test_android_permissions() -> None:
    caps = android_capabilities(
        permissions=[
            "android.permission.ACCESS_FINE_LOCATION",
            "android.permission.ACCESS_COARSE_LOCATION",
            "android.permission.ACCESS_BACKGROUND_LOCATION",
            "android.permission.CAMERA",
            "android.permission.READ_MEDIA_IMAGES",
            "android.permission.RECORD_AUDIO",
            "android.permission.READ_CONTACTS",
            "android.permission.READ_SMS",
            "android.permission.READ_PHONE_STATE",
            "android.permission.PACKAGE_USAGE_STATS",
            "android.permission.INTERNET",
            "com.example.permission.C2D_MESSAGE",
        ],
        method_refs=[],
        components=[],
    )
    ev = _evidence(caps)
    assert capability_ids(caps) == [
        "background-location",
        "camera",
        "contacts",
        "device-id",
        "location",
        "media-library",
        "microphone",
        "phone",
        "sms",
        "usage-stats",
    ]
    assert [c.id for c in caps] == sorted(c.id for c in caps)
    assert ev["location"] == [
        ("permission", "android.permission.ACCESS_COARSE_LOCATION"),
        ("permission", "android.permission.ACCESS_FINE_LOCATION"),
    ]
    assert set(capability_ids(caps)) <= set(CAPABILITIES)


def test_android_method_refs_and_face_sdks() -> None:
    caps = android_capabilities(
        permissions=[],
        method_refs=iter(
            [
                "Landroid/location/LocationManager;->requestLocationUpdates",
                "Landroid/hardware/Camera;->open(I)Landroid/hardware/Camera;",
                "Landroid/content/ClipboardManager;->getPrimaryClip",
                "Lcom/megvii/meglive_sdk/manager/MegLiveManager;->startDetect",
                "Lcom/example/Foo;->bar",
            ]
        ),
        components=[
            Component(
                type="activity",
                name="com.tencent.cloud.huiyansdkface.facelight.ui.FaceVerifyActivity",
            )
        ],
        sdks=[SdkHit(id="baidu-face", name="Baidu face", category="face_liveness")],
    )
    ev = _evidence(caps)
    assert ev["location"] == [
        ("method_ref", "Landroid/location/LocationManager;->requestLocationUpdates")
    ]
    assert ev["camera"] == [("method_ref", "Landroid/hardware/Camera;->open")]
    assert ev["clipboard"] == [("method_ref", "Landroid/content/ClipboardManager;->getPrimaryClip")]
    assert ev["face-recognition"] == [
        ("sdk", "baidu-face"),
        ("sdk", "megvii"),
        ("sdk", "tencent-faceid"),
    ]


def test_android_nothing() -> None:
    assert android_capabilities(permissions=[], method_refs=[], components=[]) == []


def test_harmony() -> None:
    caps = harmony_capabilities(
        [
            "ohos.permission.LOCATION",
            "ohos.permission.APPROXIMATELY_LOCATION",
            "ohos.permission.LOCATION_IN_BACKGROUND",
            "ohos.permission.CAMERA",
            "ohos.permission.MICROPHONE",
            "ohos.permission.READ_MEDIA",
            "ohos.permission.INTERNET",
        ],
        background_modes=["location", "dataTransfer"],
    )
    ev = _evidence(caps)
    assert capability_ids(caps) == [
        "background-location",
        "camera",
        "location",
        "media-library",
        "microphone",
    ]
    assert ev["background-location"] == [
        ("background_mode", "location"),
        ("permission", "ohos.permission.LOCATION_IN_BACKGROUND"),
    ]


def test_ios() -> None:
    plist = {
        "CFBundleIdentifier": "cn.gov.example",
        "NSLocationAlwaysAndWhenInUseUsageDescription": "用于外勤",
        "NSLocationWhenInUseUsageDescription": "用于定位",
        "NSCameraUsageDescription": "拍照",
        "NSPhotoLibraryUsageDescription": "相册",
        "NSFaceIDUsageDescription": "登录",
        "UIBackgroundModes": ["location", "fetch"],
    }
    caps = ios_capabilities(plist)
    ev = _evidence(caps)
    assert capability_ids(caps) == [
        "background-location",
        "biometric",
        "camera",
        "location",
        "media-library",
    ]
    assert ("background_mode", "location") in ev["background-location"]
    assert ios_capabilities({"UIBackgroundModes": "location"}) == []


def test_miniprogram() -> None:
    caps = miniprogram_capabilities(
        permission_scopes=["scope.userLocation"],
        required_private_infos=["getLocation", "startLocationUpdateBackground", "chooseAddress"],
        background_modes=["location", "audio"],
        api_calls=[
            "wx.chooseImage",
            "wx.startFacialRecognitionVerify",
            "my.getClipboard",
            "wx.foo",
        ],
    )
    ev = _evidence(caps)
    assert capability_ids(caps) == [
        "background-location",
        "camera",
        "clipboard",
        "face-recognition",
        "location",
        "media-library",
    ]
    assert ev["location"] == [("private_info", "getLocation"), ("scope", "scope.userLocation")]
    assert ev["face-recognition"] == [("api_call", "wx.startFacialRecognitionVerify")]


def test_quickapp() -> None:
    caps = quickapp_capabilities(
        ["system.geolocation", "@system.camera", "system.fetch", "system.record"],
        ["system.geolocation"],
    )
    assert capability_ids(caps) == ["background-location", "camera", "location", "microphone"]
    assert _evidence(caps)["background-location"] == [("background_feature", "system.geolocation")]


def test_merge() -> None:
    a = [Capability(id="camera", evidence=[Evidence(source="permission", value="x")])]
    b = [
        Capability(id="camera", evidence=[Evidence(source="api_call", value="y")]),
        Capability(id="location", evidence=[Evidence(source="permission", value="z")]),
    ]
    merged = merge_capabilities(a, b)
    assert _evidence(merged) == {
        "camera": [("api_call", "y"), ("permission", "x")],
        "location": [("permission", "z")],
    }
