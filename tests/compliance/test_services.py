import datetime as dt

import pytest

from govapp.compliance import services as svc
from govapp.compliance.models import (
    ExemptionStatus,
    Finding,
    FindingStatus,
    OrderState,
    PenaltyState,
    SpotCheckItem,
)
from govapp.core.calendar import today_shanghai
from govapp.core.models import AuditEvent
from govapp.public import selectors
from govapp.public.selectors import verify
from govapp.registry.models import AppStatus
from govapp.registry.services.applications import (
    application_create,
    application_save_draft,
    application_submit,
)
from govapp.registry.services.review import application_approve
from tests.compliance import factories as cf
from tests.registry import factories as rf
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4 test document"


def _clock_in_app(w):
    app = cf.app(w)
    cf.package_scan(app, **cf.CLOCK_IN)
    svc.compliance_evaluate(app=app, actor=w.member)
    return app, Finding.objects.get(app=app, rule_id="R20_CLOCK_IN")


def _request(w, app, rule="R20_CLOCK_IN"):
    return svc.exemption_request(
        actor=w.member,
        app=app,
        rule_id=rule,
        scenario="security",
        reason="重大活动安保期间值守人员到岗确认",
        document_name="安保方案.pdf",
        document=PDF,
    )


def test_exemption_approved_marks_finding_then_expiry_reopens():
    w = cf.world()
    app, finding = _clock_in_app(w)
    ex = _request(w, app)
    today = today_shanghai()
    svc.exemption_decide(
        actor=w.province, exemption=ex, approve=True, expires_on=today + dt.timedelta(days=30)
    )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.EXEMPTED and finding.exemption_id == ex.pk
    # stays visible with its exemption; expiry reopens it
    assert svc.exemptions_expire(today=today + dt.timedelta(days=31)) == 1
    ex.refresh_from_db()
    finding.refresh_from_db()
    assert ex.status == ExemptionStatus.EXPIRED
    assert finding.status == FindingStatus.OPEN and finding.exemption_id is None


def test_exemption_refusals():
    w = cf.world()
    app, _ = _clock_in_app(w)
    with pytest.raises(svc.ComplianceError, match="不能豁免"):
        _request(w, app, rule="R23_ADVERTISING_SDK")
    with pytest.raises(svc.ComplianceError, match="主办单位"):
        svc.exemption_request(
            actor=w.other_member,
            app=app,
            rule_id="R20_CLOCK_IN",
            scenario="security",
            reason="x" * 20,
            document_name="a.pdf",
            document=PDF,
        )
    ex = _request(w, app)
    with pytest.raises(svc.ComplianceError, match="辖区"):
        svc.exemption_decide(actor=w.other_province, exemption=ex, approve=False, note="no")
    with pytest.raises(svc.ComplianceError, match="有效期"):
        svc.exemption_decide(actor=w.province, exemption=ex, approve=True)
    svc.exemption_decide(actor=w.province, exemption=ex, approve=False, note="非特殊场景")
    ex.refresh_from_db()
    assert ex.status == ExemptionStatus.REFUSED


def test_rectification_accepted_after_clean_rescan():
    w = cf.world()
    app, finding = _clock_in_app(w)
    order = svc.order_issue(
        actor=w.province, app=app, findings=[finding], instructions="删除打卡功能", working_days=10
    )
    assert order.deadline > today_shanghai()
    clean = cf.package_scan(app)
    svc.order_respond(actor=w.member, order=order, response="已删除打卡模块", scan=clean)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CLOSED
    svc.order_accept(actor=w.province, order=order)
    order.refresh_from_db()
    assert order.state == OrderState.ACCEPTED
    assert AuditEvent.objects.filter(action="order.accept", object_id=str(order.pk)).exists()


def test_rectification_sent_back_when_still_broken():
    w = cf.world()
    app, finding = _clock_in_app(w)
    order = svc.order_issue(actor=w.province, app=app, findings=[finding], instructions="改")
    svc.order_respond(actor=w.member, order=order, response="改了")
    with pytest.raises(svc.ComplianceError, match="仍然存在"):
        svc.order_accept(actor=w.province, order=order)
    svc.order_send_back(actor=w.province, order=order, note="打卡仍在", working_days=5)
    order.refresh_from_db()
    assert order.state == OrderState.SENT_BACK and order.working_days == 5
    with pytest.raises(svc.ComplianceError):
        svc.order_issue(actor=w.other_province, app=app, findings=[finding], instructions="x")


