"""Banned-practice keyword search."""

from __future__ import annotations

from pathlib import Path

from govapp.scanner.errors import ScanError
from govapp.scanner.keywords import (
    PRACTICES,
    KeywordScanner,
    default_scanner,
    keyword_info,
    load_keywords,
    merge_hits,
)
from govapp.scanner.zip import ZipArchive


def _terms(text: str) -> list[str]:
    return [h.term for h in default_scanner().scan_text(text, "f.js")]


def test_packaged_list_covers_every_practice() -> None:
    kws = load_keywords()
    assert {k.practice for k in kws} == set(PRACTICES)
    assert len({k.term for k in kws}) == len(kws), "terms are unique"
    info = keyword_info("积分排名")
    assert info is not None and info.requirement == "R-20" and info.fp_risk == "low"


def test_chinese_terms_longest_wins_and_practice_is_set() -> None:
    hits = default_scanner().scan_text(
        "请每日上班打卡，并查看积分排名与学习时长。", "pages/index/index.js"
    )
    assert [(h.term, h.practice) for h in hits] == [
        ("上班打卡", "clock_in"),
        ("积分排名", "ranking"),
        ("学习时长", "duration"),
    ]
    assert all(h.where == "pages/index/index.js" for h in hits)


def test_english_word_and_camel_case_boundaries() -> None:
    assert _terms("userClockIn();") == ["clockIn"]
    assert _terms("CLOCK_IN = 1") == ["clockIn"]
    assert _terms("clock-in time") == ["clockIn"]
    assert _terms("ClockInActivity") == ["clockIn"]
    assert _terms("getRankings()") == ["ranking"]
    assert _terms("RANKING_LIST") == ["ranking"]
    assert _terms("checkInStatus") == ["checkIn"]
    assert _terms("clockinator pranking XMLRanking rankingx") == []
    assert _terms("ClockInfo") == []


def test_platform_descriptors_are_not_app_text() -> None:
    text = "\x00FLandroid/service/notification/NotificationListenerService$RankingMap;\x00"
    assert _terms(text) == []
    assert _terms(text + "\x08getRanking") == ["ranking"]


def test_context_is_short_and_single_line() -> None:
    text = "x" * 100 + "\n第一行\r\n上传照片\t到平台\n" + "y" * 100
    (hit,) = default_scanner().scan_text(text, "a.html")
    assert hit.term == "上传照片"
    assert "\n" not in hit.context and "\r" not in hit.context and "\t" not in hit.context
    assert len(hit.context) <= 4 + 2 * 20
    assert "第一行" in hit.context


def test_dedupe_per_term_and_cap() -> None:
    assert _terms("打卡 打卡 打卡 考勤 打卡") == ["打卡", "考勤"]
    scanner = KeywordScanner(max_hits=2)
    assert len(scanner.scan_text("打卡 考勤 排行榜 安装率", "x")) == 2
    merged = merge_hits(
        default_scanner().scan_text("打卡", "a") + default_scanner().scan_text("打卡 考勤", "a")
    )
    assert [(h.term, h.where) for h in merged] == [("打卡", "a"), ("考勤", "a")]


def test_bytes_unicode_escapes_and_invalid_utf8() -> None:
    data = b"var t='\\u6253\\u5361';" + b"\xff\xfe" + "安装率".encode()
    hits = default_scanner().scan_bytes(data, "classes.dex")
    assert [h.term for h in hits] == ["打卡", "安装率"]


def test_risk_filter() -> None:
    low_only = KeywordScanner(risks=("low",))
    assert [h.term for h in low_only.scan_text("积分 签到 积分排名", "x")] == ["积分排名"]


def test_empty_and_plain_texts() -> None:
    assert _terms("") == []
    assert _terms("The quick brown fox jumps over the lazy dog. 今天天气很好。") == []


