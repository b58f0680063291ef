"""The XLSX export of usage oversight: low-use list, retirement cases and latest figures of the
jurisdiction.  Every text cell is formula-safe (a leading = + - @ is escaped)."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from govapp.core.actor import Actor
from govapp.oversight.usage import selectors

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A value that a spreadsheet shows as written, never runs as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title)
    ws.append([cell(h) for h in header])
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in rows:
        ws.append([cell(v) for v in row])
    for i, h in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(h) * 2 + 2)


def workbook(user: Actor) -> bytes:
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    flags = list(selectors.lowuse_for(user))
    _sheet(
        wb,
        _("低使用应用"),
        [_("应用"), _("备案编号"), _("主办单位"), _("评估月份"), _("判定"), _("标准"), _("豁免")],
        [
            [
                f.app.name,
                f.app.filing_number or "",
                f.app.hosting_unit.name,
                f.month.strftime("%Y-%m"),
                "；".join(r["finding"] for r in selectors.flag_rows(f)),
                "；".join(r["criterion"] for r in selectors.flag_rows(f)),
                _("是") if f.exempt else "",
            ]
            for f in flags
        ],
    )
    data = selectors.pipeline(user)
    _sheet(
        wb,
        _("退出处置"),
        [
            _("应用"),
            _("备案编号"),
            _("主办单位"),
            _("地区"),
            _("阶段"),
            _("期限"),
            _("逾期"),
            _("替代应用"),
        ],
        [
            [
                c.app.name,
                c.app.filing_number or "",
                c.app.hosting_unit.name,
                selectors.region_of(c.app.hosting_unit.scope_code),
                c.stage_label,
                c.deadline.isoformat(),
                _("逾期") if selectors.is_overdue(c, data["today"]) else "",
                c.app.successor.name if c.app.successor else "",
            ]
            for c in data["cases"]
        ],
    )
    _sheet(
        wb,
        _("按地区统计"),
        [_("地区")] + [str(label) for _s, label, _n in data["stages"]] + [_("逾期")],
        [[r["name"], *r["counts"], r["overdue"]] for r in data["regions"]],
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
