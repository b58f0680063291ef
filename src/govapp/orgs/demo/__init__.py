"""Demo organisations and the contract's demo accounts (demo data only, never production);
the tables are ``units.json`` and ``accounts.json`` beside this module.

Idempotent: running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from govapp.core.demo import demo_table
from govapp.orgs.models import Division, Grant, Role, Unit, User
from govapp.orgs.services import grant_create, unit_create, user_create

DEMO_PASSWORD = "govapp-demo"  # noqa: S105 - documented demo password, demo data only


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    unit: str
    role: str
    division: str | None  # jurisdiction grants
    description: str


# units: {name, kind, division}: the regulators and the three hosting units of the accounts
UNITS: list[dict[str, str]] = demo_table(__name__, "units")
# the contract's demo accounts (README, ARCHITECTURE.md)
ACCOUNTS = [DemoAccount(**row) for row in demo_table(__name__, "accounts")]


def _unit(name: str, kind: str, division_code: str) -> Unit:
    # Regulators and central departments sit in Beijing's Xicheng district (110102) or on the
    # province itself; hosting units on the city given.
    existing = Unit.objects.filter(name=name).first()
    if existing:
        return existing
    division = Division.objects.get(code=division_code)
    return unit_create(actor=None, name=name, kind=kind, division=division)


@transaction.atomic
def demo_orgs_load() -> dict[str, int]:
    units = {}
    for row in UNITS:
        units[row["name"]] = _unit(row["name"], row["kind"], row["division"])
    created_users = 0
    for acc in ACCOUNTS:
        user = User.objects.filter(username=acc.username).first()
        if user is None:
            user = user_create(
                actor=None,
                username=acc.username,
                password=DEMO_PASSWORD,
                display_name=acc.display_name,
                unit=units[acc.unit],
                email=f"{acc.username}@demo.govapp.invalid",
            )
            created_users += 1
        unit = units[acc.unit] if acc.role in {Role.UNIT_MANAGER, Role.UNIT_FILER} else None
        division = Division.objects.get(code=acc.division) if acc.division else None
        if not Grant.objects.filter(
            user=user, role=acc.role, unit=unit, division=division
        ).exists():
            grant_create(actor=None, user=user, role=acc.role, unit=unit, division=division)
    return {"units": len(units), "users_created": created_users}
