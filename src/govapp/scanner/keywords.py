"""Keyword search for the five banned practices (Measures Art. 16, R-19..R-23).

The term list is ``data/keywords.csv`` (term, practice, language, requirement, fp_risk, note).
All Chinese terms are compiled into one regular expression factored as a character trie, and all
English terms into another (searched in an ASCII-lower-cased copy, boundaries checked afterwards),
so a text is scanned twice whatever the number of terms (an Aho-Corasick-like cost, in C):

* Chinese terms are literals; at one position the longest term wins (``上班打卡`` over ``打卡``).
* English terms are written in camelCase (``clockIn``) and match on word / camelCase boundaries in
  any of the usual spellings: ``clockIn``, ``ClockIn``, ``userClockIn``, ``clock_in``,
  ``clock-in``, ``CLOCK_IN``, an optional plural ``s`` (``rankings``), but never inside a longer
  lower-case word (``clockinator``, ``pranking``).

Texts are searched as given; ``\\uXXXX`` escapes (minified JS, JSON) are decoded first.  Bytes
(DEX string data is MUTF-8, which is UTF-8 for everything but NUL and astral characters) are decoded
as UTF-8 with replacement.  Each hit carries a one-line context of 20 characters either side; for
a string table (``scan_strings``) the context comes only from the string that holds the term, never
from its neighbours.  Hits are deduplicated per (term, where) and capped per call.
"""

from __future__ import annotations

import csv
import heapq
import io
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from govapp.scanner.errors import ScanError
from govapp.scanner.facts import KeywordHit
from govapp.scanner.limits import Limits

if TYPE_CHECKING:
    from govapp.scanner.zip import ZipArchive

PRACTICES = (
    "clock_in",
    "ranking",
    "duration",
    "appraisal",
    "track",
    "photo_upload",
    "forced_login",
    "install_rate",
    "form_reporting",
    "commercial",
)
RISKS = ("low", "medium", "high")
CONTEXT = 20
DEFAULT_MAX_HITS = 50

_CAMEL = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_UESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_SPACE = re.compile(r"[\s\x00-\x1f\x7f]+")
_SEP = "[_\\- ]?"


@dataclass(frozen=True)
class Keyword:
    term: str
    practice: str
    language: str  # zh | en
    requirement: str
    fp_risk: str  # low | medium | high
    note: str


def load_keywords(text: str | None = None) -> list[Keyword]:
    """Parse keyword CSV text (the packaged ``keywords.csv`` when ``text`` is None)."""
    if text is None:
        text = resources.files("govapp.scanner.data").joinpath("keywords.csv").read_text("utf-8")
    out = []
    for row in csv.DictReader(io.StringIO(text)):
        kw = Keyword(
            row["term"],
            row["practice"],
            row["language"],
            row["requirement"],
            row["fp_risk"],
            row["note"],
        )
        if (
            kw.practice not in PRACTICES
            or kw.fp_risk not in RISKS
            or kw.language not in {"zh", "en"}
        ):
            raise ValueError(f"keywords.csv: bad row for {kw.term!r}")
        out.append(kw)
    return out


