"""The one reader of uploaded tables (core.spreadsheets.table_records) that the legacy
inventory, the burden ledger and the usage returns share."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from govapp.core.spreadsheets import (
    Limits,
    SpreadsheetTooLarge,
    SpreadsheetUnreadable,
    table_records,
)


def _xlsx(*rows: list[object]) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_csv_in_utf8_with_bom_and_in_gb18030_reads_the_same() -> None:
    text = "名称,区划\n粤省事,44\n"
    utf8 = list(table_records(("\ufeff" + text).encode("utf-8"), "a.csv", Limits()))
    gbk = list(table_records(text.encode("gb18030"), "a.csv", Limits()))
    assert utf8 == gbk == [(1, ["名称", "区划"]), (2, ["粤省事", "44"])]


def test_xlsx_cells_become_the_text_a_person_typed() -> None:
    data = _xlsx(["名称", "上线日期", "单位数"], ["穗好办", dt.datetime(2020, 3, 1, 8, 0), 12.0])
    # the file name does not matter: an XLSX is recognised by its zip signature
    rows = list(table_records(data, "upload.bin", Limits(columns=5)))
    # read-only sheets are padded to the column bound; the importers ignore the blank cells
    assert rows == [
        (1, ["名称", "上线日期", "单位数", "", ""]),
        (2, ["穗好办", "2020-03-01", "12", "", ""]),
    ]


def test_unreadable_and_oversized_tables_are_refused_with_a_reason() -> None:
    with pytest.raises(SpreadsheetUnreadable, match="编码无法识别"):
        list(table_records(b"\xff\xfe\xff\x00\xff", "a.csv", Limits()))
    with pytest.raises(SpreadsheetUnreadable, match="无法读取 XLSX"):
        list(table_records(b"PK\x03\x04broken", "a.xlsx", Limits()))
    with pytest.raises(SpreadsheetTooLarge, match="第 2 行"):
        list(table_records(("a\n" + "x" * 50 + "\n").encode(), "a.csv", Limits(cell_chars=10)))
    with pytest.raises(SpreadsheetTooLarge, match="行数超过上限"):
        list(table_records(_xlsx(*[["x"]] * 20), "a.xlsx", Limits(rows=10)))
