"""Runs, decisions remembered by later runs, proposal checks (R-16, R-31), consolidation (R-26)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from govapp.core.calendar import today_shanghai
from govapp.core.errors import InvalidInput, NotAllowed
from govapp.core.models import AuditEvent
from govapp.orgs.models import Role
from govapp.oversight.overlap import selectors, services
from govapp.oversight.overlap.models import CaseState, Decision, OverlapGroup, Relation
from govapp.registry.models import AppStatus
from govapp.registry.services.applications import application_save_draft, application_submit
from govapp.registry.services.review import application_approve, application_forward
from govapp.registry.services.shutdown import app_offline_report, app_shutdown_notice
from tests import factories as f
from tests.oversight.overlap.factories import CITYMGMT, CITYMGMT_2, MEDINS, filed_app

pytestmark = pytest.mark.django_db


def _gd_world():
    th = f.unit("440106", name="广州市天河区城市管理局")
    yx = f.unit("440104", name="广州市越秀区城市管理局")
    sz = f.unit("440300", name="深圳市医疗保障局")
    a = filed_app(th, "天河城管通", CITYMGMT)
    b = filed_app(yx, "越秀掌上城管", CITYMGMT_2)
    c = filed_app(sz, "深圳医保", MEDINS)
    return th, yx, a, b, c


def test_run_stores_groups_in_their_jurisdiction_and_counts():
    _th, _yx, a, b, _c = _gd_world()
    run = services.overlap_run_execute(actor=f.regulator("44"))
    groups = list(run.groups.filter(relation=Relation.DUPLICATE))
    assert len(groups) == 1 and set(groups[0].apps.all()) == {a, b}
    assert groups[0].scope_code == "4401"
    assert run.function_counts["44"]["citymgmt"] == 2
    gd, sc = f.regulator("44"), f.regulator("51")
    assert list(selectors.groups_for(gd)) == groups
    assert list(selectors.groups_for(sc)) == []
    assert AuditEvent.objects.filter(action="overlap.run").exists()
    rows = selectors.function_counts(sc)
    assert all(not r["region"].startswith("44") for r in rows)


def test_unit_staff_cannot_run():
    u = f.unit("440106")
    with pytest.raises(NotAllowed):
        services.overlap_run_execute(actor=f.unit_member(u))


def test_decision_is_remembered_by_a_later_run():
    _gd_world()
    gd = f.regulator("44")
    group = services.overlap_run_execute(actor=gd).groups.get(relation=Relation.DUPLICATE)
    with pytest.raises(InvalidInput):
        services.group_decide(actor=gd, group=group, decision=Decision.DISTINCT, reason="")
    services.group_decide(actor=gd, group=group, decision=Decision.DISTINCT, reason="执法对象不同")
    later = services.overlap_run_execute(actor=gd).groups.get(relation=Relation.DUPLICATE)
    assert later.pk != group.pk
    d = selectors.decision_of(later)
    assert d is not None and d.decision == Decision.DISTINCT and d.reason == "执法对象不同"
    with pytest.raises(NotAllowed):
        services.group_decide(
            actor=f.regulator("51"), group=later, decision=Decision.CONSOLIDATE, reason=""
        )


def test_check_finds_the_existing_app_and_warns_after_a_revocation():
    th, _yx, a, b, c = _gd_world()
    hz = f.unit("440105", name="广州市海珠区城市管理局")
    member = f.unit_member(hz)
    check = services.proposal_check_create(
        actor=member, unit=hz, name="海珠城管执法", features=["渣土车监管", "违法建设巡查"]
    )
    assert check.number.startswith("CK")
    assert check.matches[0]["app_id"] in {a.pk, b.pk}
    assert check.strong_match
    assert not any("R-31" in w for w in check.warnings)
    assert c.pk not in {m["app_id"] for m in check.matches} or check.matches[-1]["score"] < 0.5
    revoked = filed_app(hz, "海珠旧应用", ["公文流转"])
    revoked.status = AppStatus.REVOKED
    revoked.save()
    again = services.proposal_check_create(
        actor=member, unit=hz, name="海珠城管执法", features=["渣土车监管"]
    )
    assert any("R-31" in w for w in again.warnings)
    authority = f.user(
        Role.PROJECT_APPROVAL_AUTHORITY, unit_obj=f.unit("4401"), division_code="4401"
    )
    assert list(services.suspended_units(authority)) == [hz]
    assert (
        list(
            services.suspended_units(
                f.user(
                    Role.PROJECT_APPROVAL_AUTHORITY, unit_obj=f.unit("5101"), division_code="5101"
                )
            )
        )
        == []
    )
    # the authority checks for a unit of its area, not for a foreign one
    services.proposal_check_create(actor=authority, unit=hz, name="x", features=["渣土车监管"])
    with pytest.raises(NotAllowed):
        services.proposal_check_create(
            actor=authority, unit=f.unit("510104"), name="x", features=["渣土车监管"]
        )
    with pytest.raises(NotAllowed):
        services.proposal_check_create(actor=member, unit=th, name="x", features=["y"])
    with pytest.raises(InvalidInput):
        services.proposal_check_create(actor=member, unit=hz, name="", features=[])


def test_approval_flags():
    th, _yx, _a, _b, _c = _gd_world()
    member = f.unit_member(th)
    check = services.proposal_check_create(
        actor=member, unit=th, name="天河城管二期", features=CITYMGMT
    )
    assert check.strong_match
    assert selectors.approval_flags({"approval": {}})  # no check
    assert selectors.approval_flags({"approval": {"overlap_check": "CK-none"}})
    assert selectors.approval_flags({"approval": {"overlap_check": check.number}})
    assert not selectors.approval_flags(
        {"approval": {"overlap_check": check.number, "overlap_reason": "原应用将并入本项目"}}
    )


def _deregister(member, province, cac, app):
    app = app_shutdown_notice(
        actor=member, app=app, shutdown_date=today_shanghai(), notice="已并入天河城管通"
    )
    application = app_offline_report(actor=member, app=app, report="用户和数据已迁移")
    application = application_save_draft(
        actor=member, application=application, pledge_accepted=True
    )
    application = application_submit(actor=member, application=application)
    application = application_forward(actor=province, application=application)
    application_approve(actor=cac, application=application)


# one provincial sign-off is enough here: joint review is tested in tests/registry
@override_settings(GOVAPP_PROVINCE_REVIEW_MODE="either")
def test_consolidation_case_from_group_to_deregistered_app():
    _th, yx, a, b, c = _gd_world()
    gd, cac = f.regulator("44"), f.regulator(None)
    group = services.overlap_run_execute(actor=gd).groups.get(relation=Relation.DUPLICATE)
    with pytest.raises(InvalidInput):
        services.case_open(actor=gd, group=group, staying=c, working_days=20)
    with pytest.raises(NotAllowed):
        services.case_open(actor=f.regulator("51"), group=group, staying=a, working_days=20)
    case = services.case_open(actor=gd, group=group, staying=a, working_days=20, note="并入天河")
    item = case.items.get()
    assert item.app == b and item.deadline > today_shanghai()
    b.refresh_from_db()
    assert b.successor == a
    assert selectors.decision_of(group).decision == Decision.CONSOLIDATE
    # overdue before any shutdown notice: escalated
    out = services.cases_tick(today=item.deadline + dt.timedelta(days=1))
    assert out["escalated"] == 1
    case.refresh_from_db()
    assert case.state == CaseState.ESCALATED
    assert AuditEvent.objects.filter(action="overlap.case_escalate").exists()
    _deregister(f.unit_member(yx), gd, cac, b)
    out = services.cases_tick()
    assert out == {"done": 1, "escalated": 0, "closed": 1}
    case.refresh_from_db()
    assert case.state == CaseState.DONE
    assert OverlapGroup.objects.filter(pk=group.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_large_index_is_rebuilt_in_the_background_while_the_old_one_answers(monkeypatch):
    """A registry change does not make a check wait for the rebuild of a large index: the
    previous index answers until the new one (built in a thread, from the database) replaces it."""
    import threading

    from govapp.registry.version import _memo

    monkeypatch.setattr(services, "BACKGROUND_REBUILD_APPS", 2)
    monkeypatch.setattr(services, "_INDEX", {})
    _th, yx, a, b, c = _gd_world()
    _memo["token"] = None
    first, apps = services.current_index()
    assert first is not None and set(apps) == {str(a.pk), str(b.pk), str(c.pk)}
    new = filed_app(yx, "越秀城管执法", CITYMGMT)
    _memo["token"] = None
    stale, apps = services.current_index()
    assert stale is first and str(new.pk) not in apps  # answered at once by the old index
    for t in threading.enumerate():
        if t.name == "overlap-index":
            t.join(timeout=60)
    _memo["token"] = None
    fresh, apps = services.current_index()
    assert fresh is not first and str(new.pk) in apps
    assert {r.id for r in fresh.records} == set(apps)
