"""Reading spreadsheets that users upload (legacy inventory, burden ledger, usage returns,
holiday calendar) within bounds.

:func:`table_records` is the one reader of an uploaded table: CSV (UTF-8 or GB18030) or the
first sheet of an XLSX, as ``(line number, cells as text)``.

A crafted file can be small and still expensive: a sheet that claims a cell at XFD1048576,
millions of empty rows, a 100 MB shared-strings part compressed to a few kilobytes, or one
CSV field of a gigabyte.  These readers stop at the first bound exceeded and raise
:class:`SpreadsheetTooLarge` with a message for the person who uploaded it, so an import
answers within seconds instead of exhausting a worker.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _


class SpreadsheetUnreadable(ValueError):
    """The file cannot be read as a table; the message says what to do."""


class SpreadsheetTooLarge(SpreadsheetUnreadable):
    """The file exceeds a bound (rows, columns, cell length, shared strings, unpacked size)."""


@dataclass(frozen=True)
class Limits:
    rows: int = 200_000  # physical rows, blank ones included
    columns: int = 64
    cell_chars: int = 4_000
    shared_strings: int = 500_000
    unpacked_bytes: int = 200 * 1024 * 1024  # all XML parts of an XLSX, uncompressed


def _too_large(message: str) -> SpreadsheetTooLarge:
    return SpreadsheetTooLarge(message)


def _check_row(line: int, values: list[str], limits: Limits) -> list[str]:
    if line > limits.rows:
        raise _too_large(_("行数超过上限 %(n)d：请拆分后分批导入。") % {"n": limits.rows})
    if len(values) > limits.columns:
        values = values[: limits.columns]
    for number, value in enumerate(values, start=1):
        if len(value) > limits.cell_chars:
            raise _too_large(
                _("第 %(line)d 行第 %(col)d 列的内容超过 %(n)d 个字符：请检查文件。")
                % {"line": line, "col": number, "n": limits.cell_chars}
            )
    return values


def csv_records(text: str, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """``(first line number, cells)`` of each CSV record, within ``limits``."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    old = csv.field_size_limit()
    csv.field_size_limit(limits.cell_chars + 1)
    try:
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise _too_large(
                    _("第 %(line)d 行无法读取（%(e)s）：字段过长或引号不配对，请检查文件。")
                    % {"line": reader.line_num, "e": exc}
                ) from exc
            yield start, _check_row(start, record, limits)
            start = reader.line_num + 1
    finally:
        csv.field_size_limit(old)


_SI = re.compile(rb"<(?:\w+:)?si[\s>/]")


def xlsx_check(data: bytes, limits: Limits) -> None:
    """Refuse an XLSX whose parts unpack to more than the budget or that holds too many
    shared strings, before openpyxl reads any of it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise SpreadsheetUnreadable(
            _("无法读取 XLSX 文件：请确认文件是 Excel 2007 及以上格式。")
        ) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > 1000:
            raise _too_large(_("XLSX 文件包含的部件过多：请另存为普通工作簿后重试。"))
        declared = sum(i.file_size for i in infos)
        if declared > limits.unpacked_bytes:
            raise _too_large(
                _("XLSX 文件解压后超过 %(mb)d MB：请拆分后分批导入。")
                % {"mb": limits.unpacked_bytes // (1024 * 1024)}
            )
        for info in infos:
            if not info.filename.lower().endswith("sharedstrings.xml"):
                continue
            count, read, tail = 0, 0, b""
            with archive.open(info) as part:
                while chunk := part.read(1 << 20):
                    read += len(chunk)  # the declared size may lie; count what unpacks
                    if read > limits.unpacked_bytes:
                        raise _too_large(
                            _("XLSX 文件解压后超过 %(mb)d MB：请拆分后分批导入。")
                            % {"mb": limits.unpacked_bytes // (1024 * 1024)}
                        )
                    count += len(_SI.findall(tail + chunk)) - len(_SI.findall(tail))
                    tail = chunk[-16:]
                    if count > limits.shared_strings:
                        raise _too_large(
                            _("XLSX 文件的共享字符串超过 %(n)d 个：请拆分后分批导入。")
                            % {"n": limits.shared_strings}
                        )


def xlsx_records(data: bytes, limits: Limits, cell: Any = None) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells)`` of the first worksheet, within ``limits``; ``cell`` turns a
    value into text (default ``str``, None as "")."""
    import openpyxl

    xlsx_check(data, limits)
    to_text = cell or (lambda v: "" if v is None else str(v))
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise SpreadsheetUnreadable(
            _("无法读取 XLSX 文件（%(e)s）：请确认文件是 Excel 2007 及以上格式。") % {"e": exc}
        ) from exc
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True, max_col=limits.columns, max_row=limits.rows + 1)
        for number, values in enumerate(rows, start=1):
            yield number, _check_row(number, [to_text(v) for v in values], limits)
    finally:
        wb.close()


def cell_text(value: Any) -> str:
    """A spreadsheet value as the text a person typed: dates as ISO dates, 12.0 as "12"."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def decode_text(data: bytes) -> str:
    """The text of an uploaded CSV: UTF-8 (with or without BOM), else GB18030 (what Excel
    saves on Chinese Windows)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetUnreadable(_("文件编码无法识别：请另存为 UTF-8 编码的 CSV 或 XLSX 文件。"))


def is_xlsx(data: bytes, file_name: str) -> bool:
    return file_name.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK"


def table_records(data: bytes, file_name: str, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """``(line number, cells)`` of an uploaded CSV or XLSX table, within ``limits``; raises
    :class:`SpreadsheetUnreadable` (or :class:`SpreadsheetTooLarge`) with a message for the
    person who uploaded it.  Blank records are included (callers skip them)."""
    if is_xlsx(data, file_name):
        yield from xlsx_records(data, limits, cell_text)
    else:
        yield from csv_records(decode_text(data), limits)
