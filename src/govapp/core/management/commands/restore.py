"""``govapp restore DIR``: restore a ``govapp backup`` folder, then verify the audit chain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Restore a backup folder over the configured database and stored files (servers stopped)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("source")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **opts: Any) -> None:
        from govapp.core.backup import restore

        source = Path(opts["source"])
        if not (source / "manifest.json").exists():
            raise CommandError(f"{source}: not a govapp backup (no manifest.json)")
        if not opts["yes"]:
            answer = input("This replaces the current database and stored files. Type 'yes': ")
            if answer.strip() != "yes":
                raise CommandError("cancelled")
        try:
            manifest = restore(source)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored the backup of {manifest['created']}; verifying the audit log")
        call_command("audit", "verify", stdout=self.stdout)
