"""Usage oversight speed (issue 10), each figure against a same-run baseline.

    apt-get install wrk        # Debian's package, for part 1
    .venv/bin/python benchmarks/bench_usage.py [--seconds 10] [--connections 16] [--apps 100000]
        [--months 24] [--parts ping,close,evaluate] [--redis redis://127.0.0.1:6379/8]

1. **Ping throughput** (goal: >= 80 % of the public verify endpoint on the same server).  One
   scratch SQLite database (migrated, 500 filed apps with identities), gunicorn as in
   ``govapp demo`` (2 workers x 4 threads), rate limits off for both endpoints as in
   bench_verify_wrk.py.  wrk drives ``GET /api/v1/public/verify`` (the baseline: filed apps by
   package + certificate, by filing number, unknown packages) and then ``POST
   /api/v1/public/usage/ping`` (filing numbers and package names of the same apps, 5,000
   simulated devices by user agent and X-Forwarded-For).  Once with the database cache
   (``CACHE_URL`` unset, the default) and once with Redis; each time the ping is measured with
   its rate limits off and on (the shared limiter, one round trip per ping).  The three servers
   run side by side and are measured in turn for ``--rounds`` rounds (medians shown), with the
   CPU time of each server's gunicorn processes per request (a figure a loaded machine
   disturbs less than req/s).
2. **close-day for 100,000 apps** (goal < 60 s): 100,000 apps with 3 devices each (300,000
   device keys and 100,000 counters) written into the shared cache in the exact layout the ping
   writes, then ``usage_close_day`` (reads, aggregates, writes 100,000 daily rows, destroys
   every key; SQLite is vacuumed).  Baseline: listing the same keys once.
3. **Monthly low-use evaluation over 100,000 apps x 24 months** (goal < 60 s): 2.4 million
   monthly returns, then ``lowuse_evaluate``.  Baseline: reading the evaluated window's rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


# --- helpers run inside a Django process (``--inner``) ------------------------------------------


def _django(var: Path, cache_url: str, database_url: str = "") -> None:
    os.environ["GOVAPP_VAR_DIR"] = str(var)
    os.environ["CACHE_URL"] = cache_url
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govapp.settings")
    import django

    django.setup()


def _apps(n: int) -> list[int]:
    from django.utils import timezone

    from govapp.orgs.models import Division, Unit
    from govapp.registry.models import App, Platform, PlatformIdentity

    have = App.objects.count()
    if have >= n:
        return list(App.objects.order_by("pk").values_list("pk", flat=True)[:n])
    div, _ = Division.objects.get_or_create(
        code="44", defaults={"name": "广东省", "level": 1, "province_code": "44"}
    )
    units = [
        Unit.objects.get_or_create(
            name=f"基准单位{i}", division=div, defaults={"kind": "admin_organ"}
        )[0]
        for i in range(50)
    ]
    now = timezone.now() - dt.timedelta(days=900)
    batch = []
    for i in range(have, n):  # the missing ones (an earlier, smaller run made the first)
        batch.append(
            App(
                name=f"基准应用{i}",
                kind="app",
                hosting_unit=units[i % 50],
                status="filed",
                filing_number=f"基准备{i:07d}号",
                filed_at=now,
            )
        )
    App.objects.bulk_create(batch, batch_size=5000)
    ids = list(App.objects.order_by("pk").values_list("pk", flat=True)[:n])
    known = set(PlatformIdentity.objects.values_list("app_id", flat=True))
    PlatformIdentity.objects.bulk_create(
        [
            PlatformIdentity(
                app_id=a,
                platform=Platform.ANDROID,
                identifier=f"cn.gov.bench.app{a}",
                live=True,
                cert_sha256=f"{a:064x}",
            )
            for a in ids
            if a not in known
        ],
        batch_size=5000,
    )
    return ids


def inner_setup(var: Path, apps: int, database_url: str = "") -> None:
    env = {**os.environ, "GOVAPP_VAR_DIR": str(var), "CACHE_URL": ""}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    subprocess.run([str(BIN / "govapp"), "migrate", "-v0"], env=env, check=True)
    _django(var, "", database_url)
    _apps(apps)


def _fill_cache(ids: list[int], devices: int) -> int:
    """The state the pings would have written: the salt, the device hashes of every app and
    its ping counter (Redis: a set and a counter per app; else the counting tables)."""
    import secrets

    from django.db import connection

    from govapp.core.calendar import today_shanghai
    from govapp.oversight.usage import counting

    day = today_shanghai()
    epoch, _salt = counting.day_salt(day)
    if counting._backend() == "redis":
        client = counting._redis_client()
        base = f"{counting.PREFIX}{day.isoformat()}:{epoch}:"
        for start in range(0, len(ids), 5000):
            pipe = client.pipeline(transaction=False)
            for a in ids[start : start + 5000]:
                pipe.sadd(
                    counting._made(f"{base}d:a{a}"),
                    *[secrets.token_hex(16) for _d in range(devices)],
                )
                pipe.set(counting._made(f"{base}p:a{a}"), devices * 2)
            pipe.execute()
        return len(ids) * (devices + 1)
    _salt_t, device_t, tally_t = counting._tables()
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            cursor.executemany(
                f"INSERT INTO {device_t} (day, target, hash, epoch) VALUES (%s, %s, %s, %s)",
                [
                    (day, f"a{a}", secrets.token_hex(16), epoch)
                    for a in chunk
                    for _d in range(devices)
                ],
            )
            cursor.executemany(
                f"INSERT INTO {tally_t} (day, target, epoch, pings) VALUES (%s, %s, %s, %s)",
                [(day, f"a{a}", epoch, devices * 2) for a in chunk],
            )
    return len(ids) * (devices + 1)


def inner_close(var: Path, cache_url: str, apps: int, devices: int) -> dict[str, Any]:
    _django(var, cache_url)
    from govapp.oversight.usage import counting, services
    from govapp.oversight.usage.models import DailyUsage

    ids = _apps(apps)
    DailyUsage.objects.all().delete()
    if counting._backend() == "redis":
        counting._redis_client().flushdb()
    counting.days_close()  # nothing left from an earlier run
    DailyUsage.objects.all().delete()
    n = _fill_cache(ids, devices)
    t0 = time.perf_counter()
    if counting._backend() == "redis":  # baseline: list the keys once (SCAN)
        label = "listing the keys once"
        client = counting._redis_client()
        listed = sum(
            1 for _ in client.scan_iter(match=counting._made(counting.PREFIX) + "*", count=10_000)
        )
    else:  # baseline: read every row of the counting tables once
        label = "reading the counting tables once"
        listed = sum(1 for _ in counting.usage_keys())
    baseline = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    result = services.usage_close_day()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    rows = DailyUsage.objects.count()
    left = sum(1 for _ in counting.usage_keys())
    assert rows == apps and left == 0, (rows, left)
    return {
        "keys": n,
        "listed": listed,
        "baseline": baseline,
        "label": label,
        "elapsed": elapsed,
        "cpu": cpu,
        "apps": result.apps,
    }


def _returns_fill(ids: list[int], months: int, first: dt.date) -> None:
    """``months`` returns for every app (8 % of them clearly low-use), written in bulk (COPY on
    PostgreSQL, executemany in one transaction on SQLite)."""
    import random

    from django.db import connection, transaction
    from django.utils import timezone

    from govapp.oversight.usage import services
    from govapp.oversight.usage.models import MonthlyReturn

    rng = random.Random(1)
    now = timezone.now()
    month_list = [services.month_add(first, m) for m in range(months)]

    def rows(chunk: list[int]) -> list[tuple[object, ...]]:
        out: list[tuple[object, ...]] = []
        for a in chunk:
            low = rng.random() < 0.08
            intended = rng.choice([500, 2000, 10_000, 80_000])
            for m in month_list:
                ratio = rng.uniform(0.005, 0.04) if low else rng.uniform(0.1, 0.8)
                out.append((a, m, int(intended * ratio), intended, 0, "{}", "demo", now))
        return out

    table = MonthlyReturn._meta.db_table
    cols = "app_id, month, active_users, intended_users, sessions, functions, source, updated_at"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
        for start in range(0, len(ids), 5000):
            batch = rows(ids[start : start + 5000])
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                cursor.executemany(
                    f"INSERT INTO {table} ({cols}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    batch,
                )


def inner_evaluate(var: Path, apps: int, months: int, database_url: str) -> dict[str, float]:
    _django(var, "", database_url)
    from django.db import connection

    from govapp.oversight.usage import services
    from govapp.oversight.usage.models import MonthlyReturn

    ids = _apps(apps)
    last = services.evaluation_month()
    first = services.month_add(last, -(months - 1))
    t0 = time.perf_counter()
    if (
        MonthlyReturn.objects.filter(month=first).count() < apps
        or MonthlyReturn.objects.count() != apps * months
    ):
        _returns_fill(ids, months, first)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    fill = time.perf_counter() - t0
    t0 = time.perf_counter()
    window = list(
        MonthlyReturn.objects.filter(month__gte=services.month_add(last, -2)).values_list(
            "app_id", "month", "active_users", "intended_users"
        )
    )
    baseline = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    flagged = services.lowuse_evaluate(month=last)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "vendor": connection.vendor,
        "rows": MonthlyReturn.objects.count(),
        "fill": fill,
        "window": len(window),
        "baseline": baseline,
        "elapsed": elapsed,
        "cpu": cpu,
        "flagged": flagged,
    }


# --- part 1: ping vs verify over HTTP ---------------------------------------------------------


def _wrk_lua(lines: Path, *, clients: bool, ping: bool = False) -> str:
    """A wrk script that cycles through the lines of ``lines`` (verify's paths, or the ping's
    JSON bodies); with ``clients`` as 5,000 simulated devices (user agent, X-Forwarded-For)."""
    headers = ['headers["Content-Type"] = "application/json"'] if ping else []
    if clients:
        headers += [
            "local d = i % 5000",
            'headers["User-Agent"] = "BenchPhone/" .. d',
            'headers["X-Forwarded-For"] = "10." .. (d % 250) .. "." .. math.floor(d / 250) .. ".7"',
        ]
    request = (
        'wrk.format("POST", "/api/v1/public/usage/ping", headers, line)'
        if ping
        else 'wrk.format("GET", line, headers)'
    )
    body = "\n  ".join(["local headers = {}", *headers, f"return {request}"])
    return (
        f"local lines = {{}}\n"
        f'for line in io.lines("{lines}") do lines[#lines + 1] = line end\n'
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        "  local line = lines[(i % #lines) + 1]\n"
        f"  {body}\n"
        "end\n"
    )


def _server(var: Path, cache_url: str, limits: bool) -> tuple[subprocess.Popen[bytes], int]:
    from bench_verify import free_port

    settings_dir = Path(tempfile.mkdtemp(prefix="govapp-bench-usage-"))
    # limits off: none of the public limits; limits on: every limit at its default (the
    # production configuration), the public one (verify's) included
    off = (
        ""
        if limits
        else (
            "GOVAPP_PUBLIC_RATE_LIMIT = None\n"
            "GOVAPP_USAGE_PING_RATE = None\nGOVAPP_USAGE_PING_ADDRESS_RATE = None\n"
        )
    )
    (settings_dir / "bench_settings.py").write_text(
        textwrap.dedent(
            """
            from govapp.settings import *  # noqa
            GOVAPP_TRUSTED_PROXIES = 1
            LOGGING["loggers"]["django.request"] = {"handlers": [], "level": "ERROR"}
            """
        )
        + off
    )
    port = free_port()
    env = {
        **os.environ,
        "GOVAPP_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": str(settings_dir),
        "CACHE_URL": cache_url,
    }
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "govapp.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    import http.client

    deadline = time.time() + 180  # a loaded machine starts gunicorn slowly
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/api/v1/public/verify?filing_number=x")
            c.getresponse().read()
            return proc, port
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


def _cpu_seconds(proc: subprocess.Popen[bytes]) -> float:
    """User + system CPU seconds of gunicorn's master and workers so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [proc.pid]
    try:
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _wrk(port: int, script: Path, seconds: int, connections: int) -> dict[str, object]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "requests": total,
        "p99": p99.group(1) if p99 else "?",
        "non2xx": int(errors.group(1)) if errors else 0,
    }


