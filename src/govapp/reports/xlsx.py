"""The report as an XLSX workbook (openpyxl), with native Excel charts.

Every text cell goes through :func:`safe_text`: a value that a spreadsheet program would take
for a formula (leading ``=``, ``+``, ``-``, ``@``, tab or carriage return) is written with a
leading apostrophe, so a unit or app name can never run as a formula.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
HEAD_FILL = PatternFill("solid", fgColor="F2F3F5")


def safe_text(value: Any) -> Any:
    """Numbers stay numbers; text that starts like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_LEAD):
        return "'" + value
    return value


def _table(ws: Worksheet, header: list[str], rows: list[list[Any]], start_row: int = 1) -> None:
    for col, text in enumerate(header, start=1):
        cell = ws.cell(row=start_row, column=col, value=safe_text(text))
        cell.font = Font(bold=True)
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for r, row in enumerate(rows, start=start_row + 1):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=safe_text(value))
    for col in range(1, len(header) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 34 if col == 1 else 16


def _bar(ws: Worksheet, title: str, rows: int, anchor: str, *, cols: int = 1) -> None:
    if rows <= 0:
        return
    chart = BarChart()
    chart.type = "bar"
    chart.title = title
    chart.legend = None if cols == 1 else chart.legend
    data = Reference(ws, min_col=2, max_col=1 + cols, min_row=1, max_row=rows + 1)
    cats = Reference(ws, min_col=1, min_row=2, max_row=rows + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.height = max(7.5, 0.6 * rows + 3)
    chart.width = 18
    ws.add_chart(chart, anchor)


def workbook(data: dict[str, Any]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "概览"
    ws["A1"] = safe_text(data["title"])
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = safe_text(f"统计期间：{data['period_start']} 至 {data['period_end']}")
    ws["A3"] = safe_text(f"范围：{data['jurisdiction']}　生成时间：{data['generated_at'][:19]}")
    _table(
        ws,
        ["指标", "数值", "单位"],
        [[h["label"], h["value"], h["unit"]] for h in data["headline"]],
        start_row=5,
    )

    regions = wb.create_sheet("分地区")
    cols = [
        ("name", "地区"),
        ("known", "已知应用"),
        ("filed", "已备案"),
        ("filing_rate", "备案率（%）"),
        ("review_median", "审核用时中位数（工作日）"),
        ("review_p90", "审核用时90分位（工作日）"),
        ("overdue", "逾期事项"),
        ("high_per_100", "高危问题/百应用"),
        ("complaint_days", "投诉办结用时中位数（工作日）"),
    ]
    rows = [[r.get(k) for k, _label in cols] for r in data["regions"]]
    total = data["regions_total"]
    rows.append(["合计", *[total.get(k) for k, _label in cols[1:]]])
    _table(regions, [label for _k, label in cols], rows)
    regions.freeze_panes = "B2"

    trend = wb.create_sheet("月度趋势")
    series = data["trend"]["series"]
    _table(
        trend,
        ["月份", *[s["label"] for s in series]],
        [[m, *[s["values"][i] for s in series]] for i, m in enumerate(data["trend"]["months"])],
    )
    n = len(data["trend"]["months"])
    if n:
        line = LineChart()
        line.title = "近12个月趋势"
        line.add_data(
            Reference(trend, min_col=2, max_col=1 + len(series), min_row=1, max_row=n + 1),
            titles_from_data=True,
        )
        line.set_categories(Reference(trend, min_col=1, min_row=2, max_row=n + 1))
        line.height, line.width = 9, 20
        trend.add_chart(line, f"{get_column_letter(len(series) + 3)}2")

    rules = wb.create_sheet("合规问题")
    _table(
        rules,
        ["规则", "新发现"],
        [[f"{r['title']}（{r['rule']}）", r["count"]] for r in data["by_rule"]],
    )
    _bar(rules, "本期新发现合规问题（按规则）", len(data["by_rule"]), "D2")
    sev_row = len(data["by_rule"]) + 4
    _table(
        rules,
        ["严重程度", "新发现"],
        [[s["label"], s["count"]] for s in data["by_severity"]],
        start_row=sev_row,
    )

    comp = wb.create_sheet("投诉举报")
    _table(comp, ["类别", "收到"], [[c["label"], c["count"]] for c in data["by_category"]])
    _bar(comp, "本期收到的投诉举报（按类别）", len(data["by_category"]), "D2")

    notes = wb.create_sheet("说明")
    _table(
        notes,
        ["说明"],
        [
            ["工作日按国家法定节假日安排计算（govapp 工作日历）。"],
            ["审核用时：自最后一次提交至备案决定；投诉办结用时：自收到之日至办结之日。"],
            ["分地区各列定义见系统“地区对比”页面；各地区之和等于合计（中位数除外）。"],
            ["本表只统计生成报告的监管部门管辖范围内的数据；不含任何个人信息。"],
        ],
    )
    notes.column_dimensions["A"].width = 90
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
