"""Write realistic APKs for tests and benchmarks.

Everything is produced from first principles, following the same format documents the readers
cite: binary XML and ``resources.arsc`` chunks (AOSP ``ResourceTypes.h``), DEX files
(https://source.android.com/docs/core/runtime/dex-format), JAR signing v1 (MANIFEST.MF, CERT.SF
and a detached PKCS#7 signature made with ``cryptography``), and the APK Signing Block with v2/v3
signers (https://source.android.com/docs/security/features/apksigning/v2 and .../v3), including
the chunked SHA-256 content digests, so a real verifier accepts the result.

The ZIP writer streams: large entries (the size padding) are generated chunk by chunk and the
v2/v3 content digest is computed by reading the written file back in 1 MiB chunks, so a 100 MB
APK never sits in memory as a whole.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import random
import struct
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

# --------------------------------------------------------------------------------------------
# Binary XML

ANDROID_NS = "http://schemas.android.com/apk/res/android"
_ATTR_IDS = {
    "label": 0x01010001,
    "icon": 0x01010002,
    "name": 0x01010003,
    "permission": 0x01010006,
    "exported": 0x01010010,
    "minSdkVersion": 0x0101020C,
    "versionCode": 0x0101021B,
    "versionName": 0x0101021C,
    "targetSdkVersion": 0x01010270,
    "maxSdkVersion": 0x01010271,
    "scheme": 0x01010027,
    "host": 0x01010028,
}


@dataclass(frozen=True)
class Ref:
    """A resource reference value (``@0x7f010000``)."""

    res_id: int


@dataclass
class Elem:
    """An element to encode: attributes are (namespace or "", name, value)."""

    tag: str
    attrs: list[tuple[str, str, str | int | bool | Ref]] = field(default_factory=list)
    children: list[Elem] = field(default_factory=list)


def _string_pool(strings: Sequence[str], *, utf8: bool = False) -> bytes:
    offsets: list[int] = []
    body = bytearray()
    for s in strings:
        offsets.append(len(body))
        if utf8:
            raw = s.encode("utf-8")
            for n in (len(s), len(raw)):
                body += bytes([n]) if n < 0x80 else bytes([0x80 | (n >> 8), n & 0xFF])
            body += raw + b"\x00"
        else:
            units = s.encode("utf-16-le")
            n = len(units) // 2
            body += (
                struct.pack("<H", n)
                if n < 0x8000
                else struct.pack("<HH", 0x8000 | (n >> 16), n & 0xFFFF)
            )
            body += units + b"\x00\x00"
    while len(body) % 4:
        body += b"\x00"
    header_size = 28
    strings_start = header_size + 4 * len(strings)
    size = strings_start + len(body)
    flags = 0x100 if utf8 else 0
    head = struct.pack(
        "<HHIIIIII", 0x0001, header_size, size, len(strings), 0, flags, strings_start, 0
    )
    return head + struct.pack(f"<{len(strings)}I", *offsets) + bytes(body)


def encode_axml(root: Elem, *, utf8: bool = False) -> bytes:  # noqa: C901 (existing; split when next changed)
    """Encode an element tree as Android binary XML (android: attributes get resource ids)."""
    attr_names: list[str] = []
    others: list[str] = []

    def collect(el: Elem) -> None:
        for ns, name, value in el.attrs:
            if ns == ANDROID_NS and name in _ATTR_IDS:
                if name not in attr_names:
                    attr_names.append(name)
            elif name not in others:
                others.append(name)
            if isinstance(value, str) and value not in others:
                others.append(value)
        if el.tag not in others:
            others.append(el.tag)
        for c in el.children:
            collect(c)

    collect(root)
    strings = list(attr_names)
    for s in ["android", ANDROID_NS, *others]:
        if s not in strings:
            strings.append(s)
    index = {s: i for i, s in enumerate(strings)}
    chunks = bytearray()
    chunks += _string_pool(strings, utf8=utf8)
    resmap = struct.pack(f"<{len(attr_names)}I", *(_ATTR_IDS[n] for n in attr_names))
    chunks += struct.pack("<HHI", 0x0180, 8, 8 + len(resmap)) + resmap
    ns_body = struct.pack("<II", index["android"], index[ANDROID_NS])
    chunks += struct.pack("<HHIII", 0x0100, 16, 24, 1, 0xFFFFFFFF) + ns_body
    line = [1]

    def emit(el: Elem) -> None:
        line[0] += 1
        attrs = bytearray()
        for ns, name, value in el.attrs:
            ns_i = index[ns] if ns else 0xFFFFFFFF
            raw = 0xFFFFFFFF
            if isinstance(value, bool):
                vtype, data = 0x12, 0xFFFFFFFF if value else 0
            elif isinstance(value, int):
                vtype, data = 0x10, value & 0xFFFFFFFF
            elif isinstance(value, Ref):
                vtype, data = 0x01, value.res_id
            else:
                vtype, data = 0x03, index[value]
                raw = index[value]
            attrs += struct.pack("<IIIHBBI", ns_i, index[name], raw, 8, 0, vtype, data)
        ext = struct.pack("<IIHHHHHH", 0xFFFFFFFF, index[el.tag], 20, 20, len(el.attrs), 0, 0, 0)
        body = ext + bytes(attrs)
        chunks.extend(struct.pack("<HHIII", 0x0102, 16, 16 + len(body), line[0], 0xFFFFFFFF))
        chunks.extend(body)
        for c in el.children:
            emit(c)
        end = struct.pack("<II", 0xFFFFFFFF, index[el.tag])
        chunks.extend(struct.pack("<HHIII", 0x0103, 16, 24, line[0], 0xFFFFFFFF) + end)

    emit(root)
    chunks += struct.pack("<HHIII", 0x0101, 16, 24, line[0], 0xFFFFFFFF) + ns_body
    return struct.pack("<HHI", 0x0003, 8, 8 + len(chunks)) + bytes(chunks)


def encode_arsc(strings: Sequence[str], *, package: str = "app", package_id: int = 0x7F) -> bytes:
    """A resources.arsc with one ``string`` type: entry i (``@0x7f01xxxx``) is ``strings[i]``."""
    values = _string_pool(strings, utf8=True)
    type_strings = _string_pool(["string"])
    key_strings = _string_pool([f"s{i}" for i in range(len(strings))])
    n = len(strings)
    spec = struct.pack("<HHIBBHI", 0x0202, 16, 16 + 4 * n, 1, 0, 0, n) + b"\x00" * (4 * n)
    config = struct.pack("<I", 64) + b"\x00" * 60
    header_size = 20 + len(config)
    entries = bytearray()
    offsets = []
    for i in range(n):
        offsets.append(len(entries))
        entries += struct.pack("<HHI", 8, 0, i) + struct.pack("<HBBI", 8, 0, 0x03, i)
    entries_start = header_size + 4 * n
    type_chunk = (
        struct.pack(
            "<HHIBBHII",
            0x0201,
            header_size,
            entries_start + len(entries),
            1,
            0,
            0,
            n,
            entries_start,
        )
        + config
        + struct.pack(f"<{n}I", *offsets)
        + bytes(entries)
    )
    name = package.encode("utf-16-le")[:254].ljust(256, b"\x00")
    pkg_header_size = 288
    type_off = pkg_header_size
    key_off = type_off + len(type_strings)
    body = type_strings + key_strings + spec + type_chunk
    pkg = (
        struct.pack("<HHII", 0x0200, pkg_header_size, pkg_header_size + len(body), package_id)
        + name
        + struct.pack("<IIIII", type_off, 1, key_off, n, 0)
        + body
    )
    return struct.pack("<HHII", 0x0002, 12, 12 + len(values) + len(pkg), 1) + values + pkg


# --------------------------------------------------------------------------------------------
# DEX


def _uleb128(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode_mutf8(s: str) -> bytes:
    """Modified UTF-8 as used by DEX: NUL as C0 80, astral characters as surrogate pairs."""
    if s.isascii() and "\x00" not in s:
        return s.encode("ascii")
    out = bytearray()
    for ch in s:
        cp = ord(ch)
        if cp == 0:
            out += b"\xc0\x80"
        elif cp > 0xFFFF:
            cp -= 0x10000
            for unit in (0xD800 | (cp >> 10), 0xDC00 | (cp & 0x3FF)):
                out += chr(unit).encode("utf-8", "surrogatepass")
        else:
            out += ch.encode("utf-8", "surrogatepass")
    return bytes(out)


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


_WORDS = (
    "data",
    "user",
    "config",
    "manager",
    "service",
    "helper",
    "util",
    "view",
    "model",
    "request",
    "response",
    "cache",
    "event",
    "handler",
    "task",
    "item",
)


def build_dex(  # noqa: C901 (existing; split when next changed)
    *,
    strings: Iterable[str] = (),
    types: Iterable[str] = (),
    methods: Iterable[str] = (),
    fill_to: int = 0,
    seed: int = 0,
) -> bytes:
    """A structurally valid DEX (version 035) with the given strings, types and method refs.

    ``methods`` are ``Lcom/foo/Bar;->baz``; each gets the proto ``()V``.  Classes of the
    methods that are not framework classes get a ``class_def`` with ``class_data`` and a small
    ``code_item`` per method.  ``fill_to`` adds generated classes (at most 20000), methods (at
    most 60000) and string literals up to ~35 % of that size, and makes the code items fill the
    rest, so the file is about ``fill_to`` bytes with a typical app's proportions.
    """
    rng = random.Random(seed)
    type_set = {"V", "Ljava/lang/Object;", *types}
    method_pairs: set[tuple[str, str]] = set()
    for ref in methods:
        cls, _, name = ref.partition("->")
        type_set.add(cls)
        method_pairs.add((cls, name))
    string_set = {"V", *strings}
    code_budget = 0
    if fill_to:
        # Proportions of a typical app DEX: ~35 % string data, most of the rest code.
        estimate = sum(len(s) + 10 for s in string_set | type_set) + 12 * len(method_pairs)
        words = _WORDS
        i = 0
        while estimate < fill_to * 0.35:
            i += 1
            pkg = f"com/example/gen/m{i // 400}/p{i // 40}"
            if len(type_set) < 20000:
                cls = f"L{pkg}/{words[i % 16].title()}{words[(i // 16) % 16].title()}{i};"
                type_set.add(cls)
                estimate += len(cls) + 50
                if len(method_pairs) < 60000:
                    for k in range(3):
                        name = f"{words[(i + k) % 16]}{words[(i * 7 + k) % 16].title()}{k}"
                        method_pairs.add((cls, name))
                        string_set.add(name)
                        estimate += len(name) + 14
            literal = " ".join(rng.choice(words) for _ in range(rng.randint(2, 12)))
            string_set.add(f"{literal} #{i}")
            estimate += len(literal) + 10
        code_budget = max(0, fill_to - estimate)
    classes = sorted(
        t for t in {c for c, _ in method_pairs} if not t.startswith(("Landroid/", "Ljava/"))
    )
    string_set |= type_set
    string_set |= {name for _, name in method_pairs}
    string_list = sorted(string_set, key=lambda s: s.encode("utf-16-be", "surrogatepass"))
    sidx = {s: i for i, s in enumerate(string_list)}
    type_list = sorted(type_set, key=lambda t: sidx[t])
    tidx = {t: i for i, t in enumerate(type_list)}
    if len(type_list) > 0xFFFF:
        raise ValueError("a DEX file holds at most 65535 types")
    method_list = sorted(method_pairs, key=lambda m: (tidx[m[0]], sidx[m[1]]))

    n_str, n_type, n_method, n_class = (
        len(string_list),
        len(type_list),
        len(method_list),
        len(classes),
    )
    off_strings = 0x70
    off_types = off_strings + 4 * n_str
    off_protos = off_types + 4 * n_type
    off_methods = off_protos + 12
    off_classes = off_methods + 8 * n_method
    off_data = off_classes + 32 * n_class
    data = bytearray()
    string_offsets = []
    for s in string_list:
        string_offsets.append(off_data + len(data))
        data += _uleb128(_utf16_len(s)) + encode_mutf8(s) + b"\x00"
    while (off_data + len(data)) % 4:
        data += b"\x00"
    # code_item for every method of an app class: "const/4" instructions then "return-void".
    class_set = set(classes)
    coded = [i for i, (c, _) in enumerate(method_list) if c in class_set]
    units = max(2, code_budget // max(1, len(coded)) // 2 - 8)
    code = bytearray(rng.randbytes(2 * units * len(coded)))
    code[0::2] = b"\x12" * (len(code) // 2)
    off_code = off_data + len(data)
    code_off: dict[int, int] = {}
    for n, midx in enumerate(coded):
        code_off[midx] = off_data + len(data)
        insns = code[2 * units * n : 2 * units * (n + 1) - 2] + b"\x0e\x00"
        data += struct.pack("<HHHHII", 16, 0, 0, 0, 0, units) + insns
        while len(data) % 4:
            data += b"\x00"
    off_class_data = off_data + len(data)
    class_data_off: dict[str, int] = {}
    by_class: dict[str, list[int]] = {}
    for midx in coded:
        by_class.setdefault(method_list[midx][0], []).append(midx)
    for cls in classes:
        class_data_off[cls] = off_data + len(data)
        mids = by_class.get(cls, [])
        item = bytearray(_uleb128(0) + _uleb128(0) + _uleb128(len(mids)) + _uleb128(0))
        prev = 0
        for midx in mids:
            item += _uleb128(midx - prev) + _uleb128(0x9) + _uleb128(code_off[midx])
            prev = midx
        data += item
    while (off_data + len(data)) % 4:
        data += b"\x00"
    off_map = off_data + len(data)
    map_items = [
        (0x0000, 1, 0),
        (0x0001, n_str, off_strings),
        (0x0002, n_type, off_types),
        (0x0003, 1, off_protos),
        (0x0005, n_method, off_methods),
    ]
    if n_class:
        map_items.append((0x0006, n_class, off_classes))
    map_items.append((0x2002, n_str, off_data))
    if coded:
        map_items.append((0x2001, len(coded), off_code))
    if n_class:
        map_items.append((0x2000, n_class, off_class_data))
    map_items.append((0x1000, 1, off_map))
    data += struct.pack("<I", len(map_items))
    for t, size, off in map_items:
        data += struct.pack("<HHII", t, 0, size, off)
    file_size = off_data + len(data)

    out = bytearray(0x70)
    out += struct.pack(f"<{n_str}I", *string_offsets)
    out += struct.pack(f"<{n_type}I", *(sidx[t] for t in type_list))
    out += struct.pack("<III", sidx["V"], tidx["V"], 0)  # proto ()V
    out += b"".join(struct.pack("<HHI", tidx[c], 0, sidx[n]) for c, n in method_list)
    obj = tidx["Ljava/lang/Object;"]
    out += b"".join(
        struct.pack("<IIIIIIII", tidx[c], 0x1, obj, 0, 0xFFFFFFFF, 0, class_data_off[c], 0)
        for c in classes
    )
    out += data
    struct.pack_into(
        "<IIIIIIIIIIIIIIIIIIII",
        out,
        32,
        file_size,
        0x70,
        0x12345678,
        0,
        0,
        off_map,
        n_str,
        off_strings,
        n_type,
        off_types,
        1,
        off_protos,
        0,
        0,
        n_method,
        off_methods,
        n_class,
        off_classes if n_class else 0,
        len(data),
        off_data,
    )
    out[0:8] = b"dex\n035\x00"
    out[12:32] = hashlib.sha1(bytes(out[32:]), usedforsecurity=False).digest()
    struct.pack_into("<I", out, 8, zlib.adler32(bytes(out[12:])))
    return bytes(out)


# --------------------------------------------------------------------------------------------
# Keys and certificates


@dataclass
class SigningKey:
    private_key: Any
    certificate: Any
    cert_der: bytes
    kind: str  # "ec" | "rsa"

    @property
    def cert_sha256(self) -> str:
        return hashlib.sha256(self.cert_der).hexdigest()


_KEY_CACHE: dict[tuple[str, str], SigningKey] = {}


def make_signing_key(*, kind: str = "ec", common_name: str = "govapp test signer") -> SigningKey:
    """A self-signed certificate and key (cached per process: key generation is slow)."""
    cached = _KEY_CACHE.get((kind, common_name))
    if cached is not None:
        return cached
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    key: Any
    if kind == "ec":
        key = ec.generate_private_key(ec.SECP256R1())
    elif kind == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        raise ValueError(f"unknown key kind {kind!r}")
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "govapp"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365 * 30))
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    result = SigningKey(private_key=key, certificate=cert, cert_der=der, kind=kind)
    _KEY_CACHE[(kind, common_name)] = result
    return result


def _sign(key: SigningKey, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    if key.kind == "ec":
        sig: bytes = key.private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        return sig
    rsa_sig: bytes = key.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return rsa_sig


def _public_key_der(key: SigningKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    der: bytes = key.private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


# --------------------------------------------------------------------------------------------
# ZIP writing


@dataclass
class _Written:
    name: str
    method: int
    crc: int
    csize: int
    usize: int
    offset: int


class _ZipWriter:
    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.entries: list[_Written] = []
        self.digests: dict[str, bytes] = {}  # SHA-256 of each entry's data (for v1)

    def add(self, name: str, data: bytes, *, compress: bool = True) -> None:
        self.add_stream(name, [data], compress=compress)

    def add_stream(self, name: str, chunks: Iterable[bytes], *, compress: bool) -> None:
        fh = self.fh
        raw_name = name.encode("utf-8")
        offset = fh.tell()
        method = 8 if compress else 0
        fh.write(
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 20, 0x0800, method, 0, 0x21, 0, 0, 0, len(raw_name), 0
            )
        )
        fh.write(raw_name)
        crc = 0
        usize = csize = 0
        digest = hashlib.sha256()
        comp = zlib.compressobj(6, zlib.DEFLATED, -15) if compress else None
        for chunk in chunks:
            crc = zlib.crc32(chunk, crc)
            usize += len(chunk)
            digest.update(chunk)
            piece = comp.compress(chunk) if comp is not None else chunk
            csize += len(piece)
            fh.write(piece)
        if comp is not None:
            tail = comp.flush()
            csize += len(tail)
            fh.write(tail)
        end = fh.tell()
        fh.seek(offset + 14)
        fh.write(struct.pack("<III", crc, csize, usize))
        fh.seek(end)
        self.entries.append(_Written(name, method, crc, csize, usize, offset))
        self.digests[name] = digest.digest()

    def central_directory(self) -> bytes:
        out = bytearray()
        for e in self.entries:
            raw = e.name.encode("utf-8")
            out += struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0x0800,
                e.method,
                0,
                0x21,
                e.crc,
                e.csize,
                e.usize,
                len(raw),
                0,
                0,
                0,
                0,
                0,
                e.offset,
            )
            out += raw
        return bytes(out)


def _eocd(count: int, cd_size: int, cd_offset: int) -> bytes:
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_offset, 0)


# --------------------------------------------------------------------------------------------
# v1 signing


def _v1_files(digests: dict[str, bytes], key: SigningKey) -> dict[str, bytes]:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7

    def b64(d: bytes) -> str:
        return base64.b64encode(d).decode("ascii")

    main = "Manifest-Version: 1.0\r\nCreated-By: govapp testkit\r\n\r\n"
    sections = {
        name: f"Name: {name}\r\nSHA-256-Digest: {b64(d)}\r\n\r\n" for name, d in digests.items()
    }
    manifest = (main + "".join(sections.values())).encode("utf-8")
    sf = (
        "Signature-Version: 1.0\r\nCreated-By: govapp testkit\r\n"
        f"SHA-256-Digest-Manifest: {b64(hashlib.sha256(manifest).digest())}\r\n"
        f"SHA-256-Digest-Manifest-Main-Attributes: {b64(hashlib.sha256(main.encode()).digest())}\r\n"
        "X-Android-APK-Signed: 2\r\n\r\n"
        + "".join(
            f"Name: {name}\r\nSHA-256-Digest: {b64(hashlib.sha256(text.encode('utf-8')).digest())}\r\n\r\n"
            for name, text in sections.items()
        )
    ).encode("utf-8")
    signature = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(sf)
        .add_signer(key.certificate, key.private_key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature])
    )
    ext = "EC" if key.kind == "ec" else "RSA"
    return {
        "META-INF/MANIFEST.MF": manifest,
        "META-INF/CERT.SF": sf,
        f"META-INF/CERT.{ext}": signature,
    }


# --------------------------------------------------------------------------------------------
# APK Signing Block (v2 / v3)

_CHUNK = 1 << 20


def _lp(data: bytes) -> bytes:
    return struct.pack("<I", len(data)) + data


def _chunks_of_file(fh: BinaryIO, start: int, end: int) -> Iterator[bytes]:
    fh.seek(start)
    pos = start
    while pos < end:
        piece = fh.read(min(_CHUNK, end - pos))
        if not piece:
            break
        pos += len(piece)
        yield piece


def _content_digest(sections: Iterable[Iterable[bytes]]) -> bytes:
    """The v2 ``CHUNKED_SHA256`` digest over the three APK sections (1 MiB chunks)."""
    chunk_digests: list[bytes] = []
    for section in sections:
        buf = b""
        for piece in section:
            buf += piece
            while len(buf) >= _CHUNK:
                head, buf = buf[:_CHUNK], buf[_CHUNK:]
                chunk_digests.append(
                    hashlib.sha256(b"\xa5" + struct.pack("<I", len(head)) + head).digest()
                )
        if buf:
            chunk_digests.append(
                hashlib.sha256(b"\xa5" + struct.pack("<I", len(buf)) + buf).digest()
            )
    top = hashlib.sha256()
    top.update(b"\x5a" + struct.pack("<I", len(chunk_digests)))
    for d in chunk_digests:
        top.update(d)
    return top.digest()


def _sig_algorithm(key: SigningKey) -> int:
    return 0x0201 if key.kind == "ec" else 0x0103  # ECDSA/SHA2-256, RSASSA-PKCS1-v1_5/SHA2-256


def _v2_block(digest: bytes, key: SigningKey, *, with_v3: bool) -> bytes:
    alg = _sig_algorithm(key)
    digests = _lp(_lp(struct.pack("<I", alg) + _lp(digest)))
    certs = _lp(_lp(key.cert_der))
    attrs = b""
    if with_v3:  # stripping protection: the APK is also signed with v3
        attrs = _lp(struct.pack("<II", 0xBEEFF00D, 3))
    signed_data = digests + certs + _lp(attrs)
    signatures = _lp(_lp(struct.pack("<I", alg) + _lp(_sign(key, signed_data))))
    signer = _lp(signed_data) + signatures + _lp(_public_key_der(key))
    return _lp(_lp(signer))


def _v3_block(
    digest: bytes, key: SigningKey, *, min_sdk: int = 28, max_sdk: int = 0x7FFFFFFF
) -> bytes:
    alg = _sig_algorithm(key)
    digests = _lp(_lp(struct.pack("<I", alg) + _lp(digest)))
    certs = _lp(_lp(key.cert_der))
    signed_data = digests + certs + struct.pack("<II", min_sdk, max_sdk) + _lp(b"")
    signatures = _lp(_lp(struct.pack("<I", alg) + _lp(_sign(key, signed_data))))
    signer = _lp(signed_data) + struct.pack("<II", min_sdk, max_sdk) + signatures
    signer += _lp(_public_key_der(key))
    return _lp(_lp(signer))


def _signing_block(pairs: Sequence[tuple[int, bytes]]) -> bytes:
    body = b"".join(struct.pack("<QI", 4 + len(v), pid) + v for pid, v in pairs)
    size = len(body) + 8 + 16
    return struct.pack("<Q", size) + body + struct.pack("<Q", size) + b"APK Sig Block 42"


# --------------------------------------------------------------------------------------------
# The builder


@dataclass
class TestComponent:
    """A manifest component to declare (``name`` may be relative, like ``.MainActivity``)."""

    __test__: ClassVar[bool] = False  # not a pytest test class

    type: str  # activity | service | receiver | provider
    name: str
    exported: bool | None = None
    intent_filter: bool = False


@dataclass
class BuiltApk:
    path: Path
    size: int
    cert_sha256: str | None
    dex_files: list[str]


DEFAULT_METHODS = (
    "Landroid/location/LocationManager;->requestLocationUpdates",
    "Landroid/hardware/Camera;->open",
    "Lcom/umeng/analytics/MobclickAgent;->onResume",
)


def manifest_tree(
    *,
    package: str,
    version_name: str | Ref,
    version_code: int,
    min_sdk: int | None,
    target_sdk: int | None,
    label: str | Ref | None,
    permissions: Sequence[str] = (),
    permissions_sdk23: Sequence[str] = (),
    components: Sequence[TestComponent] = (),
) -> Elem:
    """The element tree of a typical manifest."""
    a = ANDROID_NS
    root = Elem(
        "manifest",
        [
            (a, "versionCode", version_code),
            (a, "versionName", version_name),
            ("", "package", package),
        ],
    )
    sdk_attrs: list[tuple[str, str, str | int | bool | Ref]] = []
    if min_sdk is not None:
        sdk_attrs.append((a, "minSdkVersion", min_sdk))
    if target_sdk is not None:
        sdk_attrs.append((a, "targetSdkVersion", target_sdk))
    if sdk_attrs:
        root.children.append(Elem("uses-sdk", sdk_attrs))
    for p in permissions:
        root.children.append(Elem("uses-permission", [(a, "name", p)]))
    for p in permissions_sdk23:
        root.children.append(Elem("uses-permission-sdk-23", [(a, "name", p)]))
    app = Elem("application", [(a, "label", label)] if label is not None else [])
    for c in components:
        attrs: list[tuple[str, str, str | int | bool | Ref]] = [(a, "name", c.name)]
        if c.exported is not None:
            attrs.append((a, "exported", c.exported))
        el = Elem(c.type, attrs)
        if c.intent_filter:
            el.children.append(
                Elem(
                    "intent-filter",
                    [],
                    [
                        Elem("action", [(a, "name", "android.intent.action.MAIN")]),
                        Elem("category", [(a, "name", "android.intent.category.LAUNCHER")]),
                    ],
                )
            )
        app.children.append(el)
    root.children.append(app)
    return root


def _random_chunks(total: int, seed: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    left = total
    while left > 0:
        n = min(_CHUNK, left)
        left -= n
        yield rng.randbytes(n)


def build_apk(  # noqa: C901 (existing; split when next changed)
    path: str | os.PathLike[str],
    *,
    package: str = "cn.gov.example.app",
    version_name: str = "1.0.0",
    version_code: int = 1,
    min_sdk: int | None = 21,
    target_sdk: int | None = 33,
    label: str | None = "政务服务示例",
    label_as_resource: bool = True,
    permissions: Sequence[str] = ("android.permission.INTERNET",),
    permissions_sdk23: Sequence[str] = (),
    components: Sequence[TestComponent] = (
        TestComponent("activity", ".MainActivity", exported=True, intent_filter=True),
        TestComponent("service", ".SyncService"),
    ),
    dex_strings: Sequence[str] = (),
    dex_types: Sequence[str] = (),
    dex_methods: Sequence[str] = DEFAULT_METHODS,
    dex_bytes_target: int = 0,
    native_libs: Sequence[str] = ("arm64-v8a/libgov.so",),
    assets: dict[str, bytes] | None = None,
    extra_entries: dict[str, bytes] | None = None,
    manifest: bool = True,
    manifest_bytes: bytes | None = None,
    signing: Sequence[str] = ("v1", "v2"),
    key: SigningKey | None = None,
    size_padding: int = 0,
    total_size: int = 0,
    seed: int = 0,
) -> BuiltApk:
    """Write an APK to ``path``.

    ``signing`` is any of "v1", "v2", "v3".  ``dex_bytes_target`` spreads about that many bytes
    of generated DEX over ``classes.dex``, ``classes2.dex`` ... (at most ~10 MB each, like a real
    multidex app).  ``size_padding`` adds an incompressible stored asset of that many bytes,
    written in chunks; ``total_size`` instead sizes that asset so the APK is about that big.  ``manifest_bytes`` replaces the encoded manifest (for damaged inputs).
    """
    path = Path(path)
    key = key or (make_signing_key() if signing else None)
    resources: list[str] = []
    label_value: str | Ref | None = label
    if label is not None and label_as_resource:
        resources.append(label)
        label_value = Ref(0x7F010000)
    files: list[tuple[str, bytes]] = []
    if manifest:
        axml = manifest_bytes or encode_axml(
            manifest_tree(
                package=package,
                version_name=version_name,
                version_code=version_code,
                min_sdk=min_sdk,
                target_sdk=target_sdk,
                label=label_value,
                permissions=permissions,
                permissions_sdk23=permissions_sdk23,
                components=components,
            )
        )
        files.append(("AndroidManifest.xml", axml))
    dex_names: list[str] = []
    per_dex = 10 * 1024 * 1024
    n_dex = max(1, -(-dex_bytes_target // per_dex)) if dex_bytes_target else 1
    for i in range(n_dex):
        name = "classes.dex" if i == 0 else f"classes{i + 1}.dex"
        first = i == 0
        dex = build_dex(
            strings=dex_strings if first else (),
            types=dex_types if first else (),
            methods=dex_methods if first else (),
            fill_to=min(per_dex, dex_bytes_target - i * per_dex) if dex_bytes_target else 0,
            seed=seed + i,
        )
        files.append((name, dex))
        dex_names.append(name)
    if resources:
        files.append(("resources.arsc", encode_arsc(resources, package=package)))
    for lib in native_libs:
        files.append((f"lib/{lib}", b"\x7fELF" + bytes(60) + lib.encode()))
    for name, data in (assets or {}).items():
        files.append((name if name.startswith("assets/") else f"assets/{name}", data))
    for name, data in (extra_entries or {}).items():
        files.append((name, data))

    with open(path, "w+b") as fh:
        zw = _ZipWriter(fh)
        for name, data in files:
            zw.add(name, data, compress=name != "resources.arsc")
        if total_size:
            size_padding = max(size_padding, total_size - fh.tell() - 6000)
        if size_padding > 0:
            zw.add_stream("assets/padding.bin", _random_chunks(size_padding, seed), compress=False)
        if key is not None and "v1" in signing:
            for name, data in _v1_files(dict(zw.digests), key).items():
                zw.add(name, data)
        entries_end = fh.tell()
        cd = zw.central_directory()
        block = b""
        if key is not None and ("v2" in signing or "v3" in signing):
            eocd_for_digest = _eocd(len(zw.entries), len(cd), entries_end)
            digest = _content_digest([_chunks_of_file(fh, 0, entries_end), [cd], [eocd_for_digest]])
            pairs: list[tuple[int, bytes]] = []
            if "v2" in signing:
                pairs.append((0x7109871A, _v2_block(digest, key, with_v3="v3" in signing)))
            if "v3" in signing:
                pairs.append((0xF05368C0, _v3_block(digest, key)))
            block = _signing_block(pairs)
            fh.seek(entries_end)
            fh.write(block)
        cd_offset = entries_end + len(block)
        fh.seek(cd_offset)
        fh.write(cd)
        fh.write(_eocd(len(zw.entries), len(cd), cd_offset))
        fh.truncate()
        size = fh.tell()
    return BuiltApk(
        path=path,
        size=size,
        cert_sha256=key.cert_sha256 if key is not None and signing else None,
        dex_files=dex_names,
    )
