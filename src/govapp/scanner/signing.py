"""APK signatures: v1 (JAR signing) and the APK Signing Block (v2, v3, v3.1).

Sources:

* v1: JAR File Specification ("Signed JAR File"), with the signature block file
  ``META-INF/*.RSA|*.DSA|*.EC`` being a CMS/PKCS#7 ``SignedData`` (RFC 5652 section 5).
* APK Signing Block and v2: https://source.android.com/docs/security/features/apksigning/v2
  (block layout: ``uint64 size``, id-value pairs, ``uint64 size``, magic ``APK Sig Block 42``,
  placed immediately before the ZIP central directory; v2 block id ``0x7109871a``).
* v3 and v3.1: https://source.android.com/docs/security/features/apksigning/v3 (ids ``0xf05368c0``
  and ``0x1b93ad61``); the verity padding block ``0x42726577`` and the source stamp blocks
  (``0x6dff800d``, ``0x2b09189e``) are recognised and not reported as signing schemes.

Only certificate extraction is done here (hashes, subject, issuer, validity); signatures are not
verified.  Malformed structures produce warnings in plain words and never exceptions.  The DER
walker below is tolerant of BER (indefinite lengths), because the certificate bytes must be hashed
exactly as embedded, even when they are not strict DER.
"""

from __future__ import annotations

import hashlib
import re
import struct
import warnings as warnings_module

from govapp.scanner.errors import ScanError
from govapp.scanner.facts import Certificate
from govapp.scanner.zip import ZipArchive

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

APK_SIG_BLOCK_MAGIC = b"APK Sig Block 42"
V2_BLOCK_ID = 0x7109871A
V3_BLOCK_ID = 0xF05368C0
V31_BLOCK_ID = 0x1B93AD61
VERITY_PADDING_ID = 0x42726577
SOURCE_STAMP_V1_ID = 0x2B09189E
SOURCE_STAMP_V2_ID = 0x6DFF800D
_MAX_BLOCK = 64 * 1024 * 1024
_U32 = struct.Struct("<I")

_V1_SIG_FILE = re.compile(r"^META-INF/[^/]+\.(RSA|DSA|EC)$", re.IGNORECASE)


# --------------------------------------------------------------------------------------------
# A minimal BER/DER walker


class _Asn1Error(ValueError):
    pass


# An element is a plain tuple (fast to build; the walker runs for every v1 signature file):
# (tag, start, body, end, next): the first identifier octet (class, constructed bit, low tag
# number), the offset of the identifier octet, of the contents, just after the contents (before
# the end-of-contents octets of an indefinite form) and after the whole element.
_Tlv = tuple[int, int, int, int, int]
_TAG, _START, _BODY, _END, _NEXT = range(5)


def _tlv(data: bytes, pos: int, limit: int, depth: int = 0) -> _Tlv:
    if depth > 64:
        raise _Asn1Error("ASN.1 nesting too deep")
    if pos + 2 > limit:
        raise _Asn1Error("ASN.1 element runs past its container")
    tag = data[pos]
    i = pos + 1
    if tag & 0x1F == 0x1F:  # high tag number form
        while i < limit and data[i] & 0x80:
            i += 1
        i += 1
    if i >= limit:
        raise _Asn1Error("ASN.1 element runs past its container")
    first = data[i]
    i += 1
    if first < 0x80:
        end = i + first
    elif first == 0x80:
        if not tag & 0x20:
            raise _Asn1Error("indefinite length on a primitive element")
        j = i
        while True:
            if j + 2 > limit:
                raise _Asn1Error("missing end-of-contents")
            if data[j] == 0 and data[j + 1] == 0:
                return (tag, pos, i, j, j + 2)
            j = _tlv(data, j, limit, depth + 1)[_NEXT]
    else:
        nbytes = first & 0x7F
        if nbytes > 8 or i + nbytes > limit:
            raise _Asn1Error("bad ASN.1 length")
        end = i + nbytes + int.from_bytes(data[i : i + nbytes], "big")
        i += nbytes
    if end > limit:
        raise _Asn1Error("ASN.1 element runs past its container")
    return (tag, pos, i, end, end)


def _children(data: bytes, parent: _Tlv) -> list[_Tlv]:
    out: list[_Tlv] = []
    pos = parent[_BODY]
    end = parent[_END]
    while pos < end:
        child = _tlv(data, pos, end)
        out.append(child)
        pos = child[_NEXT]
    return out


_OID_SIGNED_DATA = bytes.fromhex("2a864886f70d010702")


class _SignedData:
    """What a PKCS#7 SignedData holds: certificates and signer info."""

    def __init__(self) -> None:
        self.certificates: list[bytes] = []
        self.signer_ids: list[tuple[bytes, bytes]] = []  # (issuer TLV, serial)


