"""The one error type that may escape the scanner."""

from __future__ import annotations


class ScanError(Exception):
    """A package could not be read.  ``code`` is stable and machine-readable;
    the message says in plain words what was wrong."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message
