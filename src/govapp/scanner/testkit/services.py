"""Mini-programs and quick apps that use (or only seem to use) platform ad and payment services
and continuous location, for the scanner's tests: each function returns the files of a
project (relative path -> bytes), to be written with ``build_miniprogram_dir`` /
``build_miniprogram_zip`` (any project) or zipped as a quick-app source.  The "decoy" projects
hold the words and names without the real thing (comments, plain text, strings, one-shot
location)."""

from __future__ import annotations

import json
from typing import Any

from govapp.scanner.testkit.builders import default_quickapp_manifest


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _wechat_base(title: str) -> dict[str, bytes]:
    return {
        "app.json": _json(
            {"pages": ["pages/index/index"], "window": {"navigationBarTitleText": title}}
        ),
        "project.config.json": _json({"appid": "wx00000000000000aa", "projectname": "gov-mp"}),
        "app.js": b"App({})",
        "pages/index/index.json": b"{}",
    }


def wechat_ads_and_payment() -> dict[str, bytes]:
    """An ad component, a rewarded-video ad and WeChat Pay, nowhere named "广告"."""
    files = _wechat_base("办事大厅")
    files["pages/index/index.wxml"] = (
        b'<view class="banner">\n  <ad unit-id="adunit-0a1b2c3d" ad-intervals="30"></ad>\n</view>\n'
        b'<ad-custom unit-id="adunit-9f8e7d6c"/>\n'
    )
    files["pages/index/index.js"] = (
        b"let video = null\n"
        b"Page({\n"
        b"  onLoad() {\n"
        b"    if (wx.createRewardedVideoAd) {\n"
        b"      video = wx.createRewardedVideoAd({ adUnitId: 'adunit-11223344' })\n"
        b"    }\n"
        b"  },\n"
        b"  pay(order) { wx.requestPayment({ timeStamp: order.ts, package: order.pkg, paySign: order.sign }) }\n"
        b"})\n"
    )
    return files


def wechat_tracking() -> dict[str, bytes]:
    """Background location updates whose results are posted to a server: no word 轨迹."""
    files = _wechat_base("外勤助手")
    files["app.json"] = _json(
        {
            "pages": ["pages/index/index"],
            "requiredPrivateInfos": ["startLocationUpdateBackground", "onLocationChange"],
            "requiredBackgroundModes": ["location"],
        }
    )
    files["pages/index/index.wxml"] = "<view>外勤</view>".encode()
    files["pages/index/index.js"] = (
        b"Page({ onShow() { wx.startLocationUpdateBackground({ success: () => this.follow() }) },\n"
        b"  follow() { wx.onLocationChange(function (res) {\n"
        b"    wx.request({ url: 'https://api.example.gov.cn/points', method: 'POST',\n"
        b"                 data: { lat: res.latitude, lng: res.longitude } })\n"
        b"  }) } })\n"
    )
    return files


def wechat_decoys() -> dict[str, bytes]:
    """Names and words of ads, payment and location without the services themselves."""
    files = _wechat_base("通知公告")
    files["pages/index/index.wxml"] = (
        '<!-- <ad unit-id="adunit-old"></ad> 已下线 -->\n'
        '<view class="ad">本平台不含广告 (no ad)</view>\n'
        "<text>ad</text><adapter-view/>\n"
    ).encode()
    files["pages/index/index.js"] = (
        b"// wx.createRewardedVideoAd({ adUnitId: 'x' })  removed\n"
        b"/* wx.requestPayment({}) */\n"
        b"const help = 'call wx.createInterstitialAd( to show ads'\n"
        b"Page({ onLoad() { wx.getLocation({ type: 'gcj02', success: (r) => {\n"
        b"  wx.request({ url: 'https://api.example.gov.cn/weather', data: { lat: r.latitude } }) } }) },\n"
        b"  onShow() { wx.startLocationUpdate({}); wx.onLocationChange((r) => this.setData({ r })) } })\n"
    )
    return files


