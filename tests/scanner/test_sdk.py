"""The SDK catalogue and its matcher, checked against the real packaged catalogue."""

from __future__ import annotations

import csv
import io
from importlib import resources

from govapp.scanner.sdk import (
    CATEGORIES,
    catalogue,
    descriptor_package,
    js_module_name,
    load_catalogue,
    match_js_sdks,
    match_sdks,
)


def _categories(hits: list) -> dict[str, str]:
    return {h.id: h.category for h in hits}


def test_catalogue_loads_through_importlib_resources() -> None:
    text = resources.files("govapp.scanner.data").joinpath("sdk_catalogue.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) > 1500
    assert {r["category"] for r in rows} <= set(CATEGORIES)
    assert all(r["source"] for r in rows), "every rule cites its source"
    assert all(r["match"] in {"exact", "prefix"} for r in rows)
    cat = catalogue()
    assert len(cat.sdks) > 500


def test_catalogue_has_no_regular_expressions() -> None:
    for rule in catalogue().rules:
        assert not any(tok in rule.pattern for tok in ("(.*)", ".*", "[", "\\", "^", "|")), rule


def test_known_dex_prefixes_map_to_the_right_category() -> None:
    expected = {
        "Lcom/qq/e/ads/banner2/UnifiedBannerView;": ("tencent-gdt", "advertising"),
        "Lcom/kwad/sdk/api/KsAdSDK;": ("kuaishou-ads", "advertising"),
        "Lcom/ksad/download/DownloadTask;": ("kuaishou-ads", "advertising"),
        "Lcom/bytedance/sdk/openadsdk/TTAdSdk;": ("pangle", "advertising"),
        "Lcom/baidu/mobads/sdk/api/AdView;": ("baidu-mobads", "advertising"),
        "Lcom/igexin/sdk/PushManager;": ("getui", "push"),
        "Lcom/umeng/commonsdk/UMConfigure;": ("umeng-common", "analytics"),
        "Lcom/umeng/analytics/MobclickAgent;": ("umeng-analytics", "analytics"),
        "Lcn/jpush/android/api/JPushInterface;": ("jpush", "push"),
        "Lcom/tendcloud/tenddata/TCAgent;": ("talkingdata", "analytics"),
        "Lcom/sensorsdata/analytics/android/sdk/SensorsDataAPI;": ("sensorsdata", "analytics"),
        "Lcom/growingio/android/sdk/collection/GrowingIO;": ("growingio", "analytics"),
        "Lcom/tencent/bugly/crashreport/CrashReport;": ("bugly", "crash_reporting"),
        "Lcom/amap/api/location/AMapLocationClient;": ("amap", "location_maps"),
        "Lcom/baidu/location/LocationClient;": ("baidu-location", "location_maps"),
        "Lcom/alipay/sdk/app/PayTask;": ("alipay", "payment"),
        "Lcom/tencent/mm/opensdk/openapi/WXAPIFactory;": ("wechat-opensdk", "social_share"),
        "Lcom/megvii/meglive_sdk/manager/MegLiveManager;": ("megvii", "face_liveness"),
        "Lcom/sensetime/senseid/sdk/liveness/interactive/InteractiveLivenessApi;": (
            "sensetime",
            "face_liveness",
        ),
        "Lcom/baidu/idl/face/platform/FaceSDKManager;": ("baidu-face", "face_liveness"),
        "Lcom/alibaba/security/realidentity/RPVerify;": ("aliyun-realid", "face_liveness"),
        "Lcom/huawei/hms/push/HmsMessaging;": ("huawei-push", "push"),
        "Lcom/xiaomi/mipush/sdk/MiPushClient;": ("xiaomi-push", "push"),
        "Lcom/heytap/msp/push/HeytapPushManager;": ("oppo-push", "push"),
        "Lcom/vivo/push/PushClient;": ("vivo-push", "push"),
        "Lcom/hihonor/push/sdk/HonorPushClient;": ("honor-push", "push"),
    }
    for descriptor, (sdk_id, category) in expected.items():
        hits = match_sdks(dex_types=[descriptor], native_libs=[], components=[])
        assert _categories(hits) == {sdk_id: category}, descriptor


def test_bare_bytedance_does_not_match_pangle() -> None:
    hits = match_sdks(
        dex_types=["Lcom/bytedance/foo/Bar;", "Lcom/bytedance/Baz;", "Lcom/bytedance/sdk/Other;"],
        native_libs=[],
        components=[],
    )
    assert hits == []


def test_prefixes_match_on_package_boundaries_only() -> None:
    assert match_sdks(dex_types=["Lcom/qq/eagle/A;", "Lcom/kwadx/B;"]) == []
    hits = match_sdks(dex_types=["Lcom/qq/e/A;"])
    assert [h.id for h in hits] == ["tencent-gdt"]


def test_longest_prefix_wins() -> None:
    hits = match_sdks(dex_types=["Lcom/alipay/zoloz/toyger/ToygerService;"])
    assert _categories(hits) == {"aliyun-zoloz": "face_liveness"}
    hits = match_sdks(dex_types=["Lcom/alipay/mobile/nebula/H5;"])
    assert _categories(hits) == {"mpaas": "other"}
    hits = match_sdks(dex_types=["Lkotlin/coroutines/Continuation;", "Lkotlin/Unit;"])
    assert {h.id for h in hits} == {"kotlin", "kotlin-coroutines"}


def test_evidence_names_packages_and_example_types() -> None:
    hits = match_sdks(
        dex_types=["Lcom/umeng/analytics/pro/a;", "Lcom/umeng/analytics/MobclickAgent;"]
        + [f"Lcom/umeng/analytics/p{i}/C;" for i in range(20)],
    )
    (hit,) = hits
    assert hit.id == "umeng-analytics"
    assert len(hit.evidence) == 5
    assert hit.evidence[0].source == "dex_package"
    assert hit.evidence[0].value == "com.umeng.analytics"
    assert hit.evidence[0].where == "Lcom/umeng/analytics/MobclickAgent;"


def test_native_libraries_exact_and_prefix() -> None:
    hits = match_sdks(
        native_libs=[
            "lib/arm64-v8a/libjiagu.so",
            "lib/armeabi-v7a/libAMapSDK_MAP_v9_6_0.so",
            "lib/arm64-v8a/libjcore300.so",
            "lib/arm64-v8a/libmyown.so",
        ],
    )
    assert _categories(hits) == {
        "qihoo360-jiagu": "security",
        "amap": "location_maps",
        "jpush": "push",
    }
    amap = next(h for h in hits if h.id == "amap")
    assert amap.evidence[0].value == "libAMapSDK_MAP_v9_6_0.so"
    assert amap.evidence[0].where == "lib/armeabi-v7a/libAMapSDK_MAP_v9_6_0.so"


def test_components_exact_prefix_and_package() -> None:
    hits = match_sdks(
        components=[
            "com.tencent.cloud.huiyansdkface.facelight.ui.FaceVerifyActivity",  # exact rule
            "com.bytedance.sdk.openadsdk.activity.TTRewardVideoActivity",  # prefix rule
            "com.igexin.sdk.PushService",  # package rule
            "com.example.gov.MainActivity",
        ],
    )
    assert _categories(hits) == {
        "tencent-faceid": "face_liveness",
        "pangle": "advertising",
        "getui": "push",
    }


def test_descriptor_package() -> None:
    assert descriptor_package("Lcom/a/b/C;") == "com.a.b"
    assert descriptor_package("[[Lcom/a/C;") == "com.a"
    assert descriptor_package("LTop;") is None
    assert descriptor_package("I") is None
    assert descriptor_package("com.a.b.C") == "com.a.b"


def test_js_modules() -> None:
    assert js_module_name("libs/qqmap-wx-jssdk.min.js") == "qqmap-wx-jssdk"
    hits = match_js_sdks(modules=["utils/umtrack-wx.js", "libs/qqmap-wx-jssdk.min.js", "a.js"])
    assert _categories(hits) == {
        "umeng-analytics": "analytics",
        "tencent-location": "location_maps",
    }


def test_load_catalogue_rejects_unknown_categories() -> None:
    text = "id,name,name_zh,vendor,category,match_on,match,pattern,source\nx,X,,,bogus,native_lib,exact,libx.so,me\n"
    try:
        load_catalogue(text)
    except ValueError as exc:
        assert "bogus" in str(exc)
    else:
        raise AssertionError("an unknown category must be rejected")


def test_parsed_tables_are_up_to_date_and_equal_the_csv_files() -> None:
    """``_tables.py`` (what the scanner loads) is generated from the two CSV files; it must be
    regenerated (``python -m govapp.scanner.tablegen``) whenever they change."""
    from govapp.scanner import _tables, tablegen
    from govapp.scanner.keywords import _default_keywords_tuple, load_keywords
    from govapp.scanner.sdk import load_catalogue, tables_catalogue

    assert tablegen.source_digests() == _tables.SOURCE_SHA256, "run govapp.scanner.tablegen"
    assert tablegen.main(["--check"]) == 0
    parsed, loaded = load_catalogue(), tables_catalogue()
    assert loaded.sdks == parsed.sdks
    assert loaded.rules == parsed.rules
    assert loaded.packages == parsed.packages
    assert loaded.exact == parsed.exact
    assert loaded.prefixes == parsed.prefixes
    assert list(_default_keywords_tuple()) == load_keywords()
