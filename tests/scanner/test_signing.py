"""v1 / v2 / v3 signatures."""

from __future__ import annotations

import contextlib
import hashlib
import random
import struct
import subprocess
import sys
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

    from govapp.scanner.signing import (
        _quick_fields,
        cert_from_der,
        length_not_der,
        ordinary_certificate,
    )

    ders = _fixture_certificates()
    assert ders and any(ordinary_certificate(d) for d in ders)
    rng = random.Random(20261130)
    accepted = rejected = 0
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
            if length_not_der(v):  # the reader says cryptography rejects it
                with pytest.raises(ValueError):
                    x509.load_der_x509_certificate(v)
                rejected += 1
            if not (ordinary_certificate(v) and _quick_fields(v) is not None):
                continue
            accepted += 1
            x509.load_der_x509_certificate(v)  # cryptography must accept it too
            assert cert_from_der(v, "v1") == cert_from_der(v, "v1", fast=False)
    assert accepted > len(ders)  # some mutations (in names, serials, times) stay ordinary
    assert rejected > 0  # and some make a length that is not DER


# --------------------------------------------------------------------------------------------
# Certificates decided without cryptography: DSA parameters, lengths that are not DER


def _enc(tag: int, body: bytes, *, long_form: bool = False) -> bytes:
    """One DER element; ``long_form`` writes its length with one octet more than DER allows."""
    n = len(body)
    size = n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")
    if n < 0x80 and not long_form:
        head = bytes([n])
    else:
        if long_form:
            size = (b"" if n < 0x80 else b"\x00") + size
        head = bytes([0x80 | len(size)]) + size
    return bytes([tag]) + head + body


def _not_der_variants(der: bytes) -> list[bytes]:
    """The certificate with, in turn, the length of the Certificate SEQUENCE, of each of its three
    elements and of each TBSCertificate element written in a long form one octet too long (the
    enclosing lengths re-encoded to match)."""
    from govapp.scanner.signing import _children, _tlv

    top = _tlv(der, 0, len(der))
    parts = _children(der, top)
    tbs_parts = _children(der, parts[0])

    def body(t: tuple[int, int, int, int, int]) -> bytes:
        return der[t[2] : t[3]]

    def build(outer_long: bool, part_long: int, tbs_long: int) -> bytes:
        tbs_body = b"".join(
            _enc(t[0], body(t), long_form=i == tbs_long) for i, t in enumerate(tbs_parts)
        )
        elements = [_enc(parts[0][0], tbs_body, long_form=part_long == 0)]
        elements += [_enc(t[0], body(t), long_form=part_long == i) for i, t in enumerate(parts)][1:]
        return _enc(top[0], b"".join(elements), long_form=outer_long)

    assert build(False, -1, -1) == der  # the rebuilding itself changes nothing
    variants = [build(True, -1, -1)]
    variants += [build(False, i, -1) for i in range(len(parts))]
    variants += [build(False, -1, i) for i in range(len(tbs_parts))]
    return variants


def test_fixture_certificates_are_decided_without_cryptography_and_as_cryptography_decides() -> (
    None
):
    """Every fixture certificate (apksig's DSA one with its Dss-Parms, and its RSA one whose
    signature length is not DER included) is read by the scanner's own reader, with exactly the
    facts that cryptography gives (fields when it loads, hashes only when it rejects)."""
    from cryptography import x509

    from govapp.scanner.signing import _quick_fields, length_not_der, ordinary_certificate

    ders = _fixture_certificates()
    root = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
    if root.is_dir():
        assert len(ders) >= 15  # 16 distinct fixture certificates and the testkit's two
    kinds = {"ordinary": 0, "not DER": 0}
    for der in ders:
        ordinary = ordinary_certificate(der) and _quick_fields(der) is not None
        assert ordinary or length_not_der(der), der.hex()  # no fixture needs cryptography
        if ordinary:
            kinds["ordinary"] += 1
            x509.load_der_x509_certificate(der)
        else:
            kinds["not DER"] += 1
            with pytest.raises(ValueError):
                x509.load_der_x509_certificate(der)
        assert cert_from_der(der, "v1") == cert_from_der(der, "v1", fast=False)
    if root.is_dir():
        assert kinds["not DER"] == 1  # apksig's v1-only-with-rsa-1024-cert-not-der
        dsa = [d for d in ders if bytes.fromhex("06072a8648ce3804013082") in d]
        assert dsa and all(ordinary_certificate(d) for d in dsa)


def test_a_length_that_is_not_der_is_rejected_by_cryptography_wherever_it_is_read() -> None:
    """For every fixture certificate and every element whose length the reader checks, a long
    form one octet too long makes cryptography reject the certificate, and the reader says so."""
    from cryptography import x509

    from govapp.scanner.signing import length_not_der

    checked = 0
    for der in _fixture_certificates():
        if length_not_der(der):
            continue
        assert not length_not_der(der)
        for variant in _not_der_variants(der):
            assert length_not_der(variant)
            with pytest.raises(ValueError):
                x509.load_der_x509_certificate(variant)
            assert cert_from_der(variant, "v1") == cert_from_der(variant, "v1", fast=False)
            assert cert_from_der(variant, "v1").subject == ""
            checked += 1
    assert checked > 10


def test_dsa_parameters_outside_the_ordinary_shape_go_to_cryptography() -> None:
    """Dss-Parms with a negative or non-minimal integer, or a fourth integer, are not accepted
    by the reader (cryptography decides them), and the facts still agree with cryptography."""
    from govapp.scanner.signing import ordinary_certificate

    ders = [d for d in _fixture_certificates() if bytes.fromhex("06072a8648ce380401") in d]
    if not ders:
        pytest.skip("the apksig DSA fixture is not available")
    der = ders[0]
    assert ordinary_certificate(der)
    p_at = der.index(bytes.fromhex("06072a8648ce3804013082")) + 9  # Dss-Parms SEQUENCE
    assert der[p_at + 4 : p_at + 8] == bytes.fromhex("02820101")  # p, 257 octets: 00 then high bit
    negative = der[: p_at + 8] + b"\x80" + der[p_at + 9 :]  # 00 -> 80: p negative
    non_minimal = der[: p_at + 9] + b"\x01" + der[p_at + 10 :]  # 00 01..: redundant zero octet
    for variant in (negative, non_minimal):
        assert not ordinary_certificate(variant)
        assert cert_from_der(variant, "v1") == cert_from_der(variant, "v1", fast=False)


def test_scanning_every_fixture_never_loads_cryptography(shared_fixtures: Path) -> None:
    code = (
        "import sys, glob\n"
        "from govapp.scanner import ScanError, scan_path\n"
        f"paths = sorted(glob.glob({str(shared_fixtures)!r} + '/*/*.apk'))\n"
        "for p in paths:\n"
        "    try:\n"
        "        scan_path(p)\n"
        "    except ScanError:\n"
        "        pass\n"
        "print(len(paths), any(m.split('.')[0] == 'cryptography' for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, loaded = out.stdout.split()
    assert int(count) >= 30
    assert loaded == "False"
