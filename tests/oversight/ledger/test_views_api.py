"""Pages and API of the ledger: each role sees what it should, and a unit or a regulator of
another region never reaches entries that are not public (404)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from govapp.oversight.ledger import services
from govapp.oversight.ledger.models import DemandStatus, Proposal, ProposalState
from tests import factories as f
from tests.oversight.ledger import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings: object) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


def _client(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def test_other_regions_non_public_entries_are_404_everywhere() -> None:
    w = lf.world()
    draft = lf.demand(w, "粤密草稿台账", ["姓名", "身份证号码"])
    p = services.demand_propose(demand=draft, actor=w.member)
    listed = lf.listed(w, "公开的台账", ["姓名"])
    for outsider in (w.other_member, w.other_reviewer, w.member2):
        c = _client(outsider)
        assert c.get(reverse("ledger:detail", args=[draft.pk])).status_code == 404
        assert c.get(reverse("ledger:proposal", args=[p.pk])).status_code == 404
        assert c.get(reverse("ledger:edit", args=[draft.pk])).status_code == 404
        assert c.post(reverse("ledger:propose", args=[draft.pk])).status_code == 404
        assert "粤密" not in c.get(reverse("ledger:list")).content.decode()
        assert c.get(f"/api/v1/ledger/demands/{draft.pk}").status_code == 404
        assert c.get(f"/api/v1/ledger/proposals/{p.pk}").status_code == 404
        body = c.get("/api/v1/ledger/demands").json()
        assert [d["title"] for d in body["items"]] == ["公开的台账"]
        assert "粤密" not in c.get(reverse("ledger:export")).content.decode("latin-1")
        # the public ledger stays visible
        assert c.get(reverse("ledger:detail", args=[listed.pk])).status_code == 200
    anon = Client()
    assert anon.get(reverse("ledger:detail", args=[draft.pk])).status_code == 302
    assert anon.get(f"/api/v1/ledger/demands/{draft.pk}").status_code == 401
    # a reviewer of another province cannot decide either
    c = _client(w.other_reviewer)
    r = c.post(
        f"/api/v1/ledger/proposals/{p.pk}/decide",
        data=json.dumps({"decision": "approved"}),
        content_type="application/json",
    )
    assert r.status_code == 404
    p.refresh_from_db()
    assert p.state == ProposalState.PENDING


def test_owner_and_reviewer_see_and_act() -> None:
    w = lf.world()
    draft = lf.demand(w, "本区草稿", ["姓名"])
    assert _client(w.member).get(reverse("ledger:detail", args=[draft.pk])).status_code == 200
    assert _client(w.reviewer).get(reverse("ledger:detail", args=[draft.pk])).status_code == 200
    assert _client(w.member2).get(reverse("ledger:queue")).status_code == 403


def test_new_demand_page_creates_a_draft_and_shows_the_check() -> None:
    w = lf.world()
    source = lf.listed(w, "残疾人两项补贴台账", ["姓名", "身份证号码"])
    c = _client(w.member2)
    assert c.get(reverse("ledger:new")).status_code == 200
    r = c.post(
        reverse("ledger:new"),
        {
            "title": "残疾人康复台账",
            "division": w.county,
            "target_level": "community",
            "units_targeted": 10,
            "frequency": "monthly",
            "minutes_per_field": "2",
            "fields_text": "残疾人姓名\n公民身份号码 | id_number\n康复需求",
        },
    )
    assert r.status_code == 302
    page = c.get(r["Location"]).content.decode()
    assert source.ledger_number in page and "重复" in page
    bad = c.post(
        reverse("ledger:new"), {"title": "x", "division": "999999", "fields_text": "a | nope"}
    )
    assert bad.status_code == 200 and "没有这个区划代码" in bad.content.decode()
    assert "未知的数据类型" in bad.content.decode()


def test_decide_page_sends_back_naming_the_source() -> None:
    w = lf.world()
    source = lf.listed(w, "社区救助月报", ["低保户数", "低保人数"])
    d = lf.demand(w, "社区基础数据", ["享受低保家庭户数"], unit=w.dept2, actor=w.member2)
    p = services.demand_propose(demand=d, actor=w.member2)
    c = _client(w.reviewer)
    page = c.get(reverse("ledger:proposal", args=[p.pk])).content.decode()
    assert source.ledger_number in page
    r = c.post(
        reverse("ledger:proposal", args=[p.pk]),
        {"decision": "sent_back", "reuse_source": source.pk, "reason": "请向民政局共享"},
    )
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == DemandStatus.SENT_BACK
    detail = _client(w.member2).get(reverse("ledger:detail", args=[d.pk])).content.decode()
    assert "最多报一次" in detail and source.ledger_number in detail and source.unit.name in detail
    # a member cannot post a decision
    p2 = services.demand_propose(demand=d, actor=w.member2)
    assert (
        _client(w.member2)
        .post(reverse("ledger:proposal", args=[p2.pk]), {"decision": "approved"})
        .status_code
        == 403
    )


def test_public_check_needs_no_login() -> None:
    w = lf.world()
    d = lf.listed(w, "流动人口登记表", ["姓名", "居住地址"])
    draft = lf.demand(w, "未审查的表", ["姓名"])
    anon = Client()
    page = anon.get(reverse("ledger:check"), {"number": d.ledger_number.lower()}).content.decode()
    assert "已列入清单" in page and "流动人口登记表" in page
    r = anon.get(f"/api/v1/public/ledger/{d.ledger_number}").json()
    assert r["status"] == "listed" and r["fields"] == ["姓名", "居住地址"]
    assert anon.get("/api/v1/public/ledger/TB000000-2026-9999").json()["status"] == "not_listed"
    draft_page = anon.get(
        reverse("ledger:check"), {"number": "TB000000-2026-9999"}
    ).content.decode()
    assert "未列入清单" in draft_page and reverse("complaints:report") in draft_page
    assert draft.ledger_number == ""


def test_api_create_propose_decide() -> None:
    w = lf.world()
    source = lf.listed(w, "社区救助月报", ["低保户数"])
    c = _client(w.member2)
    r = c.post(
        "/api/v1/ledger/demands",
        data=json.dumps(
            {
                "title": "低保统计",
                "division": w.county,
                "target_level": "community",
                "fields": [{"label": "低保户（户）"}],
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    demand_id = r.json()["id"]
    assert r.json()["fields"][0]["item"].startswith("dibao|户")
    r = c.post(
        f"/api/v1/ledger/demands/{demand_id}/propose", data="{}", content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["duplicated"] == 1
    pid = r.json()["id"]
    rc = _client(w.reviewer)
    bad = rc.post(
        f"/api/v1/ledger/proposals/{pid}/decide",
        data=json.dumps({"decision": "sent_back", "reason": ""}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["detail"]
    ok = rc.post(
        f"/api/v1/ledger/proposals/{pid}/decide",
        data=json.dumps({"decision": "sent_back", "reason": "复用", "reuse_source_id": source.pk}),
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["state"] == "sent_back"
    assert ok.json()["reuse_source_id"] == source.pk
    burden = rc.get("/api/v1/ledger/burden", {"division": w.county}).json()
    assert burden["demands"][0]["ledger_number"] == source.ledger_number
    assert Proposal.objects.get(pk=pid).decided_by == w.reviewer
    assert (
        _client(w.reviewer)
        .post(
            "/api/v1/ledger/demands",
            data=json.dumps({"title": "x", "division": w.county, "fields": []}),
            content_type="application/json",
        )
        .status_code
        == 403
    )


def test_pages_render_for_each_role() -> None:
    w = lf.world()
    lf.listed(w, "社区救助月报", ["低保户数"])
    for user in (w.member, w.reviewer, f.regulator(), f.auditor()):
        c = _client(user)
        for name in ("ledger:list", "ledger:burden", "ledger:dictionary"):
            assert c.get(reverse(name)).status_code == 200, (name, user)
        assert c.get(reverse("ledger:export")).status_code == 200
    rc = _client(w.reviewer)
    assert rc.get(reverse("ledger:queue")).status_code == 200
    assert rc.get(reverse("ledger:import")).status_code == 200
    assert _client(w.member).get(reverse("ledger:import")).status_code == 403
    assert Client().get(reverse("ledger:template")).status_code == 200
    home = rc.get("/").content.decode()
    assert "待审查的填报事项" in home
