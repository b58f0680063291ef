"""The ``govapp`` command: Django's management commands with the settings preset.

``govapp scan ...`` is answered by the scanner library directly, without starting Django,
so it works anywhere the package is installed.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv if argv is None else ["govapp", *argv])
    if len(args) > 1 and args[1] == "scan":
        from govapp.scanner.cli import main as scan_main

        return scan_main(args[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govapp.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
