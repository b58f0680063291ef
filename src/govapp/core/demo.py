"""Demo data for ``govapp demo``: the tables every app ships (``<app>/demo/*.json``), the run of
the loaders listed in core.wiring.DEMO_LOADERS, and the demo accounts text."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from govapp.core import wiring
from govapp.core.tasks import resolve


@cache
def _table_text(package: str, name: str) -> str:
    return resources.files(package).joinpath(f"{name}.json").read_text(encoding="utf-8")


def demo_table(package: str, name: str) -> Any:
    """The demo table ``<name>.json`` shipped in ``package`` (an app's ``demo`` package, e.g.
    ``demo_table("govapp.orgs.demo", "accounts")``), parsed afresh for each caller."""
    return json.loads(_table_text(package, name))


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
