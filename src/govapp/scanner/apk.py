"""Scan an Android APK into :class:`~govapp.scanner.facts.ScanResult` facts.

The manifest is read from ``AndroidManifest.xml`` (binary XML, see :mod:`govapp.scanner.axml`),
labels and version names that are resource references are resolved through ``resources.arsc``,
the identifier tables of every ``classes*.dex`` are read with :mod:`govapp.scanner.dex`, and
signatures with :mod:`govapp.scanner.signing`.  The shared analysers (SDK catalogue, capability
mapping, keyword search) live in sibling modules written separately; they are imported lazily and
skipped when not installed yet.

Only :class:`ScanError` escapes; damage that still leaves something useful becomes a warning.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import re
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar, Literal

from govapp.scanner.axml import (
    TYPE_INT_BOOLEAN,
    TYPE_INT_DEC,
    TYPE_INT_HEX,
    ArscTable,
    XmlAttr,
    XmlElement,
    parse_axml,
)
from govapp.scanner.dex import DexFile
from govapp.scanner.errors import ScanError
from govapp.scanner.facts import (
    Capability,
    Component,
    FileInfo,
    Identity,
    KeywordHit,
    ScanResult,
    SdkHit,
    Signing,
)
from govapp.scanner.limits import DEFAULT_LIMITS, Limits
from govapp.scanner.signing import read_signing
from govapp.scanner.zip import ZipArchive

_DEX_NAME = re.compile(r"^classes(\d*)\.dex$")
_NATIVE_LIB = re.compile(r"^lib/[^/]+/[^/]+\.so$")
_TEXT_EXT = (".html", ".htm", ".js", ".json", ".xml", ".txt")
_PERMISSION_TAGS = ("uses-permission", "uses-permission-sdk-23", "uses-permission-sdk-m")
ComponentType = Literal["activity", "service", "receiver", "provider"]
_COMPONENT_TAGS: dict[str, ComponentType] = {
    "activity": "activity",
    "activity-alias": "activity",
    "service": "service",
    "receiver": "receiver",
    "provider": "provider",
}
_ARSC_LIMIT = 64 * 1024 * 1024


def optional_module(name: str) -> ModuleType | None:
    """Import ``govapp.scanner.<name>`` if it exists (it may be written by someone else later)."""
    full = f"govapp.scanner.{name}"
    loaded = sys.modules.get(full)
    if loaded is not None:
        return loaded
    if importlib.util.find_spec(full) is None:
        return None
    return importlib.import_module(full)


def file_info(path: Path) -> FileInfo:
    """Name, size and streamed SHA-256 of a file."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            size += len(chunk)
            digest.update(chunk)
    return FileInfo(name=path.name, size=size, sha256=digest.hexdigest())


class _Clock:
    def __init__(self, limits: Limits) -> None:
        self.deadline = time.monotonic() + limits.max_seconds
        self.limit = limits.max_seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise ScanError("timeout", f"scanning took longer than the limit of {self.limit:g} s")


def scan_apk(
    path: Path, *, limits: Limits = DEFAULT_LIMITS, file: FileInfo | None = None
) -> ScanResult:
    """Scan one APK.  ``file`` may be passed when the caller has already hashed the file."""
    path = Path(path)
    clock = _Clock(limits)
    with ZipArchive(path, limits=limits) as zf:
        info = file if file is not None else file_info(path)
        return scan_apk_archive(zf, file=info, limits=limits, clock=clock)


def scan_apk_archive(
    zf: ZipArchive,
    *,
    file: FileInfo,
    limits: Limits = DEFAULT_LIMITS,
    clock: _Clock | None = None,
) -> ScanResult:
    """Scan an already opened APK archive."""
    clock = clock or _Clock(limits)
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

    # -- DEX -------------------------------------------------------------------------------
    dex_files: list[DexFile] = []
    for name in dex_names:
        try:
            data = zf.read(name, max_size=limits.max_dex_size)
            dex = DexFile(data, limits=limits, name=name)
        except ScanError as exc:
            warnings.append(f"{name} skipped: {exc}")
            continue
        del data
        dex_files.append(dex)
        warnings.extend(dex.warnings)
        clock.check()

    # -- shared analysers ------------------------------------------------------------------
    dex_types = [t for d in dex_files for t in d.type_descriptors()]
    component_names = [c.name for c in components]
    sdks = _run_sdks(dex_types, native, component_names, warnings)
    clock.check()
    caps = _run_capabilities(
        sorted({*permissions, *permissions_sdk23}),
        _chain_method_refs(dex_files),
        components,
        warnings,
        sdks,
    )
    clock.check()
    keywords = _run_keywords(zf, dex_files, limits, clock, warnings)

    warnings.extend(zf.warnings)
    # One validated construction instead of an assignment per field.
    return ScanResult(
        file=file,
        kind="apk",
        identity=identity,
        signing=signing,
        permissions=permissions,
        permissions_sdk23=permissions_sdk23,
        capabilities=sorted({c.id for c in caps}),
        capability_evidence=caps,
        components=components,
        native_libs=native_libs,
        dex_files=dex_names,
        sdks=sdks,
        keywords=keywords,
        warnings=list(dict.fromkeys(warnings)),
    )


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


