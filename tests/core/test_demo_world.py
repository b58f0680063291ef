"""The whole demo world (``govapp demo``): every loader of core.wiring.DEMO_LOADERS runs in order
on an empty database, a second run adds nothing, and every demo account of the README can sign in.

Stop 8 merged two branches whose loaders disagreed (a provincial regulator hosting apps whose
self-inspection tasks needed a unit filer) and ``make demo`` failed while every partial test passed;
this test loads the world exactly as the command does."""

from __future__ import annotations

import pytest
from django.test import Client

from govapp.core.demo import demo_load_all
from govapp.orgs.demo import ACCOUNTS, DEMO_PASSWORD
from govapp.orgs.models import REGULATOR_KINDS, UNIT_ROLES, Grant
from govapp.registry.models import App

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_whole_demo_world_loads_and_every_account_signs_in() -> None:
    first = demo_load_all()
    assert first["campaigns"]["campaigns"] == 2
    assert App.objects.count() > 1000
    # no regulator holds a unit's role or hosts an app
    assert not Grant.objects.filter(unit__kind__in=REGULATOR_KINDS, role__in=UNIT_ROLES).exists()
    assert not App.objects.filter(hosting_unit__kind__in=REGULATOR_KINDS).exists()
    apps = App.objects.count()
    demo_load_all()  # idempotent
    assert App.objects.count() == apps
    for account in ACCOUNTS:
        client = Client()
        assert client.login(username=account.username, password=DEMO_PASSWORD), account.username
