"""Demo organisations and the contract's demo accounts (demo data only, never production).

Idempotent: running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from govapp.orgs.models import Division, Grant, Role, Unit, UnitKind, User
from govapp.orgs.services import grant_create, unit_create, user_create

DEMO_PASSWORD = "govapp-demo"  # noqa: S105 - documented demo password, demo data only

# (name, kind, division code)
REGULATORS = [
    ("国家互联网信息办公室", UnitKind.CAC, "11"),
    ("广东省互联网信息办公室", UnitKind.PROVINCIAL_CAC, "44"),
    ("广东省政务服务和数据管理局", UnitKind.PROVINCIAL_GSA, "44"),
    ("四川省互联网信息办公室", UnitKind.PROVINCIAL_CAC, "51"),
    ("四川省大数据中心", UnitKind.PROVINCIAL_GSA, "51"),
]
HOSTS = [
    ("广州市政务服务和数据管理局", UnitKind.ADMIN_ORGAN, "4401"),
    ("成都市网络理政中心", UnitKind.PUBLIC_INSTITUTION, "5101"),
    ("应急管理部", UnitKind.STATE_COUNCIL_DEPT, "11"),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    unit: str
    role: str
    division: str | None  # jurisdiction grants
    description: str


ACCOUNTS = [
    DemoAccount(
        "cac",
        "国家网信办审核员",
        "国家互联网信息办公室",
        Role.NATIONAL_REGULATOR,
        None,
        "national regulator",
    ),
    DemoAccount(
        "gd-cac",
        "广东省网信办审核员",
        "广东省互联网信息办公室",
        Role.PROVINCIAL_CAC_REVIEWER,
        "44",
        "Guangdong provincial cyberspace office",
    ),
    DemoAccount(
        "sc-cac",
        "四川省网信办审核员",
        "四川省互联网信息办公室",
        Role.PROVINCIAL_CAC_REVIEWER,
        "51",
        "Sichuan provincial cyberspace office",
    ),
    DemoAccount(
        "gd-gsa",
        "广东省政数局审核员",
        "广东省政务服务和数据管理局",
        Role.PROVINCIAL_GSA_REVIEWER,
        "44",
        "Guangdong government-services administration (joint completeness review)",
    ),
    DemoAccount(
        "sc-gsa",
        "四川省大数据中心审核员",
        "四川省大数据中心",
        Role.PROVINCIAL_GSA_REVIEWER,
        "51",
        "Sichuan government-services administration (joint completeness review)",
    ),
    DemoAccount(
        "gz-unit",
        "广州市政数局填报员",
        "广州市政务服务和数据管理局",
        Role.UNIT_MANAGER,
        None,
        "hosting unit in Guangzhou (4401)",
    ),
    DemoAccount(
        "cd-unit",
        "成都市网络理政中心填报员",
        "成都市网络理政中心",
        Role.UNIT_MANAGER,
        None,
        "hosting unit in Chengdu (5101)",
    ),
    DemoAccount(
        "central-unit",
        "应急管理部填报员",
        "应急管理部",
        Role.UNIT_MANAGER,
        None,
        "a State Council department",
    ),
    DemoAccount(
        "auditor",
        "审计员",
        "国家互联网信息办公室",
        Role.AUDITOR,
        None,
        "read-only auditor, national",
    ),
]


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
    for name, kind, code in REGULATORS + HOSTS:
        units[name] = _unit(name, kind, code)
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
