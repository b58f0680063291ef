"""A small world for the usage tests: regulators, two hosting units in two provinces, a
national unit, filed apps written straight to the database."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from django.utils import timezone

from govapp.orgs.models import Unit, UnitKind, User
from govapp.oversight.usage.models import MonthlyReturn, Source
from govapp.registry.models import App, AppKind, AppStatus, Platform, PlatformIdentity
from tests import factories as f

_seq = itertools.count(1)


@dataclass
class World:
    unit: Unit  # Guangzhou (440106)
    other_unit: Unit  # Chengdu (510104)
    cac: User
    gd: User
    sc: User
    member: User
    other_member: User
    auditor: User
    app: App
    other_app: App


def filed_app(
    unit: Unit,
    name: str | None = None,
    *,
    status: str = AppStatus.FILED,
    package: str | None = None,
    filed_days_ago: int = 400,
) -> App:
    n = next(_seq)
    filed = status != AppStatus.UNFILED
    app = App.objects.create(
        name=name or f"使用测试应用{n}",
        kind=AppKind.APP,
        hosting_unit=unit,
        status=status,
        filing_number=f"测试用备{n:05d}号" if filed else None,
        filed_at=timezone.now() - dt.timedelta(days=filed_days_ago) if filed else None,
    )
    PlatformIdentity.objects.create(
        app=app,
        platform=Platform.ANDROID,
        identifier=package or f"cn.gov.usage.test{n}",
        live=status == AppStatus.FILED,
    )
    return app


def world() -> World:
    unit = f.unit("440106", name="广州市使用测试局")
    other = f.unit("510104", name="成都市使用测试中心")
    cac_unit = f.unit("11", UnitKind.CAC, name="国家互联网信息办公室")
    return World(
        unit=unit,
        other_unit=other,
        cac=f.user(f.Role.NATIONAL_REGULATOR, unit_obj=cac_unit),
        gd=f.regulator("44"),
        sc=f.regulator("51"),
        member=f.unit_member(unit),
        other_member=f.unit_member(other),
        auditor=f.auditor(),
        app=filed_app(unit, "穗使用测试"),
        other_app=filed_app(other, "蓉使用测试"),
    )


def returns(app: App, figures: list[tuple[int, int]], last: dt.date) -> None:
    """Monthly returns ending with the month ``last``: [(active, intended), ...] oldest first."""
    from govapp.oversight.usage.services import month_add

    for i, (active, intended) in enumerate(figures):
        MonthlyReturn.objects.create(
            app=app,
            month=month_add(last, i - len(figures) + 1),
            active_users=active,
            intended_users=intended,
            source=Source.FORM,
        )
