"""Package scanning inside the system: uploads, scan tasks, facts pages and identity checks (the
Django side of the pure :mod:`govapp.scanner` library). The compliance engine above reads the
stored scans; this app imports nothing from compliance (docs/adr/0007-scans-app.md)."""
