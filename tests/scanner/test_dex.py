"""DEX identifier tables."""

from __future__ import annotations

import pytest

from govapp.scanner.dex import DexFile, decode_mutf8
from govapp.scanner.errors import ScanError
from govapp.scanner.limits import Limits
from govapp.scanner.testkit import build_dex
from govapp.scanner.testkit.apk import encode_mutf8

METHODS = [
    "Landroid/location/LocationManager;->getLastKnownLocation",
    "Lcom/umeng/analytics/MobclickAgent;->onResume",
    "Lcn/gov/app/Main;->onCreate",
]


def test_tables() -> None:
    dex = DexFile(
        build_dex(strings=["上班打卡", "clockIn", "nul\x00inside", "emoji 😀"], methods=METHODS)
    )
    assert dex.version == "035"
    strings = set(dex.iter_strings())
    assert {"上班打卡", "clockIn", "nul\x00inside", "emoji 😀"} <= strings
    types = dex.type_descriptors()
    assert "Lcom/umeng/analytics/MobclickAgent;" in types and "V" in types
    refs = list(dex.method_refs())
    assert sorted(refs) == sorted(METHODS)
    assert dex.method_count == 3
    assert dex.warnings == []
    block = dex.string_data()
    assert "上班打卡".encode() in block and b"clockIn" in block
    assert dex.string(10_000) == ""


def test_enclosing_strings() -> None:
    dex = DexFile(build_dex(strings=["alpha clockIn beta", "other"]))
    block = dex.string_data()
    pos = block.find(b"clockIn")
    assert dex.enclosing_strings(block, [pos, pos + 2, -5, 10**9]) == [b"alpha clockIn beta"]
    seen: list[bytes] = []
    dex.scan_string_data(seen.append)
    assert seen == [block]


def test_mutf8() -> None:
    for text in ["plain", "中文", "a\x00b", "😀x", ""]:
        assert decode_mutf8(encode_mutf8(text)) == text
    assert decode_mutf8(b"\xed\xa0\x80") == "\ufffd"  # lone surrogate


def test_bad_input() -> None:
    with pytest.raises(ScanError):
        DexFile(b"not a dex file" * 10)
    with pytest.raises(ScanError):
        DexFile(b"dex\n035\x00")
    data = build_dex(methods=METHODS)
    with pytest.raises(ScanError):
        DexFile(data, limits=Limits(max_dex_size=100))
    dex = DexFile(data[: len(data) // 2])
    list(dex.method_refs())
    list(dex.iter_strings())
    dex.string_data()
    assert isinstance(dex.type_descriptors(), list)


def test_fill_to_size() -> None:
    data = build_dex(methods=METHODS, fill_to=2_000_000)
    assert len(data) > 1_500_000
    dex = DexFile(data)
    assert dex.method_count > 1000
    assert len(dex.type_descriptors()) > 1000
    assert len(dex.string_data()) > 200_000
