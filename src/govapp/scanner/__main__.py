"""``python -m govapp.scanner PATH... [--json]``."""

from govapp.scanner.cli import main

raise SystemExit(main())
