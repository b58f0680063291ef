"""``govapp legacy_import FILE [--user USERNAME]``: import the legacy inventory (R-15)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from govapp.orgs.models import User
from govapp.registry.legacy.parser import LegacyImportError
from govapp.registry.legacy.services import legacy_import


class Command(BaseCommand):
    help = "Import a CSV/XLSX inventory of apps live before 2026-01-25 (all rows or none)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="CSV (UTF-8 or GB18030) or XLSX file")
        parser.add_argument(
            "--user", default="", help="import as this user (default: the system, national)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        actor = None
        if opts["user"]:
            actor = User.objects.filter(username=opts["user"]).first()
            if actor is None:
                raise CommandError(f"没有用户 {opts['user']}")
        t0 = time.perf_counter()
        try:
            result = legacy_import(data=path.read_bytes(), file_name=path.name, actor=actor)
        except LegacyImportError as exc:
            for line in exc.errors:
                self.stderr.write(line)
            if exc.total > len(exc.errors):
                self.stderr.write(f"……另有 {exc.total - len(exc.errors)} 处错误")
            raise CommandError(f"{exc.total} 处错误，没有导入任何一行。") from exc
        self.stdout.write(
            f"imported {result.rows} rows ({result.created} new, {result.updated} updated, "
            f"{result.matched} matched to filings) in {time.perf_counter() - t0:.2f}s"
        )
