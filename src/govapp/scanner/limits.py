"""Resource limits that keep hostile input from crashing, hanging or exhausting the scanner."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

MiB = 1024 * 1024


class Limits:
    """The limits of one scan (the defaults suit packages of up to a few GB); immutable.

    A plain class rather than a frozen dataclass: nothing on the scanner's start-up path imports
    ``dataclasses`` (see facts.py).  Keyword arguments override the defaults below."""

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

    _names = (
        "max_file_size",
        "max_entries",
        "max_entry_size",
        "max_total_uncompressed",
        "max_compression_ratio",
        "max_axml_size",
        "max_dex_size",
        "max_dex_total",
        "max_text_scan_size",
        "max_nested_depth",
        "max_seconds",
    )

    def __init__(self, **values: Any) -> None:
        unknown = set(values) - set(self._names)
        if unknown:
            raise TypeError(f"Limits() got unexpected keyword arguments {sorted(unknown)}")
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: Limits is immutable")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._names)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return "Limits(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self._names) + ")"


DEFAULT_LIMITS = Limits()
