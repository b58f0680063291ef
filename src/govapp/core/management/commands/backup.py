"""``govapp backup [DIR]``: the database and stored files into a new folder (see core.backup)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Back up the database (SQLite online backup or pg_dump) and stored files."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("target", nargs="?", help="a new folder (default var/backups/<time>)")

    def handle(self, *args: Any, **opts: Any) -> None:
        from govapp.core.backup import backup

        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        target = Path(opts["target"] or settings.VAR_DIR / "backups" / stamp)
        manifest = backup(target)
        self.stdout.write(
            self.style.SUCCESS(
                f"backup written to {target} ({manifest['database']}, "
                f"{len(manifest['files'])} files)"
            )
        )
