"""What the JavaScript and markup of a mini-program or quick app *does*: the platform APIs it
calls (per file), the platform services it uses (advertising and payment components, APIs and
quick-app ``service.*`` features) and continuous location that is sent onwards (tracking).

Comments are removed before anything is looked for (``// wx.createRewardedVideoAd()`` and
``<!-- <ad unit-id="..."/> -->`` are not ads), API calls are not looked for inside string
literals, and markup components are recognised only as tags, so the word "ad" or 广告 in plain
text, in a string or in a comment is never an advertising service.

Sources of the names:

* WeChat: ad components ``<ad>`` / ``<ad-custom>``
  (https://developers.weixin.qq.com/miniprogram/dev/component/ad.html), ``wx.createRewardedVideoAd``
  / ``wx.createInterstitialAd`` (https://developers.weixin.qq.com/miniprogram/dev/api/ad/),
  ``wx.requestPayment`` / ``wx.requestOrderPayment`` (.../dev/api/payment/), continuous location
  ``wx.startLocationUpdate(Background)`` + ``wx.onLocationChange`` (.../dev/api/location/).
* Alipay: ``<ad>`` (https://opendocs.alipay.com/mini/component/ad), ``my.createRewardedAd`` /
  ``my.createInterstitialAd`` (https://opendocs.alipay.com/mini/api/create-rewarded-ad),
  ``my.tradePay`` (https://opendocs.alipay.com/mini/api/openapi-pay).
* Quick apps: ``service.ad`` (https://doc.quickapp.cn/features/service/ad.html), the ``<ad>``
  component (https://doc.quickapp.cn/widgets/ad.html), ``service.pay`` / ``service.wxpay`` /
  ``service.alipay`` (https://doc.quickapp.cn/features/service/pay.html),
  ``geolocation.subscribe`` (https://doc.quickapp.cn/features/system/geolocation.html) and the
  network modules ``system.fetch`` / ``system.request`` / ``system.websocketfactory``.

The services themselves are rows of the SDK catalogue (``match_on`` = ``platform_service``,
pattern ``<platform>:<api|markup|feature>:<name>``), so they are reported in ``sdks`` with the
category advertising or payment, like any advertising or payment SDK.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from govapp.scanner.facts import Capability, Evidence, SdkHit
from govapp.scanner.sdk import Catalogue, SdkInfo, catalogue, hits_from

Platform = Literal["wechat", "alipay", "quickapp"]

TRACKING = "location-tracking"

# -- comments --------------------------------------------------------------------------------

_JS_TOKENS = re.compile(
    r"""//[^\n]*|/\*.*?(?:\*/|\Z)|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`""",
    re.DOTALL,
)
_MARKUP_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)


def _blank(text: str) -> str:
    """Spaces instead of the text, newlines kept (positions and line numbers stay valid)."""
    return re.sub(r"[^\n]", " ", text)


def strip_js_comments(text: str, *, strings: bool = False) -> str:
    """``text`` with ``//`` and ``/* */`` comments blanked out (a ``//`` inside a URL string is
    not a comment); with ``strings`` the contents of string literals are blanked too (text that
    merely names an API is not a call of it)."""
    if "/" not in text and not strings:
        return text

    def repl(m: re.Match[str]) -> str:
        token = m.group(0)
        if token[0] == "/":
            return _blank(token)
        return token[0] + _blank(token[1:-1]) + token[-1] if strings else token

    return _JS_TOKENS.sub(repl, text)


def strip_markup_comments(text: str) -> str:
    return _MARKUP_COMMENT.sub(lambda m: _blank(m.group(0)), text) if "<!--" in text else text


# -- what the code calls ---------------------------------------------------------------------

