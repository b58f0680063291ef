"""Loading the shipped administrative divisions (idempotent)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

from django.db import transaction

from govapp.orgs.models import Division, DivisionLevel

FILES = (
    ("provinces.csv", DivisionLevel.PROVINCE),
    ("cities.csv", DivisionLevel.PREFECTURE),
    ("areas.csv", DivisionLevel.COUNTY),
    ("streets.csv", DivisionLevel.TOWNSHIP),
)
CODE_LENGTH = {
    DivisionLevel.PROVINCE: 2,
    DivisionLevel.PREFECTURE: 4,
    DivisionLevel.COUNTY: 6,
    DivisionLevel.TOWNSHIP: 9,
}


def level_of(code: str) -> DivisionLevel:
    for level, length in CODE_LENGTH.items():
        if len(code) == length:
            return level
    raise ValueError(f"not a division code: {code!r}")


def parent_code(code: str) -> str | None:
    """The parent's code derives from the code itself: 440106 -> 4401 -> 44."""
    level = level_of(code)
    if level == DivisionLevel.PROVINCE:
        return None
    return code[: CODE_LENGTH[DivisionLevel(level - 1)]]


def is_functional_zone(code: str) -> bool:
    """County-level statistical functional zones use 71-79 in digits 5-6."""
    return len(code) == 6 and 71 <= int(code[4:6]) <= 79


def _rows() -> Iterator[tuple[str, str]]:
    base = resources.files("govapp.orgs") / "data"
    for filename, level in FILES:
        with (base / filename).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                code = row["code"].strip()
                if level_of(code) != level:
                    raise ValueError(f"{filename}: code {code} is not {level.label}")
                yield code, row["name"].strip()


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    total: int


def divisions_load() -> LoadResult:
    """Create missing divisions and fix changed names; never deletes (units point at them)."""
    existing = dict(Division.objects.values_list("code", "name"))
    to_create: list[Division] = []
    to_update: list[Division] = []
    for code, name in _rows():
        if code not in existing:
            to_create.append(
                Division(
                    code=code,
                    name=name,
                    level=level_of(code),
                    parent_id=parent_code(code),
                    province_code=code[:2],
                    is_functional_zone=is_functional_zone(code),
                )
            )
        elif existing[code] != name:
            to_update.append(Division(code=code, name=name))
    with transaction.atomic():
        # Parents first: the files are ordered province -> township.
        Division.objects.bulk_create(to_create, batch_size=2000)
        Division.objects.bulk_update(to_update, ["name"], batch_size=2000)
        if to_create or to_update:
            from govapp.core.audit import audit_record

            audit_record(
                actor=None,
                action="divisions.load",
                object_type="orgs.division",
                object_id="*",
                object_repr="行政区划",
                after={"created": len(to_create), "updated": len(to_update)},
            )
    return LoadResult(len(to_create), len(to_update), Division.objects.count())
