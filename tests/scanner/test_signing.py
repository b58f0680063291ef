"""v1 / v2 / v3 signatures."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import pytest

from govapp.scanner.signing import (
    cert_from_der,
    certificates_from_pkcs7,
    read_apk_signing_block,
    read_signing,
    signer_certificates_from_pkcs7,
)
from govapp.scanner.testkit import build_apk, make_signing_key
from govapp.scanner.zip import ZipArchive


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_all_schemes(tmp_path: Path, kind: str) -> None:
    key = make_signing_key(kind=kind)
    built = build_apk(tmp_path / "s.apk", signing=("v1", "v2", "v3"), key=key)
    with ZipArchive(built.path) as zf:
        info = read_signing(zf)
        pairs = read_apk_signing_block(zf)
    assert info.schemes == ["v1", "v2", "v3"]
    assert info.warnings == []
    assert [c.scheme for c in info.certificates] == ["v1", "v2", "v3"]
    assert {c.sha256 for c in info.certificates} == {key.cert_sha256}
    assert pairs is not None and set(pairs) == {0x7109871A, 0xF05368C0}


def test_cert_facts() -> None:
    key = make_signing_key()
    cert = cert_from_der(key.cert_der, "v2")
    assert cert.sha256 == hashlib.sha256(key.cert_der).hexdigest()
    assert cert.sha1 == hashlib.sha1(key.cert_der, usedforsecurity=False).hexdigest()
    assert cert.md5 == hashlib.md5(key.cert_der, usedforsecurity=False).hexdigest()
    assert cert.subject == "CN=govapp test signer,O=govapp,C=CN"
    assert cert.issuer == cert.subject
    assert cert.not_before == "2024-01-01T00:00:00+00:00"
    assert cert.not_after is not None and cert.serial
    broken = cert_from_der(b"\x30\x03\x02\x01\x01", "v1")
    assert broken.subject == "" and len(broken.sha256) == 64


def test_unsigned_and_v1_only(tmp_path: Path) -> None:
    built = build_apk(tmp_path / "u.apk", signing=())
    with ZipArchive(built.path) as zf:
        info = read_signing(zf)
        assert read_apk_signing_block(zf) is None
    assert info.schemes == [] and info.certificates == []
    built = build_apk(tmp_path / "v1.apk", signing=("v1",))
    with ZipArchive(built.path) as zf:
        info = read_signing(zf)
        blob = zf.read("META-INF/CERT.EC")
    assert info.schemes == ["v1"]
    assert certificates_from_pkcs7(blob) == signer_certificates_from_pkcs7(blob)
    with pytest.raises(ValueError):
        certificates_from_pkcs7(b"\x30\x80garbage")


def _block_bounds(path: Path) -> tuple[bytearray, int, int]:
    data = bytearray(path.read_bytes())
    magic = data.find(b"APK Sig Block 42")
    (size,) = struct.unpack_from("<Q", data, magic - 8)
    start = magic + 16 - size - 8
    return data, start, magic


def test_malformed_block_gives_warnings(tmp_path: Path) -> None:
    built = build_apk(tmp_path / "m.apk", signing=("v2",))
    data, start, magic = _block_bounds(built.path)
    # Size at the start differs from the size at the end.
    bad = bytearray(data)
    struct.pack_into("<Q", bad, start, 12)
    p = tmp_path / "size.apk"
    p.write_bytes(bytes(bad))
    with ZipArchive(p) as zf:
        info = read_signing(zf)
    assert info.schemes == [] and any("size at the start" in w for w in info.warnings)
    # Wrong magic: treated as not signed with v2.
    bad = bytearray(data)
    bad[magic : magic + 3] = b"XXX"
    p.write_bytes(bytes(bad))
    with ZipArchive(p) as zf:
        assert read_signing(zf).schemes == []
    # A damaged signer inside the v2 block.
    bad = bytearray(data)
    struct.pack_into("<I", bad, start + 8 + 12 + 4, 0xFFFFFF)
    p.write_bytes(bytes(bad))
    with ZipArchive(p) as zf:
        info = read_signing(zf)
    assert info.schemes == ["v2"] and info.certificates == [] and info.warnings


def test_damaged_v1_signature_file(tmp_path: Path) -> None:
    built = build_apk(
        tmp_path / "d.apk", signing=(), extra_entries={"META-INF/CERT.RSA": b"\x30\x82\xff\xff"}
    )
    with ZipArchive(built.path) as zf:
        info = read_signing(zf)
    assert info.schemes == ["v1"] and info.certificates == []
    assert any("not valid PKCS#7" in w for w in info.warnings)
