"""Builders of realistic non-APK packages for the scanner's tests: AAB, HAP/.app, RPK and quick-app
sources, WeChat/Alipay mini-programs (directories and ZIPs) and IPA.

Every builder writes real structures: the AAB manifest is an ``aapt.pb.XmlNode`` protobuf, the
HAP carries a HarmonyOS signing block with a PKCS#7 SignedData made by ``cryptography``, the RPK an
APK-v2-style signing block, the IPA a binary ``Info.plist`` and an ``embedded.mobileprovision`` CMS
whose content is the provisioning plist.  Certificates are generated (and cached) by
:func:`govapp.scanner.testkit.apk.make_signing_key`.
"""

from __future__ import annotations

import hashlib
import io
import json
import plistlib
import struct
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govapp.scanner.testkit.apk import (
    SigningKey,
    _signing_block,
    _v1_files,
    _v2_block,
    build_dex,
    make_signing_key,
)

ANDROID_NS = "http://schemas.android.com/apk/res/android"


# -- ZIP helpers -----------------------------------------------------------------------------


def zip_bytes(files: Mapping[str, bytes], *, stored: Iterable[str] = ()) -> bytes:
    """A ZIP archive (deflated, except the names in ``stored``) with entries in the given order."""
    keep = set(stored)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            method = zipfile.ZIP_STORED if name in keep else zipfile.ZIP_DEFLATED
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data, method)
    return buf.getvalue()


def insert_before_central_directory(archive: bytes, block: bytes) -> bytes:
    """Splice ``block`` between the entries and the central directory (no ZIP comment allowed)."""
    eocd = archive.rfind(b"PK\x05\x06")
    if eocd < 0:
        raise ValueError("not a ZIP archive")
    (cd_offset,) = struct.unpack_from("<I", archive, eocd + 16)
    out = bytearray(archive[:cd_offset] + block + archive[cd_offset:])
    struct.pack_into("<I", out, eocd + len(block) + 16, cd_offset + len(block))
    return bytes(out)


