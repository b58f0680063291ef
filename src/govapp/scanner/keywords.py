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

import bisect
import heapq
import re
from collections import namedtuple
from collections.abc import Iterable, Iterator
from functools import lru_cache

from govapp.scanner.dex import DexFile
from govapp.scanner.facts import KeywordHit

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any, ClassVar, NamedTuple

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


if TYPE_CHECKING:  # typed for mypy; a collections.namedtuple at run time (no typing import)

    class Keyword(NamedTuple):
        term: str
        practice: str
        language: str  # zh | en
        requirement: str
        fp_risk: str  # low | medium | high
        note: str

else:
    Keyword = namedtuple(
        "Keyword", ("term", "practice", "language", "requirement", "fp_risk", "note")
    )


def load_keywords(text: str | None = None) -> list[Keyword]:
    """Parse keyword CSV text (the packaged ``keywords.csv`` when ``text`` is None).

    The scanner itself reads the same list parsed ahead of time (``_tables.py``, built from the
    CSV file by :mod:`govapp.scanner.tablegen`)."""
    import csv
    import io

    if text is None:
        from importlib import resources

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


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


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
        self._zh_pattern: re.Pattern[str] | None = None
        # English terms with their lower-case form without separators ("clockin")
        self._en_terms = [(k, _en_key(k.term)) for k in self.keywords if k.language == "en"]
        self._en_patterns: dict[tuple[Keyword, ...], re.Pattern[str]] = {}

    def _en_pattern(self, lowered: str) -> re.Pattern[str] | None:
        """The English pattern for a text (``lowered``: ASCII-lower-cased), built over only the
        terms that can occur in it: a match of a term, its separators removed, is the term's
        lower-case form, so a term whose form is not in the text without separators cannot
        match, and leaving it out of the (trie-ordered) alternation changes no match.  Most
        texts hold none or one or two terms: compiling a small pattern, or none, costs far less
        than compiling all the terms (cached per set of terms)."""
        squeezed = lowered.replace("_", "").replace("-", "").replace(" ", "")
        present = tuple(k for k, key in self._en_terms if key in squeezed)
        if not present:
            return None
        pattern = self._en_patterns.get(present)
        if pattern is None:
            if len(self._en_patterns) > 64:
                self._en_patterns.clear()
            en = _trie_regex(_en_atoms(_en_tokens(k.term)) for k in present)
            # Searched in an ASCII-lower-cased copy of the text (same length, so spans line
            # up); boundaries and camelCase steps are then checked on the original text.
            pattern = self._en_patterns[present] = re.compile(f"{en}s?")
        return pattern

    def _zh_matches(self, text: str) -> Iterator[tuple[int, int, Keyword]]:
        if not self._zh or text.isascii():  # every Chinese term is non-ASCII
            return
        if self._zh_pattern is None:
            self._zh_pattern = re.compile(
                _trie_regex([re.escape(ch) for ch in term] for term in self._zh)
            )
        for m in self._zh_pattern.finditer(text):
            yield m.start(), m.end(), self._zh[m.group(0)]

    def _en_keyword(self, matched: str) -> Keyword | None:
        key = _en_key(matched)
        kw = self._en.get(key)
        if kw is None and key.endswith("s"):
            kw = self._en.get(key[:-1])
        return kw

    def _en_matches(self, text: str) -> Iterator[tuple[int, int, Keyword]]:
        if not self._en_terms:
            return
        lowered = text.translate(_ASCII_LOWER)
        pattern = self._en_pattern(lowered)
        if pattern is None:
            return
        search = pattern.search
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
    from govapp.scanner._tables import KEYWORDS

    return tuple(Keyword(*row) for row in KEYWORDS)


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


# -- DEX string tables -----------------------------------------------------------------------

_ESCAPED_CJK = re.compile(rb"\\u[4-9][0-9a-fA-F]{3}")
_CJK_LEADS = tuple(bytes([b]) for b in range(0xE4, 0xEA))
# Walking the strings that hold CJK bytes one by one costs about a microsecond each, a regex pass
# about ten nanoseconds a byte: beyond one such string per 128 bytes the pass is cheaper.
_CJK_SPAN_SHIFT = 7


def _cjk_spans(block: bytes, limit: int) -> dict[int, int] | None:
    """``{start: end}`` of the NUL-delimited strings of ``block`` that hold a byte 0xE4-0xE9 (a
    CJK character's UTF-8 lead byte), found with memchr-speed ``find``; None when there are more
    than ``limit`` of them (then a single regex pass over the block is cheaper)."""
    spans: dict[int, int] = {}
    n = len(block)
    for lead in _CJK_LEADS:
        i = block.find(lead)
        while i >= 0:
            start = block.rfind(b"\x00", 0, i) + 1
            end = block.find(b"\x00", i)
            if end < 0:
                end = n
            spans[start] = end
            if len(spans) > limit:
                return None
            i = block.find(lead, end)
    return spans


