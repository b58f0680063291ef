"""``govapp abandon_lapsed``: mark applications whose feedback deadline lapsed as abandoned."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from govapp.registry.services.applications import abandon_lapsed


class Command(BaseCommand):
    help = "Mark applications whose feedback deadline has lapsed as abandoned (R-10)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="enqueue the task for the worker instead"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            from govapp.registry.tasks import abandon_lapsed_applications

            result = abandon_lapsed_applications.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        n = abandon_lapsed()
        self.stdout.write(f"{n} application(s) marked abandoned")