def _ping_lines(label: str, results: dict[str, list[dict[str, object]]]) -> list[str]:
    """The medians of each server's rounds, each against verify, and the goal's two figures."""
    lines: list[str] = []

    def median(name: str, field: str) -> float:
        return float(statistics.median(float(r[field]) for r in results[name]))  # type: ignore[arg-type]

    base = median("verify", "rps")
    base_cpu = median("verify", "cpu_ms")
    for name, rows in results.items():
        rps = median(name, "rps")
        cpu = median(name, "cpu_ms")
        each = " / ".join(f"{float(r['rps']):.0f}" for r in rows)  # type: ignore[arg-type]
        lines.append(
            f"{label:<32} {name:<16} {rps:>8.0f} req/s (median of {each})  "
            f"p99 {rows[-1]['p99']:>8}  non-2xx {sum(int(r['non2xx']) for r in rows)}  "  # type: ignore[call-overload]
            f"({rps / base:.0%} of verify); workers' CPU {cpu:.2f} ms/request "
            f"({base_cpu / cpu:.0%} of verify's throughput per CPU second)"
        )
    # the goal's figure: ping against verify on the same server configuration
    for off_on, ping_name, verify_name in (
        ("limits off", "ping", "verify"),
        ("every limit on", "ping, limits on", "verify, limits on"),
    ):
        lines.append(
            f"{label:<32} same configuration, {off_on}: ping / verify "
            f"{median(ping_name, 'rps') / median(verify_name, 'rps'):.0%} "
            f"(CPU per request {median(verify_name, 'cpu_ms') / median(ping_name, 'cpu_ms'):.0%})"
        )
    return lines


