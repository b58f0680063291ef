"""Public verification throughput against the production server setup (gunicorn).

    .venv/bin/python benchmarks/bench_verify.py [--seconds 10] [--concurrency 16] [--var DIR]

1. loads the demo data into a scratch SQLite database (or reuses ``--var``);
2. starts gunicorn twice with the same worker layout as ``govapp demo`` (2 workers x 4
   threads): once with the public cache on (the default), once with it off
   (``GOVAPP_PUBLIC_CACHE_SECONDS = 0``, the uncached baseline); rate limiting is off for the
   measurement (``GOVAPP_PUBLIC_RATE_LIMIT = None``) and then checked on at its default;
3. drives ``GET /api/v1/public/verify`` with keep-alive HTTP/1.1 connections from
   ``--concurrency`` threads split over 2 client processes, for ``--seconds`` each, with a mix of
   questions (package + certificate of filed apps 60 %, certificate mismatch 10 %, unknown
   package 10 %, filing number 20 %), and reports requests/s, p50 and p99 latency.

``--write-docs`` appends/replaces the "Public verification" section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import platform
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def load_demo(var: Path) -> None:
    env = {**os.environ, "GOVAPP_VAR_DIR": str(var)}
    env.pop("DATABASE_URL", None)
    t0 = time.perf_counter()
    subprocess.run([str(BIN / "govapp"), "demo", "--load-only"], env=env, check=True)
    subprocess.run([str(BIN / "govapp"), "collectstatic", "--noinput", "-v0"], env=env, check=True)
    print(f"demo data loaded in {time.perf_counter() - t0:.1f}s", flush=True)


def questions(var: Path, n: int = 500) -> list[str]:
    db = sqlite3.connect(var / "govapp.sqlite3")
    filed = db.execute(
        "select i.identifier, i.cert_sha256, a.filing_number from registry_platformidentity i "
        "join registry_app a on a.id = i.app_id where a.filing_number is not null "
        "and i.cert_sha256 != ''"
    ).fetchall()
    db.close()
    rng = random.Random(1)
    out = []
    for _ in range(n):
        ident, cert, number = rng.choice(filed)
        r = rng.random()
        if r < 0.6:
            q = {"package": ident, "cert_sha256": cert}
        elif r < 0.7:
            q = {"package": ident, "cert_sha256": f"{rng.getrandbits(256):064x}"}
        elif r < 0.8:
            q = {"package": f"cn.fake.app{rng.randint(1, 10**6)}", "cert_sha256": cert}
        else:
            q = {"filing_number": number}
        out.append("/api/v1/public/verify?" + urllib.parse.urlencode(q))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(var: Path, cache_seconds: int, rate_limit: str) -> tuple[subprocess.Popen, int]:
    settings_dir = Path(tempfile.mkdtemp(prefix="govapp-bench-"))
    (settings_dir / "bench_settings.py").write_text(
        textwrap.dedent(
            f"""
            from govapp.settings import *  # noqa
            GOVAPP_PUBLIC_CACHE_SECONDS = {cache_seconds}
            GOVAPP_PUBLIC_RATE_LIMIT = {rate_limit}
            LOGGING["loggers"]["django.request"] = {{"handlers": [], "level": "ERROR"}}
            """
        )
    )
    port = free_port()
    env = {
        **os.environ,
        "GOVAPP_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": str(settings_dir),
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
    deadline = time.time() + 30
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


def _client(port: int, urls: list[str], seconds: float, threads: int, q: mp.Queue) -> None:
    import threading

    lat: list[float] = []
    codes: dict[int, int] = {}
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        mycodes: dict[int, int] = {}
        i = offset
        while time.perf_counter() < stop:
            url = urls[i % len(urls)]
            i += 7
            t0 = time.perf_counter()
            try:
                conn.request("GET", url)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                status = 0
            mine.append(time.perf_counter() - t0)
            mycodes[status] = mycodes.get(status, 0) + 1
        with lock:
            lat.extend(mine)
            for k, v in mycodes.items():
                codes[k] = codes.get(k, 0) + v

    ts = [threading.Thread(target=run, args=(os.getpid() * 13 + n * 101,)) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    q.put((lat, codes))


def load(port: int, urls: list[str], seconds: float, concurrency: int) -> dict:
    procs = 2
    q: mp.Queue = mp.Queue()
    workers = [
        mp.Process(target=_client, args=(port, urls, seconds, max(1, concurrency // procs), q))
        for _ in range(procs)
    ]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    lat: list[float] = []
    codes: dict[int, int] = {}
    for _ in workers:
        part, c = q.get()
        lat.extend(part)
        for k, v in c.items():
            codes[k] = codes.get(k, 0) + v
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t0
    lat.sort()
    return {
        "requests": len(lat),
        "rps": len(lat) / elapsed,
        "p50": statistics.median(lat) * 1000 if lat else 0,
        "p99": lat[int(len(lat) * 0.99) - 1] * 1000 if lat else 0,
        "codes": dict(sorted(codes.items())),
    }


def write_docs(text: str) -> None:
    path = ROOT / "docs" / "performance.md"
    current = path.read_text() if path.exists() else "# Performance\n"
    pattern = re.compile(r"\n## Public verification\n.*?(?=\n## |\Z)", re.S)
    if pattern.search(current):
        current = pattern.sub(lambda _m: "\n" + text.rstrip() + "\n", current)
    else:
        current = current.rstrip() + "\n\n" + text.rstrip() + "\n"
    path.write_text(current)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--var", help="reuse this var dir (with the demo data loaded)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()
    var = Path(args.var) if args.var else Path(tempfile.mkdtemp(prefix="govapp-bench-var-"))
    if not (var / "govapp.sqlite3").exists():
        load_demo(var)
    urls = questions(var)
    load_before = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    # alternate the two servers over --rounds rounds (the machine may be shared), keep the
    # median round of each by requests/s
    rounds: dict[str, list[dict]] = {"uncached (baseline)": [], "cached": []}
    servers = {}
    for label, cache_seconds in (("uncached (baseline)", 0), ("cached", 300)):
        servers[label] = start_server(var, cache_seconds, "None")
        load(servers[label][1], urls, 3, args.concurrency)  # warm-up: every question once
    try:
        for _ in range(args.rounds):
            for label, (_proc, port) in servers.items():
                r = load(port, urls, args.seconds, args.concurrency)
                rounds[label].append(r)
                print(
                    f"{label:22} {r['rps']:8.0f} req/s  p50 {r['p50']:6.1f} ms  "
                    f"p99 {r['p99']:6.1f} ms  {r['requests']} requests {r['codes']}",
                    flush=True,
                )
    finally:
        for proc, _port in servers.values():
            proc.terminate()
            proc.wait(10)
    results = {
        label: sorted(rs, key=lambda r: r["rps"])[len(rs) // 2] for label, rs in rounds.items()
    }
    # the rate limit at its default (120 per minute per client): a burst gets 429s
    proc, port = start_server(var, 300, "(120, 60)")
    try:
        limited = load(port, urls, 2, 4)
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"rate limit on (default):  {limited['codes']}", flush=True)
    base, cached = results["uncached (baseline)"], results["cached"]
    text = f"""## Public verification

