"""Print the monthly and quarterly report data for the demo accounts' jurisdictions, to check
that a change to ``reports.content`` keeps what the reports say.

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python scripts/report_data_dump.py OUT.json

(after ``govapp demo --load-only`` on that database; ``generated_at`` is left out).
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govapp.settings")

import django

django.setup()

from govapp.core.calendar import today_shanghai  # noqa: E402
from govapp.orgs.models import User  # noqa: E402
from govapp.reports.content import period_bounds, previous_period, report_data  # noqa: E402

READERS = [("cac", ""), ("gd-cac", "44"), ("sc-cac", "51"), ("auditor", ""), ("gd-cac", "4401")]


def main(out_path: str) -> None:
    today = today_shanghai()
    out = {}
    for username, scope in READERS:
        reader = User.objects.get(username=username)
        for kind in ("month", "quarter"):
            year, number = previous_period(kind, today)
            current = today.month if kind == "month" else (today.month - 1) // 3 + 1
            # the last complete period, the current one, and one before the legacy deadline
            early = (2026, 1) if kind == "month" else (2025, 4)
            periods = [(year, number), (today.year, current), early]
            for y, n in periods:
                start, end = period_bounds(kind, y, n)
                data = report_data(reader, scope_code=scope, kind=kind, start=start, end=end)
                data.pop("generated_at")
                out[f"{username}/{scope or 'national'}/{kind}/{y}-{n}"] = data
    with open(out_path, "w", encoding="utf-8") as fh:
        json.dump(out, fh, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    print(len(out), "reports")


if __name__ == "__main__":
    main(sys.argv[1])
