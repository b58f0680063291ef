"""Fast, read-only access to the identifier tables of a DEX file.

Format reference: "Dalvik Executable format", https://source.android.com/docs/core/runtime/dex-format
(``header_item``, ``string_id_item``, ``string_data_item`` with its ULEB128 length and MUTF-8 data,
``type_id_item``, ``method_id_item`` and the ``map_list``).

Nothing is decompiled.  The tables are read with :mod:`array` and ``struct.iter_unpack`` and
strings are decoded only when asked for (type descriptors and method names), which keeps the
scanner's hot path cheap on 30 MB DEX files.  Raw string data can be handed to a keyword scanner
as one bytes block (:meth:`DexFile.string_data`), so keyword search never creates per-string
Python objects.
"""

from __future__ import annotations

import bisect
import struct
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet

from govapp.scanner.errors import ScanError
from govapp.scanner.limits import DEFAULT_LIMITS, Limits

DEX_MAGIC_PREFIX = b"dex\n"
_HEADER_SIZE = 0x70
_TYPE_STRING_DATA_ITEM = 0x2002
_HEADER = struct.Struct("<8sI20sIIIIIIIIIIIIIIIIIIII")


def decode_mutf8(raw: bytes) -> str:
    """Decode Modified UTF-8 (NUL as C0 80, supplementary characters as surrogate pairs)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    raw = raw.replace(b"\xc0\x80", b"\x00")
    try:
        text = raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:  # not MUTF-8 at all: keep what can be read
        return raw.decode("utf-8", "replace")
    # Join surrogate pairs (CESU-8 style) into real characters; lone surrogates are replaced.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _strip_uleb128(block: bytes, start: int, end: int) -> bytes:
    """The bytes of the string stored at ``block[start:end]`` after its ULEB128 length."""
    p = start
    while p < end and block[p] & 0x80:
        p += 1
    return block[p + 1 : end] if p < end else b""


class DexFile:
    """One DEX file held in memory (bounded by ``Limits.max_dex_size``)."""

    def __init__(
        self, data: bytes, *, limits: Limits = DEFAULT_LIMITS, name: str = "classes.dex"
    ) -> None:
        self.name = name
        self.warnings: list[str] = []
        if len(data) > limits.max_dex_size:
            raise ScanError(
                "bad_dex",
                f"{name} is {len(data)} bytes, above the limit of {limits.max_dex_size}",
            )
        if len(data) < _HEADER_SIZE or data[:4] != DEX_MAGIC_PREFIX:
            raise ScanError("bad_dex", f"{name} is not a DEX file (bad magic or too short)")
        self._data = bytes(data)
        (
            magic,
            _checksum,
            _sig,
            _file_size,
            _header_size,
            endian,
            _link_size,
            _link_off,
            self._map_off,
            string_ids_size,
            string_ids_off,
            type_ids_size,
            type_ids_off,
            _proto_size,
            _proto_off,
            _field_size,
            _field_off,
            method_ids_size,
            method_ids_off,
            _class_size,
            _class_off,
            _data_size,
            _data_off,
        ) = _HEADER.unpack_from(self._data, 0)
        self.version = magic[4:7].decode("ascii", "replace")
        if endian != 0x12345678:
            raise ScanError("bad_dex", f"{name} is not a little-endian DEX file")
        n = len(self._data)
        self._string_offsets = self._table(string_ids_off, string_ids_size, 4, "string_ids")
        self._type_idx = self._table(type_ids_off, type_ids_size, 4, "type_ids")
        self._method_off = method_ids_off
        self._method_count: int = method_ids_size
        if method_ids_size and (method_ids_off + 8 * method_ids_size > n or method_ids_off < 0):
            self.warnings.append(f"{name}: the method table runs past the end of the file")
            self._method_count = max(0, (n - method_ids_off) // 8) if method_ids_off < n else 0
        self._types: list[str] | None = None

    def _table(self, off: int, count: int, width: int, what: str) -> array[int]:
        table: array[int] = array("I")
        if count == 0:
            return table
        n = len(self._data)
        if off >= n:
            self.warnings.append(f"{self.name}: the {what} table lies outside the file")
            return table
        avail = (n - off) // width
        if count > avail:
            self.warnings.append(f"{self.name}: the {what} table runs past the end of the file")
            count = avail
        table.frombytes(self._data[off : off + count * width])
        if sys.byteorder != "little":
            table.byteswap()
        return table

    # -- strings ----------------------------------------------------------------------------

    @property
    def string_count(self) -> int:
        return len(self._string_offsets)

    def _string_at(self, off: int) -> str:
        data = self._data
        try:
            p = off
            while data[p] & 0x80:  # skip the ULEB128 utf16_size
                p += 1
            p += 1
            end = data.index(0, p)
        except (IndexError, ValueError):
            return ""
        return decode_mutf8(data[p:end])

    def string(self, idx: int) -> str:
        """String ``idx`` (empty when out of range)."""
        if 0 <= idx < len(self._string_offsets):
            return self._string_at(self._string_offsets[idx])
        return ""

    def iter_strings(self) -> Iterator[str]:
        """Every string of the string table, decoded lazily."""
        for off in self._string_offsets:
            yield self._string_at(off)

    def string_data(self) -> bytes:
        """The raw bytes of the string data section (for byte-level keyword search)."""
        span = self._string_data_span()
        if span is None:
            return b""
        return self._data[span[0] : span[1]]

    def scan_string_data(self, callback: Callable[[bytes], object]) -> None:
        """Call ``callback`` with the raw string data bytes (once, as one block)."""
        block = self.string_data()
        if block:
            callback(block)

    def enclosing_strings(self, block: bytes, positions: Iterable[int]) -> list[bytes]:
        """The raw (MUTF-8) strings of ``block`` (from :meth:`string_data`) that contain the
        given byte positions, each once, in their order in the block (deterministic whatever the
        order of ``positions``).

        Strings in the string data section are stored back to back as ULEB128 length, bytes,
        NUL; so a string starts right after the previous NUL and its length prefix.
        """
        seen: dict[int, bytes] = {}
        n = len(block)
        for pos in positions:
            if not 0 <= pos < n:
                continue
            start = block.rfind(b"\x00", 0, pos) + 1
            if start in seen:
                continue
            end = block.find(b"\x00", pos)
            if end < 0:
                end = n
            seen[start] = _strip_uleb128(block, start, end)
        return [seen[start] for start in sorted(seen)]

    def all_strings(self, block: bytes) -> list[bytes]:
        """Every raw (MUTF-8) string of ``block`` (from :meth:`string_data`), in block order."""
        out: list[bytes] = []
        start = 0
        n = len(block)
        while start < n:
            end = block.find(b"\x00", start)
            if end < 0:
                end = n
            out.append(_strip_uleb128(block, start, end))
            start = end + 1
        return out

    def _string_data_span(self) -> tuple[int, int] | None:
        data = self._data
        n = len(data)
        start = end = -1
        # The map_list gives the string data section exactly: its offset and the next section's.
        try:
            if self._map_off > 0 and self._map_off + 4 <= n:
                (count,) = struct.unpack_from("<I", data, self._map_off)
                count = min(count, (n - self._map_off - 4) // 12)
                first = self._map_off + 4
                items = memoryview(data)[first : first + 12 * count]
                offsets: list[int] = []
                for t, _u, _size, off in struct.iter_unpack("<HHII", items):
                    offsets.append(off)
                    if t == _TYPE_STRING_DATA_ITEM:
                        start = off
                if start >= 0:
                    later = [o for o in offsets if o > start]
                    end = min(later) if later else n
        except struct.error:
            start = -1
        if start < 0 or start >= n:
            if not len(self._string_offsets):
                return None
            start = min(self._string_offsets)
            last = max(self._string_offsets)
            if last >= n:
                return None
            nul = data.find(b"\x00", last)
            end = n if nul < 0 else nul + 1
        return start, min(end, n)

    # -- types and methods -----------------------------------------------------------------

    def type_descriptors(self) -> list[str]:
        """Type descriptors, e.g. ``Lcom/umeng/analytics/MobclickAgent;`` (cached)."""
        if self._types is None:
            # _string_at inlined: this runs once per type (200k in a large app).
            data = self._data
            offs = self._string_offsets
            nstr = len(offs)
            types: list[str] = []
            append = types.append
            for i in self._type_idx:
                if i >= nstr:
                    append("")
                    continue
                p = offs[i]
                try:
                    while data[p] & 0x80:  # skip the ULEB128 utf16_size
                        p += 1
                    p += 1
                    end = data.index(0, p)
                except (IndexError, ValueError):
                    append("")
                    continue
                raw = data[p:end]
                try:
                    append(raw.decode("utf-8"))
                except UnicodeDecodeError:
                    append(decode_mutf8(raw))
            self._types = types
        return self._types

    @property
    def method_count(self) -> int:
        return self._method_count

    def method_refs_of(self, classes: AbstractSet[str]) -> Iterator[str]:
        """Method references whose defining class is one of ``classes`` only.

        ``method_ids`` are sorted by defining class (DEX format: "sorted by class_idx"), so each
        class's methods are found by binary search instead of walking every reference.
        """
        wanted = sorted(i for i, t in enumerate(self.type_descriptors()) if t in classes)
        if not wanted or self._method_count == 0:
            return
        start = self._method_off
        view = memoryview(self._data)[start : start + 8 * self._method_count]
        class_ids = view.cast("B").cast("H")[::4] if len(view) % 2 == 0 else None
        if class_ids is None:
            yield from (r for r in self.method_refs() if r.split(";->", 1)[0] + ";" in classes)
            return
        types = self.type_descriptors()
        offs = self._string_offsets
        nstr = len(offs)
        for class_idx in wanted:
            lo = bisect.bisect_left(class_ids, class_idx)
            hi = bisect.bisect_right(class_ids, class_idx, lo)
            for m in range(lo, hi):
                (name_idx,) = struct.unpack_from("<I", view, 8 * m + 4)
                name = self._string_at(offs[name_idx]) if name_idx < nstr else ""
                yield f"{types[class_idx]}->{name}"

    def method_refs(self) -> Iterator[str]:
        """Method references ``Lcom/foo/Bar;->baz`` for every ``method_id_item``."""
        types = self.type_descriptors()
        ntypes = len(types)
        offs = self._string_offsets
        nstr = len(offs)
        at = self._string_at
        names: dict[int, str] = {}
        start = self._method_off
        view = memoryview(self._data)[start : start + 8 * self._method_count]
        for class_idx, _proto, name_idx in struct.iter_unpack("<HHI", view):
            name = names.get(name_idx)
            if name is None:
                name = at(offs[name_idx]) if name_idx < nstr else ""
                names[name_idx] = name
            cls = types[class_idx] if class_idx < ntypes else ""
            yield f"{cls}->{name}"
