"""Platform ad and payment services and location tracking in mini-programs, quick apps and APKs
(packages built by the testkit, the way hidden test packages are written)."""

from __future__ import annotations

from pathlib import Path

from govapp.scanner import scan_path
from govapp.scanner.facts import ScanResult
from govapp.scanner.sources import strip_js_comments, strip_markup_comments
from govapp.scanner.testkit import build_apk
from govapp.scanner.testkit.builders import build_miniprogram_dir, build_miniprogram_zip, build_rpk
from govapp.scanner.testkit.services import (
    QUICKAPP_TRACKING_RPK_JS,
    alipay_ads_and_payment,
    quickapp_ads_and_payment,
    quickapp_decoys,
    quickapp_tracking,
    wechat_ads_and_payment,
    wechat_decoys,
    wechat_tracking,
)


def _sdks(r: ScanResult) -> dict[str, tuple[str, set[tuple[str, str, str]]]]:
    return {s.id: (s.category, {(e.source, e.value, e.where) for e in s.evidence}) for s in r.sdks}


def _tracking(r: ScanResult) -> set[tuple[str, str, str]]:
    for c in r.capability_evidence:
        if c.id == "location-tracking":
            return {(e.source, e.value, e.where) for e in c.evidence}
    return set()


def test_wechat_ad_components_and_apis_and_payment(tmp_path: Path) -> None:
    build_miniprogram_dir(tmp_path / "wx", wechat_ads_and_payment())
    r = scan_path(tmp_path / "wx")
    sdks = _sdks(r)
    assert sdks["wechat-miniprogram-ads"] == (
        "advertising",
        {
            ("api_call", "wx.createRewardedVideoAd", "pages/index/index.js"),
            ("markup_component", "<ad>", "pages/index/index.wxml"),
            ("markup_component", "<ad-custom>", "pages/index/index.wxml"),
        },
    )
    assert sdks["wechat-miniprogram-pay"] == (
        "payment",
        {("api_call", "wx.requestPayment", "pages/index/index.js")},
    )
    assert "location-tracking" not in r.capabilities


def test_alipay_ads_and_trade_pay_in_a_zip(tmp_path: Path) -> None:
    build_miniprogram_zip(tmp_path / "ali.zip", alipay_ads_and_payment(), prefix="dist/")
    r = scan_path(tmp_path / "ali.zip")
    assert r.kind == "alipay-miniprogram"
    sdks = _sdks(r)
    assert sdks["alipay-miniprogram-ads"] == (
        "advertising",
        {
            ("api_call", "my.createRewardedAd", "dist/pages/index/index.js"),
            ("markup_component", "<ad>", "dist/pages/index/index.axml"),
        },
    )
    assert sdks["alipay-miniprogram-pay"][0] == "payment"


def test_wechat_tracking_without_the_word(tmp_path: Path) -> None:
    build_miniprogram_dir(tmp_path / "t", wechat_tracking())
    r = scan_path(tmp_path / "t")
    assert "location-tracking" in r.capabilities
    assert _tracking(r) == {
        ("api_call", "wx.startLocationUpdateBackground", "pages/index/index.js"),
        ("api_call", "wx.onLocationChange", "pages/index/index.js"),
        ("api_call", "wx.request", "pages/index/index.js"),
    }
    assert not [k for k in r.keywords if k.practice == "track"]


def test_wechat_decoys_are_neither_ads_nor_payment_nor_tracking(tmp_path: Path) -> None:
    build_miniprogram_dir(tmp_path / "d", wechat_decoys())
    r = scan_path(tmp_path / "d")
    assert not [s for s in r.sdks if s.category in ("advertising", "payment")], r.sdks
    # continuous updates that only stay on the page, and a one-shot location sent for weather
    assert "location-tracking" not in r.capabilities
    assert "wx.createRewardedVideoAd" not in r.api_calls  # commented out
    assert "wx.createInterstitialAd" not in r.api_calls  # only named in a string
    assert "wx.getLocation" in r.api_calls


def test_handler_named_by_reference_is_followed(tmp_path: Path) -> None:
    files = wechat_tracking()
    files["pages/index/index.js"] = (
        b"Page({ onShow() { wx.startLocationUpdate({}); wx.onLocationChange(this.onMove) },\n"
        b"  onMove(res) { wx.uploadFile({ url: 'https://x.gov.cn/u', filePath: res.f }) } })\n"
    )
    build_miniprogram_dir(tmp_path / "m", files)
    r = scan_path(tmp_path / "m")
    assert ("api_call", "wx.uploadFile", "pages/index/index.js") in _tracking(r)


