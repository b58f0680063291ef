"""Routing (R-33), triage, explanation requests, deadlines and the public per-app figure."""

from __future__ import annotations

import datetime as dt

import pytest

from govapp.complaints import selectors, services
from govapp.complaints.models import Complaint, ExplanationState, Status
from govapp.core.calendar import add_working_days, today_shanghai
from govapp.core.errors import InvalidInput
from govapp.core.models import AuditEvent
from tests.complaints.factories import report, world

pytestmark = pytest.mark.django_db


def test_report_is_routed_to_the_provincial_office_of_the_unit():
    w = world()
    res = report(w.app)
    c = res.complaint
    assert c.routed_to == w.gd_office and c.scope_code == "440106"
    assert c.hosting_unit == w.unit and c.status == Status.RECEIVED
    assert c.receipt_hash != res.receipt and len(c.receipt_hash) == 64
    assert selectors.complaint_by_receipt(res.receipt) == c
    assert selectors.complaint_by_receipt(res.receipt.lower().replace("-", "")) == c
    assert selectors.complaint_by_receipt("AAAA-" * 7 + "AAAA") is None
    today = today_shanghai()
    assert c.received_on == today
    assert c.ack_due == add_working_days(today, services.ack_working_days()).date
    assert c.answer_due == add_working_days(today, services.answer_working_days()).date


def test_central_units_and_unknown_apps_go_to_the_cac():
    w = world()
    c = report(w.central_app).complaint
    assert c.routed_to == w.cac_unit and c.scope_code == "central"
    u = report(None, app_name="某不知名的打卡小程序").complaint
    assert u.routed_to == w.cac_unit and u.scope_code == "" and u.app is None
    assert u.app_name_given == "某不知名的打卡小程序"


def test_who_can_read_reports():
    w = world()
    gd_c = report(w.app).complaint
    central_c = report(w.central_app).complaint
    assert set(selectors.complaints_for(w.gd)) == {gd_c}
    assert set(selectors.complaints_for(w.cac)) == {gd_c, central_c}
    for outsider in (w.sc, w.member, w.other_member, w.central_member, w.auditor):
        assert not selectors.complaints_for(outsider).exists()
    # the auditor counts them but reads no content
    assert selectors.complaints_for_stats(w.auditor).count() == 2


def test_validation_messages_say_what_to_do():
    w = world()
    with pytest.raises(InvalidInput, match="至少 10 个字"):
        report(w.app, description="太短")
    with pytest.raises(InvalidInput, match="类别"):
        report(w.app, category="nonsense")
    with pytest.raises(InvalidInput, match="应用的名称或备案编号"):
        report(None, app_name="")
    with pytest.raises(InvalidInput, match="只接受图片"):
        report(w.app, evidence=[b"MZ\x90\x00 an exe"])
    assert not Complaint.objects.exists()


def test_triage_flow_with_redacted_explanation_and_answer():
    w = world()
    res = report(w.app, description="我是张三，电话13800138000，每天被要求打卡三次并上传工作照片。")
    c = services.complaint_acknowledge(complaint=res.complaint, actor=w.gd)
    assert c.status == Status.ACKNOWLEDGED and c.acknowledged_at is not None
    with pytest.raises(InvalidInput, match="确认已删除"):
        services.complaint_request_explanation(
            complaint=c,
            actor=w.gd,
            redacted_text="应用被要求每日打卡，请说明。",
            confirmed_redacted=False,
        )
    with pytest.raises(InvalidInput, match="不能是举报原文"):
        services.complaint_request_explanation(
            complaint=c, actor=w.gd, redacted_text=c.description, confirmed_redacted=True
        )
    req = services.complaint_request_explanation(
        complaint=c,
        actor=w.gd,
        redacted_text="有反映称该应用要求基层人员每日多次打卡并上传工作照片，请说明依据。",
        confirmed_redacted=True,
    )
    c.refresh_from_db()
    assert c.status == Status.EXPLANATION_REQUESTED
    # the unit reads only the redacted request; other units see nothing
    assert list(selectors.explanation_requests_for(w.member)) == [req]
    assert not selectors.explanation_requests_for(w.other_member).exists()
    with pytest.raises(InvalidInput):
        services.explanation_respond(request=req, actor=w.other_member, response="不是我们")
    with pytest.raises(InvalidInput):
        services.explanation_respond(request=req, actor=w.gd, response="监管不能代答")
    req = services.explanation_respond(
        request=req, actor=w.member, response="已取消打卡功能，照片上传改为自愿。"
    )
    assert req.state == ExplanationState.ANSWERED
    c.refresh_from_db()
    assert c.status == Status.EXPLANATION_RECEIVED
    services.complaint_reply(complaint=c, actor=w.gd, text="内部：已核实", to_reporter=False)
    services.complaint_reply(complaint=c, actor=w.gd, text="已要求主办单位整改。")
    c = services.complaint_answer(complaint=c, actor=w.gd, outcome="主办单位已取消强制打卡。")
    assert c.status == Status.ANSWERED and c.closed_at is not None and c.is_closed
    with pytest.raises(InvalidInput, match="已办结"):
        services.complaint_add_information(complaint=c, text="还有新情况")
    actions = list(
        AuditEvent.objects.filter(object_type="complaints.complaint").values_list(
            "action", flat=True
        )
    )
    assert "complaint.submit" in actions and "complaint.answer" in actions
    # audit events never carry the report's text
    for ev in AuditEvent.objects.all():
        assert "13800138000" not in str(ev.before) + str(ev.after) + ev.object_repr