def alipay_ads_and_payment() -> dict[str, bytes]:
    return {
        "app.json": _json({"pages": ["pages/index/index"], "window": {"defaultTitle": "缴费"}}),
        "mini.project.json": _json({"format": 2, "compileType": "mini"}),
        "app.js": b"App({})",
        "pages/index/index.axml": b'<view><ad unit-id="ad_tiny_2021000000000001_202401"/></view>',
        "pages/index/index.js": (
            b"Page({ onLoad() { this.ad = my.createRewardedAd({ adUnitId: 'ad_tiny_x' }) },\n"
            b"  pay(no) { my.tradePay({ tradeNO: no }) } })\n"
        ),
    }


def quickapp_source(
    pages: dict[str, str], *, features: list[str] | None = None, background: list[str] | None = None
) -> dict[str, bytes]:
    """A quick-app source project (``src/manifest.json`` and the given ``src/`` files)."""
    manifest = default_quickapp_manifest()
    manifest["features"] = [{"name": f} for f in (features or ["system.fetch"])]
    manifest["config"] = {"background": {"features": background or []}}
    manifest["router"] = {"entry": "Home", "pages": {"Home": {"component": "index"}}}
    files = {"src/manifest.json": _json(manifest), "package.json": b'{"name": "gov-quickapp"}'}
    files.update({f"src/{name}": text.encode() for name, text in pages.items()})
    return files


def quickapp_ads_and_payment() -> dict[str, bytes]:
    """service.ad and service.wxpay features and an ``<ad>`` component."""
    page = (
        '<template>\n  <div><ad type="native" adid="1234567"></ad><text>办事指南</text></div>\n'
        "</template>\n<script>\nimport ad from '@service.ad'\nimport wxpay from '@service.wxpay'\n"
        "export default { onShow() { ad.createNativeAd({ adUnitId: '1234567' }) },\n"
        "  pay(o) { wxpay.pay({ prepayid: o.id }) } }\n</script>\n"
    )
    return quickapp_source(
        {"Home/index.ux": page}, features=["system.fetch", "service.ad", "service.wxpay"]
    )


def quickapp_tracking() -> dict[str, bytes]:
    """``geolocation.subscribe`` whose callback posts each position."""
    page = (
        "<template><div><text>巡查</text></div></template>\n<script>\n"
        "import geolocation from '@system.geolocation'\nimport fetch from '@system.fetch'\n"
        "export default { onShow() { geolocation.subscribe({ callback(ret) {\n"
        "  fetch.fetch({ url: 'https://api.example.gov.cn/p', method: 'POST', data: ret }) } }) } }\n"
        "</script>\n"
    )
    return quickapp_source(
        {"Home/index.ux": page},
        features=["system.fetch", "system.geolocation"],
        background=["system.geolocation"],
    )


QUICKAPP_TRACKING_RPK_JS = (
    "var g=$app_require$('@app-module/system.geolocation');"
    "var f=$app_require$('@app-module/system.fetch');"
    "module.exports={onShow:function(){g.subscribe({callback:function(r){"
    "f.fetch({url:'https://api.example.gov.cn/p',method:'POST',data:r})}})}};"
)


def quickapp_decoys() -> dict[str, bytes]:
    """Ad words in text and comments, a commented-out ad import, one-shot location + fetch."""
    page = (
        '<template>\n  <!-- <ad type="native" adid="1"></ad> -->\n'
        '  <div class="ad"><text>广告与推广合作请联系办公室</text></div>\n</template>\n'
        "<script>\n// import ad from '@service.ad'\n"
        "import geolocation from '@system.geolocation'\nimport fetch from '@system.fetch'\n"
        "export default { onShow() { geolocation.getLocation({ success(r) {\n"
        "  fetch.fetch({ url: 'https://api.example.gov.cn/weather', data: r }) } }) } }\n"
        "</script>\n"
    )
    other = (
        "<template><div></div></template>\n<script>\n"
        "import geolocation from '@system.geolocation'\n"
        "export default { onShow() { geolocation.subscribe({ callback(r) { this.pos = r } }) } }\n"
        "</script>\n"
    )
    return quickapp_source(
        {"Home/index.ux": page, "Map/index.ux": other},
        features=["system.fetch", "system.geolocation"],
    )
