"""Scan an iOS app archive (.ipa).

Format: a ZIP with ``Payload/<Name>.app/``; ``Info.plist`` (binary or XML property list, read with
:mod:`plistlib`) holds ``CFBundleIdentifier``, ``CFBundleShortVersionString``,
``CFBundleVersion``, ``CFBundleDisplayName``/``CFBundleName``, ``MinimumOSVersion``, the
``NS*UsageDescription`` keys of protected resources and ``UIBackgroundModes``
(https://developer.apple.com/documentation/bundleresources/information_property_list).

Signing facts come from ``embedded.mobileprovision``: a CMS/PKCS#7 SignedData (RFC 5652) whose
encapsulated content is an XML plist with ``DeveloperCertificates`` (DER X.509); those are the
certificates the app may be signed with and are reported with scheme ``ipa``.  The CMS signer's
certificates (Apple's provisioning-profile signing chain) are reported with scheme
``ipa-provision``.  The plist is located inside the CMS as the ``<?xml ... </plist>`` span, which is
how the profile content is embedded (an OCTET STRING holding the XML).  The Mach-O code signature
(``LC_CODE_SIGNATURE``) is not parsed: an app store build carries no mobileprovision, and then
no certificate is reported (with a warning).

``Frameworks/*.framework`` names are listed in ``native_libs``.  Only :class:`ScanError` escapes.
"""

from __future__ import annotations

import plistlib
import re
from pathlib import Path
from typing import Any
from xml.parsers.expat import ExpatError

from govapp.scanner.analysis import Collected, analyse, zip_texts
from govapp.scanner.apk import file_info
from govapp.scanner.capabilities import ios_capabilities
from govapp.scanner.errors import ScanError
from govapp.scanner.facts import Certificate, FileInfo, Identity, ScanResult, Signing
from govapp.scanner.hap import json_list, json_str
from govapp.scanner.limits import DEFAULT_LIMITS, Limits
from govapp.scanner.macho import code_signature_cms
from govapp.scanner.signing import cert_from_der, signer_certificates_from_pkcs7
from govapp.scanner.zip import ZipArchive

_INFO = re.compile(r"^Payload/([^/]+\.app)/Info\.plist$")
_FRAMEWORK = re.compile(r"^Payload/[^/]+\.app/Frameworks/([^/]+\.framework)/")
_TEXT_EXT = (".html", ".htm", ".js", ".json", ".strings", ".txt")
_MAX_PLIST = 8 * 1024 * 1024
_MAX_PROVISION = 4 * 1024 * 1024
_USAGE = re.compile(r"^(NS\w+UsageDescription|NFCReaderUsageDescription)$")


