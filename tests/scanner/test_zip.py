"""The central-directory ZIP reader."""

from __future__ import annotations

import io
import random
import struct
import time
import zipfile
from pathlib import Path

import pytest

from govapp.scanner.errors import ScanError
from govapp.scanner.limits import Limits
from govapp.scanner.zip import ZipArchive


def _zip(path: Path, files: dict[str, bytes], *, comment: bytes = b"", zip64: bool = False) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            method = zipfile.ZIP_STORED if name.endswith(".bin") else zipfile.ZIP_DEFLATED
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            with zf.open(info, "w", force_zip64=zip64) as fh:
                fh.write(data)
        zf.comment = comment
    return path


def test_reads_stored_and_deflated_entries(tmp_path: Path) -> None:
    files = {"a.txt": b"hello " * 1000, "b.bin": b"\x00\x01raw", "dir/c.xml": b"<x/>"}
    with ZipArchive(_zip(tmp_path / "t.zip", files)) as zf:
        assert zf.names() == list(files)
        assert zf.get("missing") is None
        for name, data in files.items():
            assert zf.read(name) == data
            assert b"".join(zf.iter_chunks(name, chunk_size=100)) == data
        entry = zf.get("a.txt")
        assert entry is not None and entry.method == 8 and entry.uncompressed_size == 6000
        assert zf.warnings == []


def test_zip64_and_max_sized_comment(tmp_path: Path) -> None:
    path = _zip(tmp_path / "z.zip", {"x.txt": b"data" * 10}, comment=b"c" * 0xFFFF, zip64=True)
    with ZipArchive(path) as zf:
        assert zf.read("x.txt") == b"data" * 10
        assert zf.eocd_offset == zf.file_size - 22 - 0xFFFF


def test_eocd_signature_inside_comment_is_not_fooled(tmp_path: Path) -> None:
    path = _zip(tmp_path / "c.zip", {"x.txt": b"ok"}, comment=b"PK\x05\x06" + b"\x00" * 30)
    with ZipArchive(path) as zf:
        assert zf.read("x.txt") == b"ok"


def test_not_a_zip(tmp_path: Path) -> None:
    bad = tmp_path / "bad.apk"
    bad.write_bytes(b"this is not a zip file at all" * 10)
    with pytest.raises(ScanError) as err:
        ZipArchive(bad)
    assert err.value.code == "not_a_zip"
    tiny = tmp_path / "tiny.apk"
    tiny.write_bytes(b"PK")
    with pytest.raises(ScanError):
        ZipArchive(tiny)


def test_missing_file_is_a_scan_error(tmp_path: Path) -> None:
    with pytest.raises(ScanError) as err:
        ZipArchive(tmp_path / "nope.apk")
    assert err.value.code == "unreadable"


def test_truncated_central_directory(tmp_path: Path) -> None:
    path = _zip(tmp_path / "t.zip", {"one.txt": b"1", "two.txt": b"2"})
    data = bytearray(path.read_bytes())
    eocd = data.rfind(b"PK\x05\x06")
    (cd_size,) = struct.unpack_from("<I", data, eocd + 12)
    struct.pack_into("<I", data, eocd + 12, cd_size + 5)  # the CD now overruns the end record
    struct.pack_into("<I", data, eocd + 16, struct.unpack_from("<I", data, eocd + 16)[0] - 5 + 5)
    path.write_bytes(bytes(data))
    with ZipArchive(path) as zf:
        assert "one.txt" in zf.names()
        assert any("central directory is truncated" in w for w in zf.warnings)
    # A central directory that starts beyond the file is a clear error.
    struct.pack_into("<I", data, eocd + 16, len(data) + 100)
    struct.pack_into("<I", data, eocd + 12, 10_000_000)
    path.write_bytes(bytes(data))
    with pytest.raises(ScanError) as err:
        ZipArchive(path)
    assert err.value.code == "truncated"