def part_ping(
    var: Path, seconds: int, connections: int, redis_url: str, rounds: int = 3
) -> list[str]:
    import sqlite3

    if shutil.which("wrk") is None:
        return ["ping: wrk is not installed (apt-get install wrk); skipped"]
    db = sqlite3.connect(var / "govapp.sqlite3")
    rows = db.execute(
        "select i.identifier, i.cert_sha256, a.filing_number from registry_platformidentity i "
        "join registry_app a on a.id = i.app_id order by a.id limit 500"
    ).fetchall()
    db.close()
    scripts = Path(tempfile.mkdtemp(prefix="govapp-bench-usage-lua-"))
    verify_paths, bodies = [], []
    for n, (ident, cert, number) in enumerate(rows):
        if n % 5 == 0:
            verify_paths.append(f"/api/v1/public/verify?filing_number={number}")
            bodies.append(json.dumps({"filing_number": number}))
        elif n % 10 == 1:
            verify_paths.append(f"/api/v1/public/verify?package=cn.fake.app{n}&cert_sha256={cert}")
            bodies.append(json.dumps({"package": f"cn.fake.app{n}"}))
        else:
            verify_paths.append(f"/api/v1/public/verify?package={ident}&cert_sha256={cert}")
            bodies.append(json.dumps({"package": ident}))
    import urllib.parse

    (scripts / "paths.txt").write_text(
        "\n".join(urllib.parse.quote(p, safe="/?=&") for p in verify_paths) + "\n"
    )
    (scripts / "bodies.txt").write_text("\n".join(bodies) + "\n")
    verify_lua = scripts / "verify.lua"
    verify_lua.write_text(_wrk_lua(scripts / "paths.txt", clients=False))
    verify_clients_lua = scripts / "verify-clients.lua"
    verify_clients_lua.write_text(_wrk_lua(scripts / "paths.txt", clients=True))
    ping_lua = scripts / "ping.lua"
    ping_lua.write_text(_wrk_lua(scripts / "bodies.txt", clients=True, ping=True))
    lines = []
    configs = [("database cache (default)", "")]
    if redis_url:
        configs.append((f"Redis ({redis_url})", redis_url))

    for label, url in configs:
        if url.startswith("redis"):
            import redis

            redis.Redis.from_url(url).flushdb()
        # the three servers run side by side and are measured in turn, round after round, so
        # that each sees the same share of a shared machine's load
        runs = (("verify", verify_lua, False), ("ping", ping_lua, False))
        runs += (("ping, limits on", ping_lua, True),)
        # the same server configuration for both: every limit on, verify's too, with the
        # ping's 5,000 simulated clients (verify's default limit is 120 a minute per address)
        runs += (("verify, limits on", verify_clients_lua, True),)
        servers = {name: _server(var, url, limits) for name, _script, limits in runs}
        results: dict[str, list[dict[str, object]]] = {name: [] for name, _s, _l in runs}
        try:
            for name, script, _limits in runs:
                _wrk(servers[name][1], script, 3, connections)  # warm-up
            for _round in range(rounds):
                for name, script, _limits in runs:
                    proc, port = servers[name]
                    time.sleep(1)
                    cpu0 = _cpu_seconds(proc)
                    r = _wrk(port, script, seconds, connections)
                    r["cpu_ms"] = 1000 * (_cpu_seconds(proc) - cpu0) / max(1, int(r["requests"]))  # type: ignore[call-overload]
                    results[name].append(r)
        finally:
            for proc, _port in servers.values():
                proc.terminate()
            for proc, _port in servers.values():
                proc.wait(20)

        lines += _ping_lines(label, results)
        # leave no benchmark pings behind
        subprocess.run(
            [str(BIN / "govapp"), "usage", "close-day"],
            env={**os.environ, "GOVAPP_VAR_DIR": str(var), "CACHE_URL": url},
            check=True,
            capture_output=True,
        )
    return lines


