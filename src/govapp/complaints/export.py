"""The statistics export (XLSX): counts only, within the caller's reach.

Built from :func:`selectors.complaint_aggregates` (the statistics page's figures).  No report
content goes in: no description, "when" text, replies, outcome or evidence, and no app name a
reporter typed for an app that is not filed (those are counted on one row,
「未对应到已备案应用」).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from govapp.complaints import selectors
from govapp.core.actor import Actor
from govapp.core.calendar import today_shanghai
from govapp.core.exports import xlsx_set

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNMATCHED = "未对应到已备案应用"
CENTRAL = "中央国家机关"


def file_name(since: dt.date | None, until: dt.date | None) -> str:
    span = f"{since or 'start'}_{until or today_shanghai()}".replace("-", "")
    return f"complaint-stats-{span}.xlsx"


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    """One sheet of a write-only workbook: rows are streamed to the file as they are
    appended (no cell objects kept; the app and unit sheets have a row per app and unit in
    reach, tens of thousands at national scale), each value passed through
    :func:`govapp.core.exports.xlsx_set` (text stays text)."""
    ws = wb.create_sheet(title)
    for i, _h in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = 28 if i == 1 else 14
    ws.freeze_panes = "A2"
    ws.append([_cell(ws, h, bold=True) for h in header])
    for row in rows:
        ws.append([_cell(ws, v) for v in row])


def _cell(ws: Any, value: Any, *, bold: bool = False) -> Any:
    if isinstance(value, int | float) and not bold:
        return value  # numbers need no cell object
    cell = xlsx_set(WriteOnlyCell(ws), value)
    if bold:
        cell.font = Font(bold=True)
    return cell


def _apps(agg: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    unmatched = [0, 0]
    for r in agg["apps"]:
        if r["app_id"] is None:  # a name the reporter typed: report content, not exported
            unmatched[0] += r["count"]
            unmatched[1] += r["resolved"]
            continue
        rows.append([r["name"], r["filing_number"], r["count"], r["resolved"]])
    if unmatched[0]:
        rows.append([UNMATCHED, "", *unmatched])
    return rows


def stats_workbook_cached(
    user: Actor, *, since: dt.date | None = None, until: dt.date | None = None
) -> bytes:
    """:func:`stats_workbook`, from the shared cache while nothing it counts has changed
    (:func:`selectors.cached_stats`)."""
    return bytes(
        selectors.cached_stats(
            "xlsx", user, (since, until), lambda: stats_workbook(user, since=since, until=until)
        )
    )


def stats_workbook(
    user: Actor, *, since: dt.date | None = None, until: dt.date | None = None
) -> bytes:
    agg = selectors.complaint_aggregates(user, since=since, until=until, top=None)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("概况")
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 16
    ws.append([_cell(ws, "项目", bold=True), _cell(ws, "数值", bold=True)])
    for row in (
        ["统计起始日期", since.isoformat() if since else "（不限）"],
        ["统计截止日期", until.isoformat() if until else "（不限）"],
        ["导出日期", today_shanghai().isoformat()],
        ["收到举报", agg["total"]],
        ["已办结", agg["resolved"]],
        ["逾期（当前）", agg["overdue"]],
    ):
        ws.append([_cell(ws, v) for v in row])
    received, resolved = "收到", "办结"
    _sheet(
        wb,
        "按类别",
        ["类别", "类别代码", received, resolved],
        [[r["label"], r["key"], r["count"], r["resolved"]] for r in agg["categories"]],
    )
    _sheet(wb, "按应用", ["应用", "备案编号", received, resolved], _apps(agg))
    _sheet(
        wb,
        "按主办单位",
        ["主办单位", received, resolved],
        [
            [r["name"] if r["unit_id"] is not None else UNMATCHED, r["count"], r["resolved"]]
            for r in agg["units"]
        ],
    )
    region_names = {"central": CENTRAL, "unknown": UNMATCHED}
    _sheet(
        wb,
        "按地区",
        ["地区", "区划代码", received, resolved],
        [
            [
                region_names.get(r["code"], r["name"]),
                r["code"] if r["code"].isdigit() else "",
                r["count"],
                r["resolved"],
            ]
            for r in agg["regions"]
        ],
    )
    _sheet(
        wb,
        "按月份",
        ["月份", received, resolved],
        [[r["month"], r["count"], r["resolved"]] for r in agg["months"]],
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
