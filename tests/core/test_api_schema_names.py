"""The OpenAPI document names each schema once: two ninja schemas of the same class name but a
different shape would share one entry under ``components/schemas`` and document one endpoint
with the other's fields (the compliance dashboard was documented with the reports dashboard's
fields until the fuzzing gate found it)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ninja import Schema

import govapp.api  # noqa: F401  (imports every router, so every schema class exists)


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out


def test_every_schema_name_means_one_shape() -> None:
    shapes: dict[str, dict[str, Any]] = defaultdict(dict)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("govapp."):
            shapes[cls.__name__][cls.__module__] = cls.model_json_schema()  # type: ignore[attr-defined]
    clashes = {
        name: sorted(by_module)
        for name, by_module in shapes.items()
        if len({repr(sorted(s.get("properties", {}).items())) for s in by_module.values()}) > 1
    }
    assert not clashes, clashes
