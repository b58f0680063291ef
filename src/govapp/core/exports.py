"""Spreadsheet cells that cannot attack their readers (CSV and formula injection).

A spreadsheet program treats a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in
some programs, with a tab or carriage return before one of them) as a formula, which can
compute, fetch URLs or run commands on the reader's machine.  Every export of text that came
from users goes through this module (OWASP "CSV Injection"):

- XLSX: the text is stored unchanged as a *string* cell (never a formula) with the
  "quote prefix" style, so the program shows it as text and keeps it text when edited;
  characters XML cannot carry are dropped (openpyxl would refuse the whole file).
- CSV: a leading apostrophe is added to such text (the only way CSV can say "text").
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@")
_CONTROL = re.compile(r"^[\x00-\x1f\x7f]")


def formula_like(value: Any) -> bool:
    """Text a spreadsheet might run: it starts with = + - @ or a control character."""
    return (
        isinstance(value, str)
        and bool(value)
        and (value.startswith(FORMULA_START) or bool(_CONTROL.match(value)))
    )


def csv_cell(value: Any) -> Any:
    """The value to write to a CSV file."""
    if formula_like(value):
        return "'" + value
    return value


def csv_row(row: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in row]


class SafeCsvWriter:
    """``csv.writer`` whose rows pass through :func:`csv_cell`."""

    def __init__(self, stream: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(csv_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def _xlsx_text(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def xlsx_set(cell: Any, value: Any) -> Any:
    """Put ``value`` into an openpyxl cell; text is always text, never a formula."""
    value = _xlsx_text(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if formula_like(value):
            cell.quotePrefix = True
    return cell


def xlsx_cell(ws: Any, row: int, column: int, value: Any) -> Any:
    """``ws.cell(row=, column=, value=)`` made safe."""
    return xlsx_set(ws.cell(row=row, column=column), value)


def xlsx_append(ws: Any, row: Sequence[Any]) -> None:
    """``ws.append(row)`` made safe."""
    r = ws._current_row + 1  # what ws.append uses; ws.cell() keeps it up to date
    for column, value in enumerate(row, start=1):
        xlsx_cell(ws, r, column, value)
