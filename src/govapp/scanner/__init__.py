"""The package scanner: a pure library (no Django) that turns an app package into typed facts.

Use :func:`scan_path`; it returns a :class:`~govapp.scanner.facts.ScanResult` or raises
:class:`~govapp.scanner.errors.ScanError` (the only exception that escapes the scanner).
"""

from __future__ import annotations

import os

from govapp.scanner.errors import ScanError
from govapp.scanner.facts import SCHEMA, ScanFailure, ScanResult
from govapp.scanner.limits import DEFAULT_LIMITS, Limits

__all__ = [
    "DEFAULT_LIMITS",
    "SCHEMA",
    "Limits",
    "ScanError",
    "ScanFailure",
    "ScanResult",
    "scan_path",
]


def scan_path(path: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS) -> ScanResult:
    """Scan a package file or a mini-program / quick-app source directory (see detect.py)."""
    from govapp.scanner.detect import scan_path as _scan_path

    return _scan_path(path, limits=limits)
