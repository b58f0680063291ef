"""The gateway (propose -> automatic check -> approve / send back to reuse / refuse), changes,
withdrawals, reviewers and their jurisdiction, budgets and the dictionary."""

from __future__ import annotations

from decimal import Decimal

import pytest

from govapp.core.errors import Conflict, InvalidInput, NotAllowed
from govapp.core.models import AuditEvent
from govapp.orgs.models import Role
from govapp.oversight.ledger import selectors, services
from govapp.oversight.ledger.models import (
    BurdenBudget,
    Demand,
    DemandStatus,
    DictionaryVersion,
    ProposalKind,
    ProposalState,
)
from govapp.registry.models import App
from tests import factories as f
from tests.oversight.ledger import factories as lf

pytestmark = pytest.mark.django_db


def test_a_new_demand_is_checked_against_the_area_and_sent_back_to_reuse() -> None:
    w = lf.world()
    source = lf.listed(
        w, "残疾人两项补贴发放台账", ["姓名", "公民身份号码", "残疾等级", "填报日期"]
    )
    assert source.ledger_number.startswith("TB440113-")
    new = lf.demand(
        w,
        "持证残疾人信息台账",
        ["残疾人姓名", "身份证号码", "残疾级别", "就业状况"],
        unit=w.dept2,
        actor=w.member2,
    )
    p = services.demand_propose(demand=new, reason="年度核查", actor=w.member2)
    assert p.kind == ProposalKind.NEW
    assert p.field_check["duplicated"] == 3
    matched = {
        x["label"]: [m["ledger_number"] for m in x["matches"]] for x in p.field_check["fields"]
    }
    assert matched["身份证号码"] == [source.ledger_number]
    assert matched["就业状况"] == []
    assert selectors.reuse_candidates(p) == [source]
    events = AuditEvent.objects.filter(action="ledger.proposal_submit").count()

    with pytest.raises(InvalidInput):  # a reason is required to send back
        services.proposal_decide(
            proposal=p,
            decision=ProposalState.SENT_BACK,
            reason="",
            reuse_source=source,
            actor=w.reviewer,
        )
    with pytest.raises(InvalidInput):  # and the source it should reuse
        services.proposal_decide(
            proposal=p, decision=ProposalState.SENT_BACK, reason="请复用", actor=w.reviewer
        )
    services.proposal_decide(
        proposal=p,
        decision=ProposalState.SENT_BACK,
        reason="请向民政局共享获取",
        reuse_source=source,
        actor=w.reviewer,
    )
    p.refresh_from_db()
    new.refresh_from_db()
    assert p.state == ProposalState.SENT_BACK and p.reuse_source == source
    assert new.status == DemandStatus.SENT_BACK and new.ledger_number == ""
    assert events == AuditEvent.objects.filter(action="ledger.proposal_submit").count()
    assert AuditEvent.objects.filter(action="ledger.proposal_decide").count() == 2
    # the department may edit and propose again; an approval lists it with a new number
    services.demand_update(demand=new, fields=[services.FieldSpec("就业状况")], actor=w.member2)
    p2 = services.demand_propose(demand=new, actor=w.member2)
    assert p2.field_check["duplicated"] == 0
    services.proposal_decide(
        proposal=p2, decision=ProposalState.APPROVED, reason="", actor=w.reviewer
    )
    new.refresh_from_db()
    assert new.status == DemandStatus.LISTED and new.ledger_number != source.ledger_number


def test_only_a_reviewer_of_the_area_decides() -> None:
    w = lf.world()
    d = lf.demand(w, "流动人口登记表", ["姓名"])
    p = services.demand_propose(demand=d, actor=w.member)
    for outsider in (w.member, w.other_reviewer, w.other_member, f.auditor()):
        with pytest.raises(NotAllowed):
            services.proposal_decide(
                proposal=p, decision=ProposalState.APPROVED, reason="", actor=outsider
            )
    assert not selectors.review_queue(w.other_reviewer).exists()
    assert list(selectors.review_queue(w.reviewer)) == [p]


def test_a_designated_burden_reduction_office_reviews_its_county_only() -> None:
    w = lf.world()
    office_unit = f.unit(w.county, name="番禺区基层减负办")
    officer = f.unit_member(office_unit)
    d = lf.demand(w, "流动人口登记表", ["姓名"])
    p = services.demand_propose(demand=d, actor=w.member)
    assert not selectors.can_review(officer, d)
    with pytest.raises(NotAllowed):  # units cannot designate offices
        services.office_designate(unit=office_unit, division=f.division(w.county), actor=w.member)
    services.office_designate(unit=office_unit, division=f.division(w.county), actor=w.reviewer)
    officer = type(officer).objects.get(pk=officer.pk)  # fresh grants cache
    assert selectors.can_review(officer, d)
    assert list(selectors.review_queue(officer)) == [p]
    elsewhere = lf.world("440106")
    d2 = lf.demand(elsewhere, "另一区的事项", ["姓名"])
    assert not selectors.can_review(officer, d2)
    services.proposal_decide(
        proposal=p, decision=ProposalState.REFUSED, reason="无依据", actor=officer
    )
    d.refresh_from_db()
    assert d.status == DemandStatus.REFUSED


