"""Writes of the legacy inventory (R-15): the all-or-nothing import (one transaction, one
audit event; upserted on region, unit, normalised name and kind) and the matching of items to
filings (by platform identifier, else by hosting unit and normalised name).

Matching: a row with a package name / identifier is matched to the app holding that platform
identity; otherwise to an app of the same hosting unit whose normalised name is the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from govapp.core.actor import Actor
from govapp.core.audit import audit_record
from govapp.core.permissions import active_grants, is_national
from govapp.orgs.models import Division, Unit, User
from govapp.registry.legacy.parser import (
    LegacyImportError,
    LegacyRow,
    ParseResult,
    legacy_parse,
    line_of,
    normalise_name,
    normalise_unit,
)
from govapp.registry.legacy.selectors import FILED_FOR_LEGACY
from govapp.registry.models import (
    App,
    AppStatus,
    LegacyImport,
    LegacyInventoryItem,
    LegacyMatch,
    PlatformIdentity,
)


def _actor_prefixes(actor: Actor | None) -> list[str] | None:
    """Scope prefixes the actor may import into; None = everywhere (national or system)."""
    if actor is None or is_national(actor):
        return None
    prefixes = [
        g.division_id
        for g in active_grants(actor)
        if g.role in {"provincial_cac_reviewer", "provincial_gsa_reviewer"} and g.division_id
    ]
    return prefixes


def can_import(actor: Actor | None) -> bool:
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


def legacy_import(*, data: bytes, file_name: str, actor: User | None) -> ImportResult:
    """Import an inventory file: all rows or none.  Raises LegacyImportError listing every
    row-level problem with its line number."""
    if not can_import(actor):
        raise LegacyImportError([_("只有网信部门的监管人员可以导入存量应用清单。")])
    parsed = legacy_parse(data, file_name)
    _check_divisions(parsed)
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
        parsed.errors.sort(key=line_of)
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
            found = existing.get(key)
            item = found or LegacyInventoryItem(
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
            if found is None:
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


def legacy_rematch(*, actor: Actor | None = None, force: bool = False) -> int:
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


def _existing_divisions(codes: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(codes)
    for i in range(0, len(ordered), 500):
        found.update(
            Division.objects.filter(code__in=ordered[i : i + 500]).values_list("code", flat=True)
        )
    return found


def _check_divisions(parsed: ParseResult) -> None:
    """Rows whose division code does not exist become line-numbered errors."""
    known = _existing_divisions({r.division_code for r in parsed.rows if r.division_code})
    kept = []
    for row in parsed.rows:
        if row.division_code and row.division_code not in known:
            parsed.error(
                row.line,
                _(
                    "区划代码 %(code)s 不存在：请填写 GB/T 2260 行政区划代码（如 440106），"
                    "国务院部门填写“中央”。"
                )
                % {"code": row.division_code},
            )
        else:
            kept.append(row)
    parsed.rows = kept
    parsed.errors.sort(key=line_of)