def _parse_signed_data(data: bytes) -> _SignedData:
    root = _tlv(data, 0, len(data))
    if root[_TAG] != 0x30:
        raise _Asn1Error(f"PKCS#7 data does not start with a SEQUENCE (tag 0x{root[_TAG]:02x})")
    parts = _children(data, root)
    if len(parts) < 2 or parts[0][_TAG] != 0x06:
        raise _Asn1Error("PKCS#7 ContentInfo has no content type")
    if data[parts[0][_BODY] : parts[0][_END]] != _OID_SIGNED_DATA:
        raise _Asn1Error("PKCS#7 content is not SignedData")
    wrapper = parts[1]
    if wrapper[_TAG] != 0xA0:
        raise _Asn1Error("PKCS#7 content is not explicitly tagged")
    inner = _children(data, wrapper)
    if not inner or inner[0][_TAG] != 0x30:
        raise _Asn1Error("PKCS#7 SignedData is not a SEQUENCE")
    result = _SignedData()
    for tag, start, body, end, nxt in _children(data, inner[0]):
        if tag == 0xA0:  # certificates [0] IMPLICIT SET OF CertificateChoices
            for cert in _children(data, (tag, start, body, end, nxt)):
                if cert[_TAG] == 0x30:
                    result.certificates.append(data[cert[_START] : cert[_NEXT]])
        elif tag == 0x31:  # digestAlgorithms or signerInfos; signerInfos is the last SET
            result.signer_ids = []
            for info in _children(data, (tag, start, body, end, nxt)):
                if info[_TAG] != 0x30:
                    continue
                fields = _children(data, info)
                if len(fields) >= 2 and fields[1][_TAG] == 0x30:
                    ias = _children(data, fields[1])
                    if len(ias) == 2:
                        issuer = data[ias[0][_START] : ias[0][_NEXT]]
                        serial = data[ias[1][_BODY] : ias[1][_END]]
                        result.signer_ids.append((issuer, serial))
    return result


def _issuer_and_serial(cert: bytes) -> tuple[bytes, bytes] | None:
    try:
        top = _tlv(cert, 0, len(cert))
        tbs = _children(cert, top)[0]
        fields = _children(cert, tbs)
        if fields and fields[0][_TAG] == 0xA0:  # [0] EXPLICIT version
            fields = fields[1:]
        serial = fields[0]
        issuer = fields[2]
        return cert[issuer[_START] : issuer[_NEXT]], cert[serial[_BODY] : serial[_END]]
    except (_Asn1Error, IndexError):
        return None


def certificates_from_pkcs7(data: bytes) -> list[bytes]:
    """Every certificate in a PKCS#7/CMS SignedData blob, as embedded (raises ValueError)."""
    return _parse_signed_data(data).certificates


def signer_certificates_from_pkcs7(data: bytes) -> list[bytes]:
    """The certificates that belong to the SignerInfos (chain certificates left out).

    When no SignerInfo can be matched by issuer and serial number, the first certificate is
    returned (it is the signer's in practice).  Raises ValueError on unreadable data.
    """
    sd = _parse_signed_data(data)
    if len(sd.certificates) <= 1:
        return sd.certificates[:1]  # matched or not, the one certificate is the answer
    chosen: list[bytes] = []
    ids: list[tuple[bytes, bytes] | None] | None = None
    for signer_id in sd.signer_ids:
        if ids is None:
            ids = [_issuer_and_serial(cert) for cert in sd.certificates]
        for cert, cert_id in zip(sd.certificates, ids, strict=True):
            if cert_id == signer_id and cert not in chosen:
                chosen.append(cert)
                break
    if not chosen and sd.certificates:
        chosen.append(sd.certificates[0])
    return chosen


# --------------------------------------------------------------------------------------------
# Certificates


# RFC 4514 short names that ``cryptography`` uses, by the DER contents of the attribute OID.
_SHORT_NAMES: dict[bytes, str] = {
    bytes.fromhex("550403"): "CN",
    bytes.fromhex("550407"): "L",
    bytes.fromhex("550408"): "ST",
    bytes.fromhex("55040a"): "O",
    bytes.fromhex("55040b"): "OU",
    bytes.fromhex("550406"): "C",
    bytes.fromhex("550409"): "STREET",
    bytes.fromhex("0992268993f22c640119"): "DC",  # 0.9.2342.19200300.100.1.25
    bytes.fromhex("0992268993f22c640101"): "UID",  # 0.9.2342.19200300.100.1.1
}
# Attribute value types whose contents cryptography reads as UTF-8 text: UTF8String,
# NumericString, PrintableString, T61String, IA5String, VisibleString.  Anything else (BMPString,
# UniversalString, BIT STRING, ...) goes the slow way through cryptography.
_TEXT_TAGS = frozenset({0x0C, 0x12, 0x13, 0x14, 0x16, 0x1A})


def _oid_dotted(body: bytes) -> str:
    """Dotted form of a (well-formed) DER OID body."""
    arcs: list[int] = []
    value = 0
    for b in body:
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(value)
            value = 0
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(a) for a in head + arcs[1:])


# Other attribute types seen in signing certificates (X.520 2.5.4.x, PKCS#9 emailAddress), shown
# by cryptography as dotted OIDs.  Any OID outside this table goes the slow way.
_DOTTED_NAMES: dict[bytes, str] = {
    oid: _oid_dotted(oid)
    for oid in [bytes([0x55, 0x04, n]) for n in range(0x80)] + [bytes.fromhex("2a864886f70d010901")]
    if oid not in _SHORT_NAMES
}