def pkcs7_sign(content: bytes, key: SigningKey, *, detached: bool) -> bytes:
    """A DER PKCS#7 SignedData over ``content`` with the signer's certificate embedded."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7

    options = [pkcs7.PKCS7Options.Binary]
    if detached:
        options.append(pkcs7.PKCS7Options.DetachedSignature)
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(content)
        .add_signer(key.certificate, key.private_key, hashes.SHA256())
        .sign(serialization.Encoding.DER, options)
    )


# -- AAB (protobuf manifest) -----------------------------------------------------------------


def _pb_varint(n: int) -> bytes:
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def pb_field(num: int, value: bytes | str | int) -> bytes:
    """One protobuf field: an int as a varint, bytes/str as length-delimited."""
    if isinstance(value, int):
        return _pb_varint(num << 3) + _pb_varint(value)
    raw = value.encode("utf-8") if isinstance(value, str) else value
    return _pb_varint((num << 3) | 2) + _pb_varint(len(raw)) + raw


@dataclass
class PbNode:
    """An XML element to encode as ``aapt.pb.XmlNode``; ``attrs`` values: str, int or bool
    (ints and bools become compiled primitives, as aapt2 does for versionCode/exported)."""

    name: str
    attrs: dict[str, str | int | bool] = field(default_factory=dict)
    children: list[PbNode] = field(default_factory=list)


def encode_pb_xml(node: PbNode, *, root: bool = True) -> bytes:
    """``XmlNode{element=1: XmlElement{namespace_declaration=1, name=3, attribute=4, child=5}}``."""
    el = b""
    if root:
        el += pb_field(1, pb_field(1, "android") + pb_field(2, ANDROID_NS))
    el += pb_field(3, node.name)
    for key, value in node.attrs.items():
        ns, _, name = key.rpartition(":")
        attr = b""
        if ns == "android":
            attr += pb_field(1, ANDROID_NS)
        attr += pb_field(2, name)
        if isinstance(value, bool):
            attr += pb_field(3, "true" if value else "false")
            prim = pb_field(8, int(value))
            attr += pb_field(6, pb_field(7, prim))
        elif isinstance(value, int):
            prim = pb_field(6, value)
            attr += pb_field(6, pb_field(7, prim))
        else:
            attr += pb_field(3, value)
        el += pb_field(4, attr)
    for child in node.children:
        el += pb_field(5, encode_pb_xml(child, root=False))
    return pb_field(1, el)


def aab_manifest(
    *,
    package: str,
    version_code: int,
    version_name: str,
    label: str | None,
    min_sdk: int,
    target_sdk: int,
    permissions: Sequence[str],
    components: Sequence[tuple[str, str, bool | None]],
) -> PbNode:
    app = PbNode("application", {"android:label": label} if label else {})
    for kind, name, exported in components:
        attrs: dict[str, str | int | bool] = {"android:name": name}
        if exported is not None:
            attrs["android:exported"] = exported
        app.children.append(PbNode(kind, attrs))
    root = PbNode(
        "manifest",
        {
            "package": package,
            "android:versionCode": version_code,
            "android:versionName": version_name,
        },
    )
    root.children.append(
        PbNode(
            "uses-sdk", {"android:minSdkVersion": min_sdk, "android:targetSdkVersion": target_sdk}
        )
    )
    root.children.extend(PbNode("uses-permission", {"android:name": p}) for p in permissions)
    root.children.append(app)
    return root


DEFAULT_AAB_METHODS = (
    "Landroid/location/LocationManager;->requestLocationUpdates",
    "Lcom/qq/e/ads/banner2/UnifiedBannerView;->loadAD",
    "Lcom/igexin/sdk/PushManager;->initialize",
)


def build_aab(
    path: Path,
    *,
    package: str = "cn.gov.example.bundle",
    version_code: int = 42,
    version_name: str = "2.1.0",
    label: str | None = "政务示例",
    min_sdk: int = 24,
    target_sdk: int = 34,
    permissions: Sequence[str] = (
        "android.permission.ACCESS_FINE_LOCATION",
        "android.permission.CAMERA",
    ),
    components: Sequence[tuple[str, str, bool | None]] = (
        ("activity", ".MainActivity", True),
        ("service", "com.igexin.sdk.PushService", False),
    ),
    dex_strings: Sequence[str] = ("请每日上班打卡",),
    methods: Sequence[str] = DEFAULT_AAB_METHODS,
    native_libs: Sequence[str] = ("base/lib/arm64-v8a/libjiagu.so",),
    assets: Mapping[str, bytes] | None = None,
    sign: bool = True,
    manifest: bytes | None = None,
) -> SigningKey | None:
    """Write an .aab; returns the v1 signing key (None when unsigned)."""
    files: dict[str, bytes] = {}
    files["base/manifest/AndroidManifest.xml"] = (
        manifest
        if manifest is not None
        else encode_pb_xml(
            aab_manifest(
                package=package,
                version_code=version_code,
                version_name=version_name,
                label=label,
                min_sdk=min_sdk,
                target_sdk=target_sdk,
                permissions=permissions,
                components=components,
            )
        )
    )
    files["base/dex/classes.dex"] = build_dex(strings=dex_strings, methods=methods)
    for lib in native_libs:
        files[lib] = b"\x7fELF" + b"\x00" * 60
    for name, data in (
        assets or {"base/assets/www/index.html": "<p>积分排名</p>".encode()}
    ).items():
        files[name] = data
    files["BundleConfig.pb"] = pb_field(1, pb_field(1, "1.15.6"))
    key = None
    if sign:
        key = make_signing_key(common_name="govapp aab signer")
        digests = {n: hashlib.sha256(d).digest() for n, d in files.items()}
        files.update(_v1_files(digests, key))
    path.write_bytes(zip_bytes(files))
    return key


# -- HarmonyOS HAP and .app ------------------------------------------------------------------

HAP_MAGIC_LO = 7451613641622775868
HAP_MAGIC_HI = 4497797983070462062
HAP_SIGN_BLOB = 0x20000000
HAP_PROFILE_BLOB = 0x20000002


def hap_signing_block(blocks: Sequence[tuple[int, bytes]], *, version: int = 3) -> bytes:
    """Sub-block heads (type, length, offset), their data, then the 32-byte head
    (blockCount, size, magic lo/hi, version), as OpenHarmony's hapsigner writes it."""
    heads = b""
    data = b""
    offset = 12 * len(blocks)
    for kind, value in blocks:
        heads += struct.pack("<III", kind, len(value), offset + len(data))
        data += value
    size = len(heads) + len(data) + 32
    tail = struct.pack("<iqqqi", len(blocks), size, HAP_MAGIC_LO, HAP_MAGIC_HI, version)
    return heads + data + tail