def test_overdue_escalates_then_penalty_revokes_and_refiling_restores(
    django_capture_on_commit_callbacks,
):
    w = rf.world()
    application = rf.filed(w)
    app = application.app
    cf.package_scan(app, **cf.ADS)
    svc.compliance_evaluate(app=app, actor=w.province)
    finding = Finding.objects.get(app=app, rule_id="R23_ADVERTISING_SDK")
    order = svc.order_issue(
        actor=w.province, app=app, findings=[finding], instructions="去广告", working_days=3
    )
    with pytest.raises(svc.ComplianceError, match="尚未届满"):
        svc.order_fail(actor=w.province, order=order, reason="未整改")
    later = order.deadline + dt.timedelta(days=1)
    assert svc.orders_escalate(today=later) == 1
    assert svc.orders_escalate(today=later) == 0
    order.refresh_from_db()
    assert order.escalated_at is not None
    order.deadline = today_shanghai() - dt.timedelta(days=1)
    order.save()
    case = svc.order_fail(actor=w.province, order=order, reason="逾期未整改")
    assert case.state == PenaltyState.PROPOSED
    with pytest.raises(svc.ComplianceError, match="国家网信办"):
        svc.penalty_revoke(actor=w.province, case=case)
    package = app.identities.first().identifier
    assert verify(package=package)["status"] == "filed"
    with django_capture_on_commit_callbacks(execute=True):
        svc.penalty_revoke(actor=w.cac, case=case, note="撤销")
    app.refresh_from_db()
    assert app.status == AppStatus.REVOKED
    assert verify(package=package)["status"] == "revoked"
    assert verify(filing_number=app.filing_number)["status"] == "revoked"
    assert AuditEvent.objects.filter(action="app.revoked", object_id=str(app.pk)).exists()
    # re-filing after full rectification, through the normal workflow
    new = application_create(actor=w.member, app=app)
    new = application_save_draft(
        actor=w.member,
        application=new,
        sections=rf.complete_sections(app.name),
        pledge_accepted=True,
    )
    new = application_submit(actor=w.member, application=new)
    if new.state != "forwarded":
        new = rf.province_forward(w, new)
    with django_capture_on_commit_callbacks(execute=True):
        application_approve(actor=w.cac, application=new, override_reason=rf.OVERRIDE)
    # the approval enqueues the app's evaluation (core.wiring.FOLLOW_UPS["app.filed"]); the
    # worker runs it and the case is restored
    run_queued_tasks()
    case.refresh_from_db()
    assert case.state == PenaltyState.RESTORED
    assert AuditEvent.objects.filter(action="penalty.restored", object_id=str(case.pk)).exists()
    selectors._memo["token"] = None  # the version memo lives GOVAPP_PUBLIC_VERSION_TTL (1 s)
    assert verify(package=package)["status"] == "filed"


def _many_apps(n_gd=6, n_sc=4):
    w = cf.world()
    sc_unit = w.other_member.unit
    gd = [cf.app(w) for _ in range(n_gd)]
    sc = [cf.app(unit=sc_unit) for _ in range(n_sc)]
    return w, gd, sc


def test_spot_check_is_stratified_reproducible_and_not_twice_in_a_row():
    w, gd, _sc = _many_apps()
    risky = gd[0]
    cf.package_scan(risky, **cf.CLOCK_IN)
    svc.compliance_evaluate(app=risky, actor=w.cac)
    check = svc.spotcheck_draw(actor=w.cac, name="2026 第一次", sample_size=4, seed=42)
    items = list(check.items.all())
    assert len(items) == 4
    strata = {i.stratum for i in items}
    assert {"44/app", "51/app"} <= strata
    assert sorted(i.app_id for i in items) == svc.spotcheck_redraw(check)
    weights = check.params["weights"]
    assert weights[str(risky.pk)] > weights[str(gd[1].pk)]
    second = svc.spotcheck_draw(actor=w.cac, name="第二次", sample_size=4, seed=42)
    assert not {i.app_id for i in second.items.all()} & {i.app_id for i in items}
    forced = svc.spotcheck_draw(actor=w.cac, name="第三次", sample_size=10, seed=1, forced=True)
    assert forced.items.count() == 10


def test_spot_check_of_a_province_stays_in_it_and_results_feed_findings():
    w, _gd, _sc = _many_apps()
    check = svc.spotcheck_draw(actor=w.province, name="粤抽查", sample_size=3, seed=7)
    items = list(check.items.select_related("app__hosting_unit"))
    assert all(i.app.hosting_unit.scope_code.startswith("44") for i in items)
    item = items[0]
    svc.spotcheck_record(
        actor=w.province,
        item=item,
        checks={"filing_number_displayed": False, "complaint_function_present": True},
    )
    item.refresh_from_db()
    assert item.result == "failed"
    assert Finding.objects.filter(
        app=item.app, rule_id="R11_FILING_NUMBER_DISPLAY", status="open"
    ).exists()
    with pytest.raises(svc.ComplianceError):
        svc.spotcheck_record(actor=w.other_province, item=item, checks={})
    assert SpotCheckItem.objects.count() == 3


def test_bulletin_from_resolved_cases():
    w = cf.world()
    app, finding = _clock_in_app(w)
    order = svc.order_issue(actor=w.province, app=app, findings=[finding], instructions="删除")
    cf.package_scan(app)
    svc.order_respond(actor=w.member, order=order, response="已删除")
    with pytest.raises(svc.ComplianceError, match="已办结"):
        svc.bulletin_publish(actor=w.province, title="t", summary="", orders=[order])
    svc.order_accept(actor=w.province, order=order)
    order.refresh_from_db()
    b = svc.bulletin_publish(actor=w.province, title="典型问题通报", summary="", orders=[order])
    assert b.cases[0]["app"] == "某政务应用" and b.cases[0]["problems"][0]["rule"] == "R20_CLOCK_IN"
    named = svc.bulletin_publish(
        actor=w.cac, title="点名通报", summary="", orders=[order], anonymised=False
    )
    assert named.cases[0]["app"] == app.name
    with pytest.raises(svc.ComplianceError, match="辖区"):
        svc.bulletin_publish(actor=w.other_province, title="x", summary="", orders=[order])
