"""Templates follow the same layers as imports: a lower app's templates load no tag library of
a higher app (import-linter checks the Python imports; see docs/adr/0002)."""

from __future__ import annotations

import re
from pathlib import Path

import govapp

SRC = Path(govapp.__file__).resolve().parent
# Highest first, as in pyproject.toml's [tool.importlinter] layers contract.
LAYERS = [
    "reports",
    "public",
    "oversight",
    "complaints",
    "compliance",
    "scans",
    "registry",
    "orgs",
    "core",
]
LOAD = re.compile(r"{%\s*load\s+([^%]+?)\s*%}")


def _app_of(path: Path) -> str:
    rel = path.relative_to(SRC).parts
    return rel[0] if rel[0] in LAYERS else "core"  # project templates/ sit with core


def _libraries() -> dict[str, str]:
    found = {}
    for mod in SRC.rglob("templatetags/*.py"):
        if mod.name != "__init__.py":
            found[mod.stem] = _app_of(mod)
    return found


def test_templates_load_no_tag_library_of_a_higher_app() -> None:
    libraries = _libraries()
    wrong = []
    for template in SRC.rglob("*.html"):
        app = _app_of(template)
        for match in LOAD.finditer(template.read_text(encoding="utf-8")):
            for name in match.group(1).split():
                owner = libraries.get(name)
                if owner is not None and LAYERS.index(owner) < LAYERS.index(app):
                    wrong.append(f"{template.relative_to(SRC)} loads {name} of {owner}")
    assert wrong == []


def test_the_checker_sees_a_wrong_arrow(tmp_path: Path) -> None:
    """The rule itself: registry sits below compliance."""
    assert LAYERS.index("compliance") < LAYERS.index("registry")
    assert _libraries().get("registry_tags") == "registry"
