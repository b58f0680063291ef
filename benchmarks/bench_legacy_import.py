"""Legacy inventory import speed (R-15): 10,000 rows from CSV and from XLSX.

    .venv/bin/python benchmarks/bench_legacy_import.py [--rows 10000] [--var DIR] [--write-docs]

Works on a copy of a demo database (``--var``: a var dir where ``govapp demo --load-only`` ran;
without it the demo data is loaded into a scratch directory first), so matching runs against
~2,000 real-looking apps.  Measures ``legacy_import`` (parse, validate every row, upsert in one
transaction, match to filings, audit) for a fresh import, the same file again (nothing changes) and a file where every row
changed, then a file with one bad row at the end (nothing imported).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--var")
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="govapp-bench-legacy-"))
    if args.var:
        shutil.copy(Path(args.var) / "govapp.sqlite3", work / "govapp.sqlite3")
    else:
        env = {**os.environ, "GOVAPP_VAR_DIR": str(work)}
        env.pop("DATABASE_URL", None)
        subprocess.run(
            [str(Path(sys.executable).parent / "govapp"), "demo", "--load-only"],
            env=env,
            check=True,
        )
    os.environ["GOVAPP_VAR_DIR"] = str(work)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govapp.settings")
    import django

    django.setup()
    import openpyxl

    from govapp.registry.legacy.parser import TEMPLATE_HEADER, LegacyImportError
    from govapp.registry.legacy.services import legacy_import
    from govapp.registry.models import App, LegacyInventoryItem

    apps = list(App.objects.select_related("hosting_unit").prefetch_related("identities")[:3000])
    rng = random.Random(7)
    header = list(TEMPLATE_HEADER)
    rows = []
    kinds = {"app": "APP", "mini_program": "小程序", "quick_app": "快应用"}
    for i in range(args.rows):
        app = apps[i % len(apps)]
        unit = app.hosting_unit
        division = "中央" if unit.scope_code == "central" else unit.division_id
        if i < len(apps):  # the known apps, half by identifier
            ident = app.identities.all()[0] if i % 2 and app.identities.all() else None
            name, identifier = app.name, ident.identifier if ident else ""
        else:  # apps never registered in the system
            name, identifier = f"{app.name}历史版{i}", f"cn.gov.legacy.app{i}" if i % 3 else ""
        rows.append(
            [
                name,
                kinds[app.kind],
                unit.name,
                division,
                "",
                identifier,
                f"{rng.randint(2015, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "在用",
                "",
            ]
        )
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    csv_bytes = buf.getvalue().encode("utf-8")
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(header)
    for r in rows:
        ws.append(r)
    xbuf = io.BytesIO()
    wb.save(xbuf)
    xlsx_bytes = xbuf.getvalue()

    results = []

    def run(label: str, data: bytes, name: str) -> None:
        t0 = time.perf_counter()
        res = legacy_import(data=data, file_name=name, actor=None)
        dt = time.perf_counter() - t0
        results.append(
            (label, dt, f"{res.created} new, {res.updated} updated, {res.matched} matched")
        )
        print(f"{label:40} {dt:6.2f} s  ({results[-1][2]})", flush=True)

    run(f"CSV, {args.rows} rows, fresh", csv_bytes, "bench.csv")
    run(f"CSV, {args.rows} rows, same file again (unchanged)", csv_bytes, "bench.csv")
    changed = csv_bytes.decode().replace("在用,", "在用,已核实", args.rows).encode()
    run(f"CSV, {args.rows} rows, every row changed", changed, "bench2.csv")
    LegacyInventoryItem.objects.all().delete()
    run(f"XLSX, {args.rows} rows, fresh (read-only mode)", xlsx_bytes, "bench.xlsx")
    bad = csv_bytes + "坏行,网站,某单位,99,,,,,\n".encode()
    before = LegacyInventoryItem.objects.count()
    t0 = time.perf_counter()
    try:
        legacy_import(data=bad, file_name="bad.csv", actor=None)
    except LegacyImportError as exc:
        took = time.perf_counter() - t0
        assert LegacyInventoryItem.objects.count() == before
        results.append(
            (
                f"CSV, {args.rows + 1} rows, one bad row at the end",
                took,
                f"rejected: {exc.errors[0]}",
            )
        )
        print(f"{results[-1][0]:40} {took:6.2f} s  ({results[-1][2]})")
    text = (
        "## Legacy inventory import\n\n"
        f"Measured by `benchmarks/bench_legacy_import.py --write-docs` ({time.strftime('%Y-%m-%d')}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite, "
        f"load average before the run {' / '.join(f'{x:.1f}' for x in os.getloadavg())}): "
        "`legacy_import()` (parse, validate every row, upsert in one transaction, match to "
        "filings by identifier or normalised name + unit, one audit event) on a copy of the demo "
        f"database ({App.objects.count()} apps). Goal: 10,000 rows well under a minute.\n\n"
        "| file | time | result |\n|---|---:|---|\n"
        + "".join(f"| {label} | {t:.2f} s | {info} |\n" for label, t, info in results)
    )
    print()
    print(text)
    if args.write_docs:
        path = ROOT / "docs" / "performance.md"
        current = path.read_text() if path.exists() else "# Performance\n"
        pattern = re.compile(r"\n## Legacy inventory import\n.*?(?=\n## |\Z)", re.S)
        if pattern.search(current):
            current = pattern.sub(lambda _m: "\n" + text.rstrip() + "\n", current)
        else:
            current = current.rstrip() + "\n\n" + text.rstrip() + "\n"
        path.write_text(current)
        print("docs/performance.md updated")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