MP_PREFIXES = ("wx", "my")  # WeChat, Alipay
_MP_CALL = re.compile(r"(?<![\w$.])(" + "|".join(MP_PREFIXES) + r")\s*\.\s*([A-Za-z_$][\w$]*)\s*\(")
# ``import geo from '@system.geolocation'``, ``const geo = require('@system.geolocation')``,
# ``var g = $app_require$('@app-module/system.geolocation')``
_QA_BINDING = re.compile(
    r"""(?:import\s+([A-Za-z_$][\w$]*)\s+from\s*|(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*"""
    r"""(?:require|\$app_require\$)\s*\(\s*)['"]@(?:app-module/)?((?:system|service)\.[\w.]+)['"]"""
)
_QA_DIRECT = re.compile(
    r"""(?:require|\$app_require\$)\s*\(\s*['"]@(?:app-module/)?((?:system|service)\.[\w.]+)['"]"""
    r"""\s*\)\s*\.\s*([A-Za-z_$][\w$]*)\s*\("""
)
_QA_CALL = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*\.\s*([A-Za-z_$][\w$]*)\s*\(")
_TAG = re.compile(r"<([A-Za-z][\w-]*)(?=[\s/>])")
_AD_TAGS = frozenset({"ad", "ad-custom"})

# Continuous location and sending onwards.
_MP_SUBSCRIBE = frozenset({"startLocationUpdate", "startLocationUpdateBackground"})
_MP_CHANGE = "onLocationChange"
_MP_SEND = frozenset(
    {"request", "uploadFile", "connectSocket", "sendSocketMessage", "httpRequest", "sendBeacon"}
)
_QA_SUBSCRIBE = "system.geolocation.subscribe"
_QA_SEND_MODULES = ("system.fetch.", "system.request.", "system.websocketfactory.")


_MAX_HANDLER = 20_000  # characters of a callback searched for what it sends


def _argument(code: str, open_paren: int) -> str:
    """The text between the parenthesis at ``open_paren`` and its match (strings and comments
    must already be blanked), at most ``_MAX_HANDLER`` characters."""
    depth = 0
    end = min(len(code), open_paren + _MAX_HANDLER)
    for i in range(open_paren, end):
        ch = code[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return code[open_paren + 1 : i]
    return code[open_paren + 1 : end]


def _handler_body(code: str, argument: str) -> str:
    """The code a callback argument runs: the argument itself, plus the body of the function
    it names (``wx.onLocationChange(this.onMove)`` -> the body of ``onMove``)."""
    name = argument.strip().rsplit(".", 1)[-1]
    if not re.fullmatch(r"[A-Za-z_$][\w$]*", name):
        return argument
    m = re.search(
        r"(?<![\w$.])" + re.escape(name) + r"\s*(?::\s*function\s*|=\s*(?:function\s*)?)?\(",
        code,
    )
    if m is None:
        return argument
    brace = code.find("{", m.end())
    if brace < 0:
        return argument
    depth = 0
    for i in range(brace, min(len(code), brace + _MAX_HANDLER)):
        if code[i] == "{":
            depth += 1
        elif code[i] == "}":
            depth -= 1
            if depth == 0:
                return argument + " " + code[brace : i + 1]
    return argument


@dataclass
class CodeFacts:
    """Calls and tags found in the sources, each with the first file it was found in."""

    calls: dict[str, str] = field(default_factory=dict)  # "wx.request" -> where
    tags: dict[str, str] = field(default_factory=dict)  # "ad" -> where
    prefix_counts: dict[str, int] = field(default_factory=dict)  # "wx" -> number of calls
    # location updates handed on: (subscription or change call, send call, where)
    sent_locations: list[tuple[str, str, str]] = field(default_factory=list)

    def _call(self, name: str, where: str) -> None:
        self.calls.setdefault(name, where)

    def add_js(self, text: str, where: str) -> None:
        """Mini-program API calls (``wx.x(``, ``my.x(``) in one script, and what the handlers
        of ``onLocationChange`` send onwards."""
        code = strip_js_comments(text, strings=True)
        for m in _MP_CALL.finditer(code):
            prefix, api = m.group(1), m.group(2)
            self._call(f"{prefix}.{api}", where)
            self.prefix_counts[prefix] = self.prefix_counts.get(prefix, 0) + 1
            if api != _MP_CHANGE:
                continue
            body = _handler_body(code, _argument(code, m.end() - 1))
            for sent in _MP_CALL.finditer(body):
                if sent.group(2) in _MP_SEND:
                    send = f"{sent.group(1)}.{sent.group(2)}"
                    self.sent_locations.append((f"{prefix}.{api}", send, where))
                    break

    def add_quickapp_js(self, text: str, where: str) -> None:
        """Quick-app feature calls (``geolocation.subscribe(`` -> ``system.geolocation.subscribe``)
        through the names the script binds the ``@system.*`` / ``@service.*`` modules to, and
        what the callbacks of ``geolocation.subscribe`` send onwards."""
        bound: dict[str, str] = {}
        for m in _QA_BINDING.finditer(strip_js_comments(text)):
            bound[m.group(1) or m.group(2)] = m.group(3)
        for m in _QA_DIRECT.finditer(strip_js_comments(text)):
            self._call(f"{m.group(1)}.{m.group(2)}", where)
        if not bound:
            return
        code = strip_js_comments(text, strings=True)
        for m in _QA_CALL.finditer(code):
            module = bound.get(m.group(1))
            if module is None:
                continue
            call = f"{module}.{m.group(2)}"
            self._call(call, where)
            if call != _QA_SUBSCRIBE:
                continue
            body = _handler_body(code, _argument(code, m.end() - 1))
            for sent in _QA_CALL.finditer(body):
                target = bound.get(sent.group(1))
                if target is not None and f"{target}.".startswith(_QA_SEND_MODULES):
                    self.sent_locations.append((call, f"{target}.{sent.group(2)}", where))
                    break

    def add_markup(self, text: str, where: str) -> None:
        """Component tags in one page's markup (``.wxml``, ``.axml``, the template of a ``.ux``)."""
        if "<" not in text:
            return
        for m in _TAG.finditer(strip_markup_comments(text)):
            self.tags.setdefault(m.group(1).lower(), where)


def split_ux(text: str) -> tuple[str, str]:
    """The markup and the script of a quick-app ``.ux`` page."""
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", text, flags=re.DOTALL | re.IGNORECASE)
    markup = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", text, flags=re.DOTALL | re.IGNORECASE)
    return markup, "\n".join(scripts)


# -- platform services -----------------------------------------------------------------------


def _platform_of(call: str) -> Platform | None:
    if call.startswith("wx."):
        return "wechat"
    if call.startswith("my."):
        return "alipay"
    return None


def platform_services(
    platform: Platform,
    code: CodeFacts,
    *,
    features: Iterable[tuple[str, str]] = (),
    cat: Catalogue | None = None,
) -> list[SdkHit]:
    """Advertising and payment services used by the sources, as SDK hits.

    ``features``: quick-app ``(feature name, where)`` pairs (declared in the manifest or
    imported by the code)."""
    c = cat or catalogue()
    table = c.exact.get("platform_service", {})
    found: list[tuple[SdkInfo, str, str, str]] = []
    for call, where in sorted(code.calls.items()):
        call_platform = _platform_of(call)
        if call_platform is None:
            continue
        sdk = table.get(f"{call_platform}:api:{call.split('.', 1)[1]}")
        if sdk is not None:
            found.append((sdk, "api_call", call, where))
    tag_platform = platform
    for tag, where in sorted(code.tags.items()):
        sdk = table.get(f"{tag_platform}:markup:{tag}") if tag in _AD_TAGS else None
        if sdk is not None:
            found.append((sdk, "markup_component", f"<{tag}>", where))
    for name, where in dict.fromkeys(features):  # in the order given: the manifest first
        sdk = table.get(f"quickapp:feature:{name}")
        if sdk is not None:
            found.append((sdk, "feature", name, where))
    return hits_from(found)


# -- tracking --------------------------------------------------------------------------------


def miniprogram_tracking(code: CodeFacts) -> list[Capability]:
    """``location-tracking`` when the code subscribes to continuous location
    (``startLocationUpdate`` / ``startLocationUpdateBackground``) and a handler of the updates
    (``onLocationChange``) sends data onwards (``request``, ``uploadFile``, sockets).  A one-shot
    ``getLocation`` is not tracking, nor are updates that stay on the page."""
    starts = [
        (call, where)
        for call, where in sorted(code.calls.items())
        if call.split(".", 1)[1] in _MP_SUBSCRIBE
    ]
    if not starts or not code.sent_locations:
        return []
    evidence = [Evidence(source="api_call", value=c, where=w) for c, w in starts]
    change, send, where = code.sent_locations[0]
    evidence.append(Evidence(source="api_call", value=change, where=where))
    evidence.append(Evidence(source="api_call", value=send, where=where))
    return [Capability(id=TRACKING, evidence=evidence)]


def quickapp_tracking(code: CodeFacts) -> list[Capability]:
    """``location-tracking`` when the callback of ``geolocation.subscribe`` sends data
    (``system.fetch`` / ``system.request`` / ``system.websocketfactory``).  A one-shot
    ``geolocation.getLocation`` is not tracking, nor are updates that stay on the page."""
    if not code.sent_locations:
        return []
    call, send, where = code.sent_locations[0]
    return [
        Capability(
            id=TRACKING,
            evidence=[
                Evidence(source="api_call", value=call, where=where),
                Evidence(source="api_call", value=send, where=where),
            ],
        )
    ]
