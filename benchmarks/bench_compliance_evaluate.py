"""``govapp compliance evaluate`` (issue 16): the batch path against a named baseline, same run.

The baseline is the batch path as it was at ``--baseline-rev`` (default ``9a71ab8``, round 2:
``bulk_create``/``UPDATE … FROM (VALUES …)`` of every live finding, audit events by
``bulk_create``), loaded from git into this process (``batch.py`` and ``core/audit.py`` of
that commit), so both paths run on the same database, the same rows and the same load.

Two parts, each path timed in its own transaction that is rolled back afterwards, so every
timing starts from the same database:

* ``first``: ``evaluate_apps`` over the first ``--apps`` apps as the database holds them (for
  a generated dataset: the first evaluation, which opens and closes findings);
* ``again``: the same apps evaluated once (not timed, the current path), then again (timed):
  a re-evaluation in which (almost) nothing changes.

After each timed run the findings of those apps are compared with the current path's (the
count of differing rows is printed; 0 expected unless the baseline misses a fact the current
path reads).  Wall and CPU time of this process, apps/s, the ratio, and the load average.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/govapp_evaluate \\
        .venv/bin/python benchmarks/bench_compliance_evaluate.py --apps 2000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govapp.settings")
django.setup()

from django.db import transaction  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ("app_id", "rule_id", "status", "evidence", "app_version", "fact_sources", "scan_id",
          "application_id", "exemption_id", "severity", "close_reason")  # fmt: skip


class _Rollback(Exception):
    pass


def load() -> str:
    with open("/proc/loadavg") as fh:
        return " / ".join(fh.read().split()[:3])


def _module_at(rev: str, path: str, name: str) -> types.ModuleType:
    source = subprocess.run(
        ["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType(name)
    module.__file__ = f"{path}@{rev}"
    sys.modules[name] = module  # dataclasses look their module up
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def baseline(rev: str) -> Callable[..., Any]:
    old_audit = _module_at(rev, "src/govapp/core/audit.py", "bench_baseline_audit")
    old_batch = _module_at(rev, "src/govapp/compliance/batch.py", "bench_baseline_batch")
    old_batch.audit_record_many = old_audit.audit_record_many  # type: ignore[attr-defined]
    return old_batch.evaluate_apps  # type: ignore[no-any-return]


def snapshot(ids: list[int]) -> list[tuple[str, ...]]:
    from govapp.compliance.models import Finding

    rows = (
        Finding.objects.filter(app_id__in=ids)
        .order_by("app_id", "rule_id", "status", "pk")
        .values_list(*FIELDS)
    )
    return [tuple(str(v) for v in r) for r in rows]


def run(
    evaluate: Callable[..., Any], ids: list[int], *, again: bool
) -> tuple[float, float, Any, int, list[tuple[str, ...]]]:
    from govapp.compliance import batch
    from govapp.core.models import AuditEvent
    from govapp.registry.models import App

    qs = App.objects.filter(pk__gte=ids[0], pk__lte=ids[-1])
    got: list[Any] = []
    try:
        with transaction.atomic():
            if again:
                batch.evaluate_apps(qs, actor=None)
            events = AuditEvent.objects.count()
            w, c = time.perf_counter(), time.process_time()
            out = evaluate(qs, actor=None)
            got = [time.perf_counter() - w, time.process_time() - c, out]
            got += [AuditEvent.objects.count() - events, snapshot(ids)]
            raise _Rollback
    except _Rollback:
        pass
    return got[0], got[1], got[2], got[3], got[4]


def main() -> None:
    from govapp.compliance import batch
    from govapp.registry.models import App

    ap = argparse.ArgumentParser()
    ap.add_argument("--apps", type=int, default=2000)
    ap.add_argument("--parts", default="first,again")
    ap.add_argument("--baseline-rev", default="9a71ab8")
    args = ap.parse_args()
    ids = list(App.objects.order_by("pk").values_list("pk", flat=True)[: args.apps])
    old = baseline(args.baseline_rev)
    print(f"{len(ids)} apps (ids {ids[0]}..{ids[-1]}), baseline {args.baseline_rev}")
    for part in args.parts.split(","):
        again = part == "again"
        print(f"{part}: load {load()}")
        w0, c0, o0, e0, s0 = run(old, ids, again=again)
        print(
            f"  baseline {args.baseline_rev:10s} wall {w0:8.2f} s  cpu {c0:7.2f} s  "
            f"{len(ids) / w0:7.0f} apps/s  {o0}  audit events {e0}"
        )
        w1, c1, o1, e1, s1 = run(batch.evaluate_apps, ids, again=again)
        print(
            f"  current             wall {w1:8.2f} s  cpu {c1:7.2f} s  "
            f"{len(ids) / w1:7.0f} apps/s  {o1}  audit events {e1}"
        )
        differ = len(set(s0) ^ set(s1))
        print(
            f"  ratio: {w0 / w1:.1f}x wall, {c0 / c1:.1f}x cpu; findings differing: {differ} "
            f"of {len(s1)}; load {load()}"
        )


if __name__ == "__main__":
    main()
