"""Scan an Android APK into :class:`~govapp.scanner.facts.ScanResult` facts.

The manifest is read from ``AndroidManifest.xml`` (binary XML, see :mod:`govapp.scanner.axml`),
labels and version names that are resource references are resolved through ``resources.arsc``,
the identifier tables of every ``classes*.dex`` are read with :mod:`govapp.scanner.dex`, and
signatures with :mod:`govapp.scanner.signing`; SDKs, capabilities and keywords come from the
shared analysis step (:mod:`govapp.scanner.analysis`).

Only :class:`ScanError` escapes; damage that still leaves something useful becomes a warning.
"""

from __future__ import annotations

import hashlib
import os
import re

from govapp.scanner.analysis import Clock, Collected, analyse, zip_dex, zip_texts
from govapp.scanner.axml import (
    TYPE_INT_BOOLEAN,
    TYPE_INT_DEC,
    TYPE_INT_HEX,
    ArscTable,
    XmlAttr,
    XmlElement,
    parse_axml,
)
from govapp.scanner.errors import ScanError
from govapp.scanner.facts import (
    Component,
    FileInfo,
    Identity,
    ScanResult,
    Signing,
)
from govapp.scanner.limits import DEFAULT_LIMITS, Limits
from govapp.scanner.signing import read_signing
from govapp.scanner.zip import ZipArchive

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any, Literal

    ComponentType = Literal["activity", "service", "receiver", "provider"]

_DEX_NAME = re.compile(r"^classes(\d*)\.dex$")
_NATIVE_LIB = re.compile(r"^lib/[^/]+/[^/]+\.so$")
_TEXT_EXT = (".html", ".htm", ".js", ".json", ".xml", ".txt")
_PERMISSION_TAGS = ("uses-permission", "uses-permission-sdk-23", "uses-permission-sdk-m")
_COMPONENT_TAGS: dict[str, ComponentType] = {
    "activity": "activity",
    "activity-alias": "activity",
    "service": "service",
    "receiver": "receiver",
    "provider": "provider",
}
_ARSC_LIMIT = 64 * 1024 * 1024