def default_module_json(
    bundle_name: str = "cn.gov.example.harmony",
    *,
    version_code: int = 1000000,
    version_name: str = "1.0.0",
    label: str = "政务鸿蒙示例",
    module_name: str = "entry",
    module_type: str = "entry",
) -> dict[str, Any]:
    return {
        "app": {
            "bundleName": bundle_name,
            "vendor": "example",
            "versionCode": version_code,
            "versionName": version_name,
            "label": label,
            "minAPIVersion": 50000012,
            "targetAPIVersion": 50000012,
            "apiReleaseType": "Release",
        },
        "module": {
            "name": module_name,
            "type": module_type,
            "mainElement": "EntryAbility",
            "deviceTypes": ["phone"],
            "requestPermissions": [
                {"name": "ohos.permission.INTERNET"},
                {"name": "ohos.permission.LOCATION", "reason": "$string:location_reason"},
                {"name": "ohos.permission.APPROXIMATELY_LOCATION"},
                {"name": "ohos.permission.LOCATION_IN_BACKGROUND", "reason": "外勤轨迹"},
                {"name": "ohos.permission.CAMERA"},
            ],
            "abilities": [
                {
                    "name": "EntryAbility",
                    "srcEntry": "./ets/entryability/EntryAbility.ets",
                    "exported": True,
                    "backgroundModes": ["location"],
                }
            ],
            "extensionAbilities": [{"name": "EntryFormAbility", "type": "form", "exported": False}],
        },
    }


def build_hap(
    path: Path | None = None,
    *,
    module_json: Mapping[str, Any] | None = None,
    abc_strings: Sequence[str] = ("定位打卡", "uploadTrack"),
    native_libs: Sequence[str] = ("libs/arm64-v8a/libAMapSDK_MAP_v9_8_0.so",),
    rawfiles: Mapping[str, bytes] | None = None,
    sign: bool = True,
    signer: str = "govapp hap signer",
    raw_module_json: bytes | None = None,
) -> bytes:
    """A .hap (returned, and written to ``path`` when given)."""
    files: dict[str, bytes] = {}
    files["module.json"] = (
        raw_module_json
        if raw_module_json is not None
        else json.dumps(module_json or default_module_json(), ensure_ascii=False).encode()
    )
    files["resources.index"] = b"\x00" * 64
    abc = b"PANDA\x00\x00\x00" + b"\x00".join(s.encode() for s in abc_strings) + b"\x00"
    files["ets/modules.abc"] = abc
    for lib in native_libs:
        files[lib] = b"\x7fELF" + b"\x00" * 60
    for name, data in (rawfiles or {"resources/rawfile/index.html": b"<p>ok</p>"}).items():
        files[name] = data
    archive = zip_bytes(files)
    if sign:
        key = make_signing_key(common_name=signer)
        profile_key = make_signing_key(common_name="govapp harmony profile ca")
        signature = pkcs7_sign(hashlib.sha256(archive).digest(), key, detached=True)
        profile = pkcs7_sign(
            b'{"version-name":"2.0.0","type":"release"}', profile_key, detached=False
        )
        block = hap_signing_block([(HAP_SIGN_BLOB, signature), (HAP_PROFILE_BLOB, profile)])
        archive = insert_before_central_directory(archive, block)
    if path is not None:
        path.write_bytes(archive)
    return archive


