"""The notices of a penalty case (R-31), as XLSX documents in Chinese: one to the IT-project
approval authority (suspend new approvals) and one to the O&M funding authority (suspend O&M
funds), until the app is corrected and filed again."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from govapp.compliance.models import PenaltyCase
from govapp.compliance.rules import RULES_BY_ID
from govapp.core.exports import xlsx_cell, xlsx_set

KINDS = {
    "approval": ("项目审批部门", "暂停该单位新的信息化项目审批", "approval"),
    "funding": ("运维经费管理部门", "暂停拨付该应用的运维经费", "funding"),
}


def notice_xlsx(case: PenaltyCase, kind: str) -> bytes:
    if kind not in KINDS:
        raise ValueError(kind)
    to, measure, _ = KINDS[kind]
    app = case.app
    unit = app.hosting_unit
    order = case.order
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "处理通知"
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 80
    xlsx_set(ws["A1"], f"关于对“{app.name}”{measure}的通知")
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:B1")
    rows = [
        ("致", to),
        ("案件编号", f"处罚 #{case.pk}"),
        ("应用名称", app.name),
        ("主办单位", unit.name),
        ("所在区划", str(unit.division)),
        ("原备案编号", case.filing_number or app.filing_number or "-"),
        ("备案状态", app.get_status_display()),
        ("整改通知", f"整改 #{order.pk}，下达于 {order.issued_at:%Y-%m-%d}，期限 {order.deadline}"),
        ("整改要求", order.instructions),
        ("认定理由", case.reason),
        (
            "处理决定",
            case.get_state_display()
            + (f"（{case.decided_at:%Y-%m-%d}）" if case.decided_at else ""),
        ),
        (
            "请求事项",
            f"依据《政务移动互联网应用程序规范化管理办法》关于撤销备案的规定，请{measure}，"
            "直至该应用全部整改到位并重新备案。",
        ),
    ]
    for i, f in enumerate(order.findings.all().order_by("rule_id"), start=1):
        rule = RULES_BY_ID.get(f.rule_id)
        title = rule.title_zh if rule else f.rule_id
        ev = "；".join(str(e.get("value", "")) for e in (f.evidence or [])[:3])
        rows.append((f"问题 {i}", f"{title}（{f.requirement}）：{ev}"))
    for r, (k, v) in enumerate(rows, start=3):
        xlsx_cell(ws, r, 1, k).font = Font(bold=True)
        c = xlsx_cell(ws, r, 2, v)
        c.alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