# A value without any of these is returned unchanged by _escape_dn_value.
_DN_SPECIAL = re.compile(r'[\\"+,;<>\0]|^[# ]| $')


def _escape_dn_value(val: str) -> str:
    """RFC 4514 escaping exactly as ``cryptography.x509.name._escape_dn_value`` does it."""
    if not val:
        return ""
    val = val.replace("\\", "\\\\")
    val = val.replace('"', '\\"')
    val = val.replace("+", "\\+")
    val = val.replace(",", "\\,")
    val = val.replace(";", "\\;")
    val = val.replace("<", "\\<")
    val = val.replace(">", "\\>")
    val = val.replace("\0", "\\00")
    if val[0] == "#" or (val[0] == " " and len(val) > 1):
        val = "\\" + val
    if val[-1] == " ":
        val = val[:-1] + "\\ "
    return val


def _rfc4514(der: bytes, name: _Tlv) -> str | None:
    """``Name.rfc4514_string()`` computed from the DER of a name that cryptography has already
    accepted, for the ordinary shape only (one text attribute per RDN); None otherwise, and the
    caller then asks cryptography."""
    if name[_TAG] != 0x30:
        return None
    parts: list[str] = []
    for rdn in _children(der, name):
        if rdn[_TAG] != 0x31:
            return None
        atvs = _children(der, rdn)
        if len(atvs) != 1 or atvs[0][_TAG] != 0x30:
            return None
        fields = _children(der, atvs[0])
        if len(fields) != 2 or fields[0][_TAG] != 0x06 or fields[1][_TAG] not in _TEXT_TAGS:
            return None
        oid = der[fields[0][_BODY] : fields[0][_END]]
        label = _SHORT_NAMES.get(oid) or _DOTTED_NAMES.get(oid)
        if label is None:
            return None
        try:
            value = der[fields[1][_BODY] : fields[1][_END]].decode("utf-8")
        except UnicodeDecodeError:
            return None
        parts.append(f"{label}={_escape_dn_value(value)}")
    if not parts:
        return None
    parts.reverse()
    return ",".join(parts)


def _time_text(der: bytes, tlv: _Tlv) -> str | None:
    """ISO 8601 text of a UTCTime / GeneralizedTime in its plain DER form ``...Z`` (as
    cryptography's ``not_valid_*_utc.isoformat()`` gives it), or None for any other form."""
    return _time_body(tlv[_TAG], der[tlv[_BODY] : tlv[_END]])


_LAST_DAY = (
    b"",
    b"31",
    b"28",
    b"31",
    b"30",
    b"31",
    b"30",
    b"31",
    b"31",
    b"30",
    b"31",
    b"30",
    b"31",
)
_UTC_FIELDS = struct.Struct("2s2s2s2s2s2s")  # YYMMDDHHMMSS
_GENERALIZED_FIELDS = struct.Struct("4s2s2s2s2s2s")  # YYYYMMDDHHMMSS


def _time_body(tag: int, body: bytes) -> str | None:
    """:func:`_time_text` from the element's tag and contents (the same text and the same
    rejections as ``datetime(...).isoformat()`` with UTC, without building the datetime; the
    digit fields are compared as bytes)."""
    if tag == 0x17 and len(body) == 13 and body[12] == 0x5A and body[:12].isdigit():
        yy, month, day, hour, minute, second = _UTC_FIELDS.unpack_from(body)
        year = (b"19" if yy >= b"50" else b"20") + yy  # RFC 5280 4.1.2.5.1
    elif tag == 0x18 and len(body) == 15 and body[14] == 0x5A and body[:14].isdigit():
        year, month, day, hour, minute, second = _GENERALIZED_FIELDS.unpack_from(body)
        if year == b"0000":
            return None
    else:
        return None
    if not b"01" <= month <= b"12" or not b"01" <= day <= b"31":
        return None
    if day > _LAST_DAY[int(month)]:
        if month != b"02" or day != b"29":
            return None
        y = int(year)
        if y % 4 != 0 or (y % 100 == 0 and y % 400 != 0):
            return None
    if hour > b"23" or minute > b"59" or second > b"59":
        return None
    return (b"%s-%s-%sT%s:%s:%s+00:00" % (year, month, day, hour, minute, second)).decode("ascii")


def _fast_fields(der: bytes) -> tuple[str, str, str, str, str] | None:
    """(subject, issuer, serial, not_before, not_after) read directly from the DER of a
    certificate cryptography has loaded, for the ordinary shape; None to ask cryptography."""
    try:
        top = _tlv(der, 0, len(der))
        tbs = _tlv(der, top[_BODY], top[_END])
        end = tbs[_END]
        serial = _tlv(der, tbs[_BODY], end)
        if serial[_TAG] == 0xA0:  # [0] EXPLICIT version
            serial = _tlv(der, serial[_NEXT], end)
        algorithm = _tlv(der, serial[_NEXT], end)
        issuer = _tlv(der, algorithm[_NEXT], end)
        validity = _tlv(der, issuer[_NEXT], end)
        subject = _tlv(der, validity[_NEXT], end)
        if serial[_TAG] != 0x02 or validity[_TAG] != 0x30:
            return None
        times = _children(der, validity)
        if len(times) != 2:
            return None
        not_before = _time_text(der, times[0])
        not_after = _time_text(der, times[1])
        if not_before is None or not_after is None:
            return None
        subject_text = _rfc4514(der, subject)
        if subject_text is None:
            return None
        same = der[issuer[_START] : issuer[_NEXT]] == der[subject[_START] : subject[_NEXT]]
        issuer_text = subject_text if same else _rfc4514(der, issuer)  # self-signed: one name
    except _Asn1Error:
        return None
    if issuer_text is None:
        return None
    number = int.from_bytes(der[serial[_BODY] : serial[_END]], "big", signed=True)
    return subject_text, issuer_text, format(number, "x"), not_before, not_after