def file_info(path: str | os.PathLike[str]) -> FileInfo:
    """Name, size and streamed SHA-256 of a file."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            size += len(chunk)
            digest.update(chunk)
    return FileInfo(name=os.path.basename(os.fspath(path)), size=size, sha256=digest.hexdigest())


def scan_apk(
    path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS, file: FileInfo | None = None
) -> ScanResult:
    """Scan one APK.  ``file`` may be passed when the caller has already hashed the file."""
    clock = Clock(limits)
    with ZipArchive(path, limits=limits) as zf:
        info = file if file is not None else file_info(path)
        return scan_apk_archive(zf, file=info, limits=limits, clock=clock)


def scan_apk_archive(
    zf: ZipArchive,
    *,
    file: FileInfo,
    limits: Limits = DEFAULT_LIMITS,
    clock: Clock | None = None,
) -> ScanResult:
    """Scan an already opened APK archive."""
    clock = clock or Clock(limits)
    warnings: list[str] = []

    # -- manifest ------------------------------------------------------------------------------
    manifest = _read_manifest(zf, limits, warnings)
    arsc: ArscTable | None = None
    arsc_loaded = False

    def resolve(attr: XmlAttr | None) -> str | None:
        nonlocal arsc, arsc_loaded
        if attr is None:
            return None
        if not attr.is_reference:
            return attr.value
        if not arsc_loaded:
            arsc_loaded = True
            arsc = _read_arsc(zf, warnings)
        text = arsc.resolve_string(attr.data) if arsc is not None else None
        if text is None:
            warnings.append(f"resource {attr.value} could not be resolved from resources.arsc")
        return text

    identity: Identity
    permissions: list[str] = []
    permissions_sdk23: list[str] = []
    components: list[Component] = []
    if manifest is not None:
        package = manifest.get("package") or None
        sdk = next((c for c in manifest.children if c.tag == "uses-sdk"), None)
        app = next((c for c in manifest.children if c.tag == "application"), None)
        identity = Identity(
            package=package,
            version_name=resolve(manifest.attr("versionName")),
            version_code=_int_text(manifest.attr("versionCode"), resolve),
            app_name=resolve(app.attr("label")) if app is not None else None,
            min_sdk=int_or_none(sdk.get("minSdkVersion")) if sdk is not None else None,
            target_sdk=int_or_none(sdk.get("targetSdkVersion")) if sdk is not None else None,
        )
        if not package:
            warnings.append("AndroidManifest.xml has no package name")
        perms: dict[str, set[str]] = {tag: set() for tag in _PERMISSION_TAGS}
        for el in manifest.children:
            name = el.get("name") if el.tag in _PERMISSION_TAGS else None
            if name:
                perms[el.tag].add(name)
        permissions = sorted(perms["uses-permission"])
        permissions_sdk23 = sorted(
            (perms["uses-permission-sdk-23"] | perms["uses-permission-sdk-m"])
            - perms["uses-permission"]
        )
        if app is not None:
            components = _components(app, package or "", identity.target_sdk)
    else:
        identity = Identity()
        warnings.append("no AndroidManifest.xml")
    clock.check()

    # -- file inventory --------------------------------------------------------------------
    names = zf.names()
    native = sorted({n for n in names if n.startswith("lib/") and _NATIVE_LIB.match(n)})
    native_libs = sorted({n.rsplit("/", 1)[1] for n in native})
    dex_names = sorted(
        {n for n in names if n.startswith("classes") and _DEX_NAME.match(n)},
        key=lambda n: int(_DEX_NAME.match(n).group(1) or 1),  # type: ignore[union-attr]
    )

    # -- signing ---------------------------------------------------------------------------
    sig = read_signing(zf)
    signing = Signing(schemes=sig.schemes, certificates=sig.certificates)
    warnings.extend(sig.warnings)
    clock.check()

    # -- DEX and the shared analysis --------------------------------------------------------
    result = ScanResult(
        file=file,
        kind="apk",
        identity=identity,
        signing=signing,
        permissions=permissions,
        permissions_sdk23=permissions_sdk23,
        components=components,
        native_libs=native_libs,
        dex_files=dex_names,
    )
    collected = Collected(
        android_permissions=sorted({*permissions, *permissions_sdk23}),
        dex=zip_dex(zf, dex_names),
        native_libs=native,
        components=components,
        texts=zip_texts(zf, _text_assets(names)),
    )
    analyse(result, collected, limits=limits, warnings=warnings, clock=clock)
    warnings.extend(zf.warnings)
    result.warnings = list(dict.fromkeys(warnings))
    return result


# ------------------------------------------------------------------------------------------
# manifest helpers


def _read_manifest(zf: ZipArchive, limits: Limits, warnings: list[str]) -> XmlElement | None:
    entry = zf.get("AndroidManifest.xml")
    if entry is None:
        return None
    try:
        data = zf.read(entry, max_size=limits.max_axml_size)
        doc = parse_axml(data, limits=limits)
    except ScanError as exc:
        warnings.append(f"AndroidManifest.xml cannot be read: {exc}")
        return None
    if doc.warnings:
        warnings.extend(f"AndroidManifest.xml: {w}" for w in doc.warnings)
    if doc.root is None:
        return None
    if doc.root.tag != "manifest":
        warnings.append(f"AndroidManifest.xml root element is <{doc.root.tag}>, not <manifest>")
    return doc.root


def _read_arsc(zf: ZipArchive, warnings: list[str]) -> ArscTable | None:
    entry = zf.get("resources.arsc")
    if entry is None:
        warnings.append("resources.arsc is missing, so resource references cannot be resolved")
        return None
    try:
        table = ArscTable(zf.read(entry, max_size=_ARSC_LIMIT))
    except ScanError as exc:
        warnings.append(f"resources.arsc cannot be read: {exc}")
        return None
    warnings.extend(f"resources.arsc: {w}" for w in table.warnings)
    return table


def _int_text(attr: XmlAttr | None, resolve: Any) -> str | None:
    if attr is None:
        return None
    if attr.type in (TYPE_INT_DEC, TYPE_INT_HEX):
        return str(attr.data)
    value: str | None = resolve(attr)
    return value


def int_or_none(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text, 0) if text.lower().startswith("0x") else int(text)
    except ValueError:
        return None


def full_class_name(name: str, package: str) -> str:
    if name.startswith("."):
        return package + name
    if "." not in name and package:
        return f"{package}.{name}"
    return name


def _components(app: XmlElement, package: str, target_sdk: int | None) -> list[Component]:
    """Declared components.  ``exported`` follows Android's defaults when not explicit:
    exported if the component has an intent filter (and, for providers, when targetSdk < 17)."""
    out: list[Component] = []
    for el in app.children:
        kind = _COMPONENT_TAGS.get(el.tag)
        if kind is None:
            continue
        name = el.get("name")
        if not name:
            continue
        attr = el.attr("exported")
        exported: bool | None
        if attr is not None and attr.type == TYPE_INT_BOOLEAN:
            exported = attr.data != 0
        elif attr is not None and attr.value in ("true", "false"):
            exported = attr.value == "true"
        elif any(c.tag == "intent-filter" for c in el.children):
            exported = True
        elif kind == "provider":
            exported = target_sdk is not None and target_sdk < 17
        else:
            exported = False
        out.append(Component(type=kind, name=full_class_name(name, package), exported=exported))
    return out


def _text_assets(names: list[str]) -> list[str]:
    """Text files under ``assets/`` and ``res/``, in order.  XML elsewhere in ``res/`` than
    ``res/raw/`` is compiled by aapt into binary XML (no text to search), so it is not even
    opened.  One loop without a call per name: a package may have thousands of resource files."""
    out = []
    for name in names:
        if name.startswith("assets/"):
            if name.lower().endswith(_TEXT_EXT):
                out.append(name)
        elif name.startswith("res/"):
            lower = name.lower()
            if lower.startswith("res/raw") if lower.endswith(".xml") else lower.endswith(_TEXT_EXT):
                out.append(name)
    return out
