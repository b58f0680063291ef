"""Scan an Android App Bundle (.aab).

An AAB is a ZIP of modules (``base/``, feature modules); each module holds
``<module>/manifest/AndroidManifest.xml`` as a *protobuf* ``aapt.pb.XmlNode`` (not binary XML),
``<module>/dex/*.dex``, ``<module>/lib/<abi>/*.so`` and ``<module>/assets/``
(https://developer.android.com/guide/app-bundle/app-bundle-format).  A bundle may be signed with
jarsigner (v1 files under the bundle's ``META-INF/``); APK Signing Block schemes do not apply.

The manifest is decoded with a small protobuf wire-format reader (varints and length-delimited
fields only; https://protobuf.dev/programming-guides/encoding/).  Field numbers are those of
AOSP ``frameworks/base/tools/aapt2/Resources.proto``:

* ``XmlNode { XmlElement element = 1; string text = 2; SourcePosition source = 3; }``
* ``XmlElement { XmlNamespace namespace_declaration = 1; string namespace_uri = 2;
  string name = 3; XmlAttribute attribute = 4; XmlNode child = 5; }``
* ``XmlAttribute { string namespace_uri = 1; string name = 2; string value = 3;
  SourcePosition source = 4; uint32 resource_id = 5; Item compiled_item = 6; }``
* ``Item { Reference ref = 1; String str = 2; RawString raw_str = 3; ... Primitive prim = 7; }``
* ``Primitive { ... int32 int_decimal_value = 6; uint32 int_hexadecimal_value = 7;
  bool boolean_value = 8; }``; ``String { string value = 1; }``

Only :class:`ScanError` escapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from govapp.scanner.apk import dex_keyword_hits, full_class_name, int_or_none
from govapp.scanner.capabilities import android_capabilities, capability_ids
from govapp.scanner.dex import DexFile
from govapp.scanner.errors import ScanError
from govapp.scanner.facts import Component, FileInfo, Identity, ScanResult, Signing
from govapp.scanner.keywords import default_scanner, scan_zip_texts
from govapp.scanner.limits import DEFAULT_LIMITS, Limits
from govapp.scanner.sdk import match_sdks
from govapp.scanner.signing import read_signing
from govapp.scanner.zip import ZipArchive

ANDROID_NS = "http://schemas.android.com/apk/res/android"
BASE_MANIFEST = "base/manifest/AndroidManifest.xml"
_MANIFEST = re.compile(r"^([^/]+)/manifest/AndroidManifest\.xml$")
_DEX = re.compile(r"^[^/]+/dex/[^/]+\.dex$")
_LIB = re.compile(r"^[^/]+/lib/[^/]+/[^/]+\.so$")
_TEXT_ASSET = re.compile(r"^[^/]+/(assets|root)/.+\.(html?|js|json|xml|txt)$", re.IGNORECASE)
_MAX_DEPTH = 64
ComponentType = Literal["activity", "service", "receiver", "provider"]
_COMPONENT_TAGS: dict[str, ComponentType] = {
    "activity": "activity",
    "activity-alias": "activity",
    "service": "service",
    "receiver": "receiver",
    "provider": "provider",
}
_PERMISSION_TAGS = ("uses-permission", "uses-permission-sdk-23", "uses-permission-sdk-m")


class ProtoError(ValueError):
    """The protobuf bytes are malformed."""


# -- protobuf wire format --------------------------------------------------------------------


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtoError("varint runs past the end")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ProtoError("varint longer than 10 bytes")


def proto_fields(data: bytes) -> list[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) of every field; value is an int or the raw bytes."""
    out: list[tuple[int, int, int | bytes]] = []
    pos = 0
    n = len(data)
    while pos < n:
        key, pos = _varint(data, pos)
        num, wire = key >> 3, key & 7
        if num == 0:
            raise ProtoError("field number 0")
        value: int | bytes
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 1:
            if pos + 8 > n:
                raise ProtoError("fixed64 runs past the end")
            value, pos = int.from_bytes(data[pos : pos + 8], "little"), pos + 8
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > n:
                raise ProtoError("length-delimited field runs past the end")
            value, pos = data[pos : pos + length], pos + length
        elif wire == 5:
            if pos + 4 > n:
                raise ProtoError("fixed32 runs past the end")
            value, pos = int.from_bytes(data[pos : pos + 4], "little"), pos + 4
        else:
            raise ProtoError(f"unsupported wire type {wire}")
        out.append((num, wire, value))
    return out