def _hdr(der: bytes, pos: int, limit: int) -> tuple[int, int]:
    """(contents start, end) of the definite-length, low-tag-number element at ``pos``; raises
    for anything else (the caller then falls back to the general walker)."""
    if pos + 2 > limit or der[pos] & 0x1F == 0x1F:
        raise _Asn1Error("unusual element")
    n = der[pos + 1]
    if n < 0x80:
        body = pos + 2
        end = body + n
    elif n == 0x81:
        body = pos + 3
        end = body + der[pos + 2]
    elif n == 0x82:
        body = pos + 4
        end = body + (der[pos + 2] << 8 | der[pos + 3])
    else:
        raise _Asn1Error("unusual length")
    if end > limit or body > end:
        raise _Asn1Error("element runs past its container")
    return body, end


def _quick_name(der: bytes, pos: int, limit: int) -> str | None:
    """:func:`_rfc4514` in one pass over the common shape (every RDN a short-form SET holding
    one attribute); None when unsure."""
    if der[pos] != 0x30:
        return None
    pos, end = _hdr(der, pos, limit)
    parts: list[str] = []
    while pos < end:
        size = der[pos + 1]
        rdn_end = pos + 2 + size
        if der[pos] != 0x31 or size >= 0x80 or rdn_end > end:
            return None
        atv = pos + 2  # the SET's one AttributeTypeAndValue fills it exactly
        if der[atv] != 0x30 or der[atv + 1] != size - 2 or der[atv + 2] != 0x06:
            return None
        oid_end = atv + 4 + der[atv + 3]
        if oid_end >= rdn_end or der[oid_end] not in _TEXT_TAGS:
            return None
        value_size = der[oid_end + 1]
        if value_size >= 0x80 or oid_end + 2 + value_size != rdn_end:
            return None
        oid = der[atv + 4 : oid_end]
        label = _SHORT_NAMES.get(oid) or _DOTTED_NAMES.get(oid)
        if label is None:
            return None
        value = der[oid_end + 2 : rdn_end].decode("utf-8")
        if _DN_SPECIAL.search(value) is not None:
            value = _escape_dn_value(value)
        parts.append(f"{label}={value}")
        pos = rdn_end
    if not parts:
        return None
    parts.reverse()
    return ",".join(parts)


def _quick_fields(der: bytes) -> tuple[str, str, str, str, str] | None:
    """:func:`_fast_fields` in one pass for the common shape (definite short lengths, low tag
    numbers); None when unsure, and the caller then runs :func:`_fast_fields`."""
    try:
        body, end = _hdr(der, 0, len(der))
        pos, end = _hdr(der, body, end)  # TBSCertificate contents
        body, nxt = _hdr(der, pos, end)
        if der[pos] == 0xA0:  # [0] EXPLICIT version
            pos = nxt
            body, nxt = _hdr(der, pos, end)
        if der[pos] != 0x02:
            return None
        serial_body, serial_end = body, nxt
        _, pos = _hdr(der, nxt, end)  # signature algorithm
        issuer_start = pos
        _, pos = _hdr(der, pos, end)
        issuer_end = pos
        if der[pos] != 0x30:
            return None
        body, validity_end = _hdr(der, pos, end)
        subject_start = validity_end
        _, subject_end = _hdr(der, subject_start, end)
        first_body, first_end = _hdr(der, body, validity_end)
        second_body, second_end = _hdr(der, first_end, validity_end)
        if second_end != validity_end:
            return None
        not_before = _time_body(der[body], der[first_body:first_end])
        not_after = _time_body(der[first_end], der[second_body:second_end])
        if not_before is None or not_after is None:
            return None
        subject = _quick_name(der, subject_start, end)
        if subject is None:
            return None
        issuer = subject
        if der[issuer_start:issuer_end] != der[subject_start:subject_end]:
            other = _quick_name(der, issuer_start, end)
            if other is None:
                return None
            issuer = other
    except (_Asn1Error, IndexError, UnicodeDecodeError):
        return None
    number = int.from_bytes(der[serial_body:serial_end], "big", signed=True)
    return subject, issuer, format(number, "x"), not_before, not_after


