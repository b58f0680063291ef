"""The signing certificates inside an iOS executable's code signature (Mach-O).

An App Store build has no ``embedded.mobileprovision``; its signer is only in the main
executable's code signature.  Layout (Apple's ``mach-o/loader.h`` and ``cs_blobs.h``, as
published in the XNU and cctools sources):

* a universal ("fat") file starts with ``0xcafebabe`` (or ``0xcafebabf`` for 64-bit offsets),
  big-endian, then ``nfat_arch`` records ``(cputype, cpusubtype, offset, size, align)``; each slice
  is a thin Mach-O;
* a thin Mach-O starts with ``0xfeedface`` / ``0xfeedfacf`` (little-endian on iOS), then
  ``ncmds`` load commands ``(cmd, cmdsize, ...)``; ``LC_CODE_SIGNATURE`` (``0x1d``) gives
  ``dataoff``/``datasize`` of the signature within the slice;
* the signature is a big-endian SuperBlob (magic ``0xfade0cc0``) indexing blobs by slot; slot
  ``0x10000`` is a wrapper blob (magic ``0xfade0b01``) around a CMS SignedData whose
  certificates are the signer's chain.

The executable is read as a stream (the signature sits at the end of a slice), never whole.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from govapp.scanner.errors import ScanError

FAT_MAGIC = 0xCAFEBABE
FAT_MAGIC_64 = 0xCAFEBABF
MH_MAGIC = 0xFEEDFACE
MH_MAGIC_64 = 0xFEEDFACF
LC_CODE_SIGNATURE = 0x1D
CSMAGIC_EMBEDDED_SIGNATURE = 0xFADE0CC0
CSMAGIC_BLOBWRAPPER = 0xFADE0B01
CSSLOT_SIGNATURESLOT = 0x10000
MAX_HEADER = 1 << 20  # load commands of real executables are a few tens of KB
MAX_SIGNATURE = 4 << 20


class _Stream:
    """Forward-only reads over decompressed chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = b""
        self.pos = 0  # absolute offset of _buf[0]

    def _next(self) -> bytes:
        try:
            return next(self._chunks)
        except StopIteration:
            raise ScanError("bad_macho", "the executable ends early") from None

    def read_at(self, offset: int, size: int) -> bytes:
        """``size`` bytes at absolute ``offset`` (offsets must not go backwards)."""
        if offset < self.pos:
            raise ScanError("bad_macho", "Mach-O structures out of order")
        while self.pos + len(self._buf) <= offset:
            self.pos += len(self._buf)
            self._buf = self._next()
        out = bytearray(self._buf[offset - self.pos :])
        while len(out) < size:
            out += self._next()
        self._buf = bytes(out[size:])
        self.pos = offset + size
        return bytes(out[:size])


def _thin_signature_range(
    stream: _Stream, base: int, prefix: bytes = b""
) -> tuple[int, int] | None:
    """``prefix``: the first bytes of the slice when they were already read."""
    head = prefix + stream.read_at(base + len(prefix), 28 - len(prefix))
    (magic,) = struct.unpack_from("<I", head)
    if magic not in (MH_MAGIC, MH_MAGIC_64):
        raise ScanError("bad_macho", "the app's executable is not a Mach-O file")
    ncmds, sizeofcmds = struct.unpack_from("<II", head, 16)
    header_size = 32 if magic == MH_MAGIC_64 else 28
    if sizeofcmds > MAX_HEADER or ncmds > 10000:
        raise ScanError("bad_macho", "the executable's load commands are implausibly large")
    cmds = stream.read_at(base + header_size, sizeofcmds)
    pos = 0
    for _ in range(ncmds):
        if pos + 8 > len(cmds):
            break
        cmd, size = struct.unpack_from("<II", cmds, pos)
        if cmd == LC_CODE_SIGNATURE and pos + 16 <= len(cmds):
            dataoff, datasize = struct.unpack_from("<II", cmds, pos + 8)
            return base + dataoff, datasize
        if size < 8:
            break
        pos += size
    return None


def code_signature_cms(chunks: Iterator[bytes]) -> bytes | None:
    """The CMS SignedData of the first slice's code signature, or None when unsigned."""
    stream = _Stream(chunks)
    first = stream.read_at(0, 8)
    (be_magic,) = struct.unpack_from(">I", first)
    if be_magic in (FAT_MAGIC, FAT_MAGIC_64):
        (count,) = struct.unpack_from(">I", first, 4)
        if not 0 < count <= 32:
            raise ScanError("bad_macho", "implausible number of architectures in the executable")
        width = 32 if be_magic == FAT_MAGIC_64 else 20
        table = stream.read_at(8, count * width)
        if be_magic == FAT_MAGIC_64:
            offsets = [struct.unpack_from(">Q", table, i * width + 8)[0] for i in range(count)]
        else:
            offsets = [struct.unpack_from(">I", table, i * width + 8)[0] for i in range(count)]
        found = _thin_signature_range(stream, min(offsets))
    else:
        found = _thin_signature_range(stream, 0, prefix=first)
    if found is None:
        return None
    offset, size = found
    if size > MAX_SIGNATURE or size < 12:
        raise ScanError("bad_macho", "the code signature has an implausible size")
    blob = stream.read_at(offset, size)
    magic, _length, count = struct.unpack_from(">III", blob)
    if magic != CSMAGIC_EMBEDDED_SIGNATURE:
        raise ScanError("bad_macho", "the code signature is not an embedded signature SuperBlob")
    for i in range(min(count, 64)):
        if 12 + 8 * i + 8 > len(blob):
            break
        slot, off = struct.unpack_from(">II", blob, 12 + 8 * i)
        if slot != CSSLOT_SIGNATURESLOT or off + 8 > len(blob):
            continue
        wmagic, wlen = struct.unpack_from(">II", blob, off)
        if wmagic != CSMAGIC_BLOBWRAPPER or wlen < 8 or off + wlen > len(blob):
            raise ScanError("bad_macho", "the CMS signature blob is malformed")
        cms = blob[off + 8 : off + wlen]
        return cms or None
    return None