def build_app(
    path: Path,
    *,
    haps: Mapping[str, bytes] | None = None,
    bundle_name: str = "cn.gov.example.harmony",
    version_code: int = 1000000,
    version_name: str = "1.0.0",
    pack_info: bytes | None = None,
) -> None:
    """A HarmonyOS .app: the .hap files (stored) and ``pack.info``."""
    if haps is None:
        feature = default_module_json(module_name="feature", module_type="feature")
        feature["module"]["requestPermissions"] = [{"name": "ohos.permission.MICROPHONE"}]
        haps = {
            "entry-default.hap": build_hap(),
            "feature-default.hap": build_hap(module_json=feature, abc_strings=("学习时长",)),
        }
    info = {
        "summary": {
            "app": {
                "bundleName": bundle_name,
                "version": {"code": version_code, "name": version_name},
            },
            "modules": [{"mainAbility": "EntryAbility", "distro": {"moduleName": "entry"}}],
        },
        "packages": [{"name": n.removesuffix(".hap"), "moduleType": "entry"} for n in haps],
    }
    files = {"pack.info": pack_info if pack_info is not None else json.dumps(info).encode()}
    files.update(haps)
    path.write_bytes(zip_bytes(files, stored=haps))


# -- quick apps ------------------------------------------------------------------------------


def default_quickapp_manifest() -> dict[str, Any]:
    return {
        "package": "cn.gov.example.quickapp",
        "name": "政务快应用",
        "versionName": "1.2.0",
        "versionCode": 12,
        "minPlatformVersion": 1070,
        "icon": "/Common/logo.png",
        "features": [
            {"name": "system.geolocation"},
            {"name": "system.fetch"},
            {"name": "system.media"},
        ],
        "config": {"background": {"features": ["system.geolocation"]}},
        "router": {"entry": "Home", "pages": {"Home": {"component": "index"}, "Rank": {}}},
    }


QUICKAPP_JS = (
    "var g=$app_require$('@app-module/system.geolocation');"
    "var r=$app_require$('@app-module/system.record');"
    "function f(){g.getLocation({success:function(){}});showRankingList('积分排行');}"
)


def build_rpk(
    path: Path,
    *,
    manifest: Mapping[str, Any] | None = None,
    raw_manifest: bytes | None = None,
    js: str = QUICKAPP_JS,
    sign: bool = True,
    with_cert_file: bool = False,
) -> SigningKey | None:
    """An .rpk with manifest.json, compiled JS and an APK-v2-style signing block."""
    files: dict[str, bytes] = {
        "manifest.json": raw_manifest
        if raw_manifest is not None
        else json.dumps(manifest or default_quickapp_manifest(), ensure_ascii=False).encode(),
        "app.js": b"(function(){})();",
        "Home/index.js": js.encode(),
        "Common/logo.png": b"\x89PNG\r\n\x1a\n",
    }
    key = make_signing_key(common_name="govapp rpk signer") if sign else None
    if key is not None and with_cert_file:
        files["META-INF/CERT"] = key.cert_der
    archive = zip_bytes(files)
    if key is not None:
        digest = hashlib.sha256(archive).digest()
        block = _signing_block([(0x7109871A, _v2_block(digest, key, with_v3=False))])
        archive = insert_before_central_directory(archive, block)
    path.write_bytes(archive)
    return key


def build_quickapp_dir(path: Path, *, manifest: Mapping[str, Any] | None = None) -> None:
    """A quick-app source tree: ``src/manifest.json``, ``.ux`` pages and JS."""
    src = path / "src"
    (src / "Home").mkdir(parents=True, exist_ok=True)
    (src / "manifest.json").write_text(
        json.dumps(manifest or default_quickapp_manifest(), ensure_ascii=False), encoding="utf-8"
    )
    (src / "app.ux").write_text("<script>export default {}</script>", encoding="utf-8")
    (src / "Home" / "index.ux").write_text(
        "<template><text>每日签到</text></template>\n"
        "<script>\nimport geolocation from '@system.geolocation'\n"
        "import camera from '@system.camera'\n"
        "export default { onShow() { geolocation.getLocation({}) } }\n</script>\n",
        encoding="utf-8",
    )
    (src / "util.js").write_text("const device = require('@system.device')\n", encoding="utf-8")
    (path / "package.json").write_text('{"name": "gov-quickapp"}', encoding="utf-8")
    (path / "node_modules" / "x").mkdir(parents=True, exist_ok=True)
    (path / "node_modules" / "x" / "index.js").write_text("打卡", encoding="utf-8")


# -- mini-programs ---------------------------------------------------------------------------