def _trie_regex(seqs: Iterable[list[str]]) -> str:
    """A regex matching any of the atom sequences, factored as a trie (longest first)."""
    trie: dict[str, Any] = {}
    for seq in seqs:
        node = trie
        for atom in seq:
            node = node.setdefault(atom, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = []
        end = False
        for atom in sorted(node, key=lambda a: (-len(a), a)):
            if atom == "":
                end = True
                continue
            branches.append(atom + build(node[atom]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return "(?:" + body + ")?"
        return body

    return build(trie)


def _en_tokens(term: str) -> list[str]:
    return [t.lower() for t in _CAMEL.findall(term)]


def _en_atoms(tokens: list[str]) -> list[str]:
    atoms: list[str] = []
    for i, tok in enumerate(tokens):
        if i:
            atoms.append(_SEP)
        atoms.extend(re.escape(ch) for ch in tok)
    return atoms


def _en_key(text: str) -> str:
    return text.lower().replace("_", "").replace("-", "").replace(" ", "")


def _en_end(text: str, start: int, end: int) -> int | None:
    """End of a valid English match at ``text[start:end]`` (a plural s may be dropped), or None.

    Left: no ASCII letter before, or a camelCase step (lower-case letter or digit, then the term
    starting upper-case).  Right: the next character is not an ASCII lower-case letter (an
    upper-case one starts the next camelCase word).
    """
    if start > 0:
        before = text[start - 1]
        if before.isascii() and before.isalnum() and not (before.islower() or before.isdigit()):
            return None  # an upper-case letter: inside an ALLCAPS word or mid-word
        if (
            before.isascii()
            and (before.islower() or before.isdigit())
            and not text[start].isupper()
        ):
            return None
    stops = (end, end - 1) if text[end - 1] in "sS" else (end,)
    for stop in stops:
        after = text[stop : stop + 1]
        if not (after.isascii() and after.islower()):
            return stop
    return None


# Type descriptors of the platform and of common runtimes: a term inside them (e.g. Android's
# ``NotificationListenerService$RankingMap``) is an API name, not the app's own text.
_PLATFORM_DESCRIPTORS = (
    "Landroid/",
    "Landroidx/",
    "Ljava/",
    "Ljavax/",
    "Ldalvik/",
    "Lkotlin/",
    "Lkotlinx/",
    "Lorg/json/",
    "Lorg/xml/",
    "Lorg/w3c/",
)
_DELIMITERS = frozenset("\x00\n\r\t ;\"'<>,()[]{}=\ufffd")


def _in_platform_descriptor(text: str, start: int) -> bool:
    i = start
    floor = max(0, start - 160)
    while i > floor and text[i - 1] not in _DELIMITERS:
        i -= 1
    token = text[i:start]
    return "L" in token and any(p in token for p in _PLATFORM_DESCRIPTORS)


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


class KeywordScanner:
    """Scan texts for banned-practice terms with one compiled pattern per script (zh, en)."""

    def __init__(
        self,
        keywords: list[Keyword] | None = None,
        *,
        risks: Iterable[str] = RISKS,
        max_hits: int = DEFAULT_MAX_HITS,
    ) -> None:
        wanted = set(risks)
        source = keywords if keywords is not None else _default_keywords()
        self.keywords = [k for k in source if k.fp_risk in wanted]
        self.max_hits = max_hits
        self._zh = {k.term: k for k in self.keywords if k.language == "zh"}
        self._en = {_en_key(k.term): k for k in self.keywords if k.language == "en"}
        zh = _trie_regex([re.escape(ch) for ch in term] for term in self._zh)
        self._zh_pattern = re.compile(zh) if self._zh else None
        en = _trie_regex(_en_atoms(_en_tokens(k.term)) for k in self.keywords if k.language == "en")
        # Searched in an ASCII-lower-cased copy of the text (same length, so spans line up);
        # boundaries and camelCase steps are then checked on the original text.
        self._en_pattern = re.compile(f"{en}s?") if self._en else None

    def _zh_matches(self, text: str) -> Iterator[tuple[int, int, Keyword]]:
        if self._zh_pattern is None:
            return
        for m in self._zh_pattern.finditer(text):
            yield m.start(), m.end(), self._zh[m.group(0)]

    def _en_keyword(self, matched: str) -> Keyword | None:
        key = _en_key(matched)
        kw = self._en.get(key)
        if kw is None and key.endswith("s"):
            kw = self._en.get(key[:-1])
        return kw

    def _en_matches(self, text: str) -> Iterator[tuple[int, int, Keyword]]:
        if self._en_pattern is None:
            return
        lowered = text.translate(_ASCII_LOWER)
        search = self._en_pattern.search
        pos = 0
        while (m := search(lowered, pos)) is not None:
            start, end = m.span()
            stop = _en_end(text, start, end)
            kw = self._en_keyword(text[start:stop]) if stop is not None else None
            if stop is not None and kw is not None and not _in_platform_descriptor(text, start):
                yield start, stop, kw
                pos = stop
            else:
                pos = start + 1

    def scan_text(self, text: str, where: str, *, separator: str | None = None) -> list[KeywordHit]:
        """Hits in ``text`` (one file, or several strings joined by ``separator``): one per term,
        in order of first appearance, at most ``max_hits``.

        With a ``separator`` the context of a hit never crosses it: it is taken from the one
        string that holds the term (``CONTEXT`` characters either side, within that string)."""
        if "\\u" in text:
            text = _UESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
        hits: list[KeywordHit] = []
        seen: set[str] = set()
        for start, end, kw in heapq.merge(self._zh_matches(text), self._en_matches(text)):
            if kw.term in seen:
                continue
            seen.add(kw.term)
            lo = max(0, start - CONTEXT)
            hi = end + CONTEXT
            if separator is not None:
                lo = max(lo, text.rfind(separator, 0, start) + 1)
                cut = text.find(separator, end)
                if 0 <= cut < hi:
                    hi = cut
            context = _SPACE.sub(" ", text[lo:hi]).strip()
            hits.append(
                KeywordHit(term=kw.term, practice=kw.practice, where=where, context=context)
            )
            if len(hits) >= self.max_hits:
                break
        return hits

    def scan_bytes(self, data: bytes, where: str) -> list[KeywordHit]:
        """Decode as UTF-8 (invalid bytes replaced) and scan."""
        return self.scan_text(data.decode("utf-8", errors="replace"), where)

    def scan_strings(self, strings: Iterable[bytes], where: str) -> list[KeywordHit]:
        """Scan separate strings (e.g. a DEX file's string table, MUTF-8/UTF-8 bytes without NUL
        bytes) as one text, each hit's context taken only from the string that contains it."""
        text = b"\x00".join(strings).decode("utf-8", errors="replace")
        return self.scan_text(text, where, separator="\x00")


@lru_cache(maxsize=1)
def _default_keywords_tuple() -> tuple[Keyword, ...]:
    return tuple(load_keywords())


def _default_keywords() -> list[Keyword]:
    return list(_default_keywords_tuple())


@lru_cache(maxsize=4)
def default_scanner(risks: tuple[str, ...] = RISKS) -> KeywordScanner:
    """A shared scanner over the packaged term list (compiled once per process)."""
    return KeywordScanner(risks=risks)


def keyword_info(term: str) -> Keyword | None:
    """Metadata (practice, requirement, false-positive risk) of a packaged term."""
    for k in _default_keywords_tuple():
        if k.term == term:
            return k
    return None


def merge_hits(hits: Iterable[KeywordHit], *, max_hits: int | None = None) -> list[KeywordHit]:
    """Deduplicate hits gathered from several calls per (term, where), keeping the first."""
    out: list[KeywordHit] = []
    seen: set[tuple[str, str]] = set()
    for h in hits:
        if (h.term, h.where) in seen:
            continue
        seen.add((h.term, h.where))
        out.append(h)
        if max_hits is not None and len(out) >= max_hits:
            break
    return out


def scan_zip_texts(
    zf: ZipArchive,
    names: Iterable[str],
    *,
    limits: Limits,
    scanner: KeywordScanner | None = None,
    where_prefix: str = "",
) -> tuple[list[KeywordHit], list[str]]:
    """Keyword hits in the named archive entries, and warnings for entries left unsearched.

    Entries above ``limits.max_text_scan_size`` are skipped (counted in one warning); unreadable
    entries get a warning each.  Only :class:`ScanError` from the archive is handled here.
    """
    scanner = scanner or default_scanner()
    hits: list[KeywordHit] = []
    warnings: list[str] = []
    skipped = 0
    for name in names:
        entry = zf.get(name)
        if entry is None:
            continue
        if entry.uncompressed_size > limits.max_text_scan_size:
            skipped += 1
            continue
        try:
            data = zf.read(entry, max_size=limits.max_text_scan_size)
        except ScanError as exc:
            warnings.append(f"{where_prefix}{name} not searched for keywords: {exc}")
            continue
        hits.extend(scanner.scan_bytes(data, where_prefix + name))
    if skipped:
        warnings.append(
            f"{skipped} text files larger than {limits.max_text_scan_size} bytes "
            "were not searched for keywords"
        )
    return hits, warnings