def _text(value: int | bytes) -> str:
    if isinstance(value, int):
        raise ProtoError("expected a string, found a number")
    return value.decode("utf-8", errors="replace")


@dataclass
class PbAttr:
    namespace: str = ""
    name: str = ""
    value: str = ""
    resource_id: int = 0
    number: int | None = None  # compiled Primitive int / boolean
    reference: int | None = None  # compiled Reference id


@dataclass
class PbElement:
    name: str = ""
    namespace: str = ""
    attrs: list[PbAttr] = field(default_factory=list)
    children: list[PbElement] = field(default_factory=list)

    def attr(self, name: str, namespace: str = ANDROID_NS) -> PbAttr | None:
        for a in self.attrs:
            if a.name == name and a.namespace == namespace:
                return a
        for a in self.attrs:  # tolerate a missing namespace
            if a.name == name and not a.namespace:
                return a
        return None

    def text(self, name: str, namespace: str = ANDROID_NS) -> str | None:
        a = self.attr(name, namespace)
        if a is None:
            return None
        if a.value:
            return a.value
        if a.number is not None:
            return str(a.number)
        return None


def _primitive(data: bytes) -> int | None:
    for num, wire, value in proto_fields(data):
        if wire == 0 and isinstance(value, int) and num in (6, 7, 8):
            if num == 6 and value >= 1 << 63:  # int32 is sign-extended to 64 bits
                value -= 1 << 64
            return value
        if wire == 5 and isinstance(value, int) and num in (6, 7):
            return value
    return None


def _item(data: bytes, attr: PbAttr) -> None:
    for num, wire, value in proto_fields(data):
        if wire != 2 or not isinstance(value, bytes):
            continue
        if num == 7:
            attr.number = _primitive(value)
        elif num == 2 and not attr.value:
            for snum, swire, sval in proto_fields(value):
                if snum == 1 and swire == 2:
                    attr.value = _text(sval)
        elif num == 1:
            for rnum, rwire, rval in proto_fields(value):
                if rnum == 2 and rwire == 0 and isinstance(rval, int):
                    attr.reference = rval


def _attribute(data: bytes) -> PbAttr:
    attr = PbAttr()
    for num, wire, value in proto_fields(data):
        if num == 1 and wire == 2:
            attr.namespace = _text(value)
        elif num == 2 and wire == 2:
            attr.name = _text(value)
        elif num == 3 and wire == 2:
            attr.value = _text(value)
        elif num == 5 and wire == 0 and isinstance(value, int):
            attr.resource_id = value
        elif num == 6 and wire == 2 and isinstance(value, bytes):
            _item(value, attr)
    return attr


def _element(data: bytes, depth: int) -> PbElement:
    if depth > _MAX_DEPTH:
        raise ProtoError("XML nested too deeply")
    el = PbElement()
    for num, wire, value in proto_fields(data):
        if wire != 2 or not isinstance(value, bytes):
            continue
        if num == 2:
            el.namespace = _text(value)
        elif num == 3:
            el.name = _text(value)
        elif num == 4:
            el.attrs.append(_attribute(value))
        elif num == 5:
            child = parse_xml_node(value, depth + 1)
            if child is not None:
                el.children.append(child)
    return el


def parse_xml_node(data: bytes, depth: int = 0) -> PbElement | None:
    """The element of an ``aapt.pb.XmlNode`` (None for a text node); raises ProtoError."""
    for num, wire, value in proto_fields(data):
        if num == 1 and wire == 2 and isinstance(value, bytes):
            return _element(value, depth)
    return None


# -- scanning --------------------------------------------------------------------------------


def _file_info(path: Path) -> FileInfo:
    from govapp.scanner.apk import file_info

    return file_info(path)


def _read_manifest(zf: ZipArchive, name: str, limits: Limits) -> PbElement:
    try:
        data = zf.read(name, max_size=limits.max_axml_size)
        root = parse_xml_node(data)
    except ProtoError as exc:
        raise ScanError(
            "bad_manifest", f"{name} is not a valid protobuf XML manifest: {exc}"
        ) from None
    if root is None or root.name != "manifest":
        raise ScanError("bad_manifest", f"{name} has no <manifest> root element")
    return root


def scan_aab(path: Path | str, *, limits: Limits = DEFAULT_LIMITS) -> ScanResult:
    """Scan one Android App Bundle.  Only :class:`ScanError` escapes."""
    path = Path(path)
    with ZipArchive(path, limits=limits) as zf:
        info = _file_info(path)
        return _scan(zf, info, limits)