def test_false_positives_on_real_fixture_packages(shared_fixtures: Path) -> None:
    """The fixtures are not government apps: every hit is a false positive.

    Measured over every entry of every fixture package (about 9 MB): three hits, all from
    medium/high-risk English terms (``signIn`` in Google Play services resource names listed in
    two signature manifests, ``ranking`` in a ``rankingMap`` identifier).  Low-risk terms must stay
    silent; the total must not grow.
    """
    scanner = default_scanner()
    hits = []
    scanned = 0
    for path in sorted(shared_fixtures.glob("*/*.apk")):
        try:
            with ZipArchive(path) as zf:
                for entry in zf.entries:
                    try:
                        data = zf.read(entry, max_size=8 << 20)
                    except ScanError:
                        continue
                    scanned += len(data)
                    hits.extend(scanner.scan_bytes(data, f"{path.name}!{entry.name}"))
        except ScanError:
            continue
    assert scanned > 1_000_000
    risks = {h.term: getattr(keyword_info(h.term), "fp_risk", "?") for h in hits}
    assert "low" not in risks.values(), hits
    assert len(hits) <= 3, hits


def test_string_table_context_stays_inside_one_string() -> None:
    strings = ["现场照片", "本月学习时长排行榜", "请完成每日打卡签到", "userClockIn"]
    hits = default_scanner().scan_strings([s.encode() for s in strings], "classes.dex")
    context = {h.term: h.context for h in hits}
    assert context["打卡签到"] == "请完成每日打卡签到"
    assert context["现场照片"] == "现场照片"
    assert context["clockIn"] == "userClockIn"
    # A long string still gives at most CONTEXT characters either side, from that string only.
    long = "甲" * 30 + "打卡签到" + "乙" * 30
    (hit,) = default_scanner().scan_strings([b"neighbour", long.encode(), b"next"], "x.dex")
    assert hit.context == "甲" * 20 + "打卡签到" + "乙" * 20


def test_separator_bounds_context_in_scan_text() -> None:
    (hit,) = default_scanner().scan_text("aaa\x00请打卡签到\x00bbb", "x", separator="\x00")
    assert hit.context == "请打卡签到"
    (hit,) = default_scanner().scan_text("aaa\x00请打卡签到\x00bbb", "x")
    assert hit.context == "aaa 请打卡签到 bbb"  # without a separator: plain ±20 characters


def _string_block(strings: list[str]) -> bytes:
    """DEX string data: ULEB128 length, UTF-8 bytes, NUL; one string after another."""
    out = bytearray()
    for s in strings:
        n = len(s)
        while True:
            byte = n & 0x7F
            n >>= 7
            out.append(byte | (0x80 if n else 0))
            if not n:
                break
        out += s.encode() + b"\x00"
    return bytes(out)


def _strings_at(block: bytes, positions: list[int]) -> set[int]:
    return {block.rfind(b"\x00", 0, p) + 1 for p in positions}


def test_dex_prefilter_finds_every_string_with_a_chinese_term() -> None:
    """The Chinese part of the DEX prefilter walks only the strings holding CJK bytes, or makes
    one pass over the block when they are many; either way every string that holds a term (and
    only those, for the Chinese terms) is found, as a brute-force search finds them."""
    from govapp.scanner import keywords

    scanner = default_scanner()
    prefilter = keywords._DexKeywordFilter.for_scanner(scanner)
    assert prefilter is not None
    zh_terms = [k.term for k in scanner.keywords if k.language == "zh"]
    filler = ["Lcom/example/Foo;", "getValue", "你好世界", "版本号", "ok", "数据" * 40]
    strings: list[str] = []
    for i in range(3000):
        strings.append(filler[i % len(filler)])
        if i % 97 == 0:
            strings.append(f"请{zh_terms[i % len(zh_terms)]}{i}")
    block = _string_block(strings)
    want: set[int] = set()
    start = 0
    for s in strings:
        stop = block.index(b"\x00", start)
        if any(t in s for t in zh_terms):
            want.add(start)
        start = stop + 1
    assert want
    few = block[: block.index("版本号".encode()) + 20]  # a block with few CJK strings
    for data, expect_fallback in ((block, True), (few, False)):
        limit = max(64, len(data) >> keywords._CJK_SPAN_SHIFT)
        assert (keywords._cjk_spans(data, limit) is None) is expect_fallback
        got = _strings_at(data, list(prefilter._zh_positions(data)))
        assert got == {s for s in want if s < len(data) and data.find(b"\x00", s) > 0}