Measured by `benchmarks/bench_verify.py --write-docs` ({time.strftime("%Y-%m-%d")}, {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite): gunicorn with the `govapp demo` layout (2 workers x 4 threads) on the demo data (a burst over {len(urls)} distinct questions about filed apps, after a 3 s warm-up: 60 % package + matching certificate, 10 % certificate mismatch, 10 % unknown package, 20 % filing number), `GET /api/v1/public/verify` over keep-alive connections from {args.concurrency} client threads in 2 processes on the same machine, {args.seconds:.0f} s per run, the two servers alternating over {args.rounds} rounds (median round shown; load average before the run {load_before}), rate limiting off. The baseline is the same server with the public cache off (`GOVAPP_PUBLIC_CACHE_SECONDS = 0`).

| server | requests/s | p50 | p99 | responses |
|---|---:|---:|---:|---|
| uncached (baseline) | {base["rps"]:.0f} | {base["p50"]:.1f} ms | {base["p99"]:.1f} ms | {base["codes"]} |
| cached (default) | {cached["rps"]:.0f} | {cached["p50"]:.1f} ms | {cached["p99"]:.1f} ms | {cached["codes"]} |

With the rate limit at its default (120 requests per minute per client address, per process with the default in-process cache) a 2-second burst from one address got {limited["codes"]}: every 429 carries `Retry-After`; each of the 2 web processes keeps its own buckets with the default in-process cache, hence about 2 x 120 allowed (a shared cache backend makes the limit exact).
The client shares the 2 CPUs with the server, so the figures are a floor for a dedicated server.
"""
    if args.write_docs:
        write_docs(text)
        print("docs/performance.md updated")
    else:
        print(text)


if __name__ == "__main__":
    main()