def _scan(zf: ZipArchive, info: FileInfo, limits: Limits) -> ScanResult:  # noqa: C901 (existing; split when next changed)
    warnings: list[str] = list(zf.warnings)
    names = zf.names()
    if zf.get(BASE_MANIFEST) is None:
        raise ScanError(
            "no_manifest",
            f"the bundle has no {BASE_MANIFEST}: it is not an Android App Bundle",
        )
    manifest = _read_manifest(zf, BASE_MANIFEST, limits)
    package = manifest.text("package", "") or ""
    if not package:
        warnings.append("the base manifest has no package name")
    uses_sdk = next((c for c in manifest.children if c.name == "uses-sdk"), None)
    app = next((c for c in manifest.children if c.name == "application"), None)
    label = app.text("label") if app is not None else None
    if label is not None and label.startswith("@"):
        warnings.append(f"the application label is a resource reference ({label}); not resolved")
        label = None
    result = ScanResult(
        file=info,
        kind="aab",
        identity=Identity(
            package=package or None,
            version_name=manifest.text("versionName"),
            version_code=manifest.text("versionCode"),
            app_name=label,
            min_sdk=int_or_none(uses_sdk.text("minSdkVersion")) if uses_sdk else None,
            target_sdk=int_or_none(uses_sdk.text("targetSdkVersion")) if uses_sdk else None,
        ),
    )
    # Permissions and components of every module's manifest.
    manifests = [manifest]
    for name in names:
        m = _MANIFEST.match(name)
        if m and name != BASE_MANIFEST:
            try:
                manifests.append(_read_manifest(zf, name, limits))
            except ScanError as exc:
                warnings.append(str(exc))
    permissions: set[str] = set()
    components: list[Component] = []
    for man in manifests:
        for child in man.children:
            if child.name in _PERMISSION_TAGS:
                perm = child.text("name")
                if perm:
                    permissions.add(perm)
        for application in (c for c in man.children if c.name == "application"):
            for comp in application.children:
                kind = _COMPONENT_TAGS.get(comp.name)
                cname = comp.text("name")
                if kind is None or not cname:
                    continue
                exported_attr = comp.attr("exported")
                exported = None
                if exported_attr is not None:
                    exported = exported_attr.value == "true" or bool(exported_attr.number)
                components.append(
                    Component(
                        type=kind,
                        name=full_class_name(cname, package),
                        exported=exported,
                    )
                )
    result.permissions = sorted(permissions)
    result.components = components
    # Native libraries and DEX.
    result.native_libs = sorted(n for n in names if _LIB.match(n))
    dex_names = sorted(n for n in names if _DEX.match(n))
    result.dex_files = dex_names
    dex_files: list[DexFile] = []
    for name in dex_names:
        try:
            dex_files.append(
                DexFile(zf.read(name, max_size=limits.max_dex_size), limits=limits, name=name)
            )
        except ScanError as exc:
            warnings.append(f"{name} skipped: {exc}")
    types: list[str] = []
    for dex in dex_files:
        types.extend(dex.type_descriptors())
        warnings.extend(dex.warnings)
    result.sdks = match_sdks(
        dex_types=types,
        native_libs=result.native_libs,
        components=[c.name for c in components],
    )
    caps = android_capabilities(
        permissions=result.permissions,
        method_refs=(ref for dex in dex_files for ref in dex.method_refs()),
        components=components,
        sdks=result.sdks,
    )
    result.capability_evidence = caps
    result.capabilities = capability_ids(caps)
    # Keywords: DEX strings and text assets.
    scanner = default_scanner()
    for dex in dex_files:
        result.keywords.extend(dex_keyword_hits(scanner, dex))
    hits, kw_warnings = scan_zip_texts(
        zf, [n for n in names if _TEXT_ASSET.match(n)], limits=limits, scanner=scanner
    )
    result.keywords.extend(hits)
    warnings.extend(kw_warnings)
    # Signing: v1 JAR signature of the bundle, if any.
    signing = read_signing(zf)
    result.signing = Signing(schemes=signing.schemes, certificates=signing.certificates)
    warnings.extend(signing.warnings)
    if not signing.schemes:
        warnings.append("the bundle is not signed (no META-INF signature files)")
    result.warnings = list(dict.fromkeys(warnings + zf.warnings))
    return result