# --------------------------------------------------------------------------------------------
# The ordinary certificate shape, checked without cryptography
#
# Loading cryptography's X.509 module is about half of the scanner's start-up.  A certificate of
# the ordinary shape below, strictly DER-encoded from end to end, is one that cryptography loads
# (tests/scanner/test_signing.py compares the two on every fixture certificate and on thousands
# of mutations of them); anything else still goes to cryptography.  The check is conservative:
# it may send a decodable certificate to cryptography, never the other way round.

_RSASSA_PSS = bytes.fromhex("2a864886f70d01010a")
# UTF8String (valid UTF-8), PrintableString (its own alphabet), IA5String (ASCII); other string
# types go to cryptography.
_PRINTABLE = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?"
)


def _string_ok(tag: int, value: bytes) -> bool:
    if tag == 0x13:
        return all(b in _PRINTABLE for b in value)
    if tag == 0x16:
        return value.isascii()
    if tag == 0x0C:
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    return False


def _dhdr(der: bytes, pos: int, limit: int, tag: int) -> tuple[int, int]:
    """(contents start, end) of the element at ``pos``, which must have identifier ``tag`` and
    a definite length in its shortest form."""
    if pos + 2 > limit or der[pos] != tag:
        raise _Asn1Error("unexpected element")
    n = der[pos + 1]
    if n < 0x80:
        body, size = pos + 2, n
    elif n == 0x81 and pos + 3 <= limit and der[pos + 2] >= 0x80:
        body, size = pos + 3, der[pos + 2]
    elif n == 0x82 and pos + 4 <= limit and der[pos + 2] != 0:
        body, size = pos + 4, der[pos + 2] << 8 | der[pos + 3]
    else:
        raise _Asn1Error("unusual length")
    if body + size > limit:
        raise _Asn1Error("element runs past its container")
    return body, body + size


def _oid_ok(der: bytes, body: int, end: int) -> bool:
    if end <= body or der[end - 1] & 0x80:
        return False
    arc_start = True
    for i in range(body, end):
        if arc_start and der[i] == 0x80:
            return False  # a non-minimal arc
        arc_start = not der[i] & 0x80
    return True


def _positive_int_ok(der: bytes, body: int, end: int) -> bool:
    size = end - body
    if size < 1 or der[body] & 0x80:
        return False  # empty or negative
    return size == 1 or der[body] != 0 or der[body + 1] & 0x80 != 0


# The algorithms of Android signing certificates and the parameters cryptography reads for them
# (its AlgorithmParameters, cryptography-x509 common.rs): no parameters or NULL for the RSA and
# ECDSA/DSA signature algorithms and rsaEncryption, a named-curve OID for id-ecPublicKey, and
# Dss-Parms (RFC 3279 2.3.2) for id-dsa.  Any other algorithm goes to cryptography.
_ALG_ABSENT_OR_NULL = frozenset(
    bytes.fromhex(h)
    for h in (
        "2a864886f70d010101",  # rsaEncryption
        "2a864886f70d010104",  # md5WithRSAEncryption
        "2a864886f70d010105",  # sha1WithRSAEncryption
        "2a864886f70d01010e",  # sha224WithRSAEncryption
        "2a864886f70d01010b",  # sha256WithRSAEncryption
        "2a864886f70d01010c",  # sha384WithRSAEncryption
        "2a864886f70d01010d",  # sha512WithRSAEncryption
        "2a8648ce3d0401",  # ecdsa-with-SHA1
        "2a8648ce3d040301",  # ecdsa-with-SHA224
        "2a8648ce3d040302",  # ecdsa-with-SHA256
        "2a8648ce3d040303",  # ecdsa-with-SHA384
        "2a8648ce3d040304",  # ecdsa-with-SHA512
        "2a8648ce380403",  # dsa-with-sha1
        "608648016503040301",  # dsa-with-sha224
        "608648016503040302",  # dsa-with-sha256
    )
)
_ALG_EC_PUBLIC_KEY = bytes.fromhex("2a8648ce3d0201")  # parameters: a named curve (an OID)
_ALG_DSA = bytes.fromhex("2a8648ce380401")  # parameters: Dss-Parms SEQUENCE {p, q, g}


def _algorithm(der: bytes, pos: int, limit: int) -> int:
    """AlgorithmIdentifier of a known algorithm with the parameters cryptography expects for it:
    none or NULL (signature algorithms, rsaEncryption), a named curve (id-ecPublicKey) or
    Dss-Parms of three positive integers (id-dsa)."""
    body, end = _dhdr(der, pos, limit, 0x30)
    ob, oe = _dhdr(der, body, end, 0x06)
    oid = der[ob:oe]
    if oid in _ALG_ABSENT_OR_NULL:
        if oe == end:
            return end
        pb, pe = _dhdr(der, oe, end, 0x05)
        ok = pb == pe
    elif oid == _ALG_EC_PUBLIC_KEY:
        pb, pe = _dhdr(der, oe, end, 0x06)
        ok = _oid_ok(der, pb, pe)
    elif oid == _ALG_DSA:
        sb, pe = _dhdr(der, oe, end, 0x30)
        for _ in range(3):  # p, q, g: each a positive INTEGER in minimal form
            ib, sb = _dhdr(der, sb, pe, 0x02)
            if not _positive_int_ok(der, ib, sb) or (der[ib] == 0 and sb - ib == 1):
                raise _Asn1Error("unusual DSA parameters")
        ok = sb == pe
    else:
        raise _Asn1Error("unusual algorithm")
    if not ok or pe != end:
        raise _Asn1Error("unusual algorithm parameters")
    return end


