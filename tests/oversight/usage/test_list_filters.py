"""The low-use list and the retirement pipeline filtered as the dashboard links to them:
candidates, stages and overdue cases, counted in the database by the pages' own rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from govapp.core.calendar import today_shanghai
from govapp.oversight.usage import selectors
from govapp.oversight.usage.models import CaseState, LowUseFlag, RetirementCase, Stage
from govapp.registry.models import AppStatus
from tests.oversight.usage import factories as uf

pytestmark = pytest.mark.django_db


def test_stage_condition_matches_the_stage_of_every_case() -> None:
    """Every case state against every app status: the database condition and the property
    agree, and overdue is the open cases past their deadline."""
    w = uf.world()
    today = today_shanghai()
    for status in (
        AppStatus.FILED,
        AppStatus.SHUTDOWN_NOTICE,
        AppStatus.OFFLINE,
        AppStatus.DEREGISTERED,
        AppStatus.REVOKED,
    ):
        for state in CaseState.values:
            for days in (-3, 3):
                app = uf.filed_app(w.unit, status=status)
                RetirementCase.objects.create(
                    app=app,
                    state=state,
                    reason="测试",
                    working_days=20,
                    deadline=today + dt.timedelta(days=days),
                )
    cases = list(RetirementCase.objects.select_related("app"))
    assert len(cases) == 5 * len(CaseState.values) * 2
    for stage in Stage.values:
        expected = {c.pk for c in cases if c.stage == stage}
        found = set(
            RetirementCase.objects.filter(selectors.stage_q(stage)).values_list("pk", flat=True)
        )
        assert found == expected, stage
    overdue = {c.pk for c in cases if selectors.is_overdue(c, today)}
    assert overdue and overdue == set(
        RetirementCase.objects.filter(selectors.overdue_q(today)).values_list("pk", flat=True)
    )


def test_lowuse_and_cases_lists_filtered_and_paged() -> None:
    w = uf.world()
    today = today_shanghai()
    apps = [uf.filed_app(w.unit) for _ in range(4)]
    for i, app in enumerate(apps):
        LowUseFlag.objects.create(app=app, month=today.replace(day=1), exempt=i == 3)
    RetirementCase.objects.create(  # a live case: no longer a candidate
        app=apps[0], reason="x", working_days=20, deadline=today - dt.timedelta(days=1)
    )
    RetirementCase.objects.create(  # withdrawn: a candidate again
        app=apps[1],
        state=CaseState.WITHDRAWN,
        reason="x",
        working_days=20,
        deadline=today + dt.timedelta(days=9),
    )
    client = Client()
    client.force_login(w.gd)

    def listed(name: str, **params: str) -> list[int]:
        resp = client.get(reverse(name), params)
        assert resp.status_code == 200
        return [row.app_id for row in resp.context["page"].object_list]

    assert sorted(listed("usage:lowuse", show="candidates")) == [apps[1].pk, apps[2].pk]
    assert listed("usage:lowuse", show="in_case") == [apps[0].pk]
    assert listed("usage:lowuse", show="exempt") == [apps[3].pk]
    assert len(listed("usage:lowuse")) == 4
    assert len(listed("usage:lowuse", show="nonsense")) == 4  # refused: every flag
    assert listed("usage:cases", overdue="1") == [apps[0].pk]
    assert listed("usage:cases", stage="withdrawn") == [apps[1].pk]
    assert len(listed("usage:cases")) == 2
    client.force_login(w.sc)  # another province: nothing of Guangdong
    assert listed("usage:lowuse") == [] and listed("usage:cases") == []
