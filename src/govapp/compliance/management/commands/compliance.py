"""``govapp compliance tick|evaluate``: daily upkeep and bulk re-evaluation.

* ``tick``: expire exemptions past their date (their findings reopen) and escalate overdue
  rectification orders.  Run it daily (cron or the task worker).
* ``evaluate [--all]``: re-evaluate apps (default: filed apps) and print the time taken.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from govapp.compliance import engine, services
from govapp.registry.models import App, AppStatus


class Command(BaseCommand):
    help = "Compliance upkeep: tick (expire exemptions, escalate overdue orders) or evaluate."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["tick", "evaluate"])
        parser.add_argument("--all", action="store_true", help="evaluate apps in every state")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "tick":
            expired = services.exemptions_expire()
            escalated = services.orders_escalate()
            self.stdout.write(f"exemptions expired: {expired}; orders escalated: {escalated}")
            return
        qs = App.objects.all() if opts["all"] else App.objects.filter(status=AppStatus.FILED)
        t0 = time.perf_counter()
        n = opened = closed = 0
        for app in qs.select_related("hosting_unit__division").iterator(chunk_size=500):
            out = engine.evaluate_app(app=app, actor=None)
            n += 1
            opened += len(out.opened)
            closed += len(out.closed)
        elapsed = time.perf_counter() - t0
        self.stdout.write(
            f"evaluated {n} apps in {elapsed:.1f} s: {opened} findings opened, {closed} closed"
        )