class _LazyPattern:
    """A bytes pattern compiled on its first use (most terms never occur in a package)."""

    __slots__ = ("_compiled", "source")

    def __init__(self, source: bytes) -> None:
        self.source = source
        self._compiled: re.Pattern[bytes] | None = None

    def finditer(self, data: bytes) -> Iterator[re.Match[bytes]]:
        if self._compiled is None:
            self._compiled = re.compile(self.source)
        return self._compiled.finditer(data)


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
            (b"".join(tokens), _LazyPattern(b"[_\\- ]?".join(re.escape(t) for t in tokens)))
            for tokens in en_terms
            if tokens
        ]
        self._gates = _gate_groups(self._en, [tuple(tokens) for tokens in en_terms if tokens])
        self._zh_rx: re.Pattern[bytes] | None = None

    _cache: ClassVar[dict[int, tuple[KeywordScanner, _DexKeywordFilter | None]]] = {}

    @classmethod
    def cached(cls, scanner: KeywordScanner) -> _DexKeywordFilter | None:
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
    def for_scanner(cls, scanner: KeywordScanner) -> _DexKeywordFilter | None:
        keywords = scanner.keywords
        if not keywords:
            return None
        zh: list[bytes] = []
        en: list[list[bytes]] = []
        for kw in keywords:
            term = kw.term
            if not term:
                return None
            if kw.language == "en":
                en.append([t.lower().encode() for t in _CAMEL.findall(term)])
            else:
                zh.append(term.encode("utf-8"))
        return cls(zh, en)

    def positions(self, block: bytes) -> Iterator[int]:
        # Every Chinese term holds a CJK character, whose UTF-8 lead byte is 0xE4-0xE9: only the
        # strings holding one of those bytes (found by memchr, usually few) are searched.
        if self._zh_terms:
            yield from self._zh_positions(block)
        if b"\\u" in block:  # every match starts with it (a memchr-speed test first)
            for m in _ESCAPED_CJK.finditer(block):
                yield m.start()
        if self._en:
            yield from self._en_positions(block)

    def _zh_regex(self) -> re.Pattern[bytes]:
        if self._zh_rx is None:
            self._zh_rx = re.compile(b"|".join(re.escape(t) for t in self._zh_terms))
        return self._zh_rx

    def _zh_positions(self, block: bytes) -> Iterator[int]:
        """A position inside every string of ``block`` that holds a Chinese term (at least)."""
        spans = _cjk_spans(block, max(64, len(block) >> _CJK_SPAN_SHIFT))
        if spans is None:  # Chinese text everywhere: one alternation pass over the whole block
            for m in self._zh_regex().finditer(block):
                yield m.start()
            return
        if not spans:
            return
        starts = sorted(spans)
        # The strings with CJK bytes, joined by NUL (no term holds a NUL), and where each begins
        sub = b"\x00".join(block[s : spans[s]] for s in starts)
        at: list[int] = []
        pos = 0
        for s in starts:
            at.append(pos)
            pos += spans[s] - s + 1
        # A few strings: a find per term over them costs less than compiling the alternation.
        for term in self._zh_terms:
            i = sub.find(term)
            while i >= 0:
                k = bisect.bisect_right(at, i) - 1
                yield starts[k] + (i - at[k])
                i = sub.find(term, spans[starts[k]] - starts[k] + at[k] + 1)  # the next string

    def _en_positions(self, block: bytes) -> Iterator[int]:
        lowered = block.lower()
        squeezed = lowered.translate(None, b"_- ")
        # In a large block a present gate usually occurs a handful of times: its members are
        # then tested at those occurrences only instead of by a search of the whole block.
        limit = len(squeezed) >> 9
        for gate, members in self._gates:
            at = squeezed.find(gate)
            if at < 0:
                continue
            found = _occurrences(squeezed, gate, at, limit) if len(members) > 1 else None
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


def _occurrences(data: bytes, gate: bytes, first: int, limit: int) -> list[int] | None:
    """Where ``gate`` occurs in ``data`` (``first`` is its first occurrence), or None when the
    block is small (``limit`` < 4) or it occurs more than ``limit`` times: then whole-block
    searches are cheaper."""
    if limit < 4:
        return None
    found = [first]
    at = first
    while len(found) <= limit:
        at = data.find(gate, at + 1)
        if at < 0:
            return found
        found.append(at)
    return None


_Term = tuple[bytes, "_LazyPattern"]
_Plan = tuple[tuple[bytes | None, tuple[int, ...]], ...]


def gate_plan(terms: tuple[tuple[bytes, ...], ...]) -> _Plan:
    """Group the English terms (their lower-case camelCase tokens) under shared "gate"
    substrings (``count`` for ``likecount``, ``votecount``, ``sharecount`` ...): a term can only
    be present where its gate is, so one substring test rules out a whole group.  Gates are
    chosen greedily among the terms' own tokens of four letters or more that several terms
    contain; other terms gate themselves (``None``).  Returns ``(gate, term indexes)`` pairs; the
    plan of the packaged list is computed ahead of time (``_tables.EN_GATES``)."""
    joined = [b"".join(t) for t in terms]
    left = list(range(len(joined)))
    plan: list[tuple[bytes | None, tuple[int, ...]]] = []
    candidates = sorted({tok for t in terms for tok in t if len(tok) >= 4})
    while True:
        best: tuple[int, int, bytes] | None = None
        for gate in candidates:
            n = sum(1 for i in left if gate in joined[i])
            if n >= 2 and (best is None or (n, len(gate)) > best[:2]):
                best = (n, len(gate), gate)
        if best is None:
            break
        gate = best[2]
        plan.append((gate, tuple(i for i in left if gate in joined[i])))
        left = [i for i in left if gate not in joined[i]]
    plan.extend((None, (i,)) for i in left)
    return tuple(plan)


def _gate_groups(
    terms: list[_Term], tokens: list[tuple[bytes, ...]]
) -> list[tuple[bytes, list[_Term]]]:
    """The groups of :func:`gate_plan` (``tokens``: each term's tokens), with the terms."""
    key = tuple(tokens)
    from govapp.scanner import _tables

    plan = _tables.EN_GATES if key == _tables.EN_TOKENS else gate_plan(key)
    # A term that gates itself is its own gate (the very object: tested with ``is``).
    return [
        (terms[idx[0]][0] if gate is None else gate, [terms[i] for i in idx]) for gate, idx in plan
    ]


def dex_keyword_hits(scanner: KeywordScanner, dex: DexFile) -> list[KeywordHit]:
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
    return scanner.scan_strings(strings, dex.name)