def test_quickapp_ad_and_pay_services(tmp_path: Path) -> None:
    build_miniprogram_zip(tmp_path / "qa.zip", quickapp_ads_and_payment())
    r = scan_path(tmp_path / "qa.zip")
    assert r.kind == "quickapp"
    sdks = _sdks(r)
    category, evidence = sdks["quickapp-ads"]
    assert category == "advertising"
    assert ("feature", "service.ad", "src/manifest.json") in evidence
    assert ("markup_component", "<ad>", "src/Home/index.ux") in evidence
    assert sdks["quickapp-pay"] == (
        "payment",
        {("feature", "service.wxpay", "src/manifest.json")},
    )


def test_quickapp_ad_service_imported_but_not_declared(tmp_path: Path) -> None:
    manifest = {
        "package": "cn.gov.q",
        "name": "q",
        "versionName": "1",
        "versionCode": 1,
        "features": [{"name": "system.fetch"}],
    }
    build_rpk(
        tmp_path / "a.rpk",
        manifest=manifest,
        js="var a=$app_require$('@app-module/service.ad');a.createBannerAd({});",
    )
    r = scan_path(tmp_path / "a.rpk")
    assert _sdks(r)["quickapp-ads"] == (
        "advertising",
        {("feature", "service.ad", "Home/index.js")},
    )


def test_quickapp_tracking_source_and_compiled(tmp_path: Path) -> None:
    build_miniprogram_dir(tmp_path / "src", quickapp_tracking())
    r = scan_path(tmp_path / "src")
    assert _tracking(r) == {
        ("api_call", "system.geolocation.subscribe", "src/Home/index.ux"),
        ("api_call", "system.fetch.fetch", "src/Home/index.ux"),
    }
    build_rpk(tmp_path / "t.rpk", js=QUICKAPP_TRACKING_RPK_JS)
    r = scan_path(tmp_path / "t.rpk")
    assert {v for _, v, _ in _tracking(r)} == {"system.geolocation.subscribe", "system.fetch.fetch"}


def test_quickapp_decoys(tmp_path: Path) -> None:
    build_miniprogram_dir(tmp_path / "d", quickapp_decoys())
    r = scan_path(tmp_path / "d")
    assert not [s for s in r.sdks if s.category in ("advertising", "payment")], r.sdks
    assert "location-tracking" not in r.capabilities
    assert "service.ad" not in r.api_calls  # the import is commented out


def test_android_continuous_location_sent_onwards(tmp_path: Path) -> None:
    methods = (
        "Landroid/location/LocationManager;->requestLocationUpdates",
        "Lokhttp3/OkHttpClient;->newCall",
    )
    bg = (
        "android.permission.ACCESS_FINE_LOCATION",
        "android.permission.ACCESS_BACKGROUND_LOCATION",
        "android.permission.INTERNET",
    )
    apk = build_apk(tmp_path / "t.apk", permissions=bg, dex_methods=methods).path
    r = scan_path(apk)
    assert _tracking(r) == {
        ("method_ref", "Landroid/location/LocationManager;->requestLocationUpdates", "classes.dex"),
        ("method_ref", "Lokhttp3/OkHttpClient;->newCall", "classes.dex"),
    }
    # no background location: a map following the user in the foreground
    fg = build_apk(tmp_path / "f.apk", permissions=bg[:1], dex_methods=methods).path
    assert "location-tracking" not in scan_path(fg).capabilities
    # one-shot location only
    once = build_apk(
        tmp_path / "o.apk",
        permissions=bg,
        dex_methods=(
            "Landroid/location/LocationManager;->getLastKnownLocation",
            "Lokhttp3/OkHttpClient;->newCall",
        ),
    ).path
    assert "location-tracking" not in scan_path(once).capabilities


def test_comment_stripping_keeps_urls_and_positions() -> None:
    js = "var u = 'https://x.gov.cn/a'; // wx.request()\n/* a\n b */ wx.login()"
    out = strip_js_comments(js)
    assert "https://x.gov.cn/a" in out and "wx.request" not in out and "wx.login()" in out
    assert len(out) == len(js) and out.count("\n") == js.count("\n")
    assert "x.gov" not in strip_js_comments(js, strings=True)
    assert strip_markup_comments("<!-- <ad/> --><view/>").strip() == "<view/>"
