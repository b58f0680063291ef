"""National-scale latency of every list page, list API, dashboard and export, per demo role
(issue 16).  Run against a server on a database filled by ``govapp generate-national``:

    createdb -h 127.0.0.1 -U postgres national
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/national
    .venv/bin/govapp migrate && .venv/bin/govapp generate-national --yes
    .venv/bin/gunicorn govapp.wsgi --bind 127.0.0.1:8105 --workers 2 --threads 4 &
    .venv/bin/python benchmarks/bench_national.py --base http://127.0.0.1:8105 --json out.json

Each (URL, role) pair is requested ``--repeat`` times one after another (latency, not
throughput) after one warm-up request; p50 and p95 are of those times.  The same-run baseline
is ``GET /api/v1/auth/me`` for the same role (log-in, middleware and JSON, no list), so a
loaded machine shows up as a slower baseline rather than as a slower page.  Pairs the role may
not open (403/404) are listed with their status and left out of the count over the goal.
The client is the standard library only.

CPU: with ``--server-pid`` (gunicorn's master), the CPU time (user + system, from /proc) that
the web processes spent on the ``--repeat`` requests of each pair is divided by the number of
requests and printed beside the wall times: on a loaded machine the CPU per request is what the page
costs, the wall time is that plus the wait for a CPU.  Each row also names the ratio of its
p50 to the same role's baseline p50.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

ROLES = ["cac", "gd-cac", "sc-cac", "gz-unit", "cd-unit", "central-unit", "auditor"]
PASSWORD = "govapp-demo"
BASELINE = "/api/v1/auth/me"
GOAL_MS = 300.0

PAGES = [
    "/",
    "/registry/apps/",
    "/registry/apps/?q=政务服务",
    "/registry/apps/?page=1000",
    "/registry/applications/",
    "/registry/applications/?todo=1",
    "/registry/applications/?q=社保",
    "/registry/queue/",
    "/registry/notifications/",
    "/registry/legacy/",
    "/audit/",
    "/audit/?page=500",
    "/orgs/units/",
    "/orgs/users/",
    "/compliance/",
    "/compliance/findings/",
    "/compliance/exemptions/",
    "/compliance/orders/",
    "/compliance/penalties/",
    "/compliance/spot-checks/",
    "/compliance/bulletins/",
    "/complaints/manage/",
    "/complaints/manage/stats/",
    "/complaints/unit/",
    "/scans/",
]
APIS = [
    "/api/v1/registry/apps",
    "/api/v1/registry/apps?offset=50000",
    "/api/v1/registry/apps?q=政务服务",
    "/api/v1/registry/applications",
    "/api/v1/registry/applications?offset=100000",
    "/api/v1/registry/applications?queue=true",
    "/api/v1/orgs/units",
    "/api/v1/audit/events",
    "/api/v1/audit/events?offset=500000",
    "/api/v1/scans",
    "/api/v1/compliance/findings",
    "/api/v1/compliance/dashboard",
    "/api/v1/compliance/orders",
    "/api/v1/compliance/exemptions",
    "/api/v1/compliance/penalties",
    "/api/v1/complaints",
]
EXPORTS = ["/api/v1/complaints/stats.xlsx"]
PUBLIC = [
    "/public/",
    "/public/?q=政务服务",
    "/api/v1/public/apps?q=政务服务",
    "/api/v1/public/apps?q=社保",
    "/api/v1/public/verify?package=cn.gov.nat.a5000",
    "/api/v1/public/registry.json",
]


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads), 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return out


class CpuMeter:
    """CPU seconds used so far by the server: gunicorn's master and workers (stable pids).
    The database's CPU is not counted: Django opens a backend per request by default, and an
    exited backend's CPU cannot be told apart from other databases' in the postmaster's."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def pids(self) -> list[int]:
        return [self.server_pid, *_children(self.server_pid)]

    def total(self, pids: list[int]) -> float:
        return sum(_proc_cpu(p) for p in pids)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Client:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self.opener = urllib.request.build_opener(cookies)
        self.no_redirect = urllib.request.build_opener(cookies, _NoRedirect())

    def get(self, path: str) -> tuple[int, float, int]:
        url = self.base + urllib.parse.quote(path, safe="/?=&:%")
        t0 = time.perf_counter()
        try:
            with self.opener.open(url, timeout=120) as r:
                body = r.read()
                status = r.status
        except urllib.error.HTTPError as exc:
            body = exc.read()
            status = exc.code
        return status, (time.perf_counter() - t0) * 1000, len(body)

    def login(self, username: str) -> None:
        with self.opener.open(self.base + "/accounts/login/", timeout=60) as r:
            html = r.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        data = urllib.parse.urlencode(
            {
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            }
        ).encode()
        req = urllib.request.Request(
            self.base + "/accounts/login/",
            data=data,
            headers={"Referer": self.base + "/accounts/login/"},
        )
        try:  # the 302 to the home page is not followed: the home page is measured on its own
            with self.no_redirect.open(req, timeout=900) as r:
                r.read()
        except urllib.error.HTTPError as exc:
            if exc.code != 302:
                raise
        if not any(c.name == "sessionid" for c in self.jar):
            raise SystemExit(f"login failed for {username}")


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    if len(s) == 1:
        return s[0]
    k = (len(s) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def measure(
    client: Client, path: str, repeat: int, meter: CpuMeter | None = None
) -> dict[str, Any]:
    status, _, size = client.get(path)  # warm-up (also opens the database connections)
    pids = meter.pids() if meter else []
    cpu0 = meter.total(pids) if meter else 0.0
    times = []
    for _ in range(repeat):
        status, ms, size = client.get(path)
        times.append(ms)
    cpu = (meter.total(pids) - cpu0) / repeat * 1000 if meter else None
    return {
        "status": status,
        "bytes": size,
        "p50": statistics.median(times),
        "p95": pct(times, 0.95),
        "cpu_ms": cpu,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", default=os.environ.get("BENCH_BASE", "http://127.0.0.1:8105"))
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--roles", default=",".join(ROLES))
    ap.add_argument("--only", default="", help="only URLs containing this text")
    ap.add_argument("--skip", default="", help="leave out URLs containing this text")
    ap.add_argument("--json", default="", help="write the rows to this file")
    ap.add_argument("--server-pid", type=int, default=0, help="gunicorn master pid (for CPU)")
    args = ap.parse_args()
    meter = CpuMeter(args.server_pid) if args.server_pid else None
    t_start, cpu_start = time.perf_counter(), time.process_time()
    rows: list[dict[str, Any]] = []
    urls = [(u, "page") for u in PAGES] + [(u, "api") for u in APIS]
    urls += [(u, "export") for u in EXPORTS]
    urls = [(u, k) for u, k in urls if args.only in u and not (args.skip and args.skip in u)]
    with open("/proc/loadavg") as fh:
        load_before = " / ".join(fh.read().split()[:3])
    # Log every role in at once: a log-in writes an audit event, which waits for the chain's
    # head while a long writer (the generator's audit step) holds it; the waits overlap.
    from concurrent.futures import ThreadPoolExecutor

    roles = args.roles.split(",")
    clients = {role: Client(args.base) for role in roles}
    with ThreadPoolExecutor(len(roles)) as pool:
        list(pool.map(lambda r: clients[r].login(r), roles))
    for role in roles:
        c = clients[role]
        base = measure(c, BASELINE, args.repeat, meter)
        rows.append({"role": role, "url": BASELINE, "kind": "baseline", **base})
        print(
            f"{role}: baseline p50 {base['p50']:.0f} ms p95 {base['p95']:.0f} ms", file=sys.stderr
        )
        for url, kind in urls:
            m = measure(c, url, args.repeat, meter)
            m["ratio"] = m["p50"] / base["p50"] if base["p50"] else None
            rows.append({"role": role, "url": url, "kind": kind, **m})
            flag = " SLOW" if m["status"] == 200 and m["p95"] > GOAL_MS else ""
            cpu = f" cpu {m['cpu_ms']:5.0f} ms" if m["cpu_ms"] is not None else ""
            print(f"  {m['status']} {m['p95']:7.0f} ms{cpu} {url}{flag}", file=sys.stderr)
    anon = Client(args.base)
    base = measure(anon, "/accounts/login/", args.repeat, meter)
    rows.append({"role": "public", "url": "/accounts/login/", "kind": "baseline", **base})
    for url in PUBLIC:
        if args.only in url and not (args.skip and args.skip in url):
            m = measure(anon, url, args.repeat, meter)
            m["ratio"] = m["p50"] / base["p50"] if base["p50"] else None
            rows.append({"role": "public", "url": url, "kind": "public", **m})
    with open("/proc/loadavg") as fh:
        load_after = " / ".join(fh.read().split()[:3])

    print(
        f"\nload average before {load_before}, after {load_after}; {args.repeat} requests each; "
        f"{time.perf_counter() - t_start:.0f} s wall, client CPU {time.process_time() - cpu_start:.1f} s"
        "\n"
    )
    print("| role | kind | URL | status | p50 ms | p95 ms | server CPU ms/req | p50 / baseline |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        mark = " **>300**" if r["status"] == 200 and r["p95"] > GOAL_MS else ""
        cpu = f"{r['cpu_ms']:.0f}" if r.get("cpu_ms") is not None else "-"
        ratio = f"{r['ratio']:.1f}x" if r.get("ratio") else "(baseline)"
        print(
            f"| {r['role']} | {r['kind']} | `{r['url']}` | {r['status']} | {r['p50']:.0f} | "
            f"{r['p95']:.0f}{mark} | {cpu} | {ratio} |"
        )
    measured = [r for r in rows if r["kind"] != "baseline" and r["status"] == 200]
    slow = [r for r in measured if r["p95"] > GOAL_MS]
    errors = [r for r in rows if r["status"] >= 500]
    print(
        f"\n{len(measured)} page-and-role pairs answered 200; {len(slow)} over {GOAL_MS:.0f} ms "
        f"at p95; {len(errors)} server errors."
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"load_before": load_before, "load_after": load_after, "rows": rows}, fh)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
