"""Demo accounts text for ``govapp demo`` (the loaders are listed in core.wiring.DEMO_LOADERS)."""

from __future__ import annotations

from typing import Any

from govapp.core import wiring
from govapp.core.tasks import resolve


def demo_load_all(write: Any = None) -> dict[str, Any]:
    """Run every demo loader of core.wiring.DEMO_LOADERS in order; returns their summaries."""
    out: dict[str, Any] = {}
    for name, path in wiring.DEMO_LOADERS:
        out[name] = resolve(path)()
        if write is not None:
            write(f"{name}: {out[name]}")
    return out


def demo_accounts_text() -> str:
    accounts = resolve("govapp.orgs.demo.ACCOUNTS")
    password = resolve("govapp.orgs.demo.DEMO_PASSWORD")
    lines = [f"Demo accounts (password: {password}):"]
    for acc in accounts:
        lines.append(f"  {acc.username:<13} {acc.description}")
    return "\n".join(lines) + "\n"
