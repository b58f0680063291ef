"""Monthly returns from a CSV or XLSX file: every error with its line number, all or nothing
(read with the shared bounded reader, ``core.spreadsheets.table_records``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from govapp.core.actor import Actor
from govapp.core.audit import audit_record
from govapp.core.permissions import restrict
from govapp.core.spreadsheets import Limits, SpreadsheetUnreadable, table_records
from govapp.orgs.models import User
from govapp.oversight.usage import services
from govapp.oversight.usage.models import Source
from govapp.registry.models import App

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# rows counted blank or not, a few columns beyond the template, one cell at most 2,000 chars
SHEET_LIMITS = Limits(rows=200_000 + 1000, columns=40, cell_chars=2000)
COLUMNS = {
    "filing_number": ("备案编号", "filing_number", "filing number"),
    "month": ("月份", "month"),
    "active_users": ("月活跃用户数", "active_users", "monthly active users"),
    "intended_users": ("服务对象人数", "intended_users", "intended users"),
    "sessions": ("使用次数", "sessions"),
}
REQUIRED = ("filing_number", "month", "active_users", "intended_users")
TEMPLATE_HEADER = ["备案编号", "月份", "月活跃用户数", "服务对象人数", "使用次数"]


class ImportFailed(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors[:5]))
        self.errors = errors


@dataclass
class Row:
    line: int
    app: App
    month: dt.date
    active_users: int
    intended_users: int
    sessions: int


@dataclass
class Result:
    created: int = 0
    corrected: int = 0
    rows: list[Row] = field(default_factory=list)


def _header(record: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(record):
        name = cell.strip().lower()
        for key, aliases in COLUMNS.items():
            if name in {a.lower() for a in aliases}:
                found[key] = i
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in found]
    if missing:
        raise ImportFailed(
            [
                _("第 1 行表头缺少：%(c)s。表头应为：%(h)s")
                % {"c": "、".join(missing), "h": "、".join(TEMPLATE_HEADER)}
            ]
        )
    return found


def _month(text: str) -> dt.date:
    text = text.strip().replace("/", "-").replace(".", "-").replace("年", "-").rstrip("月")
    for fmt in ("%Y-%m", "%Y-%m-%d", "%Y%m"):
        try:
            return dt.datetime.strptime(text[:10], fmt).date().replace(day=1)
        except ValueError:
            continue
    raise ValueError(text)


def _int(text: str) -> int:
    value = int(text.replace(",", "").strip() or "0")
    if value < 0:
        raise ValueError(text)
    return value


def _check_row(
    line: int,
    cells: dict[str, str],
    apps: dict[str | None, App],
    seen: dict[tuple[int, dt.date], int],
) -> tuple[list[str], Row | None]:
    """The problems of one row (empty when it is right) and the row."""
    problems: list[str] = []
    app = apps.get(cells.get("filing_number", ""))
    if app is None:
        problems.append(
            _("备案编号“%(n)s”不存在或不属于本单位") % {"n": cells.get("filing_number", "")}
        )
    month: dt.date | None
    try:
        month = _month(cells.get("month", ""))
    except ValueError:
        problems.append(_("月份“%(m)s”格式应为 YYYY-MM") % {"m": cells.get("month", "")})
        month = None
    values: dict[str, int] = {}
    for key, label in (
        ("active_users", _("月活跃用户数")),
        ("intended_users", _("服务对象人数")),
        ("sessions", _("使用次数")),
    ):
        try:
            values[key] = _int(cells.get(key, "") or "0")
        except ValueError:
            problems.append(_("%(c)s应为非负整数") % {"c": label})
    if month is not None and not problems:
        problems.extend(
            services._check_return(
                month, values["active_users"], values["intended_users"], values["sessions"]
            ).values()
        )
    if app is not None and month is not None:
        pair = (app.pk, month)
        if pair in seen:
            problems.append(_("与第 %(l)d 行重复（同一应用同一月份）") % {"l": seen[pair]})
        else:
            seen[pair] = line
    if problems or app is None or month is None:
        return problems, None
    return [], Row(line, app, month, **values)


def returns_parse(*, data: bytes, file_name: str, actor: Actor) -> list[Row]:
    if len(data) > MAX_BYTES:
        raise ImportFailed([_("文件过大（上限 10 MB）：请拆分后分批导入。")])
    errors: list[str] = []
    rows: list[Row] = []
    columns: dict[str, int] | None = None
    wanted: list[tuple[int, dict[str, str]]] = []
    try:
        for line, record in table_records(data, file_name, SHEET_LIMITS):
            if not any(c.strip() for c in record):
                continue
            if columns is None:
                columns = _header(record)
                continue
            if len(wanted) >= MAX_ROWS:
                raise ImportFailed([_("行数超过上限 %(n)d：请拆分后分批导入。") % {"n": MAX_ROWS}])
            cells = {k: (record[i].strip() if i < len(record) else "") for k, i in columns.items()}
            wanted.append((line, cells))
    except SpreadsheetUnreadable as exc:
        raise ImportFailed([str(exc)]) from exc
    if columns is None:
        raise ImportFailed(
            [_("文件是空的：第一行应为表头（%(h)s）。") % {"h": "、".join(TEMPLATE_HEADER)}]
        )
    numbers = {c.get("filing_number", "") for _l, c in wanted}
    apps = {
        a.filing_number: a
        for a in restrict(App.objects.filter(filing_number__in=numbers), actor, "change")
    }
    seen: dict[tuple[int, dt.date], int] = {}
    for line, cells in wanted:
        problems, row = _check_row(line, cells, apps, seen)
        if problems:
            errors.append(_("第 %(l)d 行：%(p)s。") % {"l": line, "p": "；".join(problems)})
        elif row is not None:
            rows.append(row)
    if errors:
        raise ImportFailed(errors)
    return rows


def returns_import(*, data: bytes, file_name: str, actor: User) -> Result:
    """Import every row or none."""
    rows = returns_parse(data=data, file_name=file_name, actor=actor)
    result = Result(rows=rows)
    with transaction.atomic():
        for row in rows:
            services._require(
                services.is_unit_of(actor, row.app),
                _("只有主办单位可以报送该应用的使用情况。"),
            )
            existed = row.app.monthly_returns.filter(month=row.month).exists()
            services._return_write(
                app=row.app,
                month=row.month,
                values={
                    "active_users": row.active_users,
                    "intended_users": row.intended_users,
                    "sessions": row.sessions,
                    "source": Source.IMPORT,
                },
                actor=actor,
            )
            if existed:
                result.corrected += 1
            else:
                result.created += 1
        audit_record(
            actor=actor,
            action="usage.returns_import",
            object_type="usage.monthlyreturn",
            object_id=file_name[:64],
            object_repr=file_name[:255],
            after={"created": result.created, "corrected": result.corrected},
        )
    return result


def template_csv() -> bytes:
    return ("\ufeff" + ",".join(TEMPLATE_HEADER) + "\n").encode()
