"""``govapp periodic [--once]``: enqueue the registered periodic jobs on their intervals."""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand

from govapp.core.periodic import enqueue, jobs


class Command(BaseCommand):
    help = "Enqueue periodic jobs (lapsed deadlines, stale scans ...) on their intervals."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="enqueue every job once and exit")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["once"]:
            for job in jobs():
                enqueue(job)
                self.stdout.write(f"enqueued {job.name}")
            return
        stopping = threading.Event()

        def stop(*_: Any) -> None:
            stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        last: dict[str, float] = {}
        while not stopping.is_set():
            now = time.monotonic()
            for job in jobs():
                if now - last.get(job.name, -1e9) >= job.every_seconds:
                    try:
                        enqueue(job)
                    except Exception as exc:  # keep the loop alive; the error is printed
                        self.stderr.write(f"{job.name}: {type(exc).__name__}: {exc}")
                    last[job.name] = now
            for _ in range(10):
                if stopping.is_set():
                    break
                time.sleep(1)
