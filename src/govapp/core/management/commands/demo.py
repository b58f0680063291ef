"""``govapp demo [--load-only]``: load divisions and demo data, then serve with one worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from govapp.core.demo import demo_accounts_text, demo_load_all


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and start the web server and a task worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--load-only", action="store_true", help="load data, do not serve")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        t0 = time.monotonic()
        demo_load_all(self.stdout.write)
        self.stdout.write(f"demo data ready in {time.monotonic() - t0:.1f}s")
        if opts["load_only"]:
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        self.serve(opts["host"], opts["port"])

    def serve(self, host: str, port: int) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "govapp.settings"}
        bindir = os.path.dirname(sys.executable)
        web = subprocess.Popen(
            [
                os.path.join(bindir, "gunicorn"),
                "govapp.wsgi",
                "--bind",
                f"{host}:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--log-level",
                "warning",
            ],
            env=env,
        )
        worker = subprocess.Popen([sys.executable, "-m", "govapp.cli", "db_worker"], env=env)
        ticker = subprocess.Popen([sys.executable, "-m", "govapp.cli", "periodic"], env=env)
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"\ngovapp is running at {url}  (Ctrl-C stops it)\n"))
        self.stdout.write(demo_accounts_text())
        procs = [web, worker, ticker]

        def stop(*_: Any) -> None:
            for p in procs:
                if p.poll() is None:
                    p.terminate()
            deadline = time.monotonic() + 10
            for p in procs:
                try:
                    p.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    p.kill()
            self.stdout.write("\ngovapp stopped.")
            raise SystemExit(0)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while True:
            for p in procs:
                if p.poll() is not None:
                    self.stderr.write(f"a child process exited with {p.returncode}; stopping")
                    stop()
            time.sleep(0.5)
