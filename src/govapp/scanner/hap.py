"""Scan a HarmonyOS package: a ``.hap`` module, or an ``.app`` bundle of ``.hap`` files.

Formats:

* ``.hap`` is a ZIP with ``module.json`` (stage model: ``app.bundleName``, ``versionCode``,
  ``versionName``, ``label``, ``minAPIVersion``, ``targetAPIVersion``; ``module.requestPermissions
  [].name/reason``, ``abilities[]`` with ``backgroundModes``, ``extensionAbilities[]``;
  https://developer.huawei.com/consumer/cn/doc/harmonyos-guides/module-configuration-file) or, for
  the older FA model, ``config.json`` (``app.bundleName``, ``app.version.code/name``,
  ``module.reqPermissions``, ``module.abilities``).  Native libraries live under ``libs/<abi>/``;
  compiled ArkTS is ``ets/modules.abc`` (its string table is searched for keywords as raw bytes).
* ``.app`` is a ZIP of ``.hap`` (and ``.hsp``) files plus ``pack.info`` (``summary.app.bundleName``,
  ``summary.app.version.code/name``).  Each inner package is scanned once, within
  ``Limits.max_nested_depth``.
* Signing: hapsigner appends a *HAP signing block* right before the ZIP central directory
  (OpenHarmony ``developtools_hapsigner`` / ``security_appverify``, ``HapSigningBlockUtils``):
  ``n`` sub-block heads ``{uint32 type, uint32 length, uint32 offset}`` (offsets from the start
  of the block), the sub-block data, then a 32-byte head ``{int32 blockCount, int64 size,
  int64 magicLo, int64 magicHi, int32 version}`` (all little-endian; ``size`` counts the whole
  block).  Type ``0x20000000`` is the signature: a PKCS#7 SignedData whose certificates are the
  signing chain; ``0x20000002`` is the signed provisioning profile (its certificates are the
  profile issuer's and are not reported).  Magic: ``7451613641622775868 / 4497797983070462062``
  for version >= 3, ``2334950737560224072 / 3617552046287187010`` before.  The leaf (signer)
  certificates are reported with scheme ``hap``.

Only :class:`ScanError` escapes.
"""

from __future__ import annotations

import json
import os
import re
import struct
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govapp.scanner.analysis import Collected, analyse, zip_texts
from govapp.scanner.apk import file_info
from govapp.scanner.capabilities import capability_ids, harmony_capabilities
from govapp.scanner.errors import ScanError
from govapp.scanner.facts import (
    Certificate,
    Component,
    FileInfo,
    Identity,
    KeywordHit,
    ScanResult,
    SdkHit,
    Signing,
)
from govapp.scanner.keywords import merge_hits
from govapp.scanner.limits import DEFAULT_LIMITS, Limits
from govapp.scanner.signing import cert_from_der, signer_certificates_from_pkcs7
from govapp.scanner.zip import ZipArchive

HAP_SIGN_BLOB = 0x20000000
PROOF_ROTATION_BLOB = 0x20000001
PROFILE_BLOB = 0x20000002
PROPERTY_BLOB = 0x20000003
_MAGIC_NEW = (7451613641622775868, 4497797983070462062)
_MAGIC_OLD = (2334950737560224072, 3617552046287187010)
_HEAD = struct.Struct("<iqqqi")  # 32 bytes
_MAX_BLOCK = 64 * 1024 * 1024
_MAX_SUB_BLOCKS = 16
_MAX_JSON = 4 * 1024 * 1024
_LIB = re.compile(r"^libs/[^/]+/[^/]+\.so$")
_TEXT = re.compile(
    r"^(ets/.+\.abc|resources/rawfile/.+\.(html?|js|json|txt)|resources/base/element/.+\.json)$"
)
_INNER = re.compile(r"^[^/]+\.(hap|hsp)$")


def read_hap_signing_block(zf: ZipArchive, warnings: list[str]) -> dict[int, bytes] | None:
    """type -> data of the sub-blocks of the HAP signing block, or None when there is none."""
    cd = zf.cd_offset
    if cd < _HEAD.size:
        return None
    head = zf.pread(cd - _HEAD.size, _HEAD.size)
    if len(head) != _HEAD.size:
        return None
    count, size, lo, hi, version = _HEAD.unpack(head)
    if (lo, hi) not in (_MAGIC_NEW, _MAGIC_OLD):
        return None
    if size < _HEAD.size or size > cd or size > _MAX_BLOCK or not 0 <= count <= _MAX_SUB_BLOCKS:
        warnings.append("the HAP signing block declares an impossible size or count; ignored")
        return None
    start = cd - size
    block = zf.pread(start, size - _HEAD.size)
    blocks: dict[int, bytes] = {}
    for i in range(count):
        if 12 * (i + 1) > len(block):
            warnings.append("the HAP signing block is truncated")
            break
        kind, length, offset = struct.unpack_from("<III", block, 12 * i)
        if offset + length > len(block):
            warnings.append(f"HAP signing sub-block {i + 1} runs past the block; ignored")
            continue
        blocks.setdefault(kind, block[offset : offset + length])
    if version < 3 and (lo, hi) == _MAGIC_NEW:
        warnings.append("the HAP signing block has a new magic with an old version number")
    return blocks


