"""Scan quick apps (快应用): a packaged ``.rpk`` or a source directory.

Formats (https://doc.quickapp.cn/framework/manifest.html):

* ``manifest.json``: ``package``, ``name``, ``versionName``, ``versionCode``,
  ``minPlatformVersion``, ``features[].name`` (``system.geolocation`` ...),
  ``config.background.features`` (features used while in the background), ``router.pages``.
* ``.rpk`` is a ZIP of the compiled app (``manifest.json``, ``app.js``, ``<Page>/index.js``); the
  compiled code imports features as ``$app_require$('@app-module/system.xxx')``.  It is signed
  like an APK: an APK Signing Block (v2 layout, read with
  :func:`govapp.scanner.signing.read_apk_signing_block`) before the central directory; older
  packages carry ``META-INF/CERT`` (a certificate, DER or PEM, or a PKCS#7).  Certificates are
  reported with scheme ``rpk``.  Split packages (``.rpks``) are not handled.
* A source directory has ``src/manifest.json`` (or ``manifest.json``) and ``.ux``/``.js`` sources
  that import features as ``import x from '@system.xxx'`` or ``require('@system.xxx')``.

Only :class:`ScanError` escapes.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from govapp.scanner.analysis import Collected, analyse
from govapp.scanner.apk import file_info
from govapp.scanner.capabilities import merge_capabilities, quickapp_capabilities
from govapp.scanner.errors import ScanError
from govapp.scanner.facts import Certificate, Component, FileInfo, Identity, ScanResult, Signing
from govapp.scanner.hap import json_dict, json_int, json_list, json_str
from govapp.scanner.limits import DEFAULT_LIMITS, Limits
from govapp.scanner.miniprogram import (
    Source,
    dir_info,
    dir_source,
    read_json,
    source_text,
    source_texts,
    zip_source,
)
from govapp.scanner.signing import (
    cert_from_der,
    certificates_from_scheme_block,
    read_apk_signing_block,
    signer_certificates_from_pkcs7,
)
from govapp.scanner.sources import (
    CodeFacts,
    platform_services,
    quickapp_tracking,
    split_ux,
    strip_js_comments,
)
from govapp.scanner.zip import ZipArchive, single_top_folder

_FEATURE = re.compile(r"@(?:app-module/)?((?:system|service)\.[A-Za-z][\w.]*)")
_KEYWORD_EXT = (".js", ".ux", ".json", ".html", ".htm")
_SCHEME_BLOCKS = (0x7109871A, 0xF05368C0)  # v2, v3 layouts
_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", re.DOTALL)


def _manifest_path(src: Source) -> str:
    for candidate in ("manifest.json", "src/manifest.json"):
        if candidate in src.files:
            return candidate
    raise ScanError("no_manifest", "no manifest.json (or src/manifest.json): not a quick app")


def _scan_source(src: Source, info: FileInfo, kind: str, limits: Limits) -> ScanResult:
    warnings: list[str] = list(src.warnings)
    manifest_name = _manifest_path(src)
    manifest = read_json(src, manifest_name)
    if not isinstance(manifest, dict):
        raise ScanError("bad_manifest", f"{manifest_name} is not a JSON object")
    package = json_str(manifest.get("package"))
    if package is None:
        warnings.append(f"{manifest_name} has no package name")
    result = ScanResult(
        file=info,
        kind="rpk" if kind == "rpk" else "quickapp",
        identity=Identity(
            package=package,
            version_name=json_str(manifest.get("versionName")),
            version_code=json_str(manifest.get("versionCode")),
            app_name=json_str(manifest.get("name")),
            min_sdk=json_int(manifest.get("minPlatformVersion")),
        ),
    )
    declared = [
        name
        for f in json_list(manifest.get("features"))
        if (name := json_str(json_dict(f).get("name"))) is not None
    ]
    background = [
        b
        for b in json_list(
            json_dict(json_dict(manifest.get("config")).get("background")).get("features")
        )
        if isinstance(b, str)
    ]
    pages = json_dict(json_dict(manifest.get("router")).get("pages"))
    result.components = [Component(type="page", name=str(p)) for p in sorted(pages)]
    # Features imported and called by the code, and the components of the pages.
    imported: dict[str, str] = {}  # feature -> first file importing it
    code = CodeFacts()
    for rel in (p for p in src.files if p.endswith((".js", ".ux"))):
        text = source_text(src, rel, limits, warnings, "features")
        if text is None:
            continue
        markup, script = split_ux(text) if rel.endswith(".ux") else ("", text)
        for m in _FEATURE.finditer(strip_js_comments(script)):
            imported.setdefault(m.group(1), rel)
        code.add_quickapp_js(script, rel)
        if markup:
            code.add_markup(markup, rel)
    undeclared = sorted(set(imported) - set(declared))
    if undeclared and declared:
        warnings.append("features used in code but not declared: " + ", ".join(undeclared))
    result.permissions = sorted(set(declared))
    result.api_calls = sorted(imported)
    result.background_modes = sorted(set(background))
    caps = quickapp_capabilities(sorted(set(declared) | set(imported)), background)
    features = [(name, manifest_name) for name in declared] + sorted(imported.items())
    collected = Collected(
        capabilities=merge_capabilities(caps, quickapp_tracking(code)),
        js_modules=[p for p in src.files if p.endswith((".js", ".ux"))],
        services=platform_services("quickapp", code, features=features),
        texts=source_texts(src, [p for p in src.files if p.lower().endswith(_KEYWORD_EXT)]),
    )
    analyse(result, collected, limits=limits, warnings=warnings)
    result.warnings = warnings
    return result


def _cert_file_ders(data: bytes) -> list[bytes]:
    pems = _PEM.findall(data)
    if pems:
        return [base64.b64decode(b"".join(p.split())) for p in pems]
    if data[:1] == b"\x30":
        try:
            found = signer_certificates_from_pkcs7(data)
            if found:
                return found
        except ValueError:
            pass
        return [data]
    return []


def rpk_signing(zf: ZipArchive, warnings: list[str]) -> Signing:
    certs: dict[str, Certificate] = {}
    try:
        pairs = read_apk_signing_block(zf, warnings=warnings)
    except ScanError as exc:
        warnings.append(f"the signing block cannot be read: {exc}")
        pairs = None
    for block_id in _SCHEME_BLOCKS:
        value = (pairs or {}).get(block_id)
        if value is not None:
            for der in certificates_from_scheme_block(value, "rpk", warnings):
                cert = cert_from_der(der, "rpk")
                certs.setdefault(cert.sha256, cert)
    entry = zf.get("META-INF/CERT")
    if entry is not None:
        try:
            for der in _cert_file_ders(zf.read(entry, max_size=1 << 20)):
                cert = cert_from_der(der, "rpk")
                certs.setdefault(cert.sha256, cert)
        except ScanError as exc:
            warnings.append(f"META-INF/CERT cannot be read: {exc}")
    if not certs:
        warnings.append("the package is not signed (no signing block, no META-INF/CERT)")
    return Signing(schemes=["rpk"] if certs else [], certificates=list(certs.values()))


def scan_rpk(path: Path | str, *, limits: Limits = DEFAULT_LIMITS) -> ScanResult:
    """Scan a packaged quick app (.rpk).  Only :class:`ScanError` escapes."""
    path = Path(path)
    with ZipArchive(path, limits=limits) as zf:
        result = _scan_source(zip_source(zf), file_info(path), "rpk", limits)
        warnings: list[str] = []
        result.signing = rpk_signing(zf, warnings)
        result.warnings = list(dict.fromkeys(result.warnings + warnings + zf.warnings))
    return result


def scan_quickapp_zip(path: Path | str, *, limits: Limits = DEFAULT_LIMITS) -> ScanResult:
    """Scan a zipped quick-app *source* project (unsigned, like a source directory), also when
    its files sit under one top folder.  Only :class:`ScanError` escapes."""
    path = Path(path)
    with ZipArchive(path, limits=limits) as zf:
        names = zf.names_set()
        prefix = ""
        if "manifest.json" not in names and "src/manifest.json" not in names:
            prefix = single_top_folder(names)
        result = _scan_source(zip_source(zf, prefix=prefix), file_info(path), "quickapp", limits)
        result.warnings = list(dict.fromkeys(result.warnings + zf.warnings))
    return result


def scan_quickapp_dir(path: Path | str, *, limits: Limits = DEFAULT_LIMITS) -> ScanResult:
    """Scan a quick-app source directory (unsigned).  Only :class:`ScanError` escapes."""
    path = Path(path)
    if not path.is_dir():
        raise ScanError("not_found", f"{path} is not a directory")
    src = dir_source(path, limits)
    return _scan_source(src, dir_info(path, src), "quickapp", limits)
