"""Registry of demo-data loaders; each app adds its own (in dependency order)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from govapp.orgs.demo import ACCOUNTS, DEMO_PASSWORD, demo_orgs_load

DEMO_LOADERS: list[tuple[str, Callable[[], Any]]] = [("orgs", demo_orgs_load)]


def demo_accounts_text() -> str:
    lines = [f"Demo accounts (password: {DEMO_PASSWORD}):"]
    for acc in ACCOUNTS:
        lines.append(f"  {acc.username:<13} {acc.description}")
    return "\n".join(lines) + "\n"