def _name_ok(der: bytes, pos: int, limit: int) -> int:
    """A Name whose every RDN holds one attribute with a string value."""
    body, end = _dhdr(der, pos, limit, 0x30)
    while body < end:
        sb, se = _dhdr(der, body, end, 0x31)
        ab, ae = _dhdr(der, sb, se, 0x30)
        ob, oe = _dhdr(der, ab, ae, 0x06)
        if ae != se or oe >= ae or not _oid_ok(der, ob, oe):
            raise _Asn1Error("unusual name")
        vb, ve = _dhdr(der, oe, ae, der[oe])
        if ve != ae or not _string_ok(der[oe], der[vb:ve]):
            raise _Asn1Error("unusual name")
        body = se
    return end


def _bits_ok(der: bytes, pos: int, limit: int) -> int:
    body, end = _dhdr(der, pos, limit, 0x03)
    if end == body or der[body] != 0:
        raise _Asn1Error("unusual bit string")
    return end


def _extensions_ok(der: bytes, pos: int, limit: int) -> int:
    body, end = _dhdr(der, pos, limit, 0xA3)
    lb, le = _dhdr(der, body, end, 0x30)
    if le != end or lb == le:
        raise _Asn1Error("unusual extensions")
    while lb < le:
        eb, ee = _dhdr(der, lb, le, 0x30)
        ob, oe = _dhdr(der, eb, ee, 0x06)
        if not _oid_ok(der, ob, oe):
            raise _Asn1Error("unusual extension")
        if oe < ee and der[oe] == 0x01:  # critical: DER encodes only TRUE
            cb, ce = _dhdr(der, oe, ee, 0x01)
            if ce - cb != 1 or der[cb] != 0xFF:
                raise _Asn1Error("unusual extension")
            oe = ce
        _, ve = _dhdr(der, oe, ee, 0x04)
        if ve != ee:
            raise _Asn1Error("unusual extension")
        lb = ee
    return end


def ordinary_certificate(der: bytes) -> bool:
    """True when ``der`` is an X.509 certificate of the ordinary shape, strictly DER-encoded:
    v1 or v3, a positive serial number, algorithm identifiers without parameters or with NULL
    or a named curve (not RSASSA-PSS), names of one string attribute per RDN, UTCTime or
    GeneralizedTime validity, no unique identifiers, well-formed extensions (contents not
    inspected), nothing after the certificate."""
    try:
        body, end = _dhdr(der, 0, len(der), 0x30)
        if end != len(der):
            return False
        tb, te = _dhdr(der, body, end, 0x30)
        pos = tb
        if der[pos] == 0xA0:
            vb, ve = _dhdr(der, pos, te, 0xA0)
            ib, ie = _dhdr(der, vb, ve, 0x02)
            if ie != ve or ie - ib != 1 or der[ib] != 2:  # v3 (v1 is never encoded)
                return False
            pos = ve
        sb, se = _dhdr(der, pos, te, 0x02)
        if not _positive_int_ok(der, sb, se) or se - sb > 21:
            return False
        pos = _algorithm(der, se, te)
        pos = _name_ok(der, pos, te)
        vb, ve = _dhdr(der, pos, te, 0x30)
        for _ in range(2):
            tag = der[vb] if vb < ve else 0
            if tag not in (0x17, 0x18):
                return False
            tb2, vb = _dhdr(der, vb, ve, tag)
            if _time_body(tag, der[tb2:vb]) is None:
                return False
        if vb != ve:
            return False
        pos = _name_ok(der, ve, te)
        kb, ke = _dhdr(der, pos, te, 0x30)
        if _bits_ok(der, _algorithm(der, kb, ke), ke) != ke:
            return False
        pos = ke
        if pos < te:
            pos = _extensions_ok(der, pos, te)
        if pos != te:
            return False
        return _bits_ok(der, _algorithm(der, te, end), end) == end
    except (_Asn1Error, IndexError):
        return False


def _header_not_der(der: bytes, pos: int, limit: int) -> tuple[bool, int, int]:
    """(not DER, contents start, end) of the element at ``pos``.  ``not DER`` is True when its
    length octets are not DER's shortest definite form (a long form for a length that fits a
    shorter one, the indefinite form, more than four length octets): rust-asn1, which
    cryptography parses certificates with, rejects such a length wherever it reads one.  Raises
    for anything this check does not decide (a multi-octet tag, a length past ``limit``)."""
    if pos + 2 > limit or der[pos] & 0x1F == 0x1F:
        raise _Asn1Error("unusual element")
    n = der[pos + 1]
    if n < 0x80:
        body = pos + 2
        return False, body, body + n
    k = n & 0x7F
    if not 1 <= k <= 4:
        return True, 0, 0
    body = pos + 2 + k
    if body > limit:
        raise _Asn1Error("length runs past its container")
    size = int.from_bytes(der[pos + 2 : body], "big")
    if size < (0x80 if k == 1 else 1 << (8 * (k - 1))):
        return True, 0, 0
    if body + size > limit:
        raise _Asn1Error("element runs past its container")
    return False, body, body + size


