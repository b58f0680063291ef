"""Pages and API of the overlap area, with people who must not see the objects."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from govapp.orgs.models import Role
from govapp.oversight.overlap import services
from govapp.oversight.overlap.models import ProposalCheck, Relation
from govapp.oversight.overlap.selectors import safe_cell
from tests import factories as f
from tests.oversight.overlap.factories import CITYMGMT, CITYMGMT_2, filed_app

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def world():
    th = f.unit("440106", name="广州市天河区城市管理局")
    yx = f.unit("440104", name="广州市越秀区城市管理局")
    a = filed_app(th, "=天河城管通", CITYMGMT)
    b = filed_app(yx, "越秀掌上城管", CITYMGMT_2)
    gd = f.regulator("44")
    run = services.overlap_run_execute(actor=gd)
    group = run.groups.get(relation=Relation.DUPLICATE)
    return {"th": th, "yx": yx, "a": a, "b": b, "gd": gd, "group": group}


def test_index_group_and_export_for_the_regulator(world):
    c = _client(world["gd"])
    page = c.get(reverse("overlap:index"))
    assert page.status_code == 200 and "越秀掌上城管" in page.content.decode()
    assert "城市管理执法" in page.content.decode()
    detail = c.get(reverse("overlap:group", args=[world["group"].pk]))
    assert detail.status_code == 200 and "占道经营" in detail.content.decode()
    resp = c.get(reverse("overlap:export"))
    wb = load_workbook(io.BytesIO(resp.content))
    names = [row[4] for row in wb.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert "'=天河城管通" in names  # never a formula


def test_foreign_regulator_and_unit_do_not_see_the_group(world):
    sc = _client(f.regulator("51"))
    assert "越秀掌上城管" not in sc.get(reverse("overlap:index")).content.decode()
    assert sc.get(reverse("overlap:group", args=[world["group"].pk])).status_code == 404
    unit = _client(f.unit_member(world["th"]))
    assert unit.get(reverse("overlap:index")).status_code == 404
    assert unit.get(reverse("overlap:group", args=[world["group"].pk])).status_code == 404
    assert unit.get(reverse("overlap:export")).status_code == 404
    api = sc.get("/api/v1/overlap/groups")
    assert api.status_code == 200 and api.json() == {"items": [], "count": 0}
    r = sc.post(
        f"/api/v1/overlap/groups/{world['group'].pk}/decision",
        {"decision": "distinct", "reason": "x"},
        content_type="application/json",
    )
    assert r.status_code == 404


def test_decide_and_open_case_through_the_page(world):
    c = _client(world["gd"])
    url = reverse("overlap:group", args=[world["group"].pk])
    r = c.post(url, {"decide": "1", "decision": "distinct", "reason": ""})
    assert r.status_code == 200 and "理由" in r.content.decode()
    r = c.post(
        url, {"open_case": "1", "staying": world["a"].pk, "working_days": 30, "note": "并入"}
    )
    assert r.status_code == 302
    case_page = c.get(r["Location"])
    assert "越秀掌上城管" in case_page.content.decode()
    world["b"].refresh_from_db()
    assert world["b"].successor == world["a"]


def test_check_page_and_api_for_a_unit(world):
    hz = f.unit("440105", name="广州市海珠区城市管理局")
    member = f.unit_member(hz)
    c = _client(member)
    r = c.post(
        reverse("overlap:check"),
        {
            "name": "海珠城管执法",
            "features": "渣土车监管\n违法建设巡查",
            "users": "staff",
            "unit": hz.pk,
            "division": "",
            "description": "",
        },
    )
    assert r.status_code == 302
    page = c.get(r["Location"])
    assert "功能重复" in page.content.decode() or "可作为" in page.content.decode()
    api = c.post(
        "/api/v1/overlap/checks",
        {"unit_id": hz.pk, "name": "海珠城管执法", "features": ["渣土车监管", "违法建设巡查"]},
        content_type="application/json",
    )
    assert api.status_code == 201 and api.json()["matches"][0]["same_function"]
    number = api.json()["number"]
    assert c.get(f"/api/v1/overlap/checks/{number}").status_code == 200
    # another unit, a foreign authority: 404
    other = _client(f.unit_member(world["th"]))
    assert other.get(f"/api/v1/overlap/checks/{number}").status_code == 404
    assert other.get(reverse("overlap:check_detail", args=[number])).status_code == 404
    foreign = _client(
        f.user(Role.PROJECT_APPROVAL_AUTHORITY, unit_obj=f.unit("5101"), division_code="5101")
    )
    assert foreign.get(reverse("overlap:check_detail", args=[number])).status_code == 404
    r = foreign.post(
        "/api/v1/overlap/checks",
        {"unit_id": hz.pk, "name": "x", "features": ["y"]},
        content_type="application/json",
    )
    assert r.status_code == 404
    local = _client(
        f.user(Role.PROJECT_APPROVAL_AUTHORITY, unit_obj=f.unit("4401"), division_code="4401")
    )
    assert local.get(reverse("overlap:check_detail", args=[number])).status_code == 200
    assert ProposalCheck.objects.count() == 2


def test_bad_api_input_is_a_400(world):
    hz = f.unit("440105")
    c = _client(f.unit_member(hz))
    r = c.post(
        "/api/v1/overlap/checks",
        {"unit_id": hz.pk, "name": "", "features": []},
        content_type="application/json",
    )
    assert r.status_code == 400 and "features" in r.json()["errors"]


def test_safe_cell():
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("@x") == "'@x" and safe_cell(3) == 3


def test_public_page_shows_the_successor(world):
    from govapp.registry.models import AppStatus

    b = world["b"]
    b.successor = world["a"]
    b.status = AppStatus.DEREGISTERED
    b.save()
    page = Client().get(reverse("public:app", args=[b.filing_number]))
    assert page.status_code == 200
    assert "已由以下应用替代" in page.content.decode() and world["a"].name in page.content.decode()


def test_index_by_decision_and_case_list_by_state(world):
    """The lists the dashboard links to: groups awaiting a decision or decided (the latest
    decision counts), consolidation cases by state; regulators only."""
    c = _client(world["gd"])

    def groups(**params):
        resp = c.get(reverse("overlap:index"), params)
        assert resp.status_code == 200
        return [g.pk for g in resp.context["page"].object_list]

    group = world["group"]
    assert groups(decision="open") == [group.pk]
    assert groups(decision="consolidate") == []
    services.group_decide(actor=world["gd"], group=group, decision="distinct", reason="不同业务")
    assert groups(decision="open") == [] and groups(decision="distinct") == [group.pk]
    services.group_decide(actor=world["gd"], group=group, decision="consolidate", reason="")
    assert groups(decision="distinct") == [] and groups(decision="consolidate") == [group.pk]
    assert groups() == [group.pk] and groups(decision="nonsense") == [group.pk]
    case = services.case_open(
        actor=world["gd"], group=group, staying=world["a"], working_days=20, note=""
    )

    def cases(user, **params):
        resp = _client(user).get(reverse("overlap:cases"), params)
        return resp.status_code, [x.pk for x in resp.context["page"].object_list] if (
            resp.status_code == 200
        ) else []

    assert cases(world["gd"]) == (200, [case.pk])
    assert cases(world["gd"], state="open") == (200, [case.pk])
    assert cases(world["gd"], state="done") == (200, [])
    assert cases(f.regulator("51")) == (200, [])  # another province
    assert cases(f.unit_member(world["th"]))[0] == 404
    assert cases(f.auditor())[0] == 404  # the overlap pages are regulators'