def test_change_replaces_the_listed_version_and_keeps_the_number() -> None:
    w = lf.world()
    old = lf.listed(w, "社区基本情况表", ["常住人口数", "户籍人口数"])
    draft = services.demand_revise(demand=old, actor=w.member)
    services.demand_update(
        demand=draft, fields=[services.FieldSpec("常住人口数")], actor=w.member, frequency="yearly"
    )
    p = services.demand_propose(demand=draft, actor=w.member)
    assert p.kind == ProposalKind.CHANGE
    assert p.field_check["duplicated"] == 0  # the version it replaces does not count
    services.proposal_decide(
        proposal=p, decision=ProposalState.APPROVED, reason="", actor=w.reviewer
    )
    old.refresh_from_db()
    draft.refresh_from_db()
    assert old.status == DemandStatus.REPLACED and old.ends_on is not None
    assert draft.status == DemandStatus.LISTED and draft.ledger_number == old.ledger_number
    assert selectors.public_check(old.ledger_number)["status"] == "listed"


def test_withdrawal_goes_through_the_gateway() -> None:
    w = lf.world()
    d = lf.listed(w, "社区基本情况表", ["常住人口数"])
    with pytest.raises(InvalidInput):
        services.demand_withdraw_propose(demand=d, reason="", actor=w.member)
    p = services.demand_withdraw_propose(demand=d, reason="已由共享数据替代", actor=w.member)
    with pytest.raises(InvalidInput):  # a withdrawal cannot be "sent back to reuse"
        services.proposal_decide(
            proposal=p,
            decision=ProposalState.SENT_BACK,
            reason="x",
            reuse_source=d,
            actor=w.reviewer,
        )
    services.proposal_decide(
        proposal=p, decision=ProposalState.APPROVED, reason="", actor=w.reviewer
    )
    d.refresh_from_db()
    assert d.status == DemandStatus.WITHDRAWN
    assert selectors.public_check(d.ledger_number)["status"] == "withdrawn"


def test_listed_demands_cannot_be_edited_in_place() -> None:
    w = lf.world()
    d = lf.listed(w, "社区基本情况表", ["常住人口数"])
    with pytest.raises(Conflict):
        services.demand_update(demand=d, actor=w.member, title="改名")


def test_a_department_proposes_only_for_its_own_area() -> None:
    w = lf.world()
    with pytest.raises(InvalidInput):
        services.demand_create(
            unit=w.dept,
            division=f.division("510121"),
            title="跨区事项",
            fields=[services.FieldSpec("姓名")],
            actor=w.member,
        )


def test_the_budget_warns_when_a_new_demand_would_exceed_it() -> None:
    w = lf.world()
    lf.listed(w, "社区基本情况表", ["常住人口数", "户籍人口数"], units_targeted=60)  # 4 h
    services.budget_set(division=f.division(w.county), hours_per_month=Decimal(5), actor=w.reviewer)
    with pytest.raises(NotAllowed):
        services.budget_set(
            division=f.division(w.county), hours_per_month=Decimal(99), actor=w.other_reviewer
        )
    d = lf.demand(w, "新表", ["就业状况"], units_targeted=60)  # +2 h
    check = selectors.gateway_check(d)
    assert check["budget"] == {
        "hours_per_month": "5.0",
        "current": "4.00",
        "after": "6.00",
        "exceeded": True,
    }
    services.budget_set(division=f.division(w.county), hours_per_month=None, actor=w.reviewer)
    assert not BurdenBudget.objects.exists()


def test_data_a_filed_app_holds_is_flagged() -> None:
    from tests.registry import factories as rf

    w = lf.world()
    app = rf.app(rf.world("440113"), name="穗好办")
    App.objects.filter(pk=app.pk).update(status="filed", filing_number="TEST-FILED-0001")
    source = lf.listed(w, "社区救助月报", ["低保户数", "低保人数"])
    Demand.objects.filter(pk=source.pk).update(app=app)
    d = lf.demand(w, "社区基础数据", ["享受低保家庭户数"])
    m = selectors.gateway_check(d)["fields"][0]["matches"][0]
    assert m["ledger_number"] == source.ledger_number
    assert m["app_filed"] is True and m["app"] == "穗好办"
    assert m["filing_number"] == "TEST-FILED-0001"


def test_a_regulator_edits_the_dictionary_and_demands_are_reclassified() -> None:
    w = lf.world()
    a = lf.listed(w, "留守儿童关爱台账", ["姓名", "读书学校"])
    d = lf.demand(w, "留守儿童在校情况", ["学生姓名", "就读学校"])
    assert selectors.gateway_check(d)["duplicated"] == 1
    data = selectors.dictionary_data()
    import json

    data = json.loads(json.dumps(data))
    next(i for i in data["items"] if i["id"] == "school")["synonyms"].append("读书学校")
    with pytest.raises(NotAllowed):
        services.dictionary_update(data=data, note="x", actor=w.member)
    with pytest.raises(InvalidInput):
        services.dictionary_update(data={"items": []}, note="broken", actor=w.reviewer)
    services.dictionary_update(data=data, note="读书学校", actor=w.reviewer)
    assert DictionaryVersion.objects.count() == 1
    assert selectors.gateway_check(d)["duplicated"] == 2
    assert a.fields.get(label="读书学校").item == "school"
    selectors.matcher_reset()


def test_national_regulator_and_superuser_review_everywhere() -> None:
    w = lf.world()
    d = lf.demand(w, "流动人口登记表", ["姓名"])
    assert selectors.can_review(f.regulator(), d)
    assert not selectors.can_review(f.user(Role.AUDITOR, unit_obj=f.unit("11")), d)
