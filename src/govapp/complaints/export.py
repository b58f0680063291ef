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
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from govapp.complaints import selectors
from govapp.core.actor import Actor
from govapp.core.calendar import today_shanghai
from govapp.core.exports import xlsx_append

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNMATCHED = "未对应到已备案应用"
CENTRAL = "中央国家机关"


def file_name(since: dt.date | None, until: dt.date | None) -> str:
    span = f"{since or 'start'}_{until or today_shanghai()}".replace("-", "")
    return f"complaint-stats-{span}.xlsx"


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title)
    xlsx_append(ws, header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        xlsx_append(ws, row)
    for i, _h in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = 28 if i == 1 else 14
    ws.freeze_panes = "A2"


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


def stats_workbook(
    user: Actor, *, since: dt.date | None = None, until: dt.date | None = None
) -> bytes:
    agg = selectors.complaint_aggregates(user, since=since, until=until, top=None)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "概况"
    for row in (
        ["项目", "数值"],
        ["统计起始日期", since.isoformat() if since else "（不限）"],
        ["统计截止日期", until.isoformat() if until else "（不限）"],
        ["导出日期", today_shanghai().isoformat()],
        ["收到举报", agg["total"]],
        ["已办结", agg["resolved"]],
        ["逾期（当前）", agg["overdue"]],
    ):
        xlsx_append(ws, row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 16
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
