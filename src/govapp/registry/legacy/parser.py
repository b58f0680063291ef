"""The legacy inventory file (R-15): CSV (UTF-8 or GB18030) or XLSX -> rows, with every
row-level error and its line number.  Pure: no database reads or writes (the checks that need
the database are in :mod:`govapp.registry.legacy.services`)."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from govapp.core.exports import SafeCsvWriter
from govapp.core.spreadsheets import Limits, SpreadsheetUnreadable, table_records
from govapp.registry.models import AppKind, Platform

CUTOFF = dt.date(2026, 1, 25)  # the Measures issued: apps live before this are "legacy"
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
# rows counted blank or not, a few columns beyond the template, one cell at most 2,000 chars
SHEET_LIMITS = Limits(rows=MAX_ROWS + 1000, columns=40, cell_chars=2000)
MAX_REPORTED_ERRORS = 500
CENTRAL = "central"


# --- normalisation ---------------------------------------------------------------------------


_SUFFIXES = ("app", "小程序", "客户端", "移动端", "手机版", "微信小程序", "支付宝小程序", "快应用")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_name(name: str) -> str:
    """'粤省事 APP（新版）' -> '粤省事新版': NFKC, lowercase, punctuation and spaces dropped,
    a trailing 'APP'/'小程序'/'客户端' removed."""
    text = _NON_WORD.sub("", unicodedata.normalize("NFKC", name or "").lower())
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                changed = True
    return text[:128]


def normalise_unit(name: str) -> str:
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", name or "").lower())


# --- parsing ---------------------------------------------------------------------------------


HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("应用名称", "名称", "name", "app_name"),
    "kind": ("应用类型", "类型", "kind", "type"),
    "unit": ("主办单位", "主办（使用）单位", "主办(使用)单位", "单位", "hosting_unit", "unit"),
    "division": ("区划代码", "行政区划代码", "区划", "division_code", "division"),
    "platform": ("平台", "platform"),
    "identifier": ("包名或标识", "包名", "标识", "appid", "bundle_id", "package", "identifier"),
    "launched_on": ("上线日期", "上线时间", "launched_on", "launch_date"),
    "status": ("状态", "使用状态", "status"),
    "note": ("备注", "note", "notes"),
}
REQUIRED = ("name", "kind", "unit", "division")
KIND_WORDS = {
    "app": AppKind.APP,
    "应用": AppKind.APP,
    "移动应用": AppKind.APP,
    "移动应用程序": AppKind.APP,
    "客户端": AppKind.APP,
    "鸿蒙应用": AppKind.APP,
    "mini_program": AppKind.MINI_PROGRAM,
    "miniprogram": AppKind.MINI_PROGRAM,
    "小程序": AppKind.MINI_PROGRAM,
    "quick_app": AppKind.QUICK_APP,
    "quickapp": AppKind.QUICK_APP,
    "快应用": AppKind.QUICK_APP,
}
PLATFORM_WORDS = {
    "安卓": Platform.ANDROID,
    "android": Platform.ANDROID,
    "ios": Platform.IOS,
    "苹果": Platform.IOS,
    "鸿蒙": Platform.HARMONY,
    "harmony": Platform.HARMONY,
    "harmonyos": Platform.HARMONY,
    "微信": Platform.WECHAT,
    "wechat": Platform.WECHAT,
    "微信小程序": Platform.WECHAT,
    "支付宝": Platform.ALIPAY,
    "alipay": Platform.ALIPAY,
    "支付宝小程序": Platform.ALIPAY,
    "钉钉": Platform.DINGTALK,
    "dingtalk": Platform.DINGTALK,
    "百度": Platform.BAIDU,
    "baidu": Platform.BAIDU,
    "抖音": Platform.DOUYIN,
    "douyin": Platform.DOUYIN,
    "快应用": Platform.QUICKAPP,
    "quickapp": Platform.QUICKAPP,
    "其他": Platform.OTHER,
    "other": Platform.OTHER,
}
RETIRED_WORDS = {"已停用", "停用", "已下线", "下线", "已关停", "关停", "retired", "offline"}
IN_USE_WORDS = {"", "在用", "使用中", "运行", "运行中", "live", "in_use", "active"}
CENTRAL_WORDS = {"central", "中央", "国务院部门", "中央国家机关", "0"}


@dataclass
class LegacyRow:
    line: int
    name: str
    normalised_name: str
    kind: str
    unit_name: str
    division_code: str  # "" for central
    scope_code: str
    platform: str
    identifier: str
    launched_on: dt.date | None
    retired: bool
    note: str


@dataclass
class ParseResult:
    rows: list[LegacyRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    total_errors: int = 0

    def error(self, line: int, message: str) -> None:
        self.total_errors += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(_("第 %(line)d 行：%(msg)s") % {"line": line, "msg": message})


class LegacyImportError(Exception):
    """The file was not imported; ``errors`` name every problem with its line number."""

    def __init__(self, errors: list[str], total: int | None = None) -> None:
        super().__init__("\n".join(errors[:5]))
        self.errors = errors
        self.total = total if total is not None else len(errors)


def _records(data: bytes, file_name: str) -> Iterator[tuple[int, list[str]]]:
    try:
        yield from table_records(data, file_name, SHEET_LIMITS)
    except SpreadsheetUnreadable as exc:
        raise LegacyImportError([str(exc)]) from exc


def _short_code(code: str) -> str:
    """A 12-digit statistical code to the GB/T 2260 code it pads (440106000000 -> 440106)."""
    if len(code) != 12:
        return code
    for n in (2, 4, 6, 9):
        if set(code[n:]) <= {"0"}:
            return code[:n]
    return code[:9]


def _date(text: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%Y-%m"):
        try:
            return dt.datetime.strptime(text[:19].split(" ")[0], fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def legacy_parse(data: bytes, file_name: str) -> ParseResult:
    """Rows of a CSV or XLSX inventory and every row-level error with its line number.

    Reads nothing from the database: that the division codes exist and lie in the importer's
    jurisdiction is checked by :func:`govapp.registry.legacy.services.legacy_import`."""
    if len(data) > MAX_FILE_BYTES:
        raise LegacyImportError([_("文件过大（上限 20 MB）：请拆分后分批导入。")])
    result = ParseResult()
    columns: dict[str, int] | None = None
    seen: dict[tuple[str, str, str, str], int] = {}
    seen_ids: dict[tuple[str, str], int] = {}
    for line, record in _records(data, file_name):
        if not any(c.strip() for c in record):
            continue
        if columns is None:
            columns = _header(line, record)
            continue
        if len(result.rows) + result.total_errors >= MAX_ROWS:
            raise LegacyImportError([_("行数超过上限 %(n)d：请拆分后分批导入。") % {"n": MAX_ROWS}])
        row = _row(line, record, columns, result)
        if row is None:
            continue
        key = (row.scope_code, normalise_unit(row.unit_name), row.normalised_name, row.kind)
        if key in seen:
            result.error(
                line,
                _("与第 %(first)d 行重复（同一主办单位、同名同类型的应用只能出现一次）。")
                % {"first": seen[key]},
            )
            continue
        seen[key] = line
        if row.identifier:
            id_key = (row.platform, row.identifier)
            if id_key in seen_ids:
                result.error(
                    line,
                    _("包名或标识 %(id)s 与第 %(first)d 行重复。")
                    % {"id": row.identifier, "first": seen_ids[id_key]},
                )
                continue
            seen_ids[id_key] = line
        result.rows.append(row)
    if columns is None:
        raise LegacyImportError(
            [_("文件是空的：第一行应为表头（应用名称、应用类型、主办单位、区划代码…）。")]
        )
    result.errors.sort(key=line_of)
    return result


def line_of(message: str) -> int:
    m = re.search(r"\d+", message)
    return int(m.group()) if m else 0


def _header(line: int, record: list[str]) -> dict[str, int]:
    wanted = {alias.lower(): key for key, aliases in HEADERS.items() for alias in aliases}
    columns: dict[str, int] = {}
    for index, title in enumerate(record):
        key = wanted.get(title.strip().lstrip("\ufeff").lower())
        if key and key not in columns:
            columns[key] = index
    missing = [HEADERS[k][0] for k in REQUIRED if k not in columns]
    if missing:
        raise LegacyImportError(
            [
                _("第 %(line)d 行（表头）缺少必需的列：%(cols)s。请使用模板中的列名。")
                % {"line": line, "cols": "、".join(missing)}
            ]
        )
    return columns


def _name_problems(label_empty: str, label_long: str, value: str) -> list[str]:
    if not value:
        return [label_empty]
    return [label_long] if len(value) > 128 else []


def _kind(text: str, problems: list[str]) -> str:
    kind = KIND_WORDS.get(text.lower().replace(" ", ""), "")
    if not kind:
        problems.append(_("应用类型“%(v)s”无法识别：请填写 APP、小程序 或 快应用。") % {"v": text})
    return kind


def _division(text: str, problems: list[str]) -> tuple[str, str]:
    """(division code, scope code): ("", "central") for a State Council department."""
    text = text.replace(" ", "")
    if text.lower() in CENTRAL_WORDS:
        return "", CENTRAL
    if re.fullmatch(r"\d{2}|\d{4}|\d{6}|\d{9}|\d{12}", text):
        code = _short_code(text)
        return code, code
    problems.append(
        _("区划代码“%(v)s”格式不正确：请填写 2、4、6 或 9 位的行政区划代码，国务院部门填写“中央”。")
        % {"v": text}
    )
    return "", ""


def _platform_identifier(
    platform_text: str, identifier: str, kind: str, problems: list[str]
) -> tuple[str, str]:
    platform = ""
    if platform_text:
        platform = PLATFORM_WORDS.get(platform_text.lower().replace(" ", ""), "")
        if not platform:
            problems.append(
                _(
                    "平台“%(v)s”无法识别：请填写 安卓、iOS、鸿蒙、微信、支付宝、钉钉、百度、抖音、快应用 或 其他。"
                )
                % {"v": platform_text}
            )
    if len(identifier) > 255:
        problems.append(_("包名或标识超过 255 个字符。"))
    elif identifier and re.search(r"\s", identifier):
        problems.append(_("包名或标识“%(v)s”含有空格。") % {"v": identifier})
    if identifier and not platform:
        platform = {
            AppKind.MINI_PROGRAM: Platform.WECHAT,
            AppKind.QUICK_APP: Platform.QUICKAPP,
        }.get(kind, Platform.ANDROID)  # type: ignore[call-overload]
    return platform, identifier


def _launched_on(text: str, problems: list[str]) -> dt.date | None:
    try:
        launched_on = _date(text)
    except ValueError:
        problems.append(_("上线日期“%(v)s”无法识别：请写成 2025-06-30 这样的日期。") % {"v": text})
        return None
    if launched_on is not None and launched_on >= CUTOFF:
        problems.append(
            _(
                "上线日期 %(d)s 不早于 2026-01-25：存量应用清单只收录《办法》施行前上线的应用，"
                "新应用请走备案流程。"
            )
            % {"d": launched_on.isoformat()}
        )
    return launched_on


def _retired(text: str, problems: list[str]) -> bool:
    status = text.lower()
    retired = status in RETIRED_WORDS
    if not retired and status not in IN_USE_WORDS:
        problems.append(_("状态“%(v)s”无法识别：请填写 在用 或 已停用。") % {"v": text})
    return retired


def _row(
    line: int, record: list[str], columns: dict[str, int], result: ParseResult
) -> LegacyRow | None:
    """One data record as a row, or None after recording each of its problems (in column
    order) against ``line``."""

    def get(key: str) -> str:
        index = columns.get(key)
        return record[index].strip() if index is not None and index < len(record) else ""

    name, unit_name = get("name"), get("unit")
    problems = _name_problems(_("应用名称为空。"), _("应用名称超过 128 个字符。"), name)
    kind = _kind(get("kind"), problems)
    problems += _name_problems(_("主办单位为空。"), _("主办单位名称超过 128 个字符。"), unit_name)
    division_code, scope = _division(get("division"), problems)
    platform, identifier = _platform_identifier(get("platform"), get("identifier"), kind, problems)
    launched_on = _launched_on(get("launched_on"), problems)
    retired = _retired(get("status"), problems)
    if problems:
        for p in problems:
            result.error(line, p)
        return None
    return LegacyRow(
        line=line,
        name=name,
        normalised_name=normalise_name(name) or name[:128],
        kind=kind,
        unit_name=unit_name,
        division_code=division_code,
        scope_code=scope,
        platform=platform,
        identifier=identifier,
        launched_on=launched_on,
        retired=retired,
        note=get("note")[:500],
    )


# --- the template --------------------------------------------------------------------------


TEMPLATE_HEADER = [
    "应用名称",
    "应用类型",
    "主办单位",
    "区划代码",
    "平台",
    "包名或标识",
    "上线日期",
    "状态",
    "备注",
]


def legacy_template_csv() -> bytes:
    out = io.StringIO()
    w = SafeCsvWriter(out)
    w.writerow(TEMPLATE_HEADER)
    w.writerow(
        [
            "穗好办",
            "APP",
            "广州市政务服务和数据管理局",
            "4401",
            "安卓",
            "cn.gov.gz.suihaoban",
            "2020-03-01",
            "在用",
            "",
        ]
    )
    w.writerow(
        [
            "应急通",
            "小程序",
            "应急管理部",
            "中央",
            "微信",
            "wx1234567890abcdef",
            "2023-05-10",
            "在用",
            "",
        ]
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
