"""The critical shared paths against two real web processes (two gunicorn servers on one
database, as two hosts would run): a proof of work issued by one is accepted by the other and
cannot be replayed on either; the rate limits count requests to both together.

Runs with the database cache (``CACHE_URL=db://``, the default) and with Redis
(``GOVAPP_TEST_REDIS_URL``, default ``redis://127.0.0.1:6379/4``, which is flushed; skipped
when no Redis answers there)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from govapp.complaints.privacy import pow_solve

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]
REDIS = os.environ.get("GOVAPP_TEST_REDIS_URL", "redis://127.0.0.1:6379/4")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def _call(base: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(  # noqa: S310 (our own test server)
        base + path, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 (our own server)
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture(params=["db://", REDIS], ids=["db-cache", "redis"])
def servers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[str]]:
    cache_url = request.param
    if cache_url.startswith("redis") and not _redis_up():
        pytest.skip("no Redis at 127.0.0.1:6379")
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        GOVAPP_VAR_DIR=str(tmp_path),
        GOVAPP_SECRET_KEY="two-process-test-secret-key-" + "x" * 30,
        CACHE_URL=cache_url,
        GOVAPP_COMPLAINT_POW_BITS="8",
        GOVAPP_COMPLAINT_RATE="100/3600",
        GOVAPP_COMPLAINT_RATE_UNPROVEN="2/3600",
        GOVAPP_PUBLIC_RATE_LIMIT="6/60",
        GOVAPP_USAGE_PING_RATE="4/600",
        GOVAPP_USAGE_PING_ADDRESS_RATE="7/600",
        DJANGO_SETTINGS_MODULE="govapp.settings",
        PYTHONPATH=str(REPO),
    )
    govapp = str(BIN / "govapp")
    subprocess.run([govapp, "migrate", "-v0"], env=env, check=True, cwd=REPO)
    setup = (
        "from tests import factories as f; from govapp.orgs.models import UnitKind; "
        "f.unit('11', UnitKind.CAC)"
    )
    subprocess.run([govapp, "shell", "-c", setup], env=env, check=True, cwd=REPO)
    if cache_url.startswith("redis"):
        import redis

        redis.Redis.from_url(REDIS).flushdb()
    procs, bases = [], []
    for _ in range(2):
        port = _free_port()
        procs.append(
            subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "govapp.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "1",
                    "--log-level",
                    "warning",
                ],
                env=env,
                cwd=REPO,
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        for base in bases:
            while True:
                try:
                    _call(base, "/api/v1/public/complaints/challenge")
                    break
                except (urllib.error.URLError, ConnectionError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
        yield bases
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def _report(pow_token: str = "") -> dict:
    return {
        "app_name": "某政务应用",
        "category": "forced_use",
        "description": "打卡必须使用这个应用，否则算缺勤。",
        "pow": pow_token,
    }


def test_proof_of_work_and_rate_limits_hold_across_two_processes(servers: list[str]) -> None:
    a, b = servers
    # 1. every challenge solved is accepted by the other process (today: refused there)
    tokens = []
    for i in range(6):
        issuer, taker = (a, b) if i % 2 == 0 else (b, a)
        status, body = _call(issuer, "/api/v1/public/complaints/challenge")
        assert status == 200
        token = f"{body['challenge']}:{pow_solve(body['challenge'])}"
        status, body = _call(taker, "/api/v1/public/complaints", _report(token))
        assert status == 201, body
        assert body["receipt"]
        tokens.append(token)
    # 2. ... and is never accepted twice, by either process
    for i, token in enumerate(tokens[:4]):
        status, body = _call(servers[i % 2], "/api/v1/public/complaints", _report(token))
        assert status == 422, body
    # 3. reports without proof of work: 2 an hour per client, counted over both processes
    codes = [_call(servers[i % 2], "/api/v1/public/complaints", _report())[0] for i in range(3)]
    assert codes == [201, 201, 429]
    # 4. public queries: 6 a minute per client, counted over both processes
    codes = [_call(servers[i % 2], "/api/v1/public/verify?filing_number=x")[0] for i in range(8)]
    assert codes == [200] * 6 + [429, 429]


def _ping(base: str, agent: str) -> int:
    req = urllib.request.Request(  # noqa: S310 (our own test server)
        base + "/api/v1/public/usage/ping",
        data=json.dumps({"package": "cn.gov.two.process"}).encode(),
        headers={"Content-Type": "application/json", "User-Agent": agent},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 (our own server)
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_the_one_round_trip_limits_of_the_ping_hold_across_two_processes(
    servers: list[str],
) -> None:
    """The ping's two limits, decided together in one round trip (ratelimit.hit_many), count
    requests to both processes together: 4 per device, 7 per address, refusals counted in
    neither."""
    codes = [_ping(servers[i % 2], "PhoneA/1") for i in range(6)]
    assert codes == [204] * 4 + [429] * 2
    codes = [_ping(servers[i % 2], "PhoneB/1") for i in range(5)]
    assert codes == [204] * 3 + [429] * 2