def wechat_miniprogram_files() -> dict[str, bytes]:
    app_json = {
        "pages": ["pages/index/index", "pages/rank/rank"],
        "subpackages": [{"root": "pkgA", "pages": ["pages/sign/sign"]}],
        "window": {"navigationBarTitleText": "政务微信小程序"},
        "permission": {"scope.userLocation": {"desc": "用于外勤打卡定位"}},
        "requiredPrivateInfos": ["getLocation", "startLocationUpdateBackground"],
        "requiredBackgroundModes": ["location"],
        "plugins": {"myPlugin": {"version": "1.0.0", "provider": "wxidxxxxxxxxxxxxxxxx"}},
    }
    project = {"appid": "wx1234567890abcdef", "projectname": "gov-wechat-demo"}
    index_js = (
        "const QQMapWX = require('../../libs/qqmap-wx-jssdk.min.js');\n"
        "Page({ onLoad() { wx.getLocation({ type: 'gcj02' }); wx.chooseImage({count: 1});\n"
        "  wx.startFacialRecognitionVerify({}); wx.request({url: 'https://example.gov.cn'}) } })\n"
    )
    return {
        "app.json": json.dumps(app_json, ensure_ascii=False).encode(),
        "project.config.json": json.dumps(project).encode(),
        "app.js": b"App({ onLaunch() { wx.login({}) } })",
        "pages/index/index.js": index_js.encode(),
        "pages/index/index.wxml": "<view>上班打卡</view>".encode(),
        "pages/index/index.json": b"{}",
        "pages/rank/rank.wxml": "<view>积分排行榜</view>".encode(),
        "pages/rank/rank.js": b"Page({})",
        "pkgA/pages/sign/sign.js": b"Page({ onShow() { wx.startLocationUpdateBackground({}) } })",
        "libs/qqmap-wx-jssdk.min.js": b"var QQMapWX=function(){};module.exports=QQMapWX;",
    }


def alipay_miniprogram_files() -> dict[str, bytes]:
    app_json = {
        "pages": ["pages/index/index"],
        "window": {"defaultTitle": "政务支付宝小程序"},
    }
    index_js = "Page({ onLoad() { my.getLocation({}); my.chooseImage({}); my.getClipboard({}); } })"
    return {
        "app.json": json.dumps(app_json, ensure_ascii=False).encode(),
        "mini.project.json": json.dumps({"format": 2, "compileType": "mini"}).encode(),
        "package.json": json.dumps(
            {"name": "gov-alipay-demo", "appId": "2021000000000001"}
        ).encode(),
        "app.js": b"App({})",
        "pages/index/index.js": index_js.encode(),
        "pages/index/index.axml": "<view>在线时长统计</view>".encode(),
        "utils/umtrack-alipay.js": b"module.exports = {};",
    }


def build_miniprogram_dir(path: Path, files: Mapping[str, bytes]) -> None:
    for name, data in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def build_miniprogram_zip(path: Path, files: Mapping[str, bytes], *, prefix: str = "") -> None:
    path.write_bytes(zip_bytes({prefix + name: data for name, data in files.items()}))


# -- iOS IPA ---------------------------------------------------------------------------------


def default_info_plist() -> dict[str, Any]:
    return {
        "CFBundleIdentifier": "cn.gov.example.ios",
        "CFBundleShortVersionString": "3.4.5",
        "CFBundleVersion": "345",
        "CFBundleDisplayName": "政务示例 iOS",
        "CFBundleName": "GovExample",
        "CFBundleExecutable": "GovExample",
        "MinimumOSVersion": "12.0",
        "NSLocationAlwaysAndWhenInUseUsageDescription": "用于外勤考勤定位",
        "NSLocationWhenInUseUsageDescription": "用于定位",
        "NSCameraUsageDescription": "用于拍照上传",
        "NSPhotoLibraryUsageDescription": "用于选择照片",
        "UIBackgroundModes": ["location", "remote-notification"],
    }


@dataclass
class BuiltIpa:
    developer: SigningKey
    provisioning: SigningKey


