"""Import of the lists counties keep today in spreadsheets (CSV or XLSX), and the XLSX export.

All or nothing: every row is checked first and each error names its line; if there is any
error nothing is written. Bounded: 5 MB, 5,000 rows, 2,000 characters a cell, 200 fields a row.
Imported rows are entered as listed demands (they are what the county already asks); their
duplicated fields show up in the burden report at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from govapp.core.actor import Actor
from govapp.core.audit import audit_record
from govapp.core.errors import NotAllowed
from govapp.core.spreadsheets import Limits, SpreadsheetUnreadable, table_records
from govapp.orgs.models import Division, Unit, User
from govapp.oversight.ledger import selectors
from govapp.oversight.ledger.models import Demand, DemandStatus, Frequency, TargetLevel
from govapp.oversight.ledger.services import FieldSpec, _classify, _list
from govapp.registry.models import App

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_CELL = 2000
MAX_FIELDS = 200
MAX_REPORTED_ERRORS = 200
# the reader's own bounds (blank rows counted; a cell over MAX_CELL but under cell_chars gets
# this importer's line-numbered message, a larger one stops the reader)
SHEET_LIMITS = Limits(rows=MAX_ROWS + 1000, columns=64, cell_chars=MAX_CELL * 4)

TEMPLATE_HEADER = [
    "事项名称",
    "发起部门",
    "区划代码",
    "填报对象",
    "填报单位数",
    "填报频次",
    "每项分钟数",
    "填报字段",
    "政策依据",
    "承载应用备案号",
    "开始日期",
    "结束日期",
    "清单编号",
]
HEADERS: dict[str, tuple[str, ...]] = {
    "title": ("事项名称", "名称", "title"),
    "department": ("发起部门", "部门", "department"),
    "division": ("区划代码", "区划", "division"),
    "target": ("填报对象", "填报层级", "target"),
    "units": ("填报单位数", "单位数", "units"),
    "frequency": ("填报频次", "频次", "frequency"),
    "minutes": ("每项分钟数", "分钟数", "minutes"),
    "fields": ("填报字段", "字段", "fields"),
    "basis": ("政策依据", "依据", "basis"),
    "app": ("承载应用备案号", "备案号", "app"),
    "starts_on": ("开始日期", "starts_on"),
    "ends_on": ("结束日期", "ends_on"),
    "number": ("清单编号", "ledger_number"),
}
REQUIRED = ("title", "department", "division", "target", "frequency", "fields")
FREQUENCY_WORDS = {f.value: f.value for f in Frequency} | {
    "一次性": "once",
    "一次": "once",
    "每日": "daily",
    "日报": "daily",
    "每天": "daily",
    "每周": "weekly",
    "周报": "weekly",
    "每月": "monthly",
    "月报": "monthly",
    "每季度": "quarterly",
    "季报": "quarterly",
    "每季": "quarterly",
    "每年": "yearly",
    "年报": "yearly",
    "每半年": "yearly",
}
TARGET_WORDS = {t.value: t.value for t in TargetLevel} | {
    "村": "village",
    "行政村": "village",
    "社区": "community",
    "乡镇": "township",
    "乡镇（街道）": "township",
    "街道": "township",
    "网格": "grid",
}


class LedgerImportError(Exception):
    def __init__(self, errors: list[str], total: int | None = None) -> None:
        super().__init__("; ".join(errors[:3]))
        self.errors = errors[:MAX_REPORTED_ERRORS]
        self.total = total if total is not None else len(errors)


@dataclass
class Row:
    line: int
    title: str
    department: str
    division: Division
    target: str
    units: int
    frequency: str
    minutes: Decimal
    fields: list[str]
    basis: str = ""
    app: App | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    number: str = ""


@dataclass
class ImportResult:
    created: list[Demand] = field(default_factory=list)


def _records(data: bytes, file_name: str) -> Iterator[tuple[int, list[str]]]:
    try:
        yield from table_records(data, file_name, SHEET_LIMITS)
    except SpreadsheetUnreadable as exc:
        raise LedgerImportError([str(exc)]) from exc


def _date(text: str) -> dt.date | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text.split(" ")[0], fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _short_code(code: str) -> str:
    """440100 -> 4401, 440000 -> 44, 440113000000 -> 440113 (GB/T 2260 and statistical codes)."""
    code = code.strip()
    if len(code) == 12 and code[6:] == "000000":
        code = code[:6]
    if len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


def _header(line: int, record: list[str]) -> dict[str, int]:
    names = [c.strip() for c in record]
    cols: dict[str, int] = {}
    for key, words in HEADERS.items():
        for i, name in enumerate(names):
            if name in words:
                cols[key] = i
                break
    missing = [HEADERS[k][0] for k in REQUIRED if k not in cols]
    if missing:
        raise LedgerImportError(
            [
                _("第 %(n)d 行（表头）缺少列：%(c)s。请使用导入模板。")
                % {"n": line, "c": "、".join(missing)}
            ]
        )
    return cols


@dataclass
class _Lookups:
    actor: Actor
    divisions: dict[str, Division | None] = field(default_factory=dict)
    apps: dict[str, App | None] = field(default_factory=dict)

    def division(self, code: str) -> Division | None:
        if code not in self.divisions:
            self.divisions[code] = Division.objects.filter(code=code).first() if code else None
        return self.divisions[code]

    def app(self, number: str) -> App | None:
        if number not in self.apps:
            self.apps[number] = App.objects.filter(filing_number=number).first()
        return self.apps[number]


def _text_problems(v: dict[str, str]) -> list[str]:
    problems = []
    if not v["title"]:
        problems.append(_("事项名称为空"))
    elif len(v["title"]) > 200:
        problems.append(_("事项名称过长（上限 200 字）"))
    if not v["department"]:
        problems.append(_("发起部门为空"))
    if v["target"] not in TARGET_WORDS:
        problems.append(_("填报对象应为 村、社区、乡镇（街道） 或 网格"))
    if v["frequency"] not in FREQUENCY_WORDS:
        problems.append(_("填报频次应为 一次性、每日、每周、每月、每季度 或 每年"))
    return problems


def _numbers(v: dict[str, str], problems: list[str]) -> tuple[int, Decimal]:
    units, minutes = 1, Decimal(2)
    if v["units"]:
        try:
            units = int(v["units"])
            if not 1 <= units <= 100000:
                raise ValueError
        except ValueError:
            problems.append(_("填报单位数应为 1 至 100000 的整数"))
    if v["minutes"]:
        try:
            minutes = Decimal(v["minutes"])
            if not Decimal(0) < minutes <= Decimal(600):
                raise InvalidOperation
        except InvalidOperation:
            problems.append(_("每项分钟数应为大于 0、不超过 600 的数"))
    return units, minutes


def _labels(v: dict[str, str], problems: list[str]) -> list[str]:
    labels = [x.strip() for x in re.split(r"[、;；|\n]", v["fields"]) if x.strip()]
    if not labels:
        problems.append(_("填报字段为空（多个字段用顿号或分号分隔）"))
    elif len(labels) > MAX_FIELDS:
        problems.append(_("字段过多（上限 %(m)d 个）") % {"m": MAX_FIELDS})
    elif any(len(x) > 120 for x in labels):
        problems.append(_("字段名称过长（上限 120 字）"))
    return labels


def _dates(v: dict[str, str], problems: list[str]) -> tuple[dt.date | None, dt.date | None]:
    try:
        starts_on, ends_on = _date(v["starts_on"]), _date(v["ends_on"])
    except ValueError as exc:
        problems.append(_("日期“%(d)s”无法识别（应为 2026-03-01 格式）") % {"d": exc})
        return None, None
    if starts_on and ends_on and ends_on < starts_on:
        problems.append(_("结束日期早于开始日期"))
    return starts_on, ends_on


def _row(line: int, v: dict[str, str], look: _Lookups) -> Row | list[str]:
    """The row, or its problems."""
    problems = _text_problems(v)
    division = look.division(_short_code(v["division"]))
    if division is None:
        problems.append(_("区划代码“%(c)s”不存在") % {"c": v["division"]})
    elif not selectors.can_review_area(look.actor, division.code):
        problems.append(_("区划“%(c)s”不在您的管辖范围内") % {"c": division.name})
    units, minutes = _numbers(v, problems)
    labels = _labels(v, problems)
    app = look.app(v["app"]) if v["app"] else None
    if v["app"] and app is None:
        problems.append(_("承载应用备案号“%(n)s”不存在") % {"n": v["app"]})
    starts_on, ends_on = _dates(v, problems)
    number = v["number"].upper()
    if number and Demand.objects.filter(ledger_number=number, status=DemandStatus.LISTED).exists():
        problems.append(_("清单编号“%(n)s”已在清单中") % {"n": number})
    if problems or division is None:
        return problems
    return Row(
        line, v["title"], v["department"], division, TARGET_WORDS[v["target"]], units,
        FREQUENCY_WORDS[v["frequency"]], minutes, labels, v["basis"], app, starts_on, ends_on,
        number,
    )  # fmt: skip


def ledger_parse(data: bytes, file_name: str, *, actor: Actor) -> list[Row]:
    """Rows of a county's list, or LedgerImportError with every line-numbered error."""
    if len(data) > MAX_FILE_BYTES:
        raise LedgerImportError([_("文件过大（上限 5 MB）：请拆分后分批导入。")])
    rows: list[Row] = []
    errors: list[str] = []
    cols: dict[str, int] | None = None
    look = _Lookups(actor)
    count = 0
    for line, record in _records(data, file_name):
        if any(len(c) > MAX_CELL for c in record):
            errors.append(
                _("第 %(n)d 行：单元格内容过长（上限 %(m)d 字）。") % {"n": line, "m": MAX_CELL}
            )
            continue
        if not any(c.strip() for c in record):
            continue
        if cols is None:
            cols = _header(line, record)
            continue
        count += 1
        if count > MAX_ROWS:
            raise LedgerImportError(
                [_("行数过多（上限 %(m)d 行）：请拆分后分批导入。") % {"m": MAX_ROWS}]
            )
        values = {
            key: (record[cols[key]].strip() if key in cols and cols[key] < len(record) else "")
            for key in HEADERS
        }
        result = _row(line, values, look)
        if isinstance(result, Row):
            rows.append(result)
        else:
            errors.append(_("第 %(n)d 行：%(p)s。") % {"n": line, "p": "；".join(result)})
    if cols is None:
        raise LedgerImportError([_("文件是空的：第一行应为表头，请使用导入模板。")])
    numbers = [r.number for r in rows if r.number]
    for n in sorted({x for x in numbers if numbers.count(x) > 1}):
        errors.append(_("清单编号“%(n)s”在文件中出现多次。") % {"n": n})
    if errors:
        raise LedgerImportError(errors, total=len(errors))
    if not rows:
        raise LedgerImportError([_("文件中没有数据行。")])
    return rows