# ------------------------------------------------------------------------------------------
# shared analysers (written by another engineer; optional until they exist)


def _chain_method_refs(dex_files: list[DexFile]) -> Iterator[str]:
    """Only the references that can betray a capability (looked up by class, not walked)."""
    mod = optional_module("capabilities")
    classes: frozenset[str] = frozenset(getattr(mod, "ANDROID_METHOD_CLASSES", ()))
    for d in dex_files:
        yield from d.method_refs_of(classes)


def _run_sdks(
    dex_types: list[str], native: list[str], components: list[str], warnings: list[str]
) -> list[SdkHit]:
    try:
        mod = optional_module("sdk")
        if mod is None:
            return []
        hits: list[SdkHit] = mod.match_sdks(
            dex_types=dex_types, native_libs=native, components=components
        )
        return hits
    except ScanError:
        raise
    except Exception as exc:
        warnings.append(f"SDK detection failed: {type(exc).__name__}: {exc}")
        return []


def _run_capabilities(
    permissions: list[str],
    method_refs: Iterable[str],
    components: list[Component],
    warnings: list[str],
    sdks: list[SdkHit] | None = None,
) -> list[Capability]:
    try:
        mod = optional_module("capabilities")
        if mod is None:
            return []
        caps: list[Capability] = mod.android_capabilities(
            permissions=permissions,
            method_refs=method_refs,
            components=components,
            sdks=sdks or [],
        )
        return caps
    except ScanError:
        raise
    except Exception as exc:
        warnings.append(f"capability analysis failed: {type(exc).__name__}: {exc}")
        return []


_CAMEL = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_ESCAPED_CJK = re.compile(rb"\\u[4-9][0-9a-fA-F]{3}")
_ANY_CJK = re.compile(rb"[\xe4-\xe9][\x80-\xbf]")
_CJK_LEADS = tuple(bytes([b]) for b in range(0xE4, 0xEA))


def _has_cjk(block: bytes) -> bool:
    """``_ANY_CJK.search(block)``, answered by a memchr per lead byte when none occurs at all."""
    return any(lead in block for lead in _CJK_LEADS) and _ANY_CJK.search(block) is not None


class _DexKeywordFilter:
    """Finds the few DEX strings worth handing to the keyword scanner.

    A regular-expression search over all of a large DEX's string data is slow in Python, so the
    strings that could hold a term are located first with C-speed primitives: Chinese terms with
    one literal alternation (whose first bytes are rare CJK lead bytes), English camelCase terms
    by a substring test on the lower-cased data with ``_``/``-``/space removed, and only for the
    terms present a per-term search for their positions.  The keyword scanner then applies its
    exact rules (word boundaries, case forms) to those strings only.
    """

    def __init__(self, zh_terms: list[bytes], en_terms: list[list[bytes]]) -> None:
        zh_sorted = sorted(set(zh_terms), key=len, reverse=True)
        self._zh_terms = zh_sorted
        self._en = [
            (b"".join(tokens), re.compile(b"[_\\- ]?".join(re.escape(t) for t in tokens)))
            for tokens in en_terms
            if tokens
        ]
        self._gates = _gate_groups(self._en, [t for tokens in en_terms for t in tokens])

    _cache: ClassVar[dict[int, tuple[Any, _DexKeywordFilter | None]]] = {}

    @classmethod
    def cached(cls, scanner: Any) -> _DexKeywordFilter | None:
        """The filter for ``scanner``, built once per scanner object."""
        hit = cls._cache.get(id(scanner))
        if hit is not None and hit[0] is scanner:
            return hit[1]
        built = cls.for_scanner(scanner)
        if len(cls._cache) > 8:
            cls._cache.clear()
        cls._cache[id(scanner)] = (scanner, built)
        return built

    @classmethod
    def for_scanner(cls, scanner: Any) -> _DexKeywordFilter | None:
        keywords = getattr(scanner, "keywords", None)
        if not keywords:
            return None
        zh: list[bytes] = []
        en: list[list[bytes]] = []
        for kw in keywords:
            term = getattr(kw, "term", None)
            if not isinstance(term, str) or not term:
                return None
            if getattr(kw, "language", "") == "en":
                en.append([t.lower().encode() for t in _CAMEL.findall(term)])
            else:
                zh.append(term.encode("utf-8"))
        return cls(zh, en)

    def positions(self, block: bytes) -> Iterator[int]:  # noqa: C901 (existing; split when next changed)
        # One C-speed scan tells whether the block holds any CJK text at all (most DEX string
        # data does not); only then is each Chinese term searched with bytes.find.
        if self._zh_terms and _has_cjk(block):
            for term in self._zh_terms:
                i = block.find(term)
                while i != -1:
                    yield i
                    i = block.find(term, i + len(term))
        if b"\\u" in block:  # every match starts with it (a memchr-speed test first)
            for m in _ESCAPED_CJK.finditer(block):
                yield m.start()
        if self._en:
            lowered = block.lower()
            squeezed = lowered.translate(None, b"_- ")
            # In a large block a present gate usually occurs a handful of times: its members are
            # then tested at those occurrences only instead of by a search of the whole block.
            limit = len(squeezed) >> 9
            for gate, members in self._gates:
                at = squeezed.find(gate)
                if at < 0:
                    continue
                found: list[int] | None = None
                if limit >= 4 and len(members) > 1:
                    found = [at]
                    while len(found) <= limit:
                        at = squeezed.find(gate, at + 1)
                        if at < 0:
                            break
                        found.append(at)
                    else:
                        found = None  # too many: whole-block searches are cheaper
                for joined, rx in members:
                    if joined is gate:
                        present = True
                    elif found is None:
                        present = joined in squeezed
                    else:
                        # An occurrence of ``joined`` holds the gate at offset ``k`` in it.
                        k = joined.find(gate)
                        present = any(i >= k and squeezed.startswith(joined, i - k) for i in found)
                    if present:
                        for m in rx.finditer(lowered):
                            yield m.start()


