"""``govapp usage close-day | evaluate | escalate``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from govapp.core.calendar import today_shanghai
from govapp.oversight.usage import services


class Command(BaseCommand):
    help = "Usage oversight: close-day (write counts, destroy salts and per-device keys), evaluate, escalate"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        close = sub.add_parser("close-day", help="close every open day now, today included")
        close.add_argument(
            "--past-only",
            action="store_true",
            help="close only the days before today (what the periodic loop does)",
        )
        ev = sub.add_parser("evaluate", help="evaluate low use for a month (default: last month)")
        ev.add_argument("--month", help="YYYY-MM")
        sub.add_parser("escalate", help="mark overdue retirement cases as escalated")

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "close-day":
            result = services.usage_close_day(
                before=today_shanghai() if opts["past_only"] else None
            )
            days = ", ".join(d.isoformat() for d in result.days) or "-"
            self.stdout.write(
                f"closed days: {days}; apps: {result.apps}; unfiled packages: "
                f"{result.unfiled_packages}; cache keys destroyed: {result.keys_deleted}"
            )
        elif action == "evaluate":
            month = (
                dt.datetime.strptime(opts["month"], "%Y-%m").date() if opts.get("month") else None
            )
            n = services.lowuse_evaluate(month=month)
            self.stdout.write(f"flagged apps: {n}")
        else:
            self.stdout.write(f"escalated cases: {services.cases_escalate()}")
