"""Android binary XML (AXML) and a minimal ``resources.arsc`` reader.

The chunk formats are those of AOSP ``frameworks/base/libs/androidfw/include/androidfw/
ResourceTypes.h``: ``ResChunk_header``, ``ResStringPool_header`` (UTF-8 and UTF-16 pools),
``ResXMLTree_node`` / ``ResXMLTree_attrExt`` / ``ResXMLTree_attribute`` / ``Res_value``, the XML
resource map, and for tables ``ResTable_header`` / ``ResTable_package`` / ``ResTable_type`` /
``ResTable_entry``.

The parser is written to survive the tricks packers and malware use against tools while Android
itself still accepts the file: wrong chunk or header sizes, string counts that run past the
pool, unknown chunks between nodes, attribute names that are empty or misleading strings (Android
identifies ``android:`` attributes by the resource id in the resource map, and so do we), and
out-of-range string indices.  Problems become plain-language warnings; only :class:`ScanError`
escapes.
"""

from __future__ import annotations

import codecs
import struct
import sys
from array import array
from collections.abc import Iterator

from govapp.scanner.errors import ScanError
from govapp.scanner.limits import DEFAULT_LIMITS, Limits

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any, Protocol

ANDROID_NS = "http://schemas.android.com/apk/res/android"

RES_STRING_POOL_TYPE = 0x0001
RES_TABLE_TYPE = 0x0002
RES_XML_TYPE = 0x0003
RES_XML_START_NAMESPACE_TYPE = 0x0100
RES_XML_END_NAMESPACE_TYPE = 0x0101
RES_XML_START_ELEMENT_TYPE = 0x0102
RES_XML_END_ELEMENT_TYPE = 0x0103
RES_XML_CDATA_TYPE = 0x0104
RES_XML_RESOURCE_MAP_TYPE = 0x0180
RES_TABLE_PACKAGE_TYPE = 0x0200
RES_TABLE_TYPE_TYPE = 0x0201

TYPE_NULL = 0x00
TYPE_REFERENCE = 0x01
TYPE_ATTRIBUTE = 0x02
TYPE_STRING = 0x03
TYPE_FLOAT = 0x04
TYPE_DIMENSION = 0x05
TYPE_FRACTION = 0x06
TYPE_DYNAMIC_REFERENCE = 0x07
TYPE_INT_DEC = 0x10
TYPE_INT_HEX = 0x11
TYPE_INT_BOOLEAN = 0x12

_NO_INDEX = 0xFFFFFFFF
_MAX_DEPTH = 256
_CHUNK = struct.Struct("<HHI")  # ResChunk_header: type, header size, chunk size
_U32 = struct.Struct("<I")
_NAMESPACE = struct.Struct("<II")
_START_ELEMENT = struct.Struct("<IIHHHHHH")  # ResXMLTree_attrExt
_ATTRIBUTE = struct.Struct("<IIIHBBI")  # ResXMLTree_attribute with its Res_value
# ``bytes.decode("utf-16-le")`` goes through the codec registry on every call; the codec function
# itself is several times cheaper (``final=True`` as ``bytes.decode`` does: a cut-off trailing byte
# becomes U+FFFD).
_UTF16_LE_DECODE = codecs.utf_16_le_decode
_EAGER_STRINGS = 8192  # string pools up to this many strings are decoded in one go
_XML_NODE_TYPES = frozenset(range(0x0100, 0x0105))  # namespace start/end, element start/end, CDATA

# android: attribute resource ids (android.R.attr), authoritative over the name strings.
ANDROID_ATTR_IDS: dict[int, str] = {
    0x01010000: "theme",
    0x01010001: "label",
    0x01010002: "icon",
    0x01010003: "name",
    0x01010006: "permission",
    0x0101000E: "enabled",
    0x0101000F: "debuggable",
    0x01010010: "exported",
    0x01010011: "process",
    0x01010018: "authorities",
    0x0101020C: "minSdkVersion",
    0x0101021B: "versionCode",
    0x0101021C: "versionName",
    0x01010270: "targetSdkVersion",
    0x01010271: "maxSdkVersion",
    0x01010280: "allowBackup",
    0x010102B7: "installLocation",
}


