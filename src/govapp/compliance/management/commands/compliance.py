"""``govapp compliance tick|evaluate``: daily upkeep and bulk re-evaluation.

* ``tick``: expire exemptions past their date (their findings reopen) and escalate overdue
  rectification orders.  Run it daily (cron or the task worker).
* ``evaluate [--all] [--workers N] [--batch-size N]``: re-evaluate apps (default: filed apps)
  and print the time taken; ``--workers`` shares the batches among N processes (PostgreSQL).
"""

from __future__ import annotations

import os
import time
from typing import Any

from django.core.management.base import BaseCommand

from govapp.compliance import services
from govapp.compliance.batch import BATCH_SIZE, evaluate_apps
from govapp.registry.models import App, AppStatus


class Command(BaseCommand):
    help = "Compliance upkeep: tick (expire exemptions, escalate overdue orders) or evaluate."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["tick", "evaluate"])
        parser.add_argument("--all", action="store_true", help="evaluate apps in every state")
        parser.add_argument(
            "--workers",
            type=int,
            default=min(4, os.cpu_count() or 1),
            help="evaluate with this many processes (PostgreSQL; each batch of apps in one; "
            "default: the CPUs, at most 4; SQLite always uses one)",
        )
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help="apps per transaction"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "tick":
            expired = services.exemptions_expire()
            escalated = services.orders_escalate()
            self.stdout.write(f"exemptions expired: {expired}; orders escalated: {escalated}")
            return
        qs = App.objects.all() if opts["all"] else App.objects.filter(status=AppStatus.FILED)
        t0 = time.perf_counter()
        out = evaluate_apps(qs, actor=None, batch_size=opts["batch_size"], workers=opts["workers"])
        elapsed = time.perf_counter() - t0
        rate = out.apps / elapsed if elapsed else 0.0
        self.stdout.write(
            f"evaluated {out.apps} apps in {elapsed:.1f} s ({rate:.0f} apps/s): "
            f"{out.opened} findings opened, {out.updated} updated, {out.closed} closed"
        )
