"""The legacy inventory (R-15): apps live before 2026-01-25 that had to be filed by 2026-07-25.

- :func:`legacy_parse` reads a CSV (UTF-8 or GB18030) or XLSX file (openpyxl read-only) and
  returns the rows or *every* row-level error with its line number;
- :func:`legacy_import` writes all rows or none (one transaction), upserting on
  (region, unit, normalised name, kind), matches them to filings and writes one audit event;
- :func:`legacy_rematch` re-runs the matching after filings change;
- :func:`legacy_items` / :func:`legacy_overdue` list the inventory through ``restrict()``.

Matching: a row with a package name / identifier is matched to the app holding that platform
identity; otherwise to an app of the same hosting unit whose normalised name is the same.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from govapp.core.audit import audit_record
from govapp.core.calendar import today_shanghai
from govapp.core.permissions import active_grants, is_national, restrict
from govapp.orgs.models import Division, Unit
from govapp.registry.models import (
    App,
    AppKind,
    AppStatus,
    LegacyImport,
    LegacyInventoryItem,
    LegacyMatch,
    Platform,
    PlatformIdentity,
)

CUTOFF = dt.date(2026, 1, 25)  # the Measures issued: apps live before this are "legacy"
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_REPORTED_ERRORS = 500
CENTRAL = "central"
# A filing counts for R-15 while the app is filed, being shut down, or properly deregistered.
FILED_FOR_LEGACY = (
    AppStatus.FILED,
    AppStatus.SHUTDOWN_NOTICE,
    AppStatus.OFFLINE,
    AppStatus.DEREGISTERED,
)


def legacy_deadline() -> dt.date:
    value = getattr(settings, "GOVAPP_LEGACY_DEADLINE", "2026-07-25")
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


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


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise LegacyImportError([_("文件编码无法识别：请另存为 UTF-8 编码的 CSV 或 XLSX 文件。")])
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for record in reader:
        yield start, record
        start = reader.line_num + 1


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise LegacyImportError(
            [_("无法读取 XLSX 文件（%(e)s）：请确认文件是 Excel 2007 及以上格式。") % {"e": exc}]
        ) from exc
    try:
        ws = wb.worksheets[0]
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            yield number, [_cell(v) for v in values]
    finally:
        wb.close()


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
    """Rows of a CSV or XLSX inventory, or every row-level error (with line numbers)."""
    if len(data) > MAX_FILE_BYTES:
        raise LegacyImportError([_("文件过大（上限 20 MB）：请拆分后分批导入。")])
    is_xlsx = file_name.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK"
    records = _xlsx_rows(data) if is_xlsx else _csv_rows(data)
    result = ParseResult()
    columns: dict[str, int] | None = None
    seen: dict[tuple[str, str, str, str], int] = {}
    seen_ids: dict[tuple[str, str], int] = {}
    division_codes: set[str] = set()
    for line, record in records:
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
        if row.division_code:
            division_codes.add(row.division_code)
        result.rows.append(row)
    if columns is None:
        raise LegacyImportError(
            [_("文件是空的：第一行应为表头（应用名称、应用类型、主办单位、区划代码…）。")]
        )
    # division codes must exist
    known = _existing_divisions(division_codes)
    kept = []
    for row in result.rows:
        if row.division_code and row.division_code not in known:
            result.error(
                row.line,
                _(
                    "区划代码 %(code)s 不存在：请填写 GB/T 2260 行政区划代码（如 440106），"
                    "国务院部门填写“中央”。"
                )
                % {"code": row.division_code},
            )
        else:
            kept.append(row)
    result.rows = kept
    result.errors.sort(key=_line_of)
    return result


def _line_of(message: str) -> int:
    m = re.search(r"\d+", message)
    return int(m.group()) if m else 0


def _existing_divisions(codes: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(codes)
    for i in range(0, len(ordered), 500):
        found.update(
            Division.objects.filter(code__in=ordered[i : i + 500]).values_list("code", flat=True)
        )
    return found


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


def _row(  # noqa: C901 (existing; split when next changed)
    line: int, record: list[str], columns: dict[str, int], result: ParseResult
) -> LegacyRow | None:
    def get(key: str) -> str:
        index = columns.get(key)
        return record[index].strip() if index is not None and index < len(record) else ""

    problems: list[str] = []
    name = get("name")
    if not name:
        problems.append(_("应用名称为空。"))
    elif len(name) > 128:
        problems.append(_("应用名称超过 128 个字符。"))
    kind_text = get("kind")
    kind = KIND_WORDS.get(kind_text.lower().replace(" ", ""), "")
    if not kind:
        problems.append(
            _("应用类型“%(v)s”无法识别：请填写 APP、小程序 或 快应用。") % {"v": kind_text}
        )
    unit_name = get("unit")
    if not unit_name:
        problems.append(_("主办单位为空。"))
    elif len(unit_name) > 128:
        problems.append(_("主办单位名称超过 128 个字符。"))
    division_text = get("division").replace(" ", "")
    division_code = ""
    scope = ""
    if division_text.lower() in CENTRAL_WORDS:
        scope = CENTRAL
    elif re.fullmatch(r"\d{2}|\d{4}|\d{6}|\d{9}|\d{12}", division_text):
        division_code = _short_code(division_text)
        scope = division_code
    else:
        problems.append(
            _(
                "区划代码“%(v)s”格式不正确：请填写 2、4、6 或 9 位的行政区划代码，"
                "国务院部门填写“中央”。"
            )
            % {"v": division_text}
        )
    platform_text = get("platform")
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
    identifier = get("identifier")
    if len(identifier) > 255:
        problems.append(_("包名或标识超过 255 个字符。"))
    elif identifier and re.search(r"\s", identifier):
        problems.append(_("包名或标识“%(v)s”含有空格。") % {"v": identifier})
    if identifier and not platform:
        platform = {
            AppKind.MINI_PROGRAM: Platform.WECHAT,
            AppKind.QUICK_APP: Platform.QUICKAPP,
        }.get(kind, Platform.ANDROID)  # type: ignore[call-overload]
    launched_on = None
    launched_text = get("launched_on")
    try:
        launched_on = _date(launched_text)
    except ValueError:
        problems.append(
            _("上线日期“%(v)s”无法识别：请写成 2025-06-30 这样的日期。") % {"v": launched_text}
        )
    if launched_on is not None and launched_on >= CUTOFF:
        problems.append(
            _(
                "上线日期 %(d)s 不早于 2026-01-25：存量应用清单只收录《办法》施行前上线的应用，"
                "新应用请走备案流程。"
            )
            % {"d": launched_on.isoformat()}
        )
    status_text = get("status").lower()
    retired = status_text in RETIRED_WORDS
    if not retired and status_text not in IN_USE_WORDS:
        problems.append(_("状态“%(v)s”无法识别：请填写 在用 或 已停用。") % {"v": get("status")})
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


# --- import ----------------------------------------------------------------------------------


def _actor_prefixes(actor: Any) -> list[str] | None:
    """Scope prefixes the actor may import into; None = everywhere (national or system)."""
    if actor is None or is_national(actor):
        return None
    prefixes = [
        g.division_id
        for g in active_grants(actor)
        if g.role in {"provincial_cac_reviewer", "provincial_gsa_reviewer"} and g.division_id
    ]
    return prefixes


def can_import(actor: Any) -> bool:
    if actor is None:
        return True
    if getattr(actor, "is_superuser", False):
        return True
    return any(
        g.role in {"national_regulator", "provincial_cac_reviewer", "provincial_gsa_reviewer"}
        for g in active_grants(actor)
    )


@dataclass(frozen=True)
class ImportResult:
    batch: LegacyImport
    rows: int
    created: int
    updated: int
    matched: int


def legacy_import(*, data: bytes, file_name: str, actor: Any) -> ImportResult:
    """Import an inventory file: all rows or none.  Raises LegacyImportError listing every
    row-level problem with its line number."""
    if not can_import(actor):
        raise LegacyImportError([_("只有网信部门的监管人员可以导入存量应用清单。")])
    parsed = legacy_parse(data, file_name)
    prefixes = _actor_prefixes(actor)
    if prefixes is not None:
        kept = []
        for row in parsed.rows:
            if not any(row.scope_code.startswith(p) for p in prefixes):
                parsed.error(
                    row.line,
                    _("区划 %(code)s 不在您的管辖范围内，请只导入本省的应用。")
                    % {"code": row.scope_code},
                )
            else:
                kept.append(row)
        parsed.rows = kept
        parsed.errors.sort(key=_line_of)
    if parsed.total_errors:
        raise LegacyImportError(parsed.errors, parsed.total_errors)
    if not parsed.rows:
        raise LegacyImportError([_("文件中没有数据行：表头下面至少要有一行应用。")])
    units = _units_for(parsed.rows)
    now = timezone.now()
    with transaction.atomic():
        batch = LegacyImport.objects.create(
            file_name=file_name[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            rows=len(parsed.rows),
            scope_code=(prefixes[0] if prefixes and len(prefixes) == 1 else ""),
            unit_pk=getattr(getattr(actor, "unit", None), "pk", None),
            imported_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        existing = _existing_items(parsed.rows)
        new: list[LegacyInventoryItem] = []
        changed: list[LegacyInventoryItem] = []
        unchanged: list[LegacyInventoryItem] = []
        for row in parsed.rows:
            unit = units.get((row.scope_code, normalise_unit(row.unit_name)))
            key = (row.scope_code, row.unit_name, row.normalised_name, row.kind)
            item = existing.get(key) or LegacyInventoryItem(
                scope_code=row.scope_code,
                unit_name=row.unit_name,
                normalised_name=row.normalised_name,
                kind=row.kind,
                created_at=now,
            )
            values = {
                "name": row.name,
                "hosting_unit_id": unit.pk if unit else None,
                "division_id": row.division_code or None,
                "platform": row.platform,
                "identifier": row.identifier,
                "launched_on": row.launched_on,
                "retired": row.retired,
                "note": row.note,
            }
            if item.pk is None:
                for attr, value in values.items():
                    setattr(item, attr, value)
                item.source, item.line, item.updated_at = batch, row.line, now
                new.append(item)
            elif any(getattr(item, attr) != value for attr, value in values.items()):
                for attr, value in values.items():
                    setattr(item, attr, value)
                item.source, item.line, item.updated_at = batch, row.line, now
                changed.append(item)
            else:
                unchanged.append(item)
        # Changed rows are replaced (delete + insert keeps created_at; nothing points at
        # inventory rows): far faster than Django's bulk_update on 10,000 rows.
        for chunk in _chunks([i.pk for i in changed], 500):
            LegacyInventoryItem.objects.filter(pk__in=chunk).delete()
        for item in changed:
            item.pk = None
            item._state.adding = True
        LegacyInventoryItem.objects.bulk_create(new + changed, batch_size=1000)
        items = new + changed + unchanged
        matched = _match(items, now=now)
        batch.created = len(new)
        batch.updated = len(changed)
        batch.matched = matched
        batch.save(update_fields=["created", "updated", "matched"])
        audit_record(
            actor=actor,
            action="legacy.import",
            obj=batch,
            object_type="registry.legacyimport",
            after={
                "file_name": batch.file_name,
                "sha256": batch.sha256,
                "rows": batch.rows,
                "created": batch.created,
                "updated": batch.updated,
                "matched": matched,
            },
            scope_code=batch.scope_code,
        )
    cache.delete(_MATCH_VERSION_KEY)
    return ImportResult(batch, len(items), len(new), len(changed), matched)


def _units_for(rows: list[LegacyRow]) -> dict[tuple[str, str], Unit]:
    names = sorted({r.unit_name for r in rows})
    found: dict[tuple[str, str], Unit] = {}
    for i in range(0, len(names), 500):
        for unit in Unit.objects.filter(name__in=names[i : i + 500]):
            found.setdefault((unit.scope_code, normalise_unit(unit.name)), unit)
    return found


def _existing_items(rows: list[LegacyRow]) -> dict[tuple[str, str, str, str], LegacyInventoryItem]:
    scopes = sorted({r.scope_code for r in rows})
    names = {r.normalised_name for r in rows}
    out = {}
    for i in range(0, len(scopes), 200):
        for item in LegacyInventoryItem.objects.filter(scope_code__in=scopes[i : i + 200]):
            if item.normalised_name in names:
                out[(item.scope_code, item.unit_name, item.normalised_name, item.kind)] = item
    return out


# --- matching ------------------------------------------------------------------------------

_STATUS_RANK: dict[str, int] = {
    AppStatus.FILED: 0,
    AppStatus.SHUTDOWN_NOTICE: 1,
    AppStatus.OFFLINE: 1,
    AppStatus.DEREGISTERED: 2,
    AppStatus.REVOKED: 3,
    AppStatus.UNFILED: 4,
}


def _better(a: App | None, b: App) -> App:
    if a is None:
        return b
    return b if _STATUS_RANK.get(b.status, 9) < _STATUS_RANK.get(a.status, 9) else a


def _chunks(values: Iterable[Any], size: int = 500) -> Iterator[list[Any]]:
    ordered = sorted(set(values), key=str)
    for i in range(0, len(ordered), size):
        yield ordered[i : i + size]


def _match(items: list[LegacyInventoryItem], *, now: dt.datetime) -> int:
    """Point each item at its app (by identifier, else by normalised name + unit); saves the
    items whose match changed.  Returns how many items are matched."""
    by_identifier: dict[str, App] = {}
    for chunk in _chunks(i.identifier for i in items if i.identifier):
        for ident in PlatformIdentity.objects.filter(identifier__in=chunk).select_related("app"):
            by_identifier[ident.identifier] = _better(
                by_identifier.get(ident.identifier), ident.app
            )
    by_name: dict[tuple[Any, ...], App] = {}
    unit_ids = {i.hosting_unit_id for i in items if i.hosting_unit_id}
    for chunk in _chunks(unit_ids):
        for candidate in App.objects.filter(hosting_unit_id__in=chunk).only(
            "id", "name", "kind", "status", "hosting_unit_id"
        ):
            norm = normalise_name(candidate.name)
            for key in (
                (candidate.hosting_unit_id, norm),
                (candidate.hosting_unit_id, norm, candidate.kind),
            ):
                by_name[key] = _better(by_name.get(key), candidate)
    dirty = []
    matched = 0
    for item in items:
        app: App | None = None
        method: str = LegacyMatch.NONE
        if item.identifier and item.identifier in by_identifier:
            app, method = by_identifier[item.identifier], LegacyMatch.IDENTIFIER
        elif item.hosting_unit_id:
            unit_key = (item.hosting_unit_id, item.normalised_name)
            app = by_name.get((*unit_key, item.kind)) or by_name.get(unit_key)
            method = LegacyMatch.NAME_UNIT if app else LegacyMatch.NONE
        if app is not None:
            matched += 1
        if item.app_id != (app.pk if app else None) or item.match_method != method:
            item.app = app
            item.match_method = method
            item.matched_at = now if app else None
            dirty.append(item)
    if dirty:
        LegacyInventoryItem.objects.bulk_update(
            dirty, ["app", "match_method", "matched_at"], batch_size=100
        )
    return matched


_MATCH_VERSION_KEY = "govapp:legacy:matched-version"


def legacy_rematch(*, actor: Any = None, force: bool = False) -> int:
    """Match the still-unfiled items again (after new filings).  Skipped when the registry
    has not changed since the last run, unless ``force``.  Returns items newly matched."""
    from govapp.registry.version import registry_version

    version = registry_version()
    if not force and cache.get(_MATCH_VERSION_KEY) == version:
        return 0
    now = timezone.now()
    with transaction.atomic():
        pending = list(
            LegacyInventoryItem.objects.filter(
                Q(app__isnull=True) | ~Q(app__status__in=FILED_FOR_LEGACY)
            ).select_related(None)
        )
        before = {i.pk: i.app_id for i in pending}
        _match(pending, now=now)
        changed = sum(1 for i in pending if i.app_id != before[i.pk])
        if changed:
            audit_record(
                actor=actor,
                action="legacy.rematch",
                object_type="registry.legacyinventoryitem",
                object_id="*",
                object_repr=_("存量应用重新匹配"),
                after={"checked": len(pending), "changed": changed},
            )
    cache.set(_MATCH_VERSION_KEY, version, 24 * 3600)
    return changed


# --- reading ---------------------------------------------------------------------------------


def legacy_items(
    *,
    user: Any,
    state: str = "overdue",
    q: str = "",
    province: str = "",
    today: dt.date | None = None,
) -> QuerySet[LegacyInventoryItem]:
    """The inventory the user may see.  state: overdue (unfiled, past the deadline, or
    pending before it) | unfiled | filed | retired | all."""
    qs = restrict(LegacyInventoryItem.objects.all(), user, "view").select_related(
        "app", "hosting_unit", "division"
    )
    unfiled = Q(retired=False) & (Q(app__isnull=True) | ~Q(app__status__in=FILED_FOR_LEGACY))
    today = today or today_shanghai()
    if state == "overdue":
        qs = qs.filter(unfiled) if today > legacy_deadline() else qs.none()
    elif state == "unfiled":
        qs = qs.filter(unfiled)
    elif state == "filed":
        qs = qs.filter(app__status__in=FILED_FOR_LEGACY)
    elif state == "retired":
        qs = qs.filter(retired=True)
    if q.strip():
        qs = qs.filter(
            Q(name__icontains=q.strip())
            | Q(unit_name__icontains=q.strip())
            | Q(identifier__icontains=q.strip())
        )
    if province == CENTRAL:
        qs = qs.filter(scope_code=CENTRAL)
    elif province.isdigit():
        qs = qs.filter(scope_code__startswith=province)
    return qs.order_by("scope_code", "unit_name", "name", "pk")


def legacy_overdue(*, user: Any, today: dt.date | None = None) -> QuerySet[LegacyInventoryItem]:
    """Items still unfiled after 2026-07-25, in the user's jurisdiction (R-15)."""
    return legacy_items(user=user, state="overdue", today=today)


def legacy_overdue_by_region(*, user: Any, today: dt.date | None = None) -> list[tuple[str, int]]:
    """Overdue counts per province (scope prefix), for the summary."""
    counts: dict[str, int] = defaultdict(int)
    for scope in legacy_overdue(user=user, today=today).values_list("scope_code", flat=True):
        counts[CENTRAL if scope == CENTRAL else scope[:2]] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


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
    w = csv.writer(out)
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
