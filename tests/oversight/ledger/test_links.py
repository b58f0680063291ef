"""Links to the rest of govapp: R-19 facts pushed to compliance become findings with the fields
as evidence; the app's page lists the demands it carries; complaints citing a ledger number."""

from __future__ import annotations

import pytest
from django.test import Client

from govapp.compliance import services as comp
from govapp.compliance.models import Finding, OperationFacts
from govapp.oversight.ledger import selectors, services
from govapp.oversight.ledger.models import ProposalState
from govapp.registry.models import App
from tests.oversight.ledger import factories as lf
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db


def test_r19_findings_from_the_ledger(django_capture_on_commit_callbacks: object) -> None:
    w = lf.world()
    rw = rf.world("440113")
    app = rf.app(rw, name="穗好办")
    App.objects.filter(pk=app.pk).update(status="filed", filing_number="TEST-R19-0001")
    source = lf.listed(w, "残疾人两项补贴台账", ["姓名", "公民身份号码"])
    carried = lf.listed(
        w, "持证残疾人台账", ["残疾人姓名", "身份证号码", "就业状况"], unit=w.dept2, actor=w.member2
    )
    unlisted = lf.demand(w, "社区走访台账", ["姓名", "走访日期"], unit=w.dept2, actor=w.member2)
    app.ledger_demands.add(carried, unlisted)
    p = services.demand_propose(demand=unlisted, actor=w.member2)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        services.proposal_decide(
            proposal=p, decision=ProposalState.REFUSED, reason="无依据", actor=w.reviewer
        )
    facts = OperationFacts.objects.get(app=app, source="ledger").data["ledger"]
    assert [d["title"] for d in facts["unlisted_demands"]] == ["社区走访台账"]
    assert {d["field"] for d in facts["duplicated_fields"]} == {"残疾人姓名", "身份证号码"}
    assert {d["source_ledger_number"] for d in facts["duplicated_fields"]} == {source.ledger_number}
    assert facts["unlisted"] == ["社区走访台账"] and len(facts["duplicated"]) == 2  # for campaigns
    # the source itself (listed first) duplicates nothing
    other = rf.app(rw, name="番禺民政通")
    other.ledger_demands.add(source)
    assert selectors.app_ledger_facts(other)["duplicated_fields"] == []
    comp.compliance_evaluate(app=App.objects.get(pk=app.pk), actor=w.reviewer)
    finding = Finding.objects.get(app=app, rule_id="R19_LEDGER")
    text = " ".join(e["value"] + e.get("where", "") for e in finding.evidence)
    assert "社区走访台账" in text and "身份证号码" in text and source.ledger_number in text


def test_app_page_lists_the_demands_it_carries() -> None:
    w = lf.world()
    rw = rf.world("440113")
    app = rf.app(rw, name="穗好办")
    d = lf.listed(w, "流动人口登记表", ["姓名"])
    app.ledger_demands.add(d)
    c = Client()
    c.force_login(rw.member)
    page = c.get(f"/registry/apps/{app.pk}/").content.decode()
    assert "承载的基层填报事项" in page and d.ledger_number in page
