"""XLSX export of the ledger for the person asking: the demands they may see, the burden
report and the duplicated fields. Every text cell is formula-safe (a leading = + - @ is quoted)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from govapp.core.actor import Actor
from govapp.oversight.ledger import selectors
from govapp.oversight.ledger.burden import q
from govapp.oversight.ledger.importer import safe_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    for i, _h in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = 36 if i in (2, 3) else 14
    ws.freeze_panes = "A2"


def ledger_workbook(user: Actor, *, prefix: str = "") -> bytes:
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    demands = selectors.visible_demands(user).prefetch_related("fields")
    if prefix:
        demands = demands.filter(scope_code__startswith=prefix)
    _sheet(
        wb,
        "填报事项清单",
        [
            "清单编号",
            "事项名称",
            "发起部门",
            "区划代码",
            "地区",
            "状态",
            "填报对象",
            "填报单位数",
            "填报频次",
            "每项分钟数",
            "字段数",
            "填报字段",
            "承载应用",
            "开始日期",
            "结束日期",
        ],
        [
            [
                d.ledger_number,
                d.title,
                d.department_name,
                d.scope_code,
                d.division.name,
                str(d.get_status_display()),
                str(d.get_target_level_display()),
                d.units_targeted,
                str(d.get_frequency_display()),
                float(d.minutes_per_field),
                len(d.fields.all()),
                "、".join(f.label for f in d.fields.all()),
                d.app.name if d.app else "",
                d.starts_on,
                d.ends_on,
            ]
            for d in demands
        ],
    )
    report = selectors.burden_report(user, prefix=prefix)
    _sheet(
        wb,
        "填报负担",
        [
            "清单编号",
            "事项名称",
            "发起部门",
            "区划代码",
            "字段数",
            "重复字段数",
            "每个基层单位每月工时",
            "每月总工时",
            "其中重复填报工时",
        ],
        [
            [
                r.demand.ledger_number,
                r.demand.title,
                r.demand.department_name,
                r.demand.scope_code,
                r.fields,
                len(r.duplicated),
                float(q(r.per_unit, "0.001")),
                float(q(r.total)),
                float(q(r.duplicated_hours)),
            ]
            for r in report.rows
        ],
    )
    _sheet(
        wb,
        "重复字段",
        ["清单编号", "事项名称", "字段", "已由此事项采集", "采集部门", "原字段"],
        [
            [
                r.demand.ledger_number,
                r.demand.title,
                label,
                src.ledger_number,
                src.department_name,
                src_label,
            ]
            for r in report.rows
            for label, src, src_label in r.duplicated
        ],
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
