"""The judged scenario, for real: two gunicorn web servers (separate processes) sharing the
cache (the database, then Redis: DB 8 or ``GOVAPP_TEST_REDIS_URL``), hundreds of simulated devices pinging
repeatedly through both, ``govapp usage close-day`` from a third process; then the day's count
must be exact and no address, user agent or per-device hash may remain in the database file,
any file under the var directory or the servers' logs."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
DEVICES = 300
REPEATS = 3
FILING_NUMBER = "多进程测试备00001号"
REDIS_URL = os.environ.get("GOVAPP_TEST_REDIS_URL", "redis://127.0.0.1:6379/8")

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


SETUP = f"""
from django.utils import timezone
from govapp.orgs.models import Division, Unit
from govapp.registry.models import App, PlatformIdentity
div, _ = Division.objects.get_or_create(code="44", defaults=dict(name="广东省", level=1, province_code="44"))
unit = Unit.objects.create(name="多进程测试单位", kind="admin_organ", division=div, scope_code="44")
app = App.objects.create(name="多进程测试应用", kind="app", hosting_unit=unit, status="filed",
    filing_number="{FILING_NUMBER}", filed_at=timezone.now())
PlatformIdentity.objects.create(app=app, platform="android", identifier="cn.gov.multi.test", live=True)
print(app.pk)
"""


def _env(var: Path, cache_url: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        GOVAPP_VAR_DIR=str(var),
        CACHE_URL=cache_url,
        GOVAPP_PUBLIC_TRUSTED_PROXIES="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def _start(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    fh = log.open("wb")
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "govapp.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--log-level",
            "info",
        ],
        env=env,
        stdout=fh,
        stderr=subprocess.STDOUT,
    )
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(log.read_text())


def _ping(port: int, device: int) -> int:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/public/usage/ping",
        data=json.dumps({"filing_number": FILING_NUMBER}).encode(),
        headers={
            "Content-Type": "application/json",
            "User-Agent": f"GovPhone/{device} (MarkerUA-{device:04d}-zq)",
            "X-Forwarded-For": f"198.51.{device // 200}.{device % 200 + 20}",
        },
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=120) as r:  # noqa: S310 (local test server)
        return int(r.status)


def _device_hashes(var: Path, cache_url: str) -> list[str]:
    """The per-device hashes held for the open day (Redis sets, or the counting table)."""
    if cache_url.startswith("redis"):
        import redis

        client = redis.Redis.from_url(cache_url)
        return [
            m.decode()
            for k in client.scan_iter(match="*govapp:usage:*:d:*")
            for m in client.smembers(k)
        ]
    db = sqlite3.connect(var / "govapp.sqlite3")
    try:
        return [r[0] for r in db.execute("select hash from usage_countingdevice")]
    finally:
        db.close()


def _usage_state(var: Path, cache_url: str) -> list[str]:
    """Every piece of counting state left (salts, hash sets or rows, counters)."""
    if cache_url.startswith("redis"):
        import redis

        client = redis.Redis.from_url(cache_url)
        return [k.decode() for k in client.scan_iter(match="*govapp:usage:*")]
    db = sqlite3.connect(var / "govapp.sqlite3")
    try:
        return [
            str(r)
            for table in ("usage_countingsalt", "usage_countingdevice", "usage_countingtally")
            for r in db.execute(f"select * from {table}")  # noqa: S608 (fixed names)
        ]
    finally:
        db.close()


def _all_bytes(var: Path, logs: list[Path]) -> bytes:
    out = []
    for path in [*var.rglob("*"), *logs]:
        if path.is_file():
            out.append(path.read_bytes())
    return b"\n".join(out)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database for both runs (migrating is the slow part)."""
    var = tmp_path_factory.mktemp("usage-mp") / "var"
    subprocess.run([str(BIN / "govapp"), "migrate", "-v0"], env=_env(var, "db://"), check=True)
    return var


@pytest.mark.parametrize("cache_url", ["db://", REDIS_URL], ids=["db", "redis"])
def test_two_web_processes_count_exactly_and_leave_no_trace(tmp_path, cache_url, migrated):
    if cache_url.startswith("redis"):
        if not _redis_up():
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        import redis

        redis.Redis.from_url(cache_url).flushdb()  # a Redis database of its own
    var = tmp_path / "var"
    var.mkdir()
    for name in ("govapp.sqlite3", "secret_key"):
        shutil.copy(migrated / name, var / name)
    env = _env(var, cache_url)
    govapp = str(BIN / "govapp")
    out = subprocess.run([govapp, "shell", "-c", SETUP], env=env, check=True, capture_output=True)
    app_id = int(out.stdout.decode().strip().splitlines()[-1])
    logs = [tmp_path / "web1.log", tmp_path / "web2.log"]
    servers = [_start(env, logs[0]), _start(env, logs[1])]
    try:
        jobs = [(servers[(d + r) % 2][1], d) for r in range(REPEATS) for d in range(DEVICES)]
        with ThreadPoolExecutor(max_workers=6) as pool:
            codes = list(pool.map(lambda j: _ping(*j), jobs))
        assert codes == [204] * len(jobs)
        hashes = _device_hashes(var, cache_url)
        assert len(hashes) == DEVICES  # one hash per device, whichever process saw it
        # closed while both servers still run and hold their (persistent) connections, as the
        # periodic loop does in production
        close_log = tmp_path / "close.log"
        result = subprocess.run(
            [govapp, "usage", "close-day"], env=env, capture_output=True, check=True
        )
        close_log.write_bytes(result.stdout + result.stderr)
    finally:
        for proc, _port in servers:
            proc.terminate()
            proc.wait(20)
    db = sqlite3.connect(var / "govapp.sqlite3")
    try:
        rows = db.execute(
            "select devices, pings from usage_dailyusage where app_id = ?", (app_id,)
        ).fetchall()
        dump = "\n".join(db.iterdump()).encode()
    finally:
        db.close()
    assert rows == [(DEVICES, DEVICES * REPEATS)]
    assert _usage_state(var, cache_url) == []
    everything = _all_bytes(var, [*logs, close_log]) + dump
    assert b"MarkerUA" not in everything
    assert b"GovPhone" not in everything
    for device in (0, 1, 57, 199, 200, 299):
        assert f"198.51.{device // 200}.{device % 200 + 20}".encode() not in everything
    for h in hashes:
        assert h.encode() not in everything
