"""``govapp overlap``: duplicate apps and platform editions.

* ``govapp overlap --json --input FILE.jsonl`` reads one app per line ``{id, name, kind, division,
  unit, users, description, features}`` and prints JSON Lines, one group per line: ``{ids,
  relation: duplicate | same_app, score, reasons}``. No database is touched.
* ``govapp overlap`` (no ``--input``) runs over the database's apps (filed and in filing), stores
  the run and its groups, and prints a summary (``--json``: the groups as above, ids are app ids).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from govapp.oversight.overlap import engine


class Command(BaseCommand):
    help = "Find duplicate apps (same function, one jurisdiction) and one app's platform editions."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--input", help="JSON Lines of app records ('-' = stdin)")
        parser.add_argument("--json", action="store_true", help="print JSON Lines, one group each")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["input"]:
            self._file(opts["input"])
            return
        from govapp.oversight.overlap import services

        t0 = time.perf_counter()
        run = services.overlap_run_execute(actor=None)
        if opts["json"]:
            for group in run.groups.prefetch_related("apps").order_by("pk"):
                self.stdout.write(json.dumps(group.as_json(), ensure_ascii=False))
            return
        self.stdout.write(
            f"overlap run {run.pk}: {run.app_count} apps, {run.duplicate_count} duplicate groups, "
            f"{run.same_app_count} edition groups in {time.perf_counter() - t0:.1f} s"
        )

    def _file(self, path: str) -> None:
        try:
            fh = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        with fh:
            try:
                records = engine.read_jsonl(fh)
            except ValueError as exc:
                raise CommandError(f"{path}: {exc}") from exc
        for group in engine.find_groups(records):
            self.stdout.write(json.dumps(group.as_json(), ensure_ascii=False))