def test_other_province_cannot_handle():
    w = world()
    c = report(w.app).complaint
    for outsider in (w.sc, w.member, w.auditor):
        with pytest.raises(InvalidInput, match="无权"):
            services.complaint_acknowledge(complaint=c, actor=outsider)
        with pytest.raises(InvalidInput):
            services.complaint_reply(complaint=c, actor=outsider, text="看看")


def test_dismiss_needs_a_reason_and_closes():
    w = world()
    c = report(w.app).complaint
    with pytest.raises(InvalidInput, match="理由"):
        services.complaint_dismiss(complaint=c, actor=w.gd, reason="")
    c = services.complaint_dismiss(complaint=c, actor=w.gd, reason="所述应用不属于政务应用。")
    assert c.status == Status.DISMISSED and c.outcome == "所述应用不属于政务应用。"


def test_merge_follows_the_primary():
    w = world()
    first = report(w.app).complaint
    second = report(w.app, category="ranking_abuse").complaint
    third = report(w.app).complaint
    services.complaint_merge(complaint=third, into=second, actor=w.gd)
    merged = services.complaint_merge(complaint=second, into=first, actor=w.gd)
    assert merged.status == Status.MERGED and merged.merged_into == first
    third.refresh_from_db()
    assert third.merged_into == first  # re-pointed to the new primary
    with pytest.raises(InvalidInput):
        services.complaint_merge(complaint=first, into=first, actor=w.gd)
    other = report(w.central_app).complaint
    with pytest.raises(InvalidInput, match="找不到"):
        services.complaint_merge(complaint=first, into=other, actor=w.gd)
    # the merged reporter may still add information while the primary is open
    services.complaint_add_information(complaint=merged, text="补充：每周还要截图上报。")


def test_open_finding_pushes_the_note_to_the_compliance_engine():
    from govapp.compliance.models import OperationFacts

    w = world()
    c = report(w.app).complaint
    c = services.complaint_open_finding(complaint=c, actor=w.gd, note="强制打卡")
    assert c.status == Status.FINDING_OPENED
    assert c.finding_ref == f"R33_VERIFIED_REPORT@{w.app.pk}"
    facts = OperationFacts.objects.get(app=w.app, source="complaints").data
    assert facts["complaints"] == {c.category: 1}
    assert [r["note"] for r in facts["verified_reports"]] == ["强制打卡"]
    # nothing the reporter wrote crosses over
    assert c.description not in str(facts)
    unknown = report(None, app_name="某小程序").complaint
    with pytest.raises(InvalidInput, match="未对应"):
        services.complaint_open_finding(complaint=unknown, actor=w.cac, note="x")


def test_overdue_reports_are_visible():
    w = world()
    c = report(w.app).complaint
    past = today_shanghai() - dt.timedelta(days=60)
    Complaint.objects.filter(pk=c.pk).update(
        received_on=past,
        ack_due=past + dt.timedelta(days=3),
        answer_due=past + dt.timedelta(days=20),
    )
    c.refresh_from_db()
    assert selectors.is_overdue(c) == {"ack": True, "answer": True}
    assert list(selectors.complaint_filter(selectors.complaints_for(w.gd), overdue=True)) == [c]
    services.complaint_acknowledge(complaint=c, actor=w.gd)
    c.refresh_from_db()
    assert selectors.is_overdue(c) == {"ack": False, "answer": True}


def test_deadlines_recompute_for_provisional_dates():
    w = world()
    c = report(w.app).complaint
    Complaint.objects.filter(pk=c.pk).update(answer_due_provisional=True, answer_due=c.received_on)
    assert services.deadlines_recompute(c.received_on.year) == 1
    c.refresh_from_db()
    assert c.answer_due == add_working_days(c.received_on, services.answer_working_days()).date


def test_public_counts_and_aggregates():
    w = world()
    report(w.app)
    done = report(w.app, category="excessive_records").complaint
    services.complaint_answer(complaint=done, actor=w.gd, outcome="已整改完毕。")
    report(w.central_app)
    assert selectors.complaint_counts_for_app(w.app) == {"received": 2, "resolved": 1}
    agg = selectors.complaint_aggregates(w.gd)
    assert agg["total"] == 2 and agg["resolved"] == 1
    cats = {r["key"]: r["count"] for r in agg["categories"]}
    assert cats["forced_use"] == 1 and cats["excessive_records"] == 1
    assert [r["code"] for r in agg["regions"]] == ["44"]
    assert agg["units"][0]["name"] == w.unit.name
    national = selectors.complaint_aggregates(w.cac)
    assert national["total"] == 3 and {r["code"] for r in national["regions"]} == {"44", "central"}
    assert selectors.complaint_aggregates(w.sc)["total"] == 0
    assert selectors.complaint_aggregates(w.member)["total"] == 0


def test_every_filed_app_gets_a_key():
    w = world()
    assert services.app_complaint_keys_ensure_all() == 2
    key = services.app_complaint_key_ensure(app=w.app)
    assert len(key.key) >= 20 and selectors.app_by_key(key.key) == w.app
    assert services.app_complaint_keys_ensure_all() == 0
    assert selectors.app_by_key("nope") is None


def test_demo_loader_is_idempotent():
    from govapp.complaints.demo import demo_complaints_load

    world()
    first = demo_complaints_load()
    assert first["complaint_keys"] == 2 and first["complaints_created"] == 2
    assert demo_complaints_load() == {"complaint_keys": 0, "complaints_created": 0}
