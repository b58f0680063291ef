"""The demo data: 12 months of returns and daily figures, some apps clearly low-use, one
seasonal app exempted, retirement cases in every stage, and work for each demo account."""

from __future__ import annotations

import pytest

from govapp.orgs.demo import demo_orgs_load
from govapp.orgs.divisions import divisions_load
from govapp.orgs.models import User
from govapp.oversight.usage import selectors
from govapp.oversight.usage.demo import demo_usage_load
from govapp.oversight.usage.models import (
    DailyUsage,
    Exemption,
    LowUseFlag,
    MonthlyReturn,
    RetirementCase,
    Stage,
    UnfiledUsage,
)
from govapp.registry.demo import demo_registry_load

pytestmark = pytest.mark.django_db


def test_demo_usage_covers_every_stage_and_is_idempotent():
    divisions_load()
    demo_orgs_load()
    demo_registry_load(scale=0.05)
    first = demo_usage_load()
    assert first["created"] > 0
    counts = (
        MonthlyReturn.objects.count(),
        DailyUsage.objects.count(),
        RetirementCase.objects.count(),
    )
    assert demo_usage_load() == {"created": 0}
    assert counts == (
        MonthlyReturn.objects.count(),
        DailyUsage.objects.count(),
        RetirementCase.objects.count(),
    )
    assert MonthlyReturn.objects.values("month").distinct().count() == 12
    assert LowUseFlag.objects.filter(exempt=False).count() >= 3
    exempt = Exemption.objects.get()
    assert (
        LowUseFlag.objects.filter(app=exempt.app, exempt=True).exists()
        or not LowUseFlag.objects.filter(app=exempt.app).exists()
    )
    stages = {c.stage for c in RetirementCase.objects.select_related("app")}
    assert stages == set(Stage.values)
    assert UnfiledUsage.objects.exists()
    users = {u.username: u for u in User.objects.all()}
    assert any(c.live for c in selectors.cases_for(users["gz-unit"]))
    assert any(c.stage == Stage.APPEALED for c in selectors.cases_for(users["sc-cac"]))
    assert selectors.pipeline(users["gd-cac"])["overdue"] >= 1
