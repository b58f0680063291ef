"""``govapp scans requeue-stale|rescan-outdated|run-queued``: maintenance of package scans."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from govapp.scans.models import PackageScan, ScanStatus
from govapp.scans.services import (
    package_scan_rescan_outdated,
    package_scan_run,
    requeue_stale_scans,
)


class Command(BaseCommand):
    help = (
        "requeue-stale: put scans left running by a killed worker back on the queue; "
        "rescan-outdated: requeue every scan made by an older scanner version; "
        "run-queued: run queued scans in this process (no worker needed)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["requeue-stale", "rescan-outdated", "run-queued"])
        parser.add_argument("--minutes", type=int, default=None)

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "requeue-stale":
            n = requeue_stale_scans(minutes=opts["minutes"])
            self.stdout.write(f"requeued {n} stale scans")
        elif action == "rescan-outdated":
            n = package_scan_rescan_outdated(actor=None, queryset=PackageScan.objects.all())
            self.stdout.write(f"requeued {n} scans made by an older scanner")
        else:
            ids = list(
                PackageScan.objects.filter(status=ScanStatus.QUEUED).values_list("pk", flat=True)
            )
            for pk in ids:
                scan = package_scan_run(scan_id=pk)
                self.stdout.write(f"{scan.pk} {scan.file_name}: {scan.status}")
