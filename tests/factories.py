"""Test factories: real rows through the real services (no fixtures files, no mocks)."""

from __future__ import annotations

import itertools
from typing import Any

from govapp.orgs.divisions import is_functional_zone, level_of, parent_code
from govapp.orgs.models import Division, Grant, Role, Unit, UnitKind, User

__all__ = ["Division", "Grant", "Role", "Unit", "UnitKind", "User"]
from govapp.orgs.services import grant_create, unit_create, user_create

PASSWORD = "test-pass-123!"
_seq = itertools.count(1)

NAMES = {
    "11": "北京市",
    "1101": "市辖区",
    "110102": "西城区",
    "44": "广东省",
    "4401": "广州市",
    "440106": "天河区",
    "440106001": "五山街道",
    "4403": "深圳市",
    "440304": "福田区",
    "51": "四川省",
    "5101": "成都市",
    "510104": "锦江区",
    "510104001": "督院街街道",
}


def division(code: str, name: str | None = None) -> Division:
    """The division with this code, creating it and its ancestors if needed."""
    existing = Division.objects.filter(code=code).first()
    if existing:
        return existing
    parent = parent_code(code)
    if parent:
        division(parent)
    return Division.objects.create(
        code=code,
        name=name or NAMES.get(code, f"区划{code}"),
        level=level_of(code),
        parent_id=parent,
        province_code=code[:2],
        is_functional_zone=is_functional_zone(code),
    )


def unit(
    code: str = "440106", kind: str = UnitKind.ADMIN_ORGAN, name: str | None = None, **kw: Any
) -> Unit:
    return unit_create(
        actor=None,
        name=name or f"测试单位{next(_seq)}",
        kind=kind,
        division=division(code),
        **kw,
    )


def user(
    role: str | None = None,
    *,
    unit_obj: Unit | None = None,
    division_code: str | None = None,
    username: str | None = None,
    password: str = PASSWORD,
) -> User:
    """A user with one grant: unit roles on ``unit_obj``, jurisdiction roles on
    ``division_code`` (None = national)."""
    u = user_create(
        actor=None,
        username=username or f"user{next(_seq)}",
        password=password,
        display_name="测试用户",
        unit=unit_obj,
    )
    if role is not None:
        if role in {Role.UNIT_MANAGER, Role.UNIT_FILER}:
            assert unit_obj is not None, "unit roles need a unit"
            grant_create(actor=None, user=u, role=role, unit=unit_obj)
        else:
            grant_create(
                actor=None,
                user=u,
                role=role,
                division=division(division_code) if division_code else None,
            )
    return u


def regulator(province: str | None = None, **kw: Any) -> User:
    """A national regulator (province=None) or a provincial cyberspace reviewer."""
    if province is None:
        return user(Role.NATIONAL_REGULATOR, unit_obj=unit("11", UnitKind.CAC), **kw)
    return user(
        Role.PROVINCIAL_CAC_REVIEWER,
        unit_obj=unit(province, UnitKind.PROVINCIAL_CAC),
        division_code=province,
        **kw,
    )


def gsa_reviewer(province: str, **kw: Any) -> User:
    """A provincial government-services administration reviewer (the second body of the
    joint completeness review, R-10)."""
    return user(
        Role.PROVINCIAL_GSA_REVIEWER,
        unit_obj=unit(province, UnitKind.PROVINCIAL_GSA),
        division_code=province,
        **kw,
    )


def auditor(**kw: Any) -> User:
    return user(Role.AUDITOR, unit_obj=unit("11", UnitKind.CAC), **kw)


def unit_member(unit_obj: Unit, role: str = Role.UNIT_MANAGER, **kw: Any) -> User:
    return user(role, unit_obj=unit_obj, **kw)


def grants_of(u: User) -> list[Grant]:
    return list(Grant.objects.filter(user=u))
