"""The public registry as open data (R-11, issue 14 item 5): CSV and JSON of every app the public
registry shows (filed, shut down, offline, revoked and deregistered apps with a filing number),
each identity with its package name / AppID and certificate fingerprints, and a daily snapshot
of both files kept under ``MEDIA_ROOT/opendata/``.

The rows are :func:`govapp.public.selectors.public_apps` and each record is built by the public
registry's own :func:`~govapp.public.selectors.app_public_detail`, so the files say exactly what
the public pages and ``/api/v1/public/apps/{filing_number}`` say.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.utils import timezone, translation

from govapp.public.selectors import app_public_detail, public_apps, registry_version
from govapp.registry.models import App, PlatformIdentity
from govapp.reports.xlsx import safe_text

SCHEMA = "govapp.registry/1"
APP_COLUMNS = [
    "filing_number",
    "name",
    "kind",
    "kind_label",
    "hosting_unit",
    "region",
    "region_code",
    "status",
    "status_label",
    "verdict",
    "public_facing",
    "filed_at",
    "revoked_at",
    "shutdown_date",
    "offline_at",
    "deregistered_at",
    "updated_at",
]
IDENTITY_COLUMNS = [
    "platform",
    "identifier",
    "host_platform",
    "cert_sha256",
    "cert_sha1",
    "cert_md5",
    "identity_live",
]
CSV_COLUMNS = APP_COLUMNS + IDENTITY_COLUMNS
BATCH = 2000
OPENDATA_BUILD_SECONDS = 900  # how long one process may hold the right to build a live file


def registry_queryset() -> Any:
    """The public registry's apps in a stable order (filing number)."""
    return (
        public_apps()
        .select_related("hosting_unit")
        .prefetch_related(
            Prefetch(
                "identities",
                queryset=PlatformIdentity.objects.order_by("platform", "identifier", "pk"),
            )
        )
        .order_by("filing_number", "pk")
    )


def record(app: App) -> dict[str, Any]:
    """One app as the open data shows it (the public detail, plus when it last changed)."""
    data = app_public_detail(app)
    data["updated_at"] = app.updated_at.isoformat()
    return data


def records() -> Iterator[dict[str, Any]]:
    """Every record, in filing-number order, read in batches (memory stays flat at 100,000 apps)."""
    with translation.override("zh-hans"):
        last = ""
        while True:
            batch = list(registry_queryset().filter(filing_number__gt=last)[:BATCH])
            if not batch:
                return
            for app in batch:
                yield record(app)
            last = batch[-1].filing_number or ""


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return safe_text(value)


def csv_rows(items: Iterator[dict[str, Any]]) -> Iterator[list[Any]]:
    """One row per identity (an app without identities gets one row with them empty)."""
    yield CSV_COLUMNS
    for item in items:
        head = [_cell(item.get(c)) for c in APP_COLUMNS]
        identities = item.get("identities") or [{}]
        for ident in identities:
            yield [
                *head,
                _cell(ident.get("platform")),
                _cell(ident.get("identifier")),
                _cell(ident.get("host_platform")),
                _cell(ident.get("cert_sha256")),
                _cell(ident.get("cert_sha1")),
                _cell(ident.get("cert_md5")),
                _cell(ident.get("live")) if ident else "",
            ]


class _Line:
    def __init__(self) -> None:
        self.buf = io.StringIO()
        self.writer = csv.writer(self.buf, lineterminator="\r\n")

    def __call__(self, row: list[Any]) -> str:
        self.buf.seek(0)
        self.buf.truncate()
        self.writer.writerow(row)
        return self.buf.getvalue()


def csv_stream(items: Iterator[dict[str, Any]] | None = None) -> Iterator[str]:
    """UTF-8 with a byte-order mark (so spreadsheet programs read the Chinese), CRLF lines."""
    line = _Line()
    yield "\ufeff"
    for row in csv_rows(records() if items is None else items):
        yield line(row)


def json_stream(items: Iterator[dict[str, Any]] | None = None) -> Iterator[str]:
    """``{"schema", "generated_at", "registry_version", "items": [...], "count"}``, streamed."""
    head = {
        "schema": SCHEMA,
        "generated_at": timezone.now().isoformat(),
        "registry_version": registry_version(),
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "items": ['
    n = 0
    for item in records() if items is None else items:
        yield ("," if n else "") + json.dumps(item, ensure_ascii=False, cls=DjangoJSONEncoder)
        n += 1
    yield f'], "count": {n}}}'


# --- the live files: built once per registry version ---------------------------------------------


def live_dir() -> Path:
    return snapshot_dir() / "live"


def live_file(ext: str) -> tuple[Path | None, str]:
    """``(path, tag)`` of the live registry file (``csv`` or ``json``) of the current
    registry version, built on the first request after a change (a temporary file renamed into
    place) and then served as a file: at 100,000 apps building takes tens of seconds of CPU,
    which every download repeated before.  ``path`` is None while another process builds that
    version (the caller streams it live instead); older versions' files are removed.  ``tag``
    names the version (a hash of the registry version: the file's name and the ETag)."""
    slug = hashlib.sha256(registry_version().encode()).hexdigest()[:16]
    path = live_dir() / f"registry-{slug}.{ext}"
    if path.is_file():
        return path, slug
    lock = f"govapp:opendata:build:{slug}:{ext}"
    if not cache.add(lock, 1, timeout=OPENDATA_BUILD_SECONDS):
        return None, slug
    try:
        live_dir().mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            for chunk in stream(ext):
                fh.write(chunk)
        os.replace(tmp, path)
        for old in live_dir().glob(f"registry-*.{ext}"):
            if old != path:
                old.unlink(missing_ok=True)
    finally:
        cache.delete(lock)
    return path, slug


def stream(ext: str) -> Iterator[str]:
    """The live registry as ``csv`` or ``json``, streamed."""
    return csv_stream() if ext == "csv" else json_stream()


# --- daily snapshots ---------------------------------------------------------------------------


def snapshot_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "opendata"


def snapshot_paths(day: dt.date) -> dict[str, Path]:
    base = snapshot_dir()
    return {ext: base / f"registry-{day.isoformat()}.{ext}" for ext in ("csv", "json")}


def snapshots() -> list[dict[str, Any]]:
    """The kept snapshots, newest first: [{date, csv, json, csv_bytes, json_bytes}]."""
    found: dict[str, dict[str, Any]] = {}
    base = snapshot_dir()
    if not base.is_dir():
        return []
    for path in base.glob("registry-*.*"):
        stem, ext = path.name.rsplit(".", 1)
        day = stem.removeprefix("registry-")
        if ext not in ("csv", "json"):
            continue
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            continue
        found.setdefault(day, {"date": day})[f"{ext}_bytes"] = path.stat().st_size
    return [
        v for _k, v in sorted(found.items(), reverse=True) if "csv_bytes" in v and "json_bytes" in v
    ]


def snapshot_file(day: str, ext: str) -> Path | None:
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        return None
    if ext not in ("csv", "json"):
        return None
    path = snapshot_paths(date)[ext]
    return path if path.is_file() else None
