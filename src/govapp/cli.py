"""The ``govapp`` command: Django's management commands with the settings preset.

``govapp scan ...`` is answered without starting Django, so it works anywhere the package is
installed: the scanner library reads each package, then the package-only compliance rules (pure
Python) add their findings.  The arrow points from compliance to the scanner, never back.
"""

from __future__ import annotations

import os
import sys


def scan(argv: list[str]) -> int:
    """``govapp scan PATH... [--json]``: the scanner's facts plus the package-only findings."""
    from govapp.compliance.rules import add_package_findings
    from govapp.scanner.cli import main as scan_main

    return scan_main(argv, finish=add_package_findings)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv if argv is None else ["govapp", *argv])
    if len(args) > 1 and args[1] == "scan":
        return scan(args[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govapp.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
