"""Dump the demo world's business content, to check that a change to the demo loaders keeps it.

    export DATABASE_URL=sqlite:////tmp/before.sqlite3   # a fresh database
    .venv/bin/govapp demo --load-only
    .venv/bin/python scripts/demo_world_dump.py dump before.txt
    ... change the loaders, load a second fresh database the same day, dump it to after.txt ...
    .venv/bin/python scripts/demo_world_dump.py compare before.txt after.txt

The dump is a text file: per model of the domain apps a ``## label (rows)`` line, then its rows
as JSON, one a line (every concrete field but the primary key; foreign keys as the referenced
row's id, so the rows' links are compared too), sorted.  What two loads of an unchanged tree do
not reproduce is masked, so that two such dumps are identical (checked on 2026-11-30):

* a date-time that is not a whole minute came from ``timezone.now()``: written as its distance
  from the dump's start in whole days (``~-3d``); inside JSON values, such a timestamp is ``~T``;
* hex runs of 12 characters or more (file and certificate hashes of packages signed with fresh
  random keys, the audit hash chain), package sizes and scan times inside JSON values;
* the columns in MASKED (random keys, password hashes, the overlap reasons' term order, which
  follows Python's string hashing).

``compare`` names, per model, the columns whose values differ (as multisets) and how many rows
differ; it prints nothing when the worlds are the same.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from collections import Counter
from typing import Any

# columns whose values differ between two loads of the same tree
MASKED = {
    "core.auditevent": {"hash", "prev_hash"},
    "core.audithead": {"last_hash"},
    "orgs.user": {"password", "last_login"},
    "complaints.appcomplaintkey": {"key"},
    "complaints.complaint": {"receipt_hash"},
    "compliance.packagescan": {"sha256", "size"},
    "overlap.overlapgroup": {"reasons"},
}
NESTED_MASKED = {"size", "elapsed_ms"}
APPS = {"core", "orgs", "registry", "compliance", "scans", "complaints", "campaigns", "ledger"}
APPS |= {"overlap", "usage", "reports"}
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(\+00:00|Z)?")
HEX = re.compile(r"\b[0-9a-f]{12,}\b")


def _nested(value: Any) -> Any:
    if isinstance(value, str):
        return HEX.sub("<hex>", STAMP.sub("~T", value))
    if isinstance(value, list):
        return [_nested(v) for v in value]
    if isinstance(value, dict):
        return {k: "<masked>" if k in NESTED_MASKED else _nested(v) for k, v in value.items()}
    return value


def _value(value: Any, start: dt.datetime) -> Any:
    if isinstance(value, dt.datetime):
        if value.second == 0 and value.microsecond == 0:
            return value.isoformat()
        return f"~{round((value - start).total_seconds() / 86400)}d"
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return f"<{len(bytes(value))} bytes>"
    return _nested(value)


def dump(out_path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govapp.settings")
    import django

    django.setup()
    from django.apps import apps
    from django.utils import timezone

    start = timezone.now()
    counts = {}
    with open(out_path, "w", encoding="utf-8") as fh:
        for model in sorted(apps.get_models(), key=lambda m: m._meta.label_lower):
            label = model._meta.label_lower
            if model._meta.app_label not in APPS:
                continue
            masked = MASKED.get(label, set())
            fields = [
                f.attname
                for f in model._meta.concrete_fields
                if not f.primary_key and f.name not in masked and f.attname not in masked
            ]
            rows = sorted(
                json.dumps(
                    {name: _value(getattr(obj, name), start) for name in fields},
                    ensure_ascii=False,
                    sort_keys=True,
                    default=str,
                )
                for obj in model._default_manager.all().iterator()
            )
            if rows:
                counts[label] = len(rows)
                fh.write(f"## {label} ({len(rows)})\n")
                fh.writelines(row + "\n" for row in rows)
    print(counts)


def _load(path: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    section = ""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("## "):
                section = line.split()[1]
                out[section] = []
            else:
                out[section].append(json.loads(line))
    return out


def compare(a_path: str, b_path: str) -> int:
    a, b = _load(a_path), _load(b_path)
    differ = 0
    for label in sorted(set(a) | set(b)):
        ra, rb = a.get(label, []), b.get(label, [])
        keys = sorted({k for r in ra + rb for k in r})
        columns = []
        for k in keys:
            ca = Counter(json.dumps(r.get(k), sort_keys=True) for r in ra)
            cb = Counter(json.dumps(r.get(k), sort_keys=True) for r in rb)
            if ca != cb:
                columns.append(f"{k} ({sum((ca - cb).values())})")
        rows = Counter(json.dumps(r, sort_keys=True) for r in ra)
        rows.subtract(Counter(json.dumps(r, sort_keys=True) for r in rb))
        changed = sum(abs(n) for n in rows.values())
        if columns or changed:
            differ += 1
            print(f"{label}: rows {len(ra)} / {len(rb)}, {changed} differ; columns: {columns}")
    return 1 if differ else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "dump":
        dump(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        raise SystemExit(compare(sys.argv[2], sys.argv[3]))
    else:
        raise SystemExit(__doc__)
