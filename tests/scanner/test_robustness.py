"""Hostile input: mutated real and built packages must only ever raise ScanError.

Hypothesis flips bytes, truncates, and overwrites the structures the scanner trusts most (end
record, central directory, manifest, DEX header and tables, APK Signing Block).  Every example
is scanned with a short time limit; the whole module stays well under a minute.
"""

from __future__ import annotations

import struct
import tempfile
import time
import zipfile
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govapp.scanner import ScanError, scan_path
from govapp.scanner.axml import ArscTable, parse_axml
from govapp.scanner.dex import DexFile
from govapp.scanner.limits import Limits
from govapp.scanner.testkit import build_apk, build_dex, encode_arsc, encode_axml, manifest_tree

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
LIMITS = Limits(max_seconds=10)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_TMP = Path(tempfile.mkdtemp(prefix="govapp-robust-"))


@cache
def built_apk() -> bytes:
    path = build_apk(
        _TMP / "base.apk",
        signing=("v1", "v2", "v3"),
        dex_strings=["上班打卡"],
        assets={"www/a.js": b"var rank = 1;"},
    ).path
    return path.read_bytes()


def _fixture_bytes() -> list[bytes]:
    names = ["apk/com.politedroid_4.apk", "apksig/golden-aligned-v1v2v3-out.apk"]
    return [(FIXTURES / n).read_bytes() for n in names if (FIXTURES / n).is_file()]


def _scan_bytes(data: bytes) -> None:
    with tempfile.NamedTemporaryFile(suffix=".apk", dir=_TMP, delete=False) as fh:
        fh.write(data)
        name = fh.name
    try:
        scan_path(name, limits=LIMITS)
    except ScanError as exc:
        # "internal" would mean an unexpected exception was caught by the safety net.
        assert exc.code != "internal", exc.message
        assert exc.message
    finally:
        Path(name).unlink()


def _regions(data: bytes) -> list[tuple[int, int]]:
    """Interesting byte ranges: EOCD, CD, signing block, first local entries."""
    n = len(data)
    eocd = data.rfind(b"PK\x05\x06")
    regions = [(max(0, eocd - 64), n), (0, min(n, 4096))]
    if eocd >= 0 and eocd + 20 <= n:
        cd_size, cd_off = struct.unpack_from("<II", data, eocd + 12)
        if cd_off < n:
            regions.append((cd_off, min(n, cd_off + cd_size)))
    magic = data.find(b"APK Sig Block 42")
    if magic > 0:
        regions.append((max(0, magic - 4096), magic + 16))
    return [(a, b) for a, b in regions if b > a]


@st.composite
def mutated(draw: st.DrawFn, source: bytes) -> bytes:
    data = bytearray(source)
    regions = _regions(source)
    for _ in range(draw(st.integers(1, 8))):
        lo, hi = draw(st.sampled_from(regions))
        pos = draw(st.integers(lo, hi - 1))
        kind = draw(st.sampled_from(["flip", "byte", "word", "zero"]))
        if kind == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte":
            data[pos] = draw(st.integers(0, 255))
        elif kind == "word" and pos + 4 <= len(data):
            value = draw(st.sampled_from([0, 1, 0x7FFFFFFF, 0xFFFFFFFF, len(data), len(data) + 1]))
            struct.pack_into("<I", data, pos, value)
        else:
            data[pos : pos + 16] = bytes(min(16, len(data) - pos))
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(data)))
        data = data[:cut]
    return bytes(data)


@SETTINGS
@given(st.data())
def test_mutated_built_apk(data: st.DataObject) -> None:
    _scan_bytes(data.draw(mutated(built_apk())))


@pytest.mark.skipif(not _fixture_bytes(), reason=f"../shared/fixtures is absent ({FIXTURES})")
@SETTINGS
@given(st.data())
def test_mutated_real_fixtures(data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(_fixture_bytes()))
    _scan_bytes(data.draw(mutated(source)))


@SETTINGS
@given(st.binary(max_size=2048), st.integers(0, 4000))
def test_random_bytes_inside_entries(junk: bytes, where: int) -> None:
    """Valid ZIP, garbage AXML/DEX/arsc/signature contents."""
    base = encode_axml(
        manifest_tree(
            package="p", version_name="1", version_code=1, min_sdk=1, target_sdk=1, label="x"
        )
    )
    axml = bytearray(base)
    at = where % max(1, len(axml))
    axml[at : at + len(junk)] = junk
    dex = bytearray(build_dex(methods=["La/B;->c"]))
    at = where % len(dex)
    dex[at : at + len(junk)] = junk
    path = _TMP / f"junk-{time.monotonic_ns()}.apk"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("AndroidManifest.xml", bytes(axml))
        zf.writestr("classes.dex", bytes(dex))
        zf.writestr("resources.arsc", junk + encode_arsc(["x"])[len(junk) :])
        zf.writestr("META-INF/CERT.RSA", junk)
    try:
        scan_path(path, limits=LIMITS)
    except ScanError as exc:
        assert exc.code != "internal", exc.message
    finally:
        path.unlink()


@SETTINGS
@given(st.binary(max_size=4096))
def test_parsers_on_raw_garbage(junk: bytes) -> None:
    for parse in (parse_axml, DexFile):
        try:
            obj = parse(junk)
        except ScanError:
            continue
        if isinstance(obj, DexFile):
            obj.type_descriptors()
            list(obj.method_refs())
            obj.string_data()
    ArscTable(junk).resolve_string(0x7F010000)


def test_zip_bomb_apk_is_quick(tmp_path: Path) -> None:
    path = tmp_path / "bomb.apk"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("AndroidManifest.xml", bytes(300 * 1024 * 1024))
        zf.writestr("classes.dex", b"dex\n035\x00" + bytes(300 * 1024 * 1024))
        zf.writestr("assets/a.json", bytes(100 * 1024 * 1024))
    start = time.perf_counter()
    result = scan_path(path)
    assert time.perf_counter() - start < 10
    text = " ".join(result.warnings)
    assert "zip bomb" in text or "limit" in text