_Term = tuple[bytes, "re.Pattern[bytes]"]


def _gate_groups(terms: list[_Term], tokens: list[bytes]) -> list[tuple[bytes, list[_Term]]]:
    """Group the English terms under shared "gate" substrings (``count`` for ``likecount``,
    ``votecount``, ``sharecount`` ...): a term can only be present where its gate is, so one
    substring test rules out a whole group.  Gates are chosen greedily among the terms' own
    tokens of four letters or more that several terms contain; other terms gate themselves."""
    left = list(terms)
    groups: list[tuple[bytes, list[_Term]]] = []
    candidates = sorted({t for t in tokens if len(t) >= 4})
    while True:
        best: tuple[int, int, bytes] | None = None
        for gate in candidates:
            n = sum(1 for joined, _ in left if gate in joined)
            if n >= 2 and (best is None or (n, len(gate)) > best[:2]):
                best = (n, len(gate), gate)
        if best is None:
            break
        gate = best[2]
        groups.append((gate, [t for t in left if gate in t[0]]))
        left = [t for t in left if gate not in t[0]]
    groups.extend((t[0], [t]) for t in left)
    return groups


def dex_keyword_hits(scanner: Any, dex: DexFile) -> list[KeywordHit]:
    """Keyword hits in the string table of one DEX file.

    Only the strings that can hold a term are handed to the scanner (see
    :class:`_DexKeywordFilter`), as separate strings: a hit's context comes from the one DEX
    string that contains the term, never from its neighbours in the table.
    """
    block = dex.string_data()
    if not block:
        return []
    prefilter = _DexKeywordFilter.cached(scanner)
    if prefilter is not None:
        strings = dex.enclosing_strings(block, prefilter.positions(block))
    else:
        strings = dex.all_strings(block)
    if not strings:
        return []
    hits: list[KeywordHit] = scanner.scan_strings(strings, dex.name)
    return hits


def _is_text_asset(name: str) -> bool:
    if not (name.startswith(("assets/", "res/"))):
        return False
    return name.lower().endswith(_TEXT_EXT)


def _run_keywords(
    zf: ZipArchive,
    dex_files: list[DexFile],
    limits: Limits,
    clock: _Clock,
    warnings: list[str],
) -> list[KeywordHit]:
    try:
        mod = optional_module("keywords")
        if mod is None:
            return []
        factory = getattr(mod, "default_scanner", None)  # compiled once per process
        scanner = factory() if callable(factory) else mod.KeywordScanner()
    except Exception as exc:
        warnings.append(f"keyword search is unavailable: {type(exc).__name__}: {exc}")
        return []
    hits: list[KeywordHit] = []
    try:
        for dex in dex_files:
            hits.extend(dex_keyword_hits(scanner, dex))
            clock.check()
        skipped = 0
        for entry in zf.entries:
            if not _is_text_asset(entry.name):
                continue
            if entry.uncompressed_size > limits.max_text_scan_size:
                skipped += 1
                continue
            try:
                data = zf.read(entry, max_size=limits.max_text_scan_size)
            except ScanError as exc:
                warnings.append(f"{entry.name} not searched for keywords: {exc}")
                continue
            if data[:2] == b"\x03\x00":  # compiled binary XML, not text
                continue
            hits.extend(scanner.scan_text(data.decode("utf-8", "replace"), entry.name))
            clock.check()
        if skipped:
            warnings.append(
                f"{skipped} resource/asset text files larger than "
                f"{limits.max_text_scan_size} bytes were not searched for keywords"
            )
    except ScanError:
        raise
    except Exception as exc:
        warnings.append(f"keyword search failed: {type(exc).__name__}: {exc}")
    return hits