def macho_with_signature(
    key: SigningKey | None, *, fat: bool = False, code_size: int = 4096
) -> bytes:
    """A small arm64 Mach-O executable whose LC_CODE_SIGNATURE points at an embedded-signature
    SuperBlob holding a CMS signature by ``key`` (None: no code signature at all); ``fat`` wraps
    it in a universal file.  Layout as in Apple's loader.h / cs_blobs.h."""
    import struct

    ncmds = 1 if key is not None else 0
    cmds = b""
    header_size = 32
    code = b"\x1f\x20\x03\xd5" * (code_size // 4)  # NOPs
    sig = b""
    if key is not None:
        code_directory = struct.pack(">II", 0xFADE0C02, 20) + b"\0" * 12
        cms = pkcs7_sign(code_directory, key, detached=True)
        wrapper = struct.pack(">II", 0xFADE0B01, 8 + len(cms)) + cms
        index_size = 12 + 8 * 2
        cd_off = index_size
        cms_off = cd_off + len(code_directory)
        sig = (
            struct.pack(">III", 0xFADE0CC0, index_size + len(code_directory) + len(wrapper), 2)
            + struct.pack(">II", 0, cd_off)
            + struct.pack(">II", 0x10000, cms_off)
            + code_directory
            + wrapper
        )
        dataoff = header_size + 16 + len(code)
        cmds = struct.pack("<IIII", 0x1D, 16, dataoff, len(sig))
    header = struct.pack("<IiiIIIII", 0xFEEDFACF, 0x0100000C, 0, 2, ncmds, len(cmds), 0x200085, 0)
    thin = header + cmds + code + sig
    if not fat:
        return thin
    offset = 0x4000
    fat_header = struct.pack(">II", 0xCAFEBABE, 1) + struct.pack(
        ">iiIII", 0x0100000C, 0, offset, len(thin), 14
    )
    return fat_header + b"\0" * (offset - len(fat_header)) + thin


def build_ipa(
    path: Path,
    *,
    info_plist: Mapping[str, Any] | None = None,
    raw_info_plist: bytes | None = None,
    binary_plist: bool = True,
    provision: bool = True,
    codesign: bool = False,
    fat: bool = False,
    app_dir: str = "GovExample.app",
    extra: Mapping[str, bytes] | None = None,
) -> BuiltIpa:
    """An .ipa with a binary (or XML) Info.plist, optionally an embedded.mobileprovision CMS
    and an executable carrying a real code signature (``codesign``)."""
    developer = make_signing_key(kind="rsa", common_name="iPhone Distribution: Gov Example")
    apple = make_signing_key(common_name="Apple iPhone OS Provisioning Profile Signing")
    base = f"Payload/{app_dir}/"
    plist = dict(info_plist if info_plist is not None else default_info_plist())
    fmt = plistlib.FMT_BINARY if binary_plist else plistlib.FMT_XML
    files: dict[str, bytes] = {
        base + "Info.plist": raw_info_plist
        if raw_info_plist is not None
        else plistlib.dumps(plist, fmt=fmt),
        base + str(plist.get("CFBundleExecutable", "GovExample")): macho_with_signature(
            developer if codesign else None, fat=fat
        ),
        base + "Frameworks/AMapFoundationKit.framework/AMapFoundationKit": b"\xcf\xfa\xed\xfe",
        base + "www/index.html": "<div>学习积分排名</div>".encode(),
        base + "zh-Hans.lproj/InfoPlist.strings": '"k" = "每日签到";'.encode(),
        base + "_CodeSignature/CodeResources": plistlib.dumps({"files": {}}),
    }
    if provision:
        profile = {
            "AppIDName": "Gov Example",
            "Name": "Gov Example Distribution",
            "TeamName": "Gov Example Team",
            "TeamIdentifier": ["ABCDE12345"],
            "DeveloperCertificates": [developer.cert_der],
            "Entitlements": {"application-identifier": "ABCDE12345.cn.gov.example.ios"},
        }
        content = plistlib.dumps(profile, fmt=plistlib.FMT_XML)
        files[base + "embedded.mobileprovision"] = pkcs7_sign(content, apple, detached=False)
    files.update(extra or {})
    path.write_bytes(zip_bytes(files))
    return BuiltIpa(developer=developer, provisioning=apple)
