"""v1 / v2 / v3 signatures."""

from __future__ import annotations

import contextlib
import hashlib
import random
import struct
from pathlib import Path

import pytest

from govapp.scanner.errors import ScanError
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


def _name_cert(name_der_patch: tuple[bytes, bytes] | None = None, **kw: object) -> bytes:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, str(kw.get("org", "政务, 示例+部门"))),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, "it@example.gov.cn"),
            x509.NameAttribute(NameOID.COMMON_NAME, str(kw.get("cn", " #lead and trail "))),
        ]
    )
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Issuing CA")])
    der = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(int(str(kw.get("serial", 2**70 + 5))))
        .not_valid_before(datetime.datetime(2024, 2, 29, 8, 30, 1))
        .not_valid_after(datetime.datetime(2051, 1, 1))
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    if name_der_patch:
        assert name_der_patch[0] in der
        der = der.replace(*name_der_patch)
    return der


@pytest.mark.parametrize(
    "der_patch",
    [
        None,
        (b"\x13\x02CN", b"\x0c\x02CN"),  # UTF8String country
        (b"\x0c\x0aIssuing CA", b"\x14\x0aIssuing CA"),  # T61String
        (b"\x0c\x0aIssuing CA", b"\x1e\x0aIssuing CA"),  # BMPString (odd bytes): slow path
        (b"\x0c\x0aIssuing CA", b"\x0c\x0aIssuing \xff\xfe"),  # invalid UTF-8: empty facts
    ],
)
def test_certificate_fields_read_from_der_match_cryptography(
    der_patch: tuple[bytes, bytes] | None,
) -> None:
    """Subject, issuer, serial and validity read straight from the DER are exactly what
    cryptography reports (its rfc4514_string, serial_number and not_valid_*_utc)."""
    der = _name_cert(der_patch)
    fast = cert_from_der(der, "v2")
    slow = cert_from_der(der, "v2", fast=False)
    assert fast == slow
    if der_patch is None:
        assert fast.subject == (
            "CN=\\ #lead and trail\\ ,1.2.840.113549.1.9.1=it@example.gov.cn,"
            "O=政务\\, 示例\\+部门,C=CN"
        )
        assert fast.issuer == "CN=Issuing CA"
        assert fast.serial == format(2**70 + 5, "x")
        assert (fast.not_before, fast.not_after) == (
            "2024-02-29T08:30:01+00:00",
            "2051-01-01T00:00:00+00:00",
        )


def _fixture_certificates() -> list[bytes]:
    """Every signer certificate of the real fixture packages (when ../shared is there) and of
    the testkit's keys."""
    from govapp.scanner import signing as sg
    from govapp.scanner.testkit import make_signing_key
    from govapp.scanner.zip import ZipArchive

    ders = [make_signing_key(kind=k).cert_der for k in ("ec", "rsa")]
    root = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
    for path in sorted(root.glob("*/*.apk")):
        try:
            with ZipArchive(path) as zf:
                warnings: list[str] = []
                pairs = sg.read_apk_signing_block(zf, warnings=warnings) or {}
                for value in pairs.values():
                    ders += sg.certificates_from_scheme_block(value, "v2", warnings)
                for name in zf.names():
                    if name.startswith("META-INF/") and name.upper().endswith(
                        (".RSA", ".DSA", ".EC")
                    ):
                        with contextlib.suppress(ScanError, ValueError):
                            ders += sg.signer_certificates_from_pkcs7(zf.read(name))
        except ScanError:
            continue
    return list(dict.fromkeys(ders))


def test_ordinary_certificates_are_read_without_cryptography_and_agree_with_it() -> None:
    """The shape check that lets the scanner skip cryptography never accepts a certificate that
    cryptography rejects, and the fields read from the DER are cryptography's: on every fixture
    certificate and on thousands of random mutations of them."""
    from cryptography import x509

    from govapp.scanner.signing import _quick_fields, cert_from_der, ordinary_certificate

    ders = _fixture_certificates()
    assert ders and any(ordinary_certificate(d) for d in ders)
    rng = random.Random(20261130)
    accepted = 0
    for der in ders:
        variants = [der]
        for _ in range(120):
            i = rng.randrange(len(der))
            kind = rng.randrange(3)
            if kind == 0:
                variants.append(der[:i] + bytes([rng.randrange(256)]) + der[i + 1 :])
            elif kind == 1:
                variants.append(der[:i])
            else:
                variants.append(der[:i] + bytes([rng.randrange(256)]) + der[i:])
        for v in variants:
            if not (ordinary_certificate(v) and _quick_fields(v) is not None):
                continue
            accepted += 1
            x509.load_der_x509_certificate(v)  # cryptography must accept it too
            assert cert_from_der(v, "v1") == cert_from_der(v, "v1", fast=False)
    assert accepted > len(ders)  # some mutations (in names, serials, times) stay ordinary
