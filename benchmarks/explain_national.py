"""The queries behind each page of ``bench_national.py``, with the database's own time
(issue 16).  Runs in-process (Django's test client, no server) against the database of
``DATABASE_URL``: for each (URL, role) it records every SQL statement and its time, prints the
number of queries, the total database time and the slowest statements, and with ``--explain``
runs ``EXPLAIN (ANALYZE, BUFFERS)`` on the slowest read of the pair.  The database's execution
time does not depend much on how loaded the web side of the machine is, so it shows whether a
fix helped where wall times at load 15 cannot.

    DATABASE_URL=postgres://.../national .venv/bin/python benchmarks/explain_national.py \
        --roles cac,gd-cac --only /registry/applications --explain

The baseline of each role is ``/api/v1/auth/me`` (the session, the user and its grants).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govapp.settings")

import django

django.setup()

from bench_national import APIS, BASELINE, EXPORTS, PAGES, PUBLIC, ROLES  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def explain(sql: str) -> str:
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(r[0] for r in cur.fetchall())


def run(client: Client, url: str) -> tuple[int, float, list[dict[str, Any]]]:
    client.get(url)  # warm-up
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        r = client.get(url)
        ms = (time.perf_counter() - t0) * 1000
    return r.status_code, ms, list(ctx.captured_queries)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--roles", default=",".join(ROLES))
    ap.add_argument("--only", default="")
    ap.add_argument("--top", type=int, default=2, help="slowest statements shown per pair")
    ap.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest read")
    ap.add_argument("--min-ms", type=float, default=0.0, help="show pairs above this db time")
    args = ap.parse_args()
    urls = [u for u in [*PAGES, *APIS, *EXPORTS] if args.only in u]
    roles = args.roles.split(",") if args.roles else []
    users = get_user_model().objects
    pairs: list[tuple[str, str]] = []
    for role in roles:
        pairs += [(role, BASELINE)] + [(role, u) for u in urls]
    pairs += [("public", u) for u in PUBLIC if args.only in u]
    print("| role | URL | status | wall ms | queries | db ms | slowest ms |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for role, url in pairs:
        client = Client()
        if role != "public":
            client.force_login(users.get(username=role))
        status, ms, queries = run(client, url)
        times = [float(q["time"]) * 1000 for q in queries]
        db = sum(times)
        if db < args.min_ms and url != BASELINE:
            continue
        slow = sorted(zip(times, (q["sql"] for q in queries), strict=True), reverse=True)
        print(
            f"| {role} | `{url}` | {status} | {ms:.0f} | {len(queries)} | {db:.0f} | "
            f"{', '.join(f'{t:.0f}' for t, _ in slow[: args.top])} |"
        )
        for t, sql in slow[: args.top]:
            if t >= max(args.min_ms / 3, 5):
                print(f"    {t:7.1f} ms  {sql[:1500]}", file=sys.stderr)
        if args.explain and slow and slow[0][1].lstrip().upper().startswith("SELECT"):
            print(explain(slow[0][1]), file=sys.stderr)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