def test_nul_in_name_and_mismatched_method_are_tolerated(tmp_path: Path) -> None:
    path = _zip(tmp_path / "n.zip", {"evil.txt": b"x" * 100})
    data = bytearray(path.read_bytes())
    cd = data.find(b"PK\x01\x02")
    name_at = cd + 46
    data[name_at + 4] = 0  # "evil\0txt"
    struct.pack_into("<H", data, 8, 0)  # local header says "stored"
    path.write_bytes(bytes(data))
    with ZipArchive(path) as zf:
        assert zf.names() == ["evil"]
        assert zf.read("evil") == b"x" * 100  # the central directory's method wins
        text = " ".join(zf.warnings)
        assert "NUL byte" in text and "compression method" in text


def test_zip_bomb_is_cut_off_quickly(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    payload = bytes(64 * 1024 * 1024)
    _zip(bomb, {"bomb.txt": payload})
    start = time.perf_counter()
    with ZipArchive(bomb) as zf:
        with pytest.raises(ScanError) as err:
            zf.read("bomb.txt")
        assert err.value.code == "zip_bomb"
        with pytest.raises(ScanError):
            b"".join(zf.iter_chunks("bomb.txt"))
    assert time.perf_counter() - start < 5


def test_lying_declared_size_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "liar.zip"
    _zip(path, {"small.txt": bytes(4 * 1024 * 1024)})
    data = bytearray(path.read_bytes())
    cd = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, cd + 24, 10)  # declared uncompressed size: 10 bytes
    path.write_bytes(bytes(data))
    with ZipArchive(path) as zf, pytest.raises(ScanError) as err:
        zf.read("small.txt")
    assert err.value.code in {"zip_bomb", "entry_too_large"}


def test_limits(tmp_path: Path) -> None:
    path = _zip(tmp_path / "l.zip", {f"f{i}.txt": b"abc" * 100 for i in range(5)})
    with pytest.raises(ScanError) as err:
        ZipArchive(path, limits=Limits(max_entries=3))
    assert err.value.code == "too_many_entries"
    with ZipArchive(path, limits=Limits(max_entry_size=10)) as zf, pytest.raises(ScanError):
        zf.read("f0.txt")
    with ZipArchive(path, limits=Limits(max_total_uncompressed=700)) as zf:
        zf.read("f0.txt")
        zf.read("f1.txt")
        with pytest.raises(ScanError) as err:
            zf.read("f2.txt")
        assert err.value.code == "budget_exceeded"
    with ZipArchive(path) as zf, pytest.raises(ScanError):
        zf.read("f0.txt", max_size=5)


def test_unsupported_method_and_corrupt_data(tmp_path: Path) -> None:
    path = _zip(tmp_path / "m.zip", {"a.txt": b"hello world" * 50})
    data = bytearray(path.read_bytes())
    cd = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, cd + 10, 12)  # bzip2
    path.write_bytes(bytes(data))
    with ZipArchive(path) as zf, pytest.raises(ScanError) as err:
        zf.read("a.txt")
    assert err.value.code == "unsupported_method"
    struct.pack_into("<H", data, cd + 10, 8)
    start = 30 + len("a.txt")
    data[start : start + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    with ZipArchive(path) as zf, pytest.raises(ScanError):
        zf.read("a.txt")


def test_deflate_stream_round_trip_large(tmp_path: Path) -> None:
    rng = random.Random(7)
    raw = b"".join(rng.randbytes(1000) + bytes(3000) for _ in range(2500))  # 10 MB, ratio ~4
    path = _zip(tmp_path / "big.zip", {"big.dat": raw})
    with ZipArchive(path) as zf:
        buf = io.BytesIO()
        for chunk in zf.iter_chunks("big.dat", chunk_size=1 << 16):
            assert len(chunk) <= 1 << 16
            buf.write(chunk)
        assert buf.getvalue() == raw