def ledger_import(*, data: bytes, file_name: str, actor: User) -> ImportResult:
    """Parse, then write every row (as listed demands) in one transaction, or nothing."""
    if not selectors.is_reviewer(actor):
        raise NotAllowed(_("只有监管部门或基层减负办可以导入填报事项清单。"))
    rows = ledger_parse(data, file_name, actor=actor)
    result = ImportResult()
    with transaction.atomic():
        for row in rows:
            unit = (
                Unit.objects.filter(
                    name=row.department, division__code__startswith=row.division.code[:4]
                ).first()
                or actor.unit
            )
            if unit is None:
                raise NotAllowed(_("您的账号未关联单位，无法导入。"))
            demand = Demand.objects.create(
                ledger_number=row.number,
                title=row.title,
                unit=unit,
                department=row.department,
                division=row.division,
                basis=row.basis,
                target_level=row.target,
                units_targeted=row.units,
                frequency=row.frequency,
                minutes_per_field=row.minutes,
                app=row.app,
                starts_on=row.starts_on,
                ends_on=row.ends_on,
                created_by=actor,
            )
            _classify(demand, [FieldSpec(label) for label in row.fields])
            _list(demand)
            result.created.append(demand)
        audit_record(
            actor=actor,
            action="ledger.import",
            object_type="ledger.import",
            object_id=file_name[:100],
            after={"rows": len(rows), "file": file_name[:100]},
        )
    return result


def template_csv() -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(TEMPLATE_HEADER)
    w.writerow(
        [
            "残疾人两项补贴发放台账",
            "某某县民政局",
            "510121",
            "村",
            "210",
            "每月",
            "2",
            "姓名、身份证号码、残疾类别、残疾等级、补贴金额、填报人、填报日期",
            "《残疾人两项补贴制度》",
            "",
            "2026-01-01",
            "",
            "",
        ]
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- exports --------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value that a spreadsheet will not run as a formula (CSV/XLSX injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