def hap_certificates(zf: ZipArchive, warnings: list[str]) -> list[Certificate]:
    blocks = read_hap_signing_block(zf, warnings)
    if blocks is None:
        return []
    signature = blocks.get(HAP_SIGN_BLOB)
    if signature is None:
        warnings.append("the HAP signing block has no signature sub-block")
        return []
    try:
        ders = signer_certificates_from_pkcs7(signature)
    except ValueError as exc:
        warnings.append(f"the HAP signature is not valid PKCS#7: {exc}")
        return []
    if not ders:
        warnings.append("the HAP signature carries no certificate")
    return [cert_from_der(der, "hap") for der in ders]


def _json_entry(zf: ZipArchive, name: str) -> Any:
    try:
        data = zf.read(name, max_size=_MAX_JSON)
    except ScanError as exc:
        raise ScanError("bad_manifest", f"{name} cannot be read: {exc}") from None
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScanError("bad_manifest", f"{name} is not valid JSON: {exc}") from None


def json_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def json_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


_list = json_list


def json_str(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def json_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _literal(value: Any) -> str | None:
    """A label that is not a resource reference (``$string:app_name``)."""
    text = json_str(value)
    return None if text is None or text.startswith("$") else text


@dataclass
class _Module:
    identity: Identity
    permissions: list[str] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)
    background_modes: list[str] = field(default_factory=list)


def _parse_module(config: dict[str, Any], stage: bool) -> _Module:
    app = json_dict(config.get("app"))
    module = json_dict(config.get("module"))
    if stage:
        identity = Identity(
            package=json_str(app.get("bundleName")),
            version_name=json_str(app.get("versionName")),
            version_code=json_str(app.get("versionCode")),
            app_name=_literal(app.get("label")),
            min_sdk=json_int(app.get("minAPIVersion")),
            target_sdk=json_int(app.get("targetAPIVersion")),
        )
        perms = module.get("requestPermissions")
    else:
        version = json_dict(app.get("version"))
        api = json_dict(app.get("apiVersion"))
        identity = Identity(
            package=json_str(app.get("bundleName")),
            version_name=json_str(version.get("name")),
            version_code=json_str(version.get("code")),
            app_name=_literal(app.get("label")),
            min_sdk=json_int(api.get("compatible")),
            target_sdk=json_int(api.get("target")),
        )
        perms = module.get("reqPermissions")
    out = _Module(identity=identity)
    for perm in _list(perms):
        name = json_str(json_dict(perm).get("name")) if isinstance(perm, dict) else json_str(perm)
        if name:
            out.permissions.append(name)
    for ability in _list(module.get("abilities")):
        ab = json_dict(ability)
        name = json_str(ab.get("name"))
        if name:
            exported = ab.get("exported", ab.get("visible"))
            out.components.append(
                Component(
                    type="ability",
                    name=name,
                    exported=exported if isinstance(exported, bool) else None,
                )
            )
        out.background_modes.extend(
            m for m in _list(ab.get("backgroundModes")) if isinstance(m, str)
        )
    for ext in _list(module.get("extensionAbilities")):
        ex = json_dict(ext)
        name = json_str(ex.get("name"))
        if name:
            exported = ex.get("exported")
            out.components.append(
                Component(
                    type="extension",
                    name=name,
                    exported=exported if isinstance(exported, bool) else None,
                )
            )
    return out


def _file_info(path: Path) -> FileInfo:
    return file_info(path)


def scan_hap(path: Path | str, *, limits: Limits = DEFAULT_LIMITS) -> ScanResult:
    """Scan a .hap or .app file.  Only :class:`ScanError` escapes."""
    path = Path(path)
    info = _file_info(path)
    with ZipArchive(path, limits=limits) as zf:
        names = set(zf.names())
        if "module.json" in names or "config.json" in names:
            return _scan_module(zf, info, limits, where="")
        if "pack.info" in names or any(_INNER.match(n) for n in names):
            return _scan_app(zf, info, limits, depth=0)
    raise ScanError(
        "no_manifest",
        "the package has neither module.json / config.json (a .hap) nor pack.info (an .app)",
    )


