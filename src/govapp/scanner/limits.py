"""Resource limits that keep hostile input from crashing, hanging or exhausting the scanner."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The limits of one scan (the defaults suit packages of up to a few GB)."""

    max_file_size: int = 4096 * MiB
    max_entries: int = 200_000
    max_entry_size: int = 512 * MiB  # uncompressed, any single entry
    max_total_uncompressed: int = 8192 * MiB
    max_compression_ratio: int = 200  # beyond this an entry is treated as a zip bomb
    max_axml_size: int = 16 * MiB
    max_dex_size: int = 128 * MiB  # one DEX file (read and parsed one at a time)
    # All DEX files of a package together: the later ones are skipped with a warning.  Keeps a
    # package of many highly compressed DEX files from holding gigabytes (issue 16).
    max_dex_total: int = 512 * MiB
    max_text_scan_size: int = 8 * MiB  # per resource/asset/source file searched for keywords
    max_nested_depth: int = 1
    max_seconds: float = 60.0


DEFAULT_LIMITS = Limits()