def _inner(argv: list[str]) -> None:
    kind, var = argv[0], Path(argv[1])
    if kind == "setup":
        inner_setup(var, int(argv[2]), argv[3] if len(argv) > 3 else "")
        print(json.dumps({}))
    elif kind == "close":
        print(json.dumps(inner_close(var, argv[2], int(argv[3]), int(argv[4]))))
    else:
        print(json.dumps(inner_evaluate(var, int(argv[2]), int(argv[3]), argv[4])))


def _load() -> str:
    return "load average " + " / ".join(f"{x:.1f}" for x in os.getloadavg())


def _run_inner(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--inner", *args], capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--inner":
        _inner(sys.argv[2:])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3, help="ping part: rounds of the three runs")
    ap.add_argument("--apps", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--devices", type=int, default=3)
    ap.add_argument("--parts", default="ping,close,evaluate")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/8")
    ap.add_argument("--var", type=Path)
    ap.add_argument("--close-caches", default="db,redis", help="db and/or redis")
    ap.add_argument(
        "--databases",
        default="sqlite",
        help="for the evaluation: sqlite and/or PostgreSQL URLs, comma-separated",
    )
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    var = args.var or Path(tempfile.mkdtemp(prefix="govapp-bench-usage-"))
    print(f"scratch database: {var}; {_load()}", flush=True)
    t0 = time.perf_counter()
    _run_inner("setup", str(var), str(args.apps))
    print(f"set-up ({args.apps} apps): {time.perf_counter() - t0:.1f}s", flush=True)
    if "ping" in parts:
        for line in part_ping(var, args.seconds, args.connections, args.redis, args.rounds):
            print(line, flush=True)
        print(_load(), flush=True)
    if "close" in parts:
        urls = ["db://", args.redis] if args.redis else ["db://"]
        for url in [u for u in urls if u.split(":")[0] in args.close_caches.split(",")]:
            r = _run_inner("close", str(var), url, str(args.apps), str(args.devices))
            print(
                f"close-day {args.apps} apps, {int(r['keys'])} keys, {url:<28} "
                f"{r['elapsed']:6.1f}s wall, {r['cpu']:.1f}s CPU of this process "
                f"(baseline: {r['label']} {r['baseline']:.1f}s; "
                f"{r['elapsed'] / max(r['baseline'], 1e-9):.1f}x); {_load()}",
                flush=True,
            )
    if "evaluate" in parts:
        for database in args.databases.split(","):
            url = "" if database == "sqlite" else database
            if url:
                _run_inner("setup", str(var), str(args.apps), url)
            r = _run_inner("evaluate", str(var), str(args.apps), str(args.months), url)
            print(
                f"low-use evaluation on {r['vendor']}, {args.apps} apps x {args.months} months "
                f"({int(r['rows'])} returns, written in {r['fill']:.0f}s): {r['elapsed']:.1f}s "
                f"wall, {r['cpu']:.1f}s CPU, {int(r['flagged'])} flagged (baseline: reading the "
                f"{int(r['window'])} rows of the window {r['baseline']:.1f}s; "
                f"{r['elapsed'] / max(r['baseline'], 1e-9):.1f}x); {_load()}",
                flush=True,
            )


if __name__ == "__main__":
    main()
