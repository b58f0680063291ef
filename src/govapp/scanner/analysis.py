"""The one analysis step that every format reader ends with.

A reader (apk.py, aab.py, hap.py, ipa.py, miniprogram.py, quickapp.py) reads its own format's
tables into :class:`Collected`: capabilities mapped from the platform's own declarations, DEX
files, native libraries, components, JS modules, platform services found in the code, and the
text files to search.  :func:`analyse` then fills ``sdks``, ``capability_evidence``,
``capabilities`` and ``keywords`` of the result the same way for every format, within the
scanner's limits and time budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from govapp.scanner.capabilities import (
    ANDROID_METHOD_CLASSES,
    android_capabilities,
    android_tracking,
    capability_ids,
    merge_capabilities,
)
from govapp.scanner.dex import DexFile
from govapp.scanner.errors import ScanError
from govapp.scanner.facts import Capability, Component, KeywordHit, ScanResult, SdkHit
from govapp.scanner.keywords import KeywordScanner, default_scanner, dex_keyword_hits
from govapp.scanner.limits import Limits, MiB
from govapp.scanner.sdk import match_sdks, merge_sdk_hits
from govapp.scanner.zip import ZipArchive

BINARY_XML = b"\x03\x00"


class Clock:
    """The scan's time budget, checked between steps (the SIGALRM timer in detect.py is the
    hard stop; this one also works outside the main thread)."""

    def __init__(self, limits: Limits) -> None:
        self.deadline = time.monotonic() + limits.max_seconds
        self.limit = limits.max_seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise ScanError("timeout", f"scanning took longer than the limit of {self.limit:g} s")


class TextFiles:
    """Files to search for keywords: their names and sizes, and a bounded reader."""

    def __init__(
        self,
        sizes: dict[str, int],
        read: Callable[[str, int], bytes],
        where_prefix: str = "",
        head: Callable[[str, int], bytes] | None = None,
    ) -> None:
        self.sizes = sizes  # name -> uncompressed size
        self.read = read  # (name, max_size) -> bytes; raises ScanError
        self.where_prefix = where_prefix
        # (name, size) -> the first bytes, to skip compiled XML without inflating it
        self.head = head


def zip_texts(zf: ZipArchive, names: Iterable[str], *, where_prefix: str = "") -> TextFiles:
    """:class:`TextFiles` for the named entries of an archive (in the order given)."""
    sizes = {n: e.uncompressed_size for n in names if (e := zf.get(n)) is not None}
    return TextFiles(
        sizes, lambda name, max_size: zf.read(name, max_size=max_size), where_prefix, zf.head
    )


def zip_dex(zf: ZipArchive, names: Iterable[str]) -> DexFiles:
    """:class:`DexFiles` for the named entries of an archive (in the order given)."""
    sizes = {n: e.uncompressed_size for n in names if (e := zf.get(n)) is not None}
    return DexFiles(sizes, lambda name, max_size: zf.read(name, max_size=max_size))


class DexFiles:
    """The ``classes*.dex`` files of a package (in order), with their sizes and a reader."""

    def __init__(self, sizes: dict[str, int], read: Callable[[str, int], bytes]) -> None:
        self.sizes = sizes  # name -> declared uncompressed size
        self.read = read  # (name, max_size) -> bytes; raises ScanError


class Collected:
    """What a format reader found, for :func:`analyse` (plain classes here, not dataclasses:
    nothing on the APK path imports ``dataclasses``, see facts.py)."""

    def __init__(
        self,
        *,
        android_permissions: list[str] | None = None,
        capabilities: list[Capability] | None = None,
        dex: DexFiles | None = None,
        native_libs: list[str] | None = None,
        components: list[Component] | None = None,
        js_modules: list[str] | None = None,
        services: list[SdkHit] | None = None,
        texts: TextFiles | None = None,
    ) -> None:
        # Android only: requested permissions (normal and sdk-23), mapped with the DEX facts.
        self.android_permissions = android_permissions
        # already mapped by the reader
        self.capabilities: list[Capability] = capabilities if capabilities is not None else []
        self.dex = dex
        self.native_libs: list[str] = native_libs if native_libs is not None else []  # paths
        self.components: list[Component] = components if components is not None else []
        self.js_modules: list[str] = js_modules if js_modules is not None else []
        # platform services found in code
        self.services: list[SdkHit] = services if services is not None else []
        self.texts = texts


class _DexFacts:
    """What the DEX files of a package gave: types, method references and keyword hits."""

    def __init__(self) -> None:
        self.types: list[str] = []
        self.method_refs: list[tuple[str, str]] = []  # (ref, dex name)
        self.keywords: list[KeywordHit] = []


def _read_dex(
    dex: DexFiles,
    scanner: KeywordScanner,
    limits: Limits,
    clock: Clock,
    warnings: list[str],
) -> _DexFacts:
    """Everything needed from the DEX files, read one at a time: each file's bytes are dropped
    before the next is read, and together they may not exceed ``limits.max_dex_total``."""
    out = _DexFacts()
    total = 0
    skipped: list[str] = []
    for name, size in dex.sizes.items():
        if total + size > limits.max_dex_total:
            skipped.append(name)
            continue
        try:
            data = dex.read(name, min(limits.max_dex_size, limits.max_dex_total - total))
            total += len(data)
            parsed = DexFile(data, limits=limits, name=name)
        except ScanError as exc:
            warnings.append(f"{name} skipped: {exc}")
            continue
        del data
        warnings.extend(parsed.warnings)
        out.types.extend(parsed.type_descriptors())
        out.method_refs.extend((ref, name) for ref in parsed.method_refs_of(ANDROID_METHOD_CLASSES))
        out.keywords.extend(dex_keyword_hits(scanner, parsed))
        del parsed
        clock.check()
    if skipped:
        warnings.append(
            f"DEX files above the memory budget of {limits.max_dex_total // MiB} MiB for all "
            f"DEX files of a package were not read ({len(skipped)}: {', '.join(skipped[:5])}"
            f"{' ...' if len(skipped) > 5 else ''}): their SDKs, capabilities and keywords are "
            "missing [dex_budget_exceeded]"
        )
    return out


def analyse(
    result: ScanResult,
    collected: Collected,
    *,
    limits: Limits,
    warnings: list[str],
    clock: Clock | None = None,
) -> None:
    """Fill ``sdks``, ``capability_evidence``, ``capabilities`` and ``keywords`` of ``result``."""
    clock = clock or Clock(limits)
    scanner = default_scanner()
    dex = _DexFacts()
    if collected.dex is not None:
        dex = _read_dex(collected.dex, scanner, limits, clock, warnings)
    sdks = match_sdks(
        dex_types=dex.types,
        native_libs=collected.native_libs,
        components=[c.name for c in collected.components],
        js_modules=collected.js_modules,
    )
    if collected.services:
        sdks = merge_sdk_hits(sdks, collected.services)
    result.sdks = sdks
    clock.check()
    groups = [collected.capabilities]
    if collected.android_permissions is not None:
        android = android_capabilities(
            permissions=collected.android_permissions,
            method_refs=[ref for ref, _ in dex.method_refs],
            components=collected.components,
            sdks=sdks,
        )
        groups.append(android)
        groups.append(android_tracking(dex.method_refs, merge_capabilities(*groups)))
    caps = groups[0] if len(groups) == 1 else merge_capabilities(*groups)
    result.capability_evidence = caps
    result.capabilities = capability_ids(caps)
    clock.check()
    hits = dex.keywords
    if collected.texts is not None:
        hits.extend(_text_hits(scanner, collected.texts, limits, clock, warnings))
    result.keywords = hits


def _text_hits(
    scanner: KeywordScanner,
    texts: TextFiles,
    limits: Limits,
    clock: Clock,
    warnings: list[str],
) -> list[KeywordHit]:
    hits: list[KeywordHit] = []
    skipped = 0
    for name, size in texts.sizes.items():
        if size > limits.max_text_scan_size:
            skipped += 1
            continue
        try:
            if texts.head is not None and texts.head(name, 2) == BINARY_XML:
                continue  # compiled binary XML (res/*.xml of an APK), not text
            data = texts.read(name, limits.max_text_scan_size)
        except ScanError as exc:
            warnings.append(f"{texts.where_prefix}{name} not searched for keywords: {exc}")
            continue
        if data[:2] == BINARY_XML:  # compiled binary XML, not text
            continue
        hits.extend(scanner.scan_bytes(data, texts.where_prefix + name))
        clock.check()
    if skipped:
        warnings.append(
            f"{skipped} text files larger than {limits.max_text_scan_size} bytes "
            "were not searched for keywords"
        )
    return hits