def length_not_der(der: bytes) -> bool:
    """True when a length that cryptography necessarily reads while loading ``der`` is not in
    DER form, so that cryptography certainly rejects the certificate (as apksig's
    ``v1-only-with-rsa-1024-cert-not-der`` test package's, whose signature BIT STRING has a
    two-octet length of 129): the lengths of the Certificate SEQUENCE, of its three elements
    (TBSCertificate, signature algorithm, signature) and of the TBSCertificate's elements,
    walked in order.  A certificate can only load when every one of these elements is read, so
    one such length decides it whatever the rest holds.  False means "not decided here"."""
    try:
        bad, body, end = _header_not_der(der, 0, len(der))
        if bad:
            return True
        if end != len(der):
            return False
        pos = body
        tbs = (0, 0)
        for index in range(3):
            bad, body, nxt = _header_not_der(der, pos, end)
            if bad:
                return True
            if index == 0:
                tbs = (body, nxt)
            pos = nxt
        pos, tbs_end = tbs
        while pos < tbs_end:
            bad, _, pos = _header_not_der(der, pos, tbs_end)
            if bad:
                return True
    except _Asn1Error:
        return False
    return False


_x509: Any = None


def _x509_module() -> Any:
    global _x509
    if _x509 is None:
        from cryptography import x509

        _x509 = x509
    return _x509


def cert_from_der(der: bytes, scheme: str, *, fast: bool = True) -> Certificate:
    """Facts about one X.509 certificate; hashes are of the exact bytes given, lowercase hex.

    When the certificate cannot be decoded (e.g. it is not strict DER) the hashes are still
    filled in and the other fields are left empty.  For the ordinary shape (text name
    attributes, one per RDN, plain ``...Z`` times, see :func:`ordinary_certificate`) subject,
    issuer, serial number and validity are read straight from the DER, identically to
    cryptography's ``rfc4514_string()``, ``serial_number`` and ``not_valid_*_utc``, without
    loading cryptography; a certificate with a length that is not DER where cryptography must
    read it (:func:`length_not_der`) is one cryptography rejects, and gets the hashes only; any
    other certificate is loaded by cryptography, which decides whether it is decodable
    (``fast=False`` asks cryptography for all).
    """
    subject = issuer = serial = ""
    not_before: str | None = None
    not_after: str | None = None
    quick = _quick_fields(der) if fast else None
    if quick is not None and ordinary_certificate(der):
        subject, issuer, serial, not_before, not_after = quick  # cryptography would agree
    elif fast and length_not_der(der):
        pass  # cryptography would reject it: hashes only
    else:
        x509 = _x509_module()
        try:
            cert = x509.load_der_x509_certificate(der)
            fields = (quick or _fast_fields(der)) if fast else None
            if fields is not None:
                subject, issuer, serial, not_before, not_after = fields
            else:
                with warnings_module.catch_warnings():
                    warnings_module.simplefilter("ignore")  # odd attribute lengths in names
                    subject = cert.subject.rfc4514_string()
                    issuer = cert.issuer.rfc4514_string()
                serial = format(cert.serial_number, "x")
                not_before = cert.not_valid_before_utc.isoformat()
                not_after = cert.not_valid_after_utc.isoformat()
        except (ValueError, x509.InvalidVersion):  # not a decodable certificate: hashes only
            pass
    return Certificate(
        scheme=scheme,
        sha256=hashlib.sha256(der).hexdigest(),
        sha1=hashlib.sha1(der, usedforsecurity=False).hexdigest(),
        md5=hashlib.md5(der, usedforsecurity=False).hexdigest(),
        subject=subject,
        issuer=issuer,
        serial=serial,
        not_before=not_before,
        not_after=not_after,
    )


# --------------------------------------------------------------------------------------------
# APK Signing Block


def read_apk_signing_block(
    archive: ZipArchive, *, warnings: list[str] | None = None
) -> dict[int, bytes] | None:
    """The id -> value pairs of the APK Signing Block before the central directory, or None.

    Problems are appended to ``warnings`` (default: ``archive.warnings``).
    """
    sink = archive.warnings if warnings is None else warnings
    cd = archive.cd_offset
    if cd < 32:
        return None
    footer = archive.pread(cd - 24, 24)
    if len(footer) != 24 or footer[8:] != APK_SIG_BLOCK_MAGIC:
        return None
    (size,) = struct.unpack_from("<Q", footer, 0)
    if size < 24 or size + 8 > cd or size > _MAX_BLOCK:
        sink.append(
            "the APK Signing Block declares an impossible size; v2/v3 signatures are ignored"
        )
        return None
    block = archive.pread(cd - size - 8, size + 8)
    (size_start,) = struct.unpack_from("<Q", block, 0)
    if size_start != size:
        sink.append(
            "the APK Signing Block is damaged: its size at the start and at the end differ; "
            "v2/v3 signatures are ignored"
        )
        return None
    pairs: dict[int, bytes] = {}
    pos = 8
    end = len(block) - 24
    while pos < end:
        if pos + 12 > end:
            sink.append("the APK Signing Block ends with a partial entry")
            break
        (plen,) = struct.unpack_from("<Q", block, pos)
        if plen < 4 or pos + 8 + plen > end:
            sink.append(
                "an entry of the APK Signing Block has an invalid length; the rest is ignored"
            )
            break
        (pid,) = struct.unpack_from("<I", block, pos + 8)
        if pid not in pairs:
            pairs[pid] = block[pos + 12 : pos + 8 + plen]
        pos += 8 + plen
    return pairs