if TYPE_CHECKING:

    class StringTable(Protocol):
        """Strings by index (a list, or a lazily decoding :class:`StringPool`)."""

        def __getitem__(self, index: int, /) -> str: ...


class StringPool:
    """A ``ResStringPool`` chunk, decoded lazily (tables can hold tens of thousands of strings)."""

    def __init__(self, data: bytes, offset: int, warnings: list[str]) -> None:
        self._data = data
        self._cache: dict[int, str] = {}
        n = len(data)
        if offset + 28 > n:
            raise ValueError("string pool header runs past the end")
        (_t, hsize, csize, count, _styles, flags, strings_start, _ss) = struct.unpack_from(
            "<HHIIIIII", data, offset
        )
        self.utf8 = bool(flags & 0x100)
        hsize = hsize if 28 <= hsize < n - offset else 28
        idx_start = offset + hsize
        # Obfuscators inflate the count; never trust it beyond the bytes available.
        max_count = max(0, (n - idx_start) // 4)
        if count > max_count:
            warnings.append(
                f"string pool claims {count} strings but only {max_count} offsets fit; "
                "the count was reduced"
            )
            count = max_count
        self.count = count
        offsets: array[int] = array("I")
        offsets.frombytes(data[idx_start : idx_start + 4 * count])  # one copy, no tuple of ints
        if sys.byteorder != "little":
            offsets.byteswap()
        self._offsets = offsets
        self._base = offset + strings_start
        if csize < hsize or offset + csize > n:
            warnings.append("string pool chunk has an invalid size; reading it tolerantly")

    def get(self, index: int) -> str:
        """String ``index``; an empty string when the index or data is out of range."""
        hit = self._cache.get(index)
        if hit is not None:
            return hit
        if index < 0 or index >= self.count:
            return ""
        try:
            value = self._decode(self._base + self._offsets[index])
        except (IndexError, struct.error, ValueError):
            value = ""
        self._cache[index] = value
        return value

    def _decode(self, pos: int) -> str:
        data = self._data
        if self.utf8:
            b = data[pos]
            pos += 2 if b & 0x80 else 1  # UTF-16 length, not needed
            b = data[pos]
            if b & 0x80:
                length = ((b & 0x7F) << 8) | data[pos + 1]
                pos += 2
            else:
                length = b
                pos += 1
            raw = data[pos : pos + length]
            return raw.decode("utf-8", "replace")
        length = data[pos] | (data[pos + 1] << 8)
        pos += 2
        if length & 0x8000:
            low = data[pos] | (data[pos + 1] << 8)
            length = ((length & 0x7FFF) << 16) | low
            pos += 2
        return _UTF16_LE_DECODE(data[pos : pos + 2 * length], "replace", True)[0]

    def __iter__(self) -> Iterator[str]:
        for i in range(self.count):
            yield self.get(i)

    def __getitem__(self, index: int) -> str:
        return self.get(index)

    def table(self) -> StringTable:
        """Every string at once, as a list, when the pool is small (a manifest's): decoding them
        in one loop is cheaper than one look-up call per use.  Large pools stay lazy (``self``).
        Either way ``table()[i]`` equals :meth:`get` for ``0 <= i < count``."""
        if self.count > _EAGER_STRINGS:
            return self
        data = self._data
        base = self._base
        out: list[str] = []
        append = out.append
        if self.utf8:
            for off in self._offsets:
                pos = base + off
                try:
                    pos += 2 if data[pos] & 0x80 else 1  # UTF-16 length, not needed
                    b = data[pos]
                    if b & 0x80:
                        length = ((b & 0x7F) << 8) | data[pos + 1]
                        pos += 2
                    else:
                        length = b
                        pos += 1
                except IndexError:
                    append("")
                    continue
                append(data[pos : pos + length].decode("utf-8", "replace"))
        else:
            decode = _UTF16_LE_DECODE
            for off in self._offsets:
                pos = base + off
                try:
                    length = data[pos] | (data[pos + 1] << 8)
                    pos += 2
                    if length & 0x8000:
                        length = ((length & 0x7FFF) << 16) | data[pos] | (data[pos + 1] << 8)
                        pos += 2
                except IndexError:
                    append("")
                    continue
                append(decode(data[pos : pos + 2 * length], "replace", True)[0])
        return out


class XmlAttr:
    """One attribute; ``value`` is the textual form (references as ``@0x7f0b0001``)."""

    __slots__ = ("data", "name", "ns", "resource_id", "type", "value")

    def __init__(
        self, ns: str, name: str, value: str | None, type: int, data: int, resource_id: int = 0
    ) -> None:
        self.ns = ns
        self.name = name
        self.value = value
        self.type = type
        self.data = data
        self.resource_id = resource_id

    def __repr__(self) -> str:
        return (
            f"XmlAttr(ns={self.ns!r}, name={self.name!r}, value={self.value!r}, "
            f"type={self.type}, data={self.data}, resource_id={self.resource_id})"
        )

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not XmlAttr:
            return NotImplemented
        return repr(self) == repr(other)

    __hash__ = None  # type: ignore[assignment]

    @property
    def is_reference(self) -> bool:
        return self.type in (TYPE_REFERENCE, TYPE_DYNAMIC_REFERENCE)


class XmlElement:
    """An element of the decoded tree.

    The attributes of a parsed element are decoded on first use of :attr:`attrs` (most of a
    manifest's elements, such as intent-filter actions or meta-data, are never asked for theirs);
    decoding them cannot fail, so laziness changes nothing but the work done.
    """

    __slots__ = ("_attrs", "_raw", "children", "line", "ns", "tag")

    def __init__(
        self,
        tag: str,
        ns: str = "",
        attrs: list[XmlAttr] | None = None,
        children: list[XmlElement] | None = None,
        line: int = 0,
    ) -> None:
        self.tag = tag
        self.ns = ns
        self._attrs: list[XmlAttr] | None = attrs if attrs is not None else []
        self._raw: tuple[Any, ...] | None = None
        self.children: list[XmlElement] = children if children is not None else []
        self.line = line

    @property
    def attrs(self) -> list[XmlAttr]:
        if self._attrs is None:
            assert self._raw is not None
            self._attrs = _decode_attrs(*self._raw)
            self._raw = None
        return self._attrs

    @attrs.setter
    def attrs(self, value: list[XmlAttr]) -> None:
        self._attrs = value
        self._raw = None

    def __repr__(self) -> str:
        return (
            f"XmlElement(tag={self.tag!r}, attrs={len(self.attrs)}, children={len(self.children)})"
        )

    def attr(self, name: str) -> XmlAttr | None:
        """The attribute ``name``, preferring the android namespace (or a known resource id)."""
        best: XmlAttr | None = None
        for a in self.attrs:
            if a.name != name:
                continue
            if a.ns == ANDROID_NS or a.resource_id in ANDROID_ATTR_IDS:
                return a
            if best is None:
                best = a
        return best

    def get(self, name: str) -> str | None:
        a = self.attr(name)
        return a.value if a is not None else None

    def iter(self, tag: str | None = None) -> Iterator[XmlElement]:
        """Depth-first iteration over this element and its descendants."""
        stack = [self]
        while stack:
            el = stack.pop()
            if tag is None or el.tag == tag:
                yield el
            stack.extend(reversed(el.children))


class AxmlDocument:
    """A parsed binary XML document: its root element and what was wrong."""

    def __init__(
        self,
        root: XmlElement | None,
        warnings: list[str],
        namespaces: dict[str, str] | None = None,
    ) -> None:
        self.root = root
        self.warnings = warnings
        self.namespaces = {} if namespaces is None else namespaces


def format_value(vtype: int, data: int, raw: str | None, strings: StringPool | None) -> str | None:
    """Textual form of a ``Res_value`` (the way ``aapt dump xmltree`` shows it, simplified)."""
    if vtype == TYPE_STRING:
        if raw is not None:
            return raw
        return strings.get(data) if strings is not None else None
    if vtype in (TYPE_REFERENCE, TYPE_DYNAMIC_REFERENCE):
        return f"@0x{data:08x}"
    if vtype == TYPE_ATTRIBUTE:
        return f"?0x{data:08x}"
    if vtype == TYPE_INT_DEC:
        return str(data - (1 << 32) if data & 0x80000000 else data)
    if vtype == TYPE_INT_HEX:
        return f"0x{data:08x}"
    if vtype == TYPE_INT_BOOLEAN:
        return "false" if data == 0 else "true"
    if vtype == TYPE_FLOAT:
        return repr(struct.unpack("<f", struct.pack("<I", data))[0])
    if vtype == TYPE_NULL:
        return raw
    if 0x1C <= vtype <= 0x1F:
        return f"#{data:08x}"
    return raw if raw is not None else str(data)


def parse_axml(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> AxmlDocument:
    """Decode a binary XML document into a small element tree.

    Raises ScanError("bad_axml") when the data is not binary XML at all or is over the size limit;
    damage after a usable prefix gives a partial tree and warnings.
    """
    if len(data) > limits.max_axml_size:
        raise ScanError(
            "bad_axml",
            f"binary XML is {len(data)} bytes, above the limit of {limits.max_axml_size}",
        )
    if len(data) < 8:
        raise ScanError("bad_axml", "binary XML is too short")
    warnings: list[str] = []
    try:
        return _parse_axml(data, warnings)
    except (struct.error, IndexError, ValueError) as exc:
        raise ScanError("bad_axml", f"binary XML cannot be decoded: {exc}") from None


def _parse_axml(data: bytes, warnings: list[str]) -> AxmlDocument:  # noqa: C901 (existing; split when next changed)
    ftype, fhsize, fsize = _CHUNK.unpack_from(data, 0)
    if ftype != RES_XML_TYPE:
        if data[:1] == b"<" or data[:5] == b"\xef\xbb\xbf<?":
            raise ScanError("bad_axml", "the manifest is plain-text XML, not compiled binary XML")
        warnings.append(f"binary XML has an unexpected file type 0x{ftype:04x}; reading anyway")
    if fsize != len(data):
        warnings.append("binary XML header size does not match the data length")
    n = len(data)
    pos = fhsize if 8 <= fhsize < n else 8
    strings: StringPool | None = None
    table: StringTable = ()
    resmap: tuple[int, ...] = ()
    namespaces: dict[str, str] = {}
    root: XmlElement | None = None
    stack: list[XmlElement] = []
    chunk = _CHUNK.unpack_from
    u32 = _U32.unpack_from
    node_types = _XML_NODE_TYPES
    for _guard in range(10_000_000):
        if pos + 8 > n:
            break
        ctype, hsize, csize = chunk(data, pos)
        if csize < 8 or pos + csize > n:
            if ctype == RES_STRING_POOL_TYPE and strings is None:
                strings = StringPool(data, pos, warnings)
                table = strings.table()
                nxt = _find_next_chunk(data, pos + 8)
                if nxt < 0:
                    break
                pos = nxt
                continue
            warnings.append(
                f"binary XML chunk at offset {pos} has an invalid size {csize}; "
                "the rest of the document is ignored"
            )
            break
        if ctype in node_types:
            if strings is None:
                raise ScanError("bad_axml", "binary XML has no string pool before its elements")
            ext = pos + (hsize if 16 <= hsize < csize else 16)
            if ctype == RES_XML_START_ELEMENT_TYPE:
                (line,) = u32(data, pos + 8)
                el = _start_element(data, ext, pos + csize, line, strings, table, resmap)
                if len(stack) >= _MAX_DEPTH:
                    warnings.append("binary XML is nested too deeply; deeper elements ignored")
                elif stack:
                    stack[-1].children.append(el)
                    stack.append(el)
                elif root is None:
                    root = el
                    stack.append(el)
                else:
                    warnings.append(f"binary XML has a second root element <{el.tag}>; ignored")
            elif ctype == RES_XML_END_ELEMENT_TYPE:
                if pos + 12 > n:
                    u32(data, pos + 8)  # every node's line number must be readable (raises)
                if stack:
                    stack.pop()
            else:
                if pos + 12 > n:
                    u32(data, pos + 8)
                if ctype == RES_XML_START_NAMESPACE_TYPE:
                    prefix_i, uri_i = _NAMESPACE.unpack_from(data, ext)
                    namespaces[strings.get(uri_i)] = strings.get(prefix_i)
        elif ctype == RES_STRING_POOL_TYPE:
            if strings is None:
                strings = StringPool(data, pos, warnings)
                table = strings.table()
        elif ctype == RES_XML_RESOURCE_MAP_TYPE:
            hs = hsize if 8 <= hsize <= csize else 8
            count = (csize - hs) // 4
            resmap = struct.unpack_from(f"<{count}I", data, pos + hs)
        # Unknown chunk types are skipped, as Android's parser does.
        pos += csize
    if root is None:
        warnings.append("binary XML has no root element")
    return AxmlDocument(root=root, warnings=warnings, namespaces=namespaces)


def _find_next_chunk(data: bytes, start: int) -> int:
    """After a string pool with a bad size: the next resource map or namespace/element chunk."""
    best = -1
    for marker in (b"\x80\x01\x08\x00", b"\x00\x01\x10\x00", b"\x02\x01\x10\x00"):
        i = data.find(marker, start)
        if i >= 0 and (best < 0 or i < best):
            best = i
    return best


def _start_element(
    data: bytes,
    ext: int,
    end: int,
    line: int,
    strings: StringPool,
    table: StringTable,
    resmap: tuple[int, ...],
) -> XmlElement:
    """One element; string indices are unsigned, so ``i < nstr`` is the whole range check.
    Its attributes are decoded later, when asked for (:func:`_decode_attrs`)."""
    (ns_i, name_i, attr_start, attr_size, attr_count, _id, _cls, _style) = (
        _START_ELEMENT.unpack_from(data, ext)
    )
    nstr = strings.count
    el = XmlElement(
        table[name_i] if name_i < nstr else "",
        table[ns_i] if ns_i < nstr else "",
        None,
        [],
        line,
    )
    el._attrs = None
    el._raw = (
        data,
        ext + attr_start,
        min(end, len(data)) - 20,
        attr_size if attr_size >= 20 else 20,
        attr_count,
        strings,
        table,
        resmap,
    )
    return el


def _decode_attrs(
    data: bytes,
    apos: int,
    stop: int,
    attr_size: int,
    attr_count: int,
    strings: StringPool,
    table: StringTable,
    resmap: tuple[int, ...],
) -> list[XmlAttr]:
    attrs: list[XmlAttr] = []
    nstr = strings.count
    nmap = len(resmap)
    attribute = _ATTRIBUTE.unpack_from
    android_ids = ANDROID_ATTR_IDS
    for _ in range(attr_count):
        if apos > stop:
            break
        (a_ns, a_name, a_raw, _vsize, _res0, vtype, vdata) = attribute(data, apos)
        apos += attr_size
        res_id = resmap[a_name] if a_name < nmap else 0
        known = android_ids.get(res_id)
        name = known or (table[a_name] if a_name < nstr else "")
        ns = table[a_ns] if a_ns < nstr else ""
        if known is not None and not ns:
            ns = ANDROID_NS
        raw = (table[a_raw] if a_raw < nstr else "") if a_raw != _NO_INDEX else None
        if vtype == TYPE_STRING and raw is not None:
            value: str | None = raw
        else:
            value = format_value(vtype, vdata, raw, strings)
        attrs.append(XmlAttr(ns, name, value, vtype, vdata, res_id))
    return attrs


# --------------------------------------------------------------------------------------------
# resources.arsc


class ArscTable:
    """Just enough of ``resources.arsc`` to resolve a string resource in the default config."""

    def __init__(self, data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> None:
        self.warnings: list[str] = []
        self._data = data
        self._strings: StringPool | None = None
        # package id -> list of (type id, offset of ResTable_type chunk)
        self._types: dict[int, list[tuple[int, int]]] = {}
        if len(data) > limits.max_entry_size:
            raise ScanError("bad_arsc", "resources.arsc is over the size limit")
        try:
            self._index()
        except (struct.error, IndexError, ValueError) as exc:
            self.warnings.append(f"resources.arsc cannot be fully read: {exc}")

    def _index(self) -> None:
        data = self._data
        n = len(data)
        if n < 12:
            raise ValueError("too short")
        ttype, thsize, _tsize = struct.unpack_from("<HHI", data, 0)
        if ttype != RES_TABLE_TYPE:
            raise ValueError("not a resource table")
        pos = thsize if 12 <= thsize < n else 12
        while pos + 8 <= n:
            ctype, hsize, csize = struct.unpack_from("<HHI", data, pos)
            if csize < 8 or pos + csize > n:
                self.warnings.append("resources.arsc has a chunk with an invalid size")
                break
            if ctype == RES_STRING_POOL_TYPE and self._strings is None:
                self._strings = StringPool(data, pos, self.warnings)
            elif ctype == RES_TABLE_PACKAGE_TYPE:
                self._index_package(pos, hsize, csize)
            pos += csize

    def _index_package(self, start: int, hsize: int, csize: int) -> None:
        data = self._data
        (pkg_id,) = struct.unpack_from("<I", data, start + 8)
        types = self._types.setdefault(pkg_id & 0xFF, [])
        pos = start + (hsize if 8 <= hsize < csize else 288)
        end = start + csize
        while pos + 8 <= end:
            ctype, _h, sub = struct.unpack_from("<HHI", data, pos)
            if sub < 8 or pos + sub > end:
                break
            if ctype == RES_TABLE_TYPE_TYPE:
                types.append((data[pos + 8], pos))
            pos += sub

    def _lookup(self, res_id: int) -> tuple[int, int] | None:
        """(dataType, data) of an entry, default configuration preferred."""
        pkg = (res_id >> 24) & 0xFF
        tid = (res_id >> 16) & 0xFF
        eid = res_id & 0xFFFF
        fallback: tuple[int, int] | None = None
        for type_id, off in self._types.get(pkg, []):
            if type_id != tid:
                continue
            value = self._entry_in_type(off, eid)
            if value is None:
                continue
            if self._is_default_config(off):
                return value
            if fallback is None:
                fallback = value
        return fallback

    def _is_default_config(self, off: int) -> bool:
        data = self._data
        (cfg_size,) = struct.unpack_from("<I", data, off + 20)
        cfg = data[off + 24 : off + 20 + min(cfg_size, 64)]
        return not any(cfg)

    def _entry_in_type(self, off: int, eid: int) -> tuple[int, int] | None:
        data = self._data
        (_t, hsize, csize) = struct.unpack_from("<HHI", data, off)
        flags = data[off + 9]
        (count, entries_start) = struct.unpack_from("<II", data, off + 12)
        idx = off + hsize
        if flags & 0x01:  # FLAG_SPARSE: (u16 index, u16 offset/4) pairs, sorted by index
            rel = None
            for i in range(min(count, (csize - hsize) // 4)):
                e_idx, e_off = struct.unpack_from("<HH", data, idx + 4 * i)
                if e_idx == eid:
                    rel = e_off * 4
                    break
            if rel is None:
                return None
        elif flags & 0x02:  # FLAG_OFFSET16: u16 offsets / 4, 0xffff = no entry
            if eid >= count:
                return None
            (o16,) = struct.unpack_from("<H", data, idx + 2 * eid)
            if o16 == 0xFFFF:
                return None
            rel = o16 * 4
        else:
            if eid >= count:
                return None
            (rel,) = struct.unpack_from("<I", data, idx + 4 * eid)
            if rel == _NO_INDEX:
                return None
        epos = off + entries_start + rel
        if epos + 8 > off + csize:
            return None
        esize, eflags = struct.unpack_from("<HH", data, epos)
        if eflags & 0x08:  # FLAG_COMPACT: data type in the high byte of flags, data inline
            (edata,) = struct.unpack_from("<I", data, epos + 4)
            return (eflags >> 8) & 0xFF, edata
        if eflags & 0x01:  # complex (bag) entry: not a simple value
            return None
        vpos = epos + esize
        (_vsize, _r, vtype, vdata) = struct.unpack_from("<HBBI", data, vpos)
        return vtype, vdata

    def resolve_string(self, res_id: int) -> str | None:
        """The string a resource id points at (following up to 8 references), or None."""
        try:
            for _ in range(8):
                found = self._lookup(res_id)
                if found is None:
                    return None
                vtype, vdata = found
                if vtype == TYPE_STRING:
                    return self._strings.get(vdata) if self._strings is not None else None
                if vtype in (TYPE_REFERENCE, TYPE_DYNAMIC_REFERENCE):
                    res_id = vdata
                    continue
                return format_value(vtype, vdata, None, None)
        except (struct.error, IndexError, ValueError):
            return None
        return None
