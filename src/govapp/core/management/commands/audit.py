"""``govapp audit verify``: check the audit log's keyed hash chain against its anchors;
``govapp audit anchor``: append the signed head to the anchor file."""

from __future__ import annotations

import resource
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from govapp.core.audit import audit_anchor, audit_verify


class Command(BaseCommand):
    help = (
        "Audit log tools. 'verify' checks the keyed hash chain (and the anchors) and names the "
        "first bad event; 'anchor' appends the signed head to the anchor file."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["verify", "anchor"])

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "anchor":
            line = audit_anchor()
            if line is None:
                self.stdout.write("nothing new to anchor")
            else:
                self.stdout.write(f"anchored #{line['seq']} {line['hash'][:16]}…")
            return
        t0 = time.monotonic()
        try:
            result = audit_verify()
        except ValueError as exc:  # a forged anchor line
            raise CommandError(f"BROKEN: {exc}") from exc
        # ru_maxrss is KiB on Linux, bytes on macOS.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak_mib = peak / (1024 * 1024 if sys.platform == "darwin" else 1024)
        self.stderr.write(
            f"checked {result.checked} events in {time.monotonic() - t0:.1f} s, "
            f"peak memory {peak_mib:.0f} MiB"
        )
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"OK: {result.checked} events, chain intact"))
            return
        raise CommandError(
            f"BROKEN at event #{result.first_bad_seq} (row id {result.first_bad_id}): "
            f"{result.reason}; {result.checked} events checked"
        )
