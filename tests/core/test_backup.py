"""``govapp backup`` / ``govapp restore`` round trip (SQLite online backup; pg_dump when
PostgreSQL is reachable), verified by ``govapp audit verify``; a tampered restore is caught."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
SETUP = (
    "from govapp.core.audit import audit_record;"
    "from django.conf import settings; from pathlib import Path;"
    "[audit_record(actor=None, action='test.event', object_type='t', object_id=str(i)) "
    "for i in range(5)];"
    "p = Path(settings.MEDIA_ROOT) / 'evidence' / 'a.txt'; p.parent.mkdir(parents=True, exist_ok=True);"
    "p.write_text('stored file')"
)


def _env(var: Path, database_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CACHE_URL"}}
    env.update(GOVAPP_VAR_DIR=str(var), GOVAPP_AUDIT_KEY="backup-test-key", PYTHONPATH=str(REPO))
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _govapp(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "govapp"), *args], env=env, cwd=REPO, capture_output=True, text=True, check=check
    )


def _round_trip(tmp_path: Path, src_url: str = "", dst_url: str = "") -> Path:
    a, b = tmp_path / "a", tmp_path / "b"
    src, dst = _env(a, src_url), _env(b, dst_url)
    _govapp(src, "migrate", "-v0")
    _govapp(src, "shell", "-c", SETUP)
    _govapp(src, "audit", "anchor")
    out = _govapp(src, "backup", str(tmp_path / "bk")).stdout
    assert "backup written" in out
    # the target is an empty database: the restore brings the whole schema with the data
    done = _govapp(dst, "restore", str(tmp_path / "bk"), "--yes")
    assert "OK: 5 events" in done.stdout, done.stdout + done.stderr
    assert (b / "media" / "evidence" / "a.txt").read_text() == "stored file"
    return b


def test_sqlite_backup_and_restore_verified(tmp_path: Path) -> None:
    b = _round_trip(tmp_path)
    with sqlite3.connect(b / "govapp.sqlite3") as db:
        db.execute("UPDATE core_auditevent SET action = 'test.forged' WHERE seq = 2")
    bad = _govapp(_env(b), "audit", "verify", check=False)
    assert bad.returncode != 0 and "#2" in bad.stderr


def test_damaged_backup_is_refused(tmp_path: Path) -> None:
    a = tmp_path / "a"
    env = _env(a)
    _govapp(env, "migrate", "-v0")
    _govapp(env, "backup", str(tmp_path / "bk"))
    with open(tmp_path / "bk" / "media.tar.gz", "ab") as f:
        f.write(b"x")
    bad = _govapp(env, "restore", str(tmp_path / "bk"), "--yes", check=False)
    assert bad.returncode != 0 and "checksum" in bad.stderr


def _pg_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.postgres
def test_postgres_backup_and_restore_verified(tmp_path: Path) -> None:
    if not _pg_up():
        pytest.skip("no PostgreSQL at 127.0.0.1:5432")
    base = "postgres://postgres@127.0.0.1:5432/"
    # names of this process only: two runs on one server (SQLite and PostgreSQL suites side by
    # side) must not drop each other's databases
    src, dst = f"prodsec_backup_src_{os.getpid()}", f"prodsec_backup_dst_{os.getpid()}"
    for name in (src, dst):
        subprocess.run(
            ["psql", base + "postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True
        )
        subprocess.run(["psql", base + "postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    try:
        _round_trip(tmp_path, base + src, base + dst)
    finally:
        for name in (src, dst):
            subprocess.run(
                ["psql", base + "postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=False
            )