def _scan_module(zf: ZipArchive, info: FileInfo, limits: Limits, *, where: str) -> ScanResult:
    warnings: list[str] = []
    names = zf.names()
    stage = zf.get("module.json") is not None
    config = _json_entry(zf, "module.json" if stage else "config.json")
    if not isinstance(config, dict):
        raise ScanError("bad_manifest", "module.json is not a JSON object")
    module = _parse_module(config, stage)
    if not module.identity.package:
        warnings.append(f"{where}module.json has no app.bundleName")
    result = ScanResult(file=info, kind="hap", identity=module.identity)
    result.permissions = sorted(set(module.permissions))
    result.components = module.components
    result.background_modes = sorted(set(module.background_modes))
    result.native_libs = sorted(where + n for n in names if _LIB.match(n))
    collected = Collected(
        capabilities=harmony_capabilities(
            result.permissions, background_modes=result.background_modes
        ),
        native_libs=result.native_libs,
        texts=zip_texts(zf, [n for n in names if _TEXT.match(n)], where_prefix=where),
    )
    analyse(result, collected, limits=limits, warnings=warnings)
    certs = hap_certificates(zf, warnings)
    result.signing = Signing(schemes=["hap"] if certs else [], certificates=certs)
    if not certs:
        warnings.append(f"{where or 'the package'} is not signed (no HAP signing block)".strip())
    result.warnings = list(dict.fromkeys(zf.warnings + warnings))
    return result


def _scan_app(zf: ZipArchive, info: FileInfo, limits: Limits, *, depth: int) -> ScanResult:
    warnings: list[str] = []
    result = ScanResult(file=info, kind="app")
    if zf.get("pack.info") is not None:
        try:
            pack = json_dict(_json_entry(zf, "pack.info"))
            app = json_dict(json_dict(pack.get("summary")).get("app"))
            version = json_dict(app.get("version"))
            result.identity = Identity(
                package=json_str(app.get("bundleName")),
                version_name=json_str(version.get("name")),
                version_code=json_str(version.get("code")),
            )
        except ScanError as exc:
            warnings.append(str(exc))
    else:
        warnings.append("the .app has no pack.info")
    inner = sorted(n for n in zf.names() if _INNER.match(n))
    if not inner:
        raise ScanError("no_manifest", "the .app contains no .hap module")
    if depth + 1 > limits.max_nested_depth:
        raise ScanError("too_deep", "packages nested deeper than the limit")
    certs: dict[str, Certificate] = {}
    keywords: list[KeywordHit] = []
    sdks: dict[str, SdkHit] = {}
    for name in inner:
        sub = _scan_inner(zf, name, limits, warnings)
        if sub is None:
            continue
        if result.identity.package is None:
            result.identity = sub.identity
        elif sub.identity.package and sub.identity.package != result.identity.package:
            warnings.append(
                f"{name} belongs to {sub.identity.package}, not {result.identity.package}"
            )
        ident = result.identity
        result.identity = Identity(
            package=ident.package,
            version_name=ident.version_name or sub.identity.version_name,
            version_code=ident.version_code or sub.identity.version_code,
            app_name=ident.app_name or sub.identity.app_name,
            min_sdk=ident.min_sdk if ident.min_sdk is not None else sub.identity.min_sdk,
            target_sdk=ident.target_sdk
            if ident.target_sdk is not None
            else sub.identity.target_sdk,
        )
        result.permissions.extend(sub.permissions)
        result.background_modes.extend(sub.background_modes)
        result.components.extend(sub.components)
        result.native_libs.extend(sub.native_libs)
        keywords.extend(sub.keywords)
        for hit in sub.sdks:
            sdks.setdefault(hit.id, hit)
        for cert in sub.signing.certificates:
            certs.setdefault(cert.sha256, cert)
        warnings.extend(sub.warnings)
    for cert in hap_certificates(zf, warnings):
        certs.setdefault(cert.sha256, cert)
    result.permissions = sorted(set(result.permissions))
    result.background_modes = sorted(set(result.background_modes))
    result.native_libs = sorted(set(result.native_libs))
    result.keywords = merge_hits(keywords)
    result.sdks = [sdks[k] for k in sorted(sdks)]
    caps = harmony_capabilities(result.permissions, background_modes=result.background_modes)
    result.capability_evidence = caps
    result.capabilities = capability_ids(caps)
    result.signing = Signing(schemes=["hap"] if certs else [], certificates=list(certs.values()))
    result.warnings = list(dict.fromkeys(zf.warnings + warnings))
    return result


def _scan_inner(
    zf: ZipArchive, name: str, limits: Limits, warnings: list[str]
) -> ScanResult | None:
    """Extract one inner .hap to a temporary file and scan it (errors become warnings)."""
    try:
        data = zf.read(name, max_size=limits.max_entry_size)
    except ScanError as exc:
        warnings.append(f"{name} cannot be read: {exc}")
        return None
    fd, tmp = tempfile.mkstemp(suffix=".hap")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        with ZipArchive(tmp, limits=limits) as inner:
            info = FileInfo(name=name, size=len(data), sha256="")
            inner_names = set(inner.names())
            if "module.json" not in inner_names and "config.json" not in inner_names:
                warnings.append(f"{name} has no module.json; skipped")
                return None
            return _scan_module(inner, info, limits, where=f"{name}!")
    except ScanError as exc:
        warnings.append(f"{name} cannot be scanned: {exc}")
        return None
    finally:
        os.unlink(tmp)