def _major(version: Any) -> int | None:
    text = json_str(version)
    if text is None:
        return None
    head = text.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _load_plist(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = plistlib.loads(data)
    # plistlib's own error (a ValueError), the XML parser's, and what its XML reader lets
    # through for a malformed structure (a <key> without a value, a bad date or integer ...)
    except (ValueError, ExpatError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise ScanError("bad_manifest", f"{what} is not a valid property list: {exc}") from None
    if not isinstance(value, dict):
        raise ScanError("bad_manifest", f"{what} is not a dictionary")
    return value


def provision_certificates(blob: bytes, warnings: list[str]) -> list[Certificate]:
    """Developer certificates (scheme ``ipa``) and CMS signer certificates (``ipa-provision``)."""
    certs: list[Certificate] = []
    start = blob.find(b"<?xml")
    end = blob.find(b"</plist>", start)
    if start < 0 or end < 0:
        warnings.append("embedded.mobileprovision holds no property list")
    else:
        try:
            profile = _load_plist(blob[start : end + len(b"</plist>")], "the provisioning profile")
            for der in json_list(profile.get("DeveloperCertificates")):
                if isinstance(der, bytes):
                    certs.append(cert_from_der(der, "ipa"))
        except ScanError as exc:
            warnings.append(str(exc))
    try:
        for der in signer_certificates_from_pkcs7(blob):
            certs.append(cert_from_der(der, "ipa-provision"))
    except ValueError as exc:
        warnings.append(f"embedded.mobileprovision is not valid CMS: {exc}")
    return certs


def _code_signers(
    zf: ZipArchive, base: str, plist: dict[str, Any], warnings: list[str]
) -> list[Certificate]:
    """The signer certificates of the main executable's code signature (scheme ``ipa``)."""
    exe = json_str(plist.get("CFBundleExecutable"))
    entry = zf.get(base + exe) if exe else None
    if entry is None:
        warnings.append("the main executable (CFBundleExecutable) is missing")
        return []
    try:
        cms = code_signature_cms(zf.iter_chunks(entry))
    except ScanError as exc:
        warnings.append(f"code signature not read: {exc}")
        return []
    if cms is None:
        warnings.append("the main executable has no code signature")
        return []
    try:
        return [cert_from_der(der, "ipa") for der in signer_certificates_from_pkcs7(cms)]
    except ValueError as exc:
        warnings.append(f"the code signature is not valid CMS: {exc}")
        return []


def scan_ipa(path: Path | str, *, limits: Limits = DEFAULT_LIMITS) -> ScanResult:
    """Scan one .ipa.  Only :class:`ScanError` escapes."""
    path = Path(path)
    with ZipArchive(path, limits=limits) as zf:
        return _scan(zf, file_info(path), limits)


def _scan(zf: ZipArchive, info: FileInfo, limits: Limits) -> ScanResult:
    warnings: list[str] = []
    names = zf.names()
    plists = sorted((n for n in names if _INFO.match(n)), key=len)
    if not plists:
        raise ScanError("no_manifest", "no Payload/<App>.app/Info.plist: this is not an iOS app")
    if len(plists) > 1:
        warnings.append(f"{len(plists)} apps under Payload/; the first one is scanned")
    info_name = plists[0]
    base = info_name[: -len("Info.plist")]
    plist = _load_plist(zf.read(info_name, max_size=_MAX_PLIST), info_name)
    result = ScanResult(
        file=info,
        kind="ipa",
        identity=Identity(
            package=json_str(plist.get("CFBundleIdentifier")),
            version_name=json_str(plist.get("CFBundleShortVersionString")),
            version_code=json_str(plist.get("CFBundleVersion")),
            app_name=json_str(plist.get("CFBundleDisplayName"))
            or json_str(plist.get("CFBundleName")),
            min_sdk=_major(plist.get("MinimumOSVersion")),
        ),
    )
    if result.identity.package is None:
        warnings.append("Info.plist has no CFBundleIdentifier")
    result.permissions = sorted(k for k in plist if isinstance(k, str) and _USAGE.match(k))
    modes = plist.get("UIBackgroundModes")
    result.background_modes = sorted(
        {m for m in modes if isinstance(m, str)} if isinstance(modes, list) else set()
    )
    frameworks = {m.group(1) for n in names if (m := _FRAMEWORK.match(n))}
    result.native_libs = sorted(frameworks)
    texts = [n for n in names if n.startswith(base) and n.lower().endswith(_TEXT_EXT)]
    collected = Collected(capabilities=ios_capabilities(plist), texts=zip_texts(zf, texts))
    analyse(result, collected, limits=limits, warnings=warnings)
    # Signing facts from the provisioning profile.
    provision = base + "embedded.mobileprovision"
    certs: list[Certificate] = []
    if zf.get(provision) is not None:
        try:
            certs = provision_certificates(zf.read(provision, max_size=_MAX_PROVISION), warnings)
        except ScanError as exc:
            warnings.append(f"{provision} cannot be read: {exc}")
    else:
        warnings.append("no embedded.mobileprovision (an App Store build)")
    signers = _code_signers(zf, base, plist, warnings)
    if signers:
        # The executable's code signature names the actual signer; the profile's developer
        # certificates are then reported apart (a profile may list several).
        certs = signers + [
            c.model_copy(update={"scheme": "ipa-profile"}) if c.scheme == "ipa" else c
            for c in certs
        ]
    unique: dict[tuple[str, str], Certificate] = {}
    for cert in certs:
        unique.setdefault((cert.scheme, cert.sha256), cert)
    result.signing = Signing(
        schemes=["ipa"] if any(c.scheme == "ipa" for c in unique.values()) else [],
        certificates=list(unique.values()),
    )
    if base + "_CodeSignature/CodeResources" not in names:
        warnings.append("the app has no _CodeSignature/CodeResources: it may be unsigned")
    result.warnings = list(dict.fromkeys(zf.warnings + warnings))
    return result
