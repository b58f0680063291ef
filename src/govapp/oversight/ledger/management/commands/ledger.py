"""``govapp ledger duplicates --json --input FILE.jsonl`` (the contract of ARCHITECTURE.md).

Reads one demand per line ``{"id", "title", "department", "division", "app", "frequency",
"target", "fields": [...]}`` and prints JSON Lines ``{"a": [demand_id, field], "b": [demand_id,
field], "score": 0..1, "item": "canonical name"}`` for every pair of fields in different demands
of one county asking for the same datum. Without ``--input`` it runs over the listed demands in
the database. ``--threshold T`` keeps pairs scoring at least T (default 0.5); ``--dictionary
FILE`` uses an edited data dictionary. Exit 0, or 2 on unreadable input (one line on stderr).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand

from govapp.oversight.ledger.matcher import Demand, Dictionary, Matcher, read_jsonl


class Command(BaseCommand):
    help = "The burden ledger: `duplicates` finds fields of demands asking for the same datum."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["duplicates"])
        parser.add_argument("--json", action="store_true", help="JSON Lines output")
        parser.add_argument("--input", help="demands as JSON Lines (default: the database)")
        parser.add_argument("--threshold", type=float, default=0.5)
        parser.add_argument("--dictionary", help="a data dictionary JSON file")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            dictionary = Dictionary.load(opts["dictionary"]) if opts["dictionary"] else None
        except (OSError, ValueError, KeyError) as exc:
            self.stderr.write(f"cannot read the dictionary: {exc}")
            sys.exit(2)
        if opts["input"]:
            try:
                with open(opts["input"], encoding="utf-8") as f:
                    demands = list(read_jsonl(f))
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                self.stderr.write(f"{opts['input']}: {exc}")
                sys.exit(2)
            matcher = Matcher(dictionary)
        else:
            from govapp.oversight.ledger import selectors
            from govapp.oversight.ledger.models import Demand as DemandRow
            from govapp.oversight.ledger.models import DemandStatus

            matcher = Matcher(dictionary) if dictionary else selectors.matcher_current()
            demands = [
                Demand(
                    id=d.ledger_number or str(d.pk),
                    title=d.title,
                    department=d.department_name,
                    division=d.scope_code,
                    app=d.app.filing_number if d.app else None,
                    frequency=d.frequency,
                    target=d.target_level,
                    fields=[f.label for f in d.fields.all()],
                )
                for d in DemandRow.objects.filter(status=DemandStatus.LISTED)
                .select_related("unit", "app")
                .prefetch_related("fields")
            ]
        out = self.stdout
        try:
            for pair in matcher.duplicates(demands, threshold=opts["threshold"]):
                if opts["json"]:
                    out.write(json.dumps(pair.as_json(), ensure_ascii=False))
                else:
                    out.write(
                        f"{pair.score:.2f}  {pair.item}\n    {pair.a[0]} {pair.a[1]}\n    {pair.b[0]} {pair.b[1]}"
                    )
        except BrokenPipeError:
            return
