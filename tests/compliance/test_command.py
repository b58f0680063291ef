import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from govapp.compliance.models import Finding
from tests.compliance import factories as cf

pytestmark = pytest.mark.django_db


def test_tick_and_evaluate_commands():
    w = cf.world()
    app = cf.app(w)
    cf.package_scan(app, **cf.ADS)
    out = StringIO()
    call_command("compliance", "evaluate", stdout=out)
    assert "evaluated 1 apps" in out.getvalue()
    assert Finding.objects.filter(app=app, rule_id="R23_ADVERTISING_SDK").exists()
    out = StringIO()
    call_command("compliance", "tick", stdout=out)
    assert "orders escalated: 0" in out.getvalue()
    assert dt.date.today()
