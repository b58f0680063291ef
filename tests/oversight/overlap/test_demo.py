"""The overlap demo loader: groups for gd-cac and sc-cac, the approval authority account."""

from __future__ import annotations

import pytest

from govapp.orgs.demo import demo_orgs_load
from govapp.orgs.models import User
from govapp.oversight.overlap import selectors
from govapp.oversight.overlap.demo import APPS, _division_code, demo_overlap_load
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_demo_loads_groups_for_both_provinces_and_is_idempotent():
    for row in APPS:
        f.division(_division_code(row["division"]))
    for code in ("11", "4401", "5101"):
        f.division(code)
    demo_orgs_load()
    out = demo_overlap_load()
    assert out["apps"] == len(APPS) and out["groups"] >= 4
    gd = User.objects.get(username="gd-cac")
    sc = User.objects.get(username="sc-cac")
    gd_names = {a.name for g in selectors.groups_for(gd) for a in g.apps.all()}
    sc_names = {a.name for g in selectors.groups_for(sc) for a in g.apps.all()}
    assert {"广州智慧城管", "粤平安网格"} <= gd_names and "成都医保通" not in gd_names
    assert {"成都医保通", "武侯智慧医保", "四川志愿"} <= sc_names
    assert "广州城管志愿者" not in gd_names  # a look-alike, not a duplicate
    assert "深圳医保服务" not in gd_names  # same function as Chengdu's, other province
    assert User.objects.filter(username="gz-approval").exists()
    assert demo_overlap_load() == {"apps": 0, "groups": 0}
