"""A defensive ZIP reader driven by the central directory.

Android reads an APK through its central directory (CD), never by walking local headers, so this
reader does the same: it finds the End Of Central Directory record (EOCD), including the ZIP64
locator/record and EOCD comments up to the maximum 65535 bytes, parses every CD entry, and reads
entry data on demand with ``os.pread`` (the file is never loaded whole).

Format reference: PKWARE APPNOTE.TXT, sections 4.3.6 (local header), 4.3.12 (central directory
header), 4.3.14-4.3.16 (ZIP64 end of central directory record/locator and EOCD).

Tampering tricks seen in Android's apksig test vectors are tolerated with a warning: NUL bytes in
entry names, a compression method in the local header that differs from the central directory
(the central directory wins, as on Android), and a central directory that runs past the EOCD
(the complete entries are kept).  Hostile sizes are bounded by :class:`Limits`: per-entry size,
total uncompressed budget and compression ratio (zip bombs are cut off while inflating, with
``zlib.decompressobj(...).decompress(data, max_length)``).

Only :class:`ScanError` escapes from this module.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from collections.abc import Iterator
from types import TracebackType

from govapp.scanner.errors import ScanError
from govapp.scanner.limits import DEFAULT_LIMITS, Limits

_EOCD_SIG = b"PK\x05\x06"
_ZIP64_LOCATOR_SIG = b"PK\x06\x07"
_ZIP64_EOCD_SIG = b"PK\x06\x06"
_CD_SIG = 0x02014B50
_LOCAL_SIG = 0x04034B50
_EOCD_SIZE = 22
_MAX_COMMENT = 0xFFFF
# 46 bytes; only the fields used are unpacked (versions, times, disk and attributes are skipped)
_CD_HEADER = struct.Struct("<I4xHH4xIIIHHH8xI")
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")  # 30 bytes
_BOMB_FLOOR = 1 << 20  # ratios are only judged above 1 MiB of output
# Files up to this size are read once into memory: the SHA-256 is computed from that one read and
# every later read is a slice (no second pass over the file, no system call per entry).
WHOLE_FILE_LIMIT = 8 << 20
_HASH_CHUNK = 1 << 20

METHOD_STORED = 0
METHOD_DEFLATED = 8


class ZipEntry:
    """One central directory entry (sizes and offset already resolved from ZIP64 extras)."""

    __slots__ = (
        "compressed_size",
        "crc32",
        "flags",
        "local_header_offset",
        "method",
        "name",
        "uncompressed_size",
    )

    def __init__(
        self,
        name: str,
        compressed_size: int,
        uncompressed_size: int,
        method: int,
        local_header_offset: int,
        crc32: int,
        flags: int,
    ) -> None:
        self.name = name
        self.compressed_size = compressed_size
        self.uncompressed_size = uncompressed_size
        self.method = method
        self.local_header_offset = local_header_offset
        self.crc32 = crc32
        self.flags = flags

    def __repr__(self) -> str:
        return (
            f"ZipEntry(name={self.name!r}, compressed_size={self.compressed_size}, "
            f"uncompressed_size={self.uncompressed_size}, method={self.method}, "
            f"local_header_offset={self.local_header_offset}, crc32={self.crc32}, "
            f"flags={self.flags})"
        )


class ZipArchive:
    """Random-access reader for a ZIP file (APK, AAB, HAP, RPK, IPA ...).

    Raises :class:`ScanError` with codes ``not_a_zip``, ``truncated``, ``too_many_entries``,
    ``too_large`` (file), and from :meth:`read`: ``entry_too_large``, ``zip_bomb``,
    ``budget_exceeded``, ``unsupported_method``, ``corrupt_entry``.
    """

    entries: list[ZipEntry]
    warnings: list[str]
    cd_offset: int
    eocd_offset: int
    file_size: int

    def __init__(self, path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = os.fspath(path)
        self.limits = limits
        self.entries = []
        self.warnings = []
        self.cd_offset = 0
        self.eocd_offset = 0
        self._by_name: dict[str, ZipEntry] = {}
        self._total_read = 0
        self._warned: set[str] = set()
        self._buf: bytes | None = None
        try:
            self._fd: int | None = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except OSError as exc:
            raise ScanError("unreadable", f"cannot open {self.path}: {exc.strerror}") from None
        try:
            self.file_size = os.fstat(self._fd).st_size
            if self.file_size > limits.max_file_size:
                raise ScanError(
                    "too_large",
                    f"file is {self.file_size} bytes, above the limit of {limits.max_file_size}",
                )
            if self.file_size <= WHOLE_FILE_LIMIT:
                whole = os.pread(self._fd, self.file_size, 0)
                if len(whole) == self.file_size:
                    self._buf = whole
            self._parse()
        except ScanError:
            self.close()
            raise
        except (OSError, ValueError, struct.error, UnicodeError) as exc:
            self.close()
            raise ScanError("not_a_zip", f"cannot read the ZIP structure: {exc}") from None

    # -- low level -------------------------------------------------------------------------

    def _pread(self, offset: int, size: int) -> bytes:
        if self._fd is None:
            raise ScanError("closed", "the archive is closed")
        if offset < 0 or size < 0:
            raise ScanError("truncated", "negative offset or size in the ZIP structure")
        if self._buf is not None:
            return self._buf[offset : offset + size]
        try:
            return os.pread(self._fd, size, offset)
        except OSError as exc:
            raise ScanError("unreadable", f"read error: {exc.strerror}") from None

    def pread(self, offset: int, size: int) -> bytes:
        """Raw bytes of the file (used by the signing block reader)."""
        return self._pread(offset, size)

    def digest(self) -> tuple[int, str]:
        """Size and SHA-256 (lowercase hex) of the whole file, read through the open descriptor
        (from memory for files up to :data:`WHOLE_FILE_LIMIT`, streamed in 1 MiB chunks above)."""
        if self._buf is not None:
            return len(self._buf), hashlib.sha256(self._buf).hexdigest()
        if self._fd is None:
            raise ScanError("closed", "the archive is closed")
        digest = hashlib.sha256()
        size = 0
        try:
            while chunk := os.pread(self._fd, _HASH_CHUNK, size):
                size += len(chunk)
                digest.update(chunk)
        except OSError as exc:
            raise ScanError("unreadable", f"read error: {exc.strerror}") from None
        return size, digest.hexdigest()

    def _warn(self, text: str) -> None:
        if text not in self._warned:
            self._warned.add(text)
            self.warnings.append(text)

    # -- central directory -----------------------------------------------------------------

    def _find_eocd(self) -> tuple[int, bytes]:
        size = self.file_size
        if size < _EOCD_SIZE:
            raise ScanError("not_a_zip", "file is too small to be a ZIP archive")
        tail_len = min(size, _EOCD_SIZE + _MAX_COMMENT)
        tail_start = size - tail_len
        # A file held whole is its own tail (no copy of up to 64 KiB).
        tail = (
            self._buf
            if tail_start == 0 and self._buf is not None
            else self._pread(tail_start, tail_len)
        )
        # Prefer a record whose comment length reaches exactly the end of the file.
        fallback = -1
        pos = tail.rfind(_EOCD_SIG)
        while pos >= 0:
            if pos + _EOCD_SIZE <= len(tail):
                (comment_len,) = struct.unpack_from("<H", tail, pos + 20)
                if pos + _EOCD_SIZE + comment_len == len(tail):
                    return tail_start + pos, tail[pos : pos + _EOCD_SIZE]
                if fallback < 0:
                    fallback = pos
            pos = tail.rfind(_EOCD_SIG, 0, pos)
        if fallback >= 0:
            self._warn("the ZIP end record's comment length does not match the end of the file")
            return tail_start + fallback, tail[fallback : fallback + _EOCD_SIZE]
        raise ScanError(
            "not_a_zip", "no ZIP end-of-central-directory record found (not a ZIP/APK file)"
        )

    def _parse(self) -> None:
        eocd_offset, eocd = self._find_eocd()
        self.eocd_offset = eocd_offset
        (_sig, disk, cd_disk, n_disk, n_total, cd_size, cd_offset, _clen) = struct.unpack(
            "<4sHHHHIIH", eocd
        )
        if disk != 0 or cd_disk != 0:
            self._warn("the archive claims to span several disks; reading it as one file")
        count = n_total
        if n_disk != n_total:
            self._warn("the ZIP end record has inconsistent entry counts")
            count = max(n_disk, n_total)
        # ZIP64: locator just before the EOCD.
        if eocd_offset >= 20:
            loc = self._pread(eocd_offset - 20, 20)
            if loc[:4] == _ZIP64_LOCATOR_SIG:
                (z64_off,) = struct.unpack_from("<Q", loc, 8)
                rec = self._pread(z64_off, 56) if z64_off < eocd_offset else b""
                if len(rec) == 56 and rec[:4] == _ZIP64_EOCD_SIG:
                    (_s, _rs, _vm, _vn, _d, _cdd, _nd, n64, size64, off64) = struct.unpack(
                        "<4sQHHIIQQQQ", rec
                    )
                    count, cd_size, cd_offset = n64, size64, off64
                else:
                    self._warn("ZIP64 locator found but the ZIP64 end record is missing")
        if count > self.limits.max_entries:
            raise ScanError(
                "too_many_entries",
                f"the archive lists {count} entries, above the limit of {self.limits.max_entries}",
            )
        cd_end_limit = eocd_offset
        if cd_offset > cd_end_limit:
            # Data prepended to the archive (or a lying offset): try the position implied by size.
            guess = eocd_offset - cd_size
            if guess >= 0 and self._pread(guess, 4) == b"PK\x01\x02":
                self._warn(
                    "central directory offset is wrong; using the position before the end record"
                )
                cd_offset = guess
            else:
                raise ScanError(
                    "truncated",
                    "the central directory starts beyond the end of the file (truncated download?)",
                )
        elif count and self._pread(cd_offset, 4) != b"PK\x01\x02":
            guess = eocd_offset - cd_size
            if 0 <= guess != cd_offset and self._pread(guess, 4) == b"PK\x01\x02":
                self._warn(
                    "central directory offset is wrong; using the position before the end record"
                )
                cd_offset = guess
        self.cd_offset = cd_offset
        if cd_offset + cd_size > cd_end_limit:
            self._warn(
                "the central directory is truncated: it runs past the end record; "
                "only complete entries are used"
            )
        cd = self._pread(cd_offset, min(cd_size, cd_end_limit - cd_offset))
        self._parse_cd(cd, count)

    def _parse_cd(self, cd: bytes, count: int) -> None:
        pos = 0
        n = len(cd)
        unpack = _CD_HEADER.unpack_from
        entries = self.entries
        by_name = self._by_name
        for index in range(count):
            if pos + 46 > n:
                self._truncated_cd(index, count)
                return
            (
                sig,
                flags,
                method,
                crc,
                csize,
                usize,
                name_len,
                extra_len,
                comment_len,
                offset,
            ) = unpack(cd, pos)
            if sig != _CD_SIG:
                if index == 0:
                    raise ScanError(
                        "not_a_zip", "the central directory does not start with an entry header"
                    )
                self._warn(
                    f"central directory entry {index + 1} of {count} has a bad signature; "
                    "the rest is ignored"
                )
                return
            name_end = pos + 46 + name_len
            end = name_end + extra_len + comment_len
            if end > n:
                self._truncated_cd(index, count)
                return
            raw_name = cd[pos + 46 : name_end]
            if csize == 0xFFFFFFFF or usize == 0xFFFFFFFF or offset == 0xFFFFFFFF:
                extra = cd[name_end : name_end + extra_len]
                usize, csize, offset = self._zip64_extra(extra, usize, csize, offset)
            pos = end
            if b"\x00" in raw_name:
                shown = raw_name.replace(b"\x00", b"\\0").decode("utf-8", "replace")
                self._warn(
                    f"entry name contains a NUL byte (a tampering trick): '{shown}'; "
                    "the name is cut at the NUL"
                )
                raw_name = raw_name.split(b"\x00", 1)[0]
            try:
                name = raw_name.decode("utf-8")
            except UnicodeDecodeError:
                name = raw_name.decode("cp437")
            entry = ZipEntry(name, csize, usize, method, offset, crc, flags)
            entries.append(entry)
            if name in by_name:
                self._warn(f"duplicate entry name {name!r}; the first one is used")
            else:
                by_name[name] = entry

    def _truncated_cd(self, index: int, count: int) -> None:
        if index == 0:
            raise ScanError(
                "truncated",
                f"the central directory is truncated: none of its {count} entries is complete",
            )
        self._warn(
            f"the central directory is truncated: only {index} of {count} entries could be read"
        )

    def _zip64_extra(
        self, extra: bytes, usize: int, csize: int, offset: int
    ) -> tuple[int, int, int]:
        pos = 0
        while pos + 4 <= len(extra):
            tag, size = struct.unpack_from("<HH", extra, pos)
            body = extra[pos + 4 : pos + 4 + size]
            pos += 4 + size
            if tag != 0x0001:
                continue
            i = 0
            if usize == 0xFFFFFFFF and i + 8 <= len(body):
                (usize,) = struct.unpack_from("<Q", body, i)
                i += 8
            if csize == 0xFFFFFFFF and i + 8 <= len(body):
                (csize,) = struct.unpack_from("<Q", body, i)
                i += 8
            if offset == 0xFFFFFFFF and i + 8 <= len(body):
                (offset,) = struct.unpack_from("<Q", body, i)
            break
        return usize, csize, offset

    # -- public API ------------------------------------------------------------------------

    def names(self) -> list[str]:
        """Entry names in central directory order (duplicates included)."""
        return [e.name for e in self.entries]

    def names_set(self) -> set[str]:
        """The distinct entry names."""
        return set(self._by_name)

    def get(self, name: str) -> ZipEntry | None:
        """The first entry with this exact name, or None."""
        return self._by_name.get(name)

    def _entry(self, entry: ZipEntry | str) -> ZipEntry:
        if isinstance(entry, str):
            found = self._by_name.get(entry)
            if found is None:
                raise ScanError("missing_entry", f"no entry named {entry!r} in the archive")
            return found
        return entry

    def _data_span(self, entry: ZipEntry) -> tuple[int, int]:
        """Offset and length of the entry's (compressed) data, checked against the file."""
        off = entry.local_header_offset
        if off + 30 > self.file_size:
            raise ScanError("truncated", f"entry {entry.name!r} points past the end of the file")
        head = self._pread(off, 30)
        (sig, _v, _flags, lmethod, _t, _d, _crc, _cs, _us, name_len, extra_len) = (
            _LOCAL_HEADER.unpack(head)
        )
        if sig != _LOCAL_SIG:
            raise ScanError(
                "corrupt_entry", f"entry {entry.name!r} has no local header at its offset"
            )
        if lmethod != entry.method:
            self._warn(
                f"entry {entry.name!r}: compression method {lmethod} in the local header "
                f"differs from {entry.method} in the central directory (the central directory "
                "is used, as Android does)"
            )
        start = off + 30 + name_len + extra_len
        length = entry.compressed_size
        if start + length > self.file_size:
            raise ScanError(
                "truncated", f"entry {entry.name!r} is cut short by the end of the file"
            )
        return start, length

    def _limit_for(self, entry: ZipEntry, max_size: int | None) -> int:
        limit = self.limits.max_entry_size
        if max_size is not None:
            limit = min(limit, max_size)
        if entry.uncompressed_size > limit:
            raise ScanError(
                "entry_too_large",
                f"entry {entry.name!r} declares {entry.uncompressed_size} bytes, "
                f"above the limit of {limit}",
            )
        if entry.method == METHOD_DEFLATED and self._is_bomb(
            entry.compressed_size, entry.uncompressed_size
        ):
            raise ScanError(
                "zip_bomb",
                f"entry {entry.name!r} declares a compression ratio above "
                f"{self.limits.max_compression_ratio}:1 (zip bomb)",
            )
        return limit

    def _is_bomb(self, compressed: int, produced: int) -> bool:
        return (
            produced > _BOMB_FLOOR
            and produced > max(compressed, 1) * self.limits.max_compression_ratio
        )

    def _account(self, entry: ZipEntry, produced: int) -> None:
        self._total_read += produced
        if self._total_read > self.limits.max_total_uncompressed:
            raise ScanError(
                "budget_exceeded",
                f"reading {entry.name!r} exceeds the total uncompressed budget of "
                f"{self.limits.max_total_uncompressed} bytes",
            )

    def head(self, entry: ZipEntry | str, size: int) -> bytes:
        """The first ``size`` uncompressed bytes of an entry (fewer when the entry is shorter or
        its start cannot be inflated), without inflating the rest."""
        ent = self._entry(entry)
        start, length = self._data_span(ent)
        if ent.method == METHOD_STORED:
            return self._pread(start, min(size, length))
        if ent.method != METHOD_DEFLATED:
            return b""
        raw = self._pread(start, min(length, 4096))
        try:
            return zlib.decompressobj(-15).decompress(raw, size)
        except zlib.error:
            return b""

    def read(self, entry: ZipEntry | str, *, max_size: int | None = None) -> bytes:
        """Uncompressed bytes of an entry (stored or deflated), with all limits enforced."""
        ent = self._entry(entry)
        limit = self._limit_for(ent, max_size)
        start, length = self._data_span(ent)
        if ent.method == METHOD_STORED:
            if length > limit:
                raise ScanError(
                    "entry_too_large", f"entry {ent.name!r} is larger than the limit of {limit}"
                )
            data = self._pread(start, length)
            self._account(ent, len(data))
            return data
        if ent.method != METHOD_DEFLATED:
            raise ScanError(
                "unsupported_method",
                f"entry {ent.name!r} uses compression method {ent.method}, which is not supported",
            )
        raw = self._pread(start, length)
        ratio_bound = max(length * self.limits.max_compression_ratio, _BOMB_FLOOR)
        bound = min(limit, ratio_bound)
        dec = zlib.decompressobj(-15)
        try:
            out = dec.decompress(raw, bound + 1)
        except zlib.error as exc:
            raise ScanError(
                "corrupt_entry", f"entry {ent.name!r} cannot be decompressed: {exc}"
            ) from None
        if len(out) > bound:
            if bound == ratio_bound:
                raise ScanError(
                    "zip_bomb",
                    f"entry {ent.name!r} inflates beyond {self.limits.max_compression_ratio}:1 "
                    "(zip bomb); reading stopped",
                )
            raise ScanError(
                "entry_too_large", f"entry {ent.name!r} inflates beyond the limit of {limit}"
            )
        if not dec.eof:
            self._warn(f"entry {ent.name!r}: the compressed data ends early (truncated entry)")
        self._account(ent, len(out))
        return out

    def iter_chunks(self, entry: ZipEntry | str, chunk_size: int = 1 << 20) -> Iterator[bytes]:  # noqa: C901 (existing; split when next changed)
        """Stream an entry's uncompressed bytes in chunks of at most ``chunk_size``."""
        ent = self._entry(entry)
        limit = self._limit_for(ent, None)
        start, length = self._data_span(ent)
        chunk_size = max(chunk_size, 1)
        if ent.method == METHOD_STORED:
            pos = 0
            while pos < length:
                piece = self._pread(start + pos, min(chunk_size, length - pos))
                if not piece:
                    break
                pos += len(piece)
                self._account(ent, len(piece))
                yield piece
            return
        if ent.method != METHOD_DEFLATED:
            raise ScanError(
                "unsupported_method",
                f"entry {ent.name!r} uses compression method {ent.method}, which is not supported",
            )
        dec = zlib.decompressobj(-15)
        consumed = 0
        produced = 0
        pending = b""
        read_size = max(chunk_size // 4, 1 << 16)
        while True:
            if not pending and not dec.unconsumed_tail:
                if consumed >= length or dec.eof:
                    break
                pending = self._pread(start + consumed, min(read_size, length - consumed))
                if not pending:
                    break
                consumed += len(pending)
            data = dec.unconsumed_tail or pending
            if data is pending:
                pending = b""
            try:
                out = dec.decompress(data, chunk_size)
            except zlib.error as exc:
                raise ScanError(
                    "corrupt_entry", f"entry {ent.name!r} cannot be decompressed: {exc}"
                ) from None
            if out:
                produced += len(out)
                if produced > limit:
                    raise ScanError(
                        "entry_too_large",
                        f"entry {ent.name!r} inflates beyond the limit of {limit}",
                    )
                if self._is_bomb(consumed, produced):
                    raise ScanError(
                        "zip_bomb",
                        f"entry {ent.name!r} inflates beyond "
                        f"{self.limits.max_compression_ratio}:1 (zip bomb); reading stopped",
                    )
                self._account(ent, len(out))
                yield out
            if dec.eof:
                break
        tail = dec.flush()
        if tail:
            produced += len(tail)
            if produced > limit:
                raise ScanError(
                    "entry_too_large", f"entry {ent.name!r} inflates beyond the limit of {limit}"
                )
            self._account(ent, len(tail))
            yield tail

    def close(self) -> None:
        """Close the underlying file (idempotent)."""
        if getattr(self, "_fd", None) is not None:
            assert self._fd is not None
            try:
                os.close(self._fd)
            finally:
                self._fd = None
                self._buf = None

    def __enter__(self) -> ZipArchive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


def single_top_folder(names: set[str]) -> str:
    """``"dist/"`` when every entry lies under that one folder (as when a developer zips the
    project folder itself), else ``""``."""
    top = ""
    for name in names:
        cut = name.find("/")
        if cut <= 0:
            return ""
        head = name[: cut + 1]
        if not top:
            top = head
        elif head != top:
            return ""
    return top
