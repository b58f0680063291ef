"""``govapp backup`` and ``govapp restore``: the database and the stored files, in one folder.

- SQLite: SQLite's online backup API (a consistent copy while the server keeps running).
- PostgreSQL: ``pg_dump --format=custom`` (restored with ``pg_restore --clean``).
- Stored files (``MEDIA_ROOT``: attachments, packages, evidence): a tar.gz.  With an S3-compatible
  store (docs/deployment.md) the bucket's own versioning and replication are the backup.
- The audit anchor file is copied too; the audit key is NOT (it must stay outside the
  database and its backups: keep it in the secret store).  ``manifest.json`` lists every file
  with its SHA-256.  A restore ends with ``govapp audit verify``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

DB_SQLITE = "db.sqlite3"
DB_PG = "db.pgdump"
MEDIA = "media.tar.gz"
ANCHORS = "audit_anchors.jsonl"
MANIFEST = "manifest.json"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{auth}{db.get('HOST') or 'localhost'}{port}/{db['NAME']}"


def backup(target: Path) -> dict[str, Any]:
    """Write a backup into the new folder ``target``; returns the manifest."""
    target.mkdir(parents=True, exist_ok=False)
    engine = connection.vendor
    files: list[Path] = []
    if engine == "sqlite":
        connection.ensure_connection()
        dest = sqlite3.connect(target / DB_SQLITE)
        try:
            connection.connection.backup(dest)
        finally:
            dest.close()
        files.append(target / DB_SQLITE)
    elif engine == "postgresql":
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(target / DB_PG), _pg_url()],
            check=True,
        )
        files.append(target / DB_PG)
    else:
        raise RuntimeError(f"no backup method for the {engine} database")
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(target / MEDIA, "w:gz") as tar:
        if media.is_dir():
            tar.add(media, arcname="media")
    files.append(target / MEDIA)
    anchors = Path(settings.GOVAPP_AUDIT_ANCHOR_FILE)
    if anchors.exists():
        shutil.copy2(anchors, target / ANCHORS)
        files.append(target / ANCHORS)
    from govapp.core.models import AuditHead

    head = AuditHead.objects.filter(id=1).first()
    manifest = {
        "schema": "govapp.backup/1",
        "created": dt.datetime.now(dt.UTC).isoformat(),
        "database": engine,
        "audit_head": {"seq": head.last_seq, "hash": head.last_hash} if head else None,
        "files": {p.name: {"sha256": _sha256(p), "bytes": p.stat().st_size} for p in files},
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


def restore(source: Path) -> dict[str, Any]:
    """Restore the backup in ``source`` over the configured database and MEDIA_ROOT (stop the
    web processes and workers first).  Files are checked against the manifest before use."""
    manifest = json.loads((source / MANIFEST).read_text())
    if not isinstance(manifest, dict):
        raise RuntimeError(f"{MANIFEST} is not a JSON object (damaged backup)")
    for name, meta in manifest["files"].items():
        if _sha256(source / name) != meta["sha256"]:
            raise RuntimeError(f"{name}: checksum does not match the manifest (damaged backup)")
    engine = connection.vendor
    if manifest["database"] != engine:
        raise RuntimeError(f"the backup holds a {manifest['database']} database, not {engine}")
    if engine == "sqlite":
        connection.close()
        src = sqlite3.connect(source / DB_SQLITE)
        dest = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]))
        try:
            src.backup(dest)
        finally:
            src.close()
            dest.close()
    else:
        subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "-d",
                _pg_url(),
                str(source / DB_PG),
            ],
            check=True,
        )
    media_root = Path(settings.MEDIA_ROOT)
    with tarfile.open(source / MEDIA, "r:gz") as tar:
        media_root.mkdir(parents=True, exist_ok=True)
        tar.extractall(media_root.parent / ".restore-media", filter="data")
    staged = media_root.parent / ".restore-media" / "media"
    if staged.is_dir():
        shutil.rmtree(media_root)
        staged.rename(media_root)
    shutil.rmtree(media_root.parent / ".restore-media", ignore_errors=True)
    if (source / ANCHORS).exists():
        anchors = Path(settings.GOVAPP_AUDIT_ANCHOR_FILE)
        if not anchors.exists():
            shutil.copy2(source / ANCHORS, anchors)
    return manifest