def _lp(data: bytes, pos: int, end: int) -> tuple[bytes, int]:
    """A uint32-length-prefixed slice starting at ``pos``; returns (slice, next position)."""
    if pos + 4 > end:
        raise ValueError("length prefix runs past the end")
    (n,) = _U32.unpack_from(data, pos)
    if pos + 4 + n > end:
        raise ValueError("length-prefixed field runs past the end")
    return data[pos + 4 : pos + 4 + n], pos + 4 + n


def _lp_sequence(data: bytes) -> list[bytes]:
    out: list[bytes] = []
    pos = 0
    while pos < len(data):
        item, pos = _lp(data, pos, len(data))
        out.append(item)
    return out


def certificates_from_scheme_block(value: bytes, scheme: str, warnings: list[str]) -> list[bytes]:
    """Certificates of every signer of a v2/v3/v3.1 block (signers -> signed data -> certs)."""
    certs: list[bytes] = []
    try:
        signers_blob, _ = _lp(value, 0, len(value))
        signers = _lp_sequence(signers_blob)
    except ValueError as exc:
        warnings.append(f"the {scheme} signature block cannot be read: {exc}")
        return certs
    if not signers:
        warnings.append(f"the {scheme} signature block has no signers")
    for index, signer in enumerate(signers, 1):
        try:
            signed_data, _ = _lp(signer, 0, len(signer))
            _digests, pos = _lp(signed_data, 0, len(signed_data))
            cert_seq, _ = _lp(signed_data, pos, len(signed_data))
            found = _lp_sequence(cert_seq)
        except ValueError as exc:
            warnings.append(f"{scheme} signer {index} is malformed: {exc}")
            continue
        if not found:
            warnings.append(f"{scheme} signer {index} carries no certificate")
        for der in found:
            if der not in certs:
                certs.append(der)
    return certs


class SigningInfo:
    """The signature schemes, certificates and warnings of a package."""

    def __init__(self) -> None:
        self.schemes: list[str] = []
        self.certificates: list[Certificate] = []
        self.warnings: list[str] = []


_SCHEME_IDS = ((V2_BLOCK_ID, "v2"), (V3_BLOCK_ID, "v3"), (V31_BLOCK_ID, "v3.1"))


def read_signing(archive: ZipArchive, *, max_sig_file: int = 4 * 1024 * 1024) -> SigningInfo:
    """All signing facts of an APK-like archive: v1 from META-INF, v2/v3/v3.1 from the block."""
    info = SigningInfo()
    decoded: dict[bytes, Certificate] = {}
    # v1
    v1_files = [e for e in archive.entries if _V1_SIG_FILE.match(e.name)]
    if v1_files:
        info.schemes.append("v1")
        seen: set[bytes] = set()
        for entry in v1_files:
            try:
                blob = archive.read(entry, max_size=max_sig_file)
                ders = signer_certificates_from_pkcs7(blob)
            except ScanError as exc:
                info.warnings.append(f"v1 signature file {entry.name} cannot be read: {exc}")
                continue
            except ValueError as exc:
                info.warnings.append(f"v1 signature file {entry.name} is not valid PKCS#7: {exc}")
                continue
            if not ders:
                info.warnings.append(f"v1 signature file {entry.name} carries no certificate")
            for der in ders:
                if der not in seen:
                    seen.add(der)
                    info.certificates.append(_cert(der, "v1", info.warnings, decoded))
    # APK Signing Block
    try:
        pairs = read_apk_signing_block(archive, warnings=info.warnings)
    except ScanError as exc:
        info.warnings.append(f"the APK Signing Block cannot be read: {exc}")
        pairs = None
    if pairs:
        for block_id, scheme in _SCHEME_IDS:
            value = pairs.get(block_id)
            if value is None:
                continue
            info.schemes.append(scheme)
            for der in certificates_from_scheme_block(value, scheme, info.warnings):
                info.certificates.append(_cert(der, scheme, info.warnings, decoded))
    return info


def _cert(
    der: bytes, scheme: str, warnings: list[str], seen: dict[bytes, Certificate] | None = None
) -> Certificate:
    """Certificate facts; ``seen`` lets one scan decode a certificate used by several schemes once."""
    known = seen.get(der) if seen is not None else None
    if known is not None:
        return known.model_copy(update={"scheme": scheme})
    cert = cert_from_der(der, scheme)
    if seen is not None:
        seen[der] = cert
    if not cert.subject and cert.not_before is None:
        warnings.append(
            f"a {scheme} certificate (sha256 {cert.sha256[:16]}...) could not be decoded; "
            "only its hashes are reported"
        )
    return cert
