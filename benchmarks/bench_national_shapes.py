"""Old against new query shapes on the national database (issue 16), in one process and one
run, each pair a named baseline and its replacement on the same rows:

* ``list``: a page of the application list API (100 rows, the national regulator's view):
  the old shape (every column but the app's wide ones, ``sections`` serialised per row) against
  :func:`govapp.registry.selectors.application_list_rows` without ``sections``; fetch, map and
  JSON-encode, p50/p95 of ``--repeat`` runs;
* ``audit-write``: ``--events`` audit events written one :func:`audit_record` each (what the
  compliance batch did) against one :func:`audit_record_many` (rolled back after timing);
* ``verify``: the first ``--events`` events of the chain checked the old way (model instances
  in 2,000-row chunks, the key file read for every event) against :func:`audit_verify`'s
  reader (the hashed columns as tuples in 5,000-row chunks, the key read once);
* ``evaluate``: :func:`govapp.compliance.batch.evaluate_apps` over the first ``--apps`` filed
  apps with the audit events written one by one (baseline) and in one append per batch
  (rolled back after timing, so both runs see the same database).

Every figure is wall time beside the process's CPU time, with the load average.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/govapp_national \\
        .venv/bin/python benchmarks/bench_national_shapes.py --parts list,audit-write,verify
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govapp.settings")
django.setup()

from django.core.serializers.json import DjangoJSONEncoder  # noqa: E402
from django.db import transaction  # noqa: E402


class _Rollback(Exception):
    pass


def load() -> str:
    with open("/proc/loadavg") as fh:
        return " / ".join(fh.read().split()[:3])


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w, time.process_time() - c, out


def rolled_back(fn: Callable[[], Any]) -> tuple[float, float]:
    res: list[float] = []
    try:
        with transaction.atomic():
            wall, cpu, _ = timed(fn)
            res = [wall, cpu]
            raise _Rollback
    except _Rollback:
        pass
    return res[0], res[1]


def row(name: str, wall: float, cpu: float, base: float | None = None) -> None:
    ratio = f"{base / wall:6.1f}x faster" if base else "(baseline)"
    print(f"  {name:58s} wall {wall * 1000:9.1f} ms  cpu {cpu * 1000:9.1f} ms  {ratio}")


def part_list(repeat: int) -> None:
    from govapp.orgs.models import User
    from govapp.registry import api, selectors

    user = User.objects.get(username="cac")

    def old() -> int:
        qs = selectors.applications_for(user).defer(*selectors.APPLICATION_WIDE_FIELDS)
        count = qs.count()
        items = [api._application_out(a) for a in qs[:100]]
        return len(json.dumps({"items": items, "count": count}, cls=DjangoJSONEncoder))

    def new() -> int:
        qs = selectors.application_list_rows(selectors.applications_for(user))
        count = qs.count()
        items = [api._application_list_item(a) for a in qs[:100]]
        return len(json.dumps({"items": items, "count": count}, cls=DjangoJSONEncoder))

    print(f"list: /api/v1/registry/applications page 1 (cac), {repeat} runs each; load {load()}")
    stats = {}
    for name, fn in (("old shape: sections per row", old), ("application_list_rows", new)):
        fn()
        walls, cpus = [], []
        for _ in range(repeat):
            w, c, size = timed(fn)
            walls.append(w)
            cpus.append(c)
        stats[name] = (statistics.median(walls), sorted(walls)[int(0.95 * (repeat - 1))])
        print(
            f"  {name:30s} p50 {stats[name][0] * 1000:7.1f} ms  p95 {stats[name][1] * 1000:7.1f}"
            f" ms  cpu p50 {statistics.median(cpus) * 1000:7.1f} ms  body {size / 1024:.0f} KiB"
        )
    o, n = stats["old shape: sections per row"][0], stats["application_list_rows"][0]
    print(f"  ratio old/new p50: {o / n:.1f}x")


def part_audit_write(events: int) -> None:
    from govapp.core.audit import audit_record, audit_record_many

    items = [
        {"action": "bench.event", "object_type": "bench", "object_id": i, "after": {"i": i}}
        for i in range(events)
    ]
    print(f"audit-write: {events} events, rolled back; load {load()}")
    w0, c0 = rolled_back(lambda: [audit_record(actor=None, **e) for e in items])
    row("one audit_record per event (before)", w0, c0)
    w1, c1 = rolled_back(lambda: audit_record_many(actor=None, events=items))
    row("audit_record_many", w1, c1, w0)


def part_verify(events: int) -> None:
    from govapp.core import audit
    from govapp.core.models import AuditEvent

    def old() -> int:  # main's reader: model instances, 2,000 a chunk, key read per event
        n, last = 0, 0
        while n < events:
            chunk = list(AuditEvent.objects.order_by("seq").filter(seq__gt=last)[:2000])
            if not chunk:
                break
            for e in chunk[: events - n]:
                audit._KEY_FILES.clear()
                audit.event_hash(e)
                n += 1
            last = chunk[-1].seq
        return n

    def new() -> int:
        n = 0
        for e in audit.events_in_order():
            audit.event_hash(e)
            n += 1
            if n >= events:
                break
        return n

    print(f"verify: the first {events} events of the chain; load {load()}")
    w0, c0, n0 = timed(old)
    row(f"model instances, key read per event ({n0})", w0, c0)
    w1, c1, n1 = timed(new)
    row(f"hashed columns as tuples ({n1})", w1, c1, w0)


def part_evaluate(apps: int) -> None:
    from govapp.compliance import batch
    from govapp.core.audit import audit_record
    from govapp.registry.models import App, AppStatus

    ids = list(
        App.objects.filter(status=AppStatus.FILED)
        .order_by("pk")
        .values_list("pk", flat=True)[:apps]
    )
    qs = App.objects.filter(pk__in=ids)
    real = batch.audit_record_many

    def one_by_one(*, actor: Any, events: Any) -> int:
        for e in events:
            audit_record(actor=actor, **e)
        return 0

    print(f"evaluate: {len(ids)} filed apps, rolled back; load {load()}")
    batch.audit_record_many = one_by_one  # type: ignore[assignment]
    try:
        w0, c0 = rolled_back(lambda: batch.evaluate_apps(qs, actor=None))
    finally:
        batch.audit_record_many = real  # type: ignore[assignment]
    row("audit events one by one (before)", w0, c0)
    w1, c1 = rolled_back(lambda: batch.evaluate_apps(qs, actor=None))
    row("audit events per batch", w1, c1, w0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parts", default="list,audit-write,verify,evaluate")
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--events", type=int, default=50_000)
    ap.add_argument("--apps", type=int, default=5_000)
    args = ap.parse_args()
    parts = args.parts.split(",")
    if "list" in parts:
        part_list(args.repeat)
    if "audit-write" in parts:
        part_audit_write(args.events // 10)
    if "verify" in parts:
        part_verify(args.events)
    if "evaluate" in parts:
        part_evaluate(args.apps)
    print(f"load average at the end {load()}")


if __name__ == "__main__":
    main()
