"""The review workflow: one audited service per transition (R-08..R-14)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from govapp.core.calendar import add_working_days, today_shanghai
from govapp.core.models import AuditEvent
from govapp.registry.errors import NotAllowed, RegistryError, StaleVersion
from govapp.registry.models import (
    ApplicationKind,
    ApplicationState,
    AppStatus,
    ExceptionDecision,
    Holder,
    Notification,
)
from govapp.registry.selectors import sections_diff
from govapp.registry.services.applications import (
    abandon_lapsed,
    application_answer_feedback,
    application_create,
    application_exception_decide,
    application_exception_request,
    application_resubmit,
    application_save_draft,
    application_submit,
    application_withdraw,
)
from govapp.registry.services.apps import app_create, identities_set
from govapp.registry.services.review import (
    application_approve,
    application_extend,
    application_forward,
    application_reject,
    application_request_feedback,
    application_return,
)
from govapp.registry.services.shutdown import app_offline_report, app_shutdown_notice
from tests.registry import factories as rf

S = ApplicationState
pytestmark = pytest.mark.django_db


def test_local_app_from_draft_to_filed(django_capture_on_commit_callbacks):
    w = rf.world()
    with django_capture_on_commit_callbacks(execute=True):
        application = rf.submitted(w)
    assert application.state == S.SUBMITTED
    assert application.holder == Holder.PROVINCE
    assert application.deadline == add_working_days(today_shanghai(), 10).date
    assert Notification.objects.filter(user=w.province).exists()
    assert any(w.province.email in m.to for m in mail.outbox) or not w.province.email
    application = rf.province_forward(w, application)
    assert application.state == S.FORWARDED and application.holder == Holder.CAC
    assert application.deadline == add_working_days(today_shanghai(), 20).date
    application = application_approve(
        actor=w.cac, application=application, override_reason=rf.OVERRIDE
    )
    app = application.app
    app.refresh_from_db()
    assert application.state == S.FILED
    assert app.status == AppStatus.FILED
    assert app.filing_number == f"粤政务应用备{today_shanghai().year}000001号"
    assert app.identities.filter(live=True).count() == 1
    actions = list(
        AuditEvent.objects.filter(object_type="registry.application", object_id=str(application.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-5:] == [
        "application.submit",
        "application.province_signoff",
        "application.forward",
        "application.testing_override",
        "application.approve",
    ]
    assert [e.to_state for e in application.events.all()][-5:] == [
        S.SUBMITTED,
        S.SUBMITTED,
        S.FORWARDED,
        S.FORWARDED,
        S.FILED,
    ]


def test_central_department_skips_the_province():
    w = rf.world(central=True)
    application = rf.submitted(w)
    assert application.state == S.FORWARDED and application.holder == Holder.CAC
    assert application.deadline == add_working_days(today_shanghai(), 20).date
    with pytest.raises(NotAllowed):
        application_forward(actor=w.province, application=application)
    application = application_approve(
        actor=w.cac, application=application, override_reason=rf.OVERRIDE
    )
    assert application.app.filing_number.startswith("国政务应用备")


def test_wrong_state_transition_is_refused_with_a_clear_message():
    w = rf.world()
    application = rf.draft(w)
    with pytest.raises(RegistryError, match="草稿"):
        application_approve(actor=w.cac, application=application)
    application = rf.submitted(w)
    with pytest.raises(RegistryError, match="省级完整性审核中"):
        application_approve(actor=w.cac, application=application)


def test_another_province_and_the_unit_cannot_review():
    w = rf.world()
    application = rf.submitted(w)
    with pytest.raises(NotAllowed):
        application_return(actor=w.other_province, application=application, missing_items=["x"])
    with pytest.raises(NotAllowed):
        application_forward(actor=w.member, application=application)
    with pytest.raises(NotAllowed):
        application_approve(actor=w.province, application=rf.forwarded(w))


def test_return_lists_everything_once_then_resubmission():
    w = rf.world()
    application = rf.submitted(w)
    with pytest.raises(RegistryError):
        application_return(actor=w.province, application=application, missing_items=[" "])
    application = application_return(
        actor=w.province, application=application, missing_items=["立项批复文件", "等保测评报告"]
    )
    assert application.state == S.RETURNED and application.holder == Holder.UNIT
    assert application.missing_items == ["立项批复文件", "等保测评报告"]
    application = application_save_draft(
        actor=w.member, application=application, sections=rf.complete_sections("改")
    )
    application = application_resubmit(actor=w.member, application=application)
    assert application.state == S.SUBMITTED
    assert application.deadline == add_working_days(today_shanghai(), 10).date


def test_feedback_lapses_into_abandonment():
    w = rf.world()
    application = application_request_feedback(
        actor=w.cac, application=rf.forwarded(w), missing_items=["补充安全检测报告"]
    )
    assert application.state == S.FEEDBACK
    deadline = application.deadline
    assert deadline == add_working_days(today_shanghai(), 10).date
    assert abandon_lapsed(today=deadline) == 0
    assert abandon_lapsed(today=deadline + dt.timedelta(days=1)) == 1
    application.refresh_from_db()
    assert application.state == S.ABANDONED
    assert application.events.last().action == "abandon"


def test_answer_feedback_goes_back_to_the_cac():
    w = rf.world()
    application = application_request_feedback(
        actor=w.cac, application=rf.forwarded(w), missing_items=["x"]
    )
    application = application_answer_feedback(
        actor=w.member, application=application, note="已补充"
    )
    assert application.state == S.FORWARDED and application.holder == Holder.CAC


def test_extension_needs_reason_and_later_date():
    w = rf.world()
    application = rf.forwarded(w)
    with pytest.raises(RegistryError):
        application_extend(
            actor=w.cac, application=application, reason="", new_deadline=application.deadline
        )
    with pytest.raises(RegistryError, match="晚于"):
        application_extend(
            actor=w.cac, application=application, reason="复杂", new_deadline=application.deadline
        )
    later = application.deadline + dt.timedelta(days=30)
    application = application_extend(
        actor=w.cac, application=application, reason="需要现场技术检测", new_deadline=later
    )
    assert application.deadline == later
    assert application.deadline_extended_reason == "需要现场技术检测"


def test_concurrent_edit_is_detected_by_version():
    w = rf.world()
    application = rf.draft(w)
    v = application.version
    application_save_draft(actor=w.member, application=application, expected_version=v)
    with pytest.raises(StaleVersion, match="刷新"):
        application_save_draft(actor=w.member, application=application, expected_version=v)


def test_incomplete_application_names_the_fields():
    w = rf.world()
    a = rf.app(w)
    application = application_create(actor=w.member, app=a)
    with pytest.raises(RegistryError) as exc:
        application_submit(actor=w.member, application=application)
    errors = exc.value.errors
    assert "basic.handler_phone" in errors and "经办人电话" in errors["basic.handler_phone"]
    assert "pledge_accepted" in errors
    application.refresh_from_db()
    assert application.state == S.DRAFT


def test_clock_in_feature_needs_a_special_scenario():
    w = rf.world()
    application = rf.draft(w)
    sections = rf.complete_sections()
    sections["features"].append(
        {"name": "考勤打卡", "reason": "考勤", "basis": "制度", "sensitive_kind": "clock_in"}
    )
    application = application_save_draft(actor=w.member, application=application, sections=sections)
    with pytest.raises(RegistryError) as exc:
        application_submit(actor=w.member, application=application)
    assert "features.1.scenario_explanation" in exc.value.errors
    sections["features"][1].update(scenario="security", scenario_explanation="安保值守需要签到")
    application = application_save_draft(actor=w.member, application=application, sections=sections)
    assert application_submit(actor=w.member, application=application).state == S.SUBMITTED


@pytest.mark.parametrize("kind", ["public_account", "work_group"])
def test_public_accounts_and_work_groups_are_refused(kind):
    w = rf.world()
    with pytest.raises(RegistryError, match="不属于政务应用程序"):
        app_create(actor=w.member, unit=w.unit, name="某某发布", kind=kind)


def test_township_unit_needs_an_approved_exception():
    w = rf.world("440106001")
    application = rf.draft(w)
    with pytest.raises(RegistryError) as exc:
        application_submit(actor=w.member, application=application)
    assert "exception_reason" in exc.value.errors
    application = application_exception_request(
        actor=w.member, application=application, reason="应急指挥需要"
    )
    assert application.exception_decision == ExceptionDecision.REQUESTED
    with pytest.raises(NotAllowed):
        application_exception_decide(
            actor=w.other_province, application=application, approve=True, note="同意"
        )
    with pytest.raises(NotAllowed):
        application_exception_decide(
            actor=w.member, application=application, approve=True, note="同意"
        )
    application = application_exception_decide(
        actor=w.province, application=application, approve=True, note="确有必要"
    )
    assert application.exception_decided_by == w.province
    assert AuditEvent.objects.filter(action="application.exception_decide").exists()
    assert application_submit(actor=w.member, application=application).state == S.SUBMITTED


def test_identities_unique_among_live_filings():
    w = rf.world()
    rf.filed(w, package="cn.gov.gd.same")
    with pytest.raises(RegistryError) as exc:
        rf.submitted(w, package="cn.gov.gd.same")
    assert "已备案应用" in exc.value.errors["identities"]


def test_identity_validation_messages():
    w = rf.world()
    a = rf.app(w)
    with pytest.raises(RegistryError, match="包名"):
        identities_set(
            actor=w.member, app=a, identities=[{"platform": "android", "identifier": "bad name"}]
        )
    with pytest.raises(RegistryError, match="SHA256"):
        identities_set(
            actor=w.member,
            app=a,
            identities=[{"platform": "android", "identifier": "cn.a.b", "cert_sha256": "abc"}],
        )
    with pytest.raises(RegistryError, match="不能选择平台"):
        identities_set(
            actor=w.member, app=a, identities=[{"platform": "wechat", "identifier": "wx1234"}]
        )
    out = identities_set(
        actor=w.member,
        app=a,
        identities=[
            {"platform": "android", "identifier": "cn.a.b", "cert_sha256": "AB:" * 31 + "AB"}
        ],
    )
    assert out[0].cert_sha256 == "ab" * 32


def test_change_filing_is_ahead_of_time_and_keeps_the_number():
    w = rf.world()
    application = rf.filed(w)
    app = application.app
    number = app.filing_number
    change = application_create(
        actor=w.member,
        app=app,
        kind=ApplicationKind.CHANGE,
        change_description="新增学习模块",
        planned_date=today_shanghai() + dt.timedelta(days=3),
    )
    sections = rf.complete_sections(app.name)
    sections["features"].append({"name": "学习园地", "reason": "学习", "basis": "要求"})
    change = application_save_draft(
        actor=w.member, application=change, sections=sections, pledge_accepted=True
    )
    with pytest.raises(RegistryError) as exc:
        application_submit(actor=w.member, application=change)
    assert "planned_date" in exc.value.errors
    change = application_save_draft(
        actor=w.member, application=change, planned_date=add_working_days(today_shanghai(), 10).date
    )
    rows = sections_diff(change.base_sections, change.sections)
    assert any(r["field"] == "features.2.name" and r["after"] == "学习园地" for r in rows)
    change = rf.province_forward(w, application_submit(actor=w.member, application=change))
    change = application_approve(actor=w.cac, application=change, override_reason=rf.OVERRIDE)
    app.refresh_from_db()
    assert app.filing_number == number
    assert len(app.filed_sections["features"]) == 2


def test_shutdown_offline_report_deregistration():
    w = rf.world()
    app = rf.filed(w).app
    with pytest.raises(RegistryError):
        app_offline_report(actor=w.member, app=app, report="已下线")
    app = app_shutdown_notice(
        actor=w.member, app=app, shutdown_date=today_shanghai(), notice="即日关停，请改用粤政易"
    )
    assert app.status == AppStatus.SHUTDOWN_NOTICE
    application = app_offline_report(actor=w.member, app=app, report="已于今日下线，数据已归档")
    app.refresh_from_db()
    assert app.status == AppStatus.OFFLINE
    application = application_save_draft(
        actor=w.member, application=application, pledge_accepted=True
    )
    application = application_submit(actor=w.member, application=application)
    application = rf.province_forward(w, application)
    application = application_approve(actor=w.cac, application=application)
    app.refresh_from_db()
    assert app.status == AppStatus.DEREGISTERED and app.deregistered_at
    assert app.filing_number  # stays visible, never reused
    assert not app.identities.filter(live=True).exists()


def test_filing_numbers_are_never_reused():
    w = rf.world()
    numbers = {rf.filed(w).app.filing_number for _ in range(3)}
    assert len(numbers) == 3
    assert sorted(int(n[-7:-1]) for n in numbers) == [1, 2, 3]


def test_withdraw_and_reject():
    w = rf.world()
    application = application_withdraw(actor=w.member, application=rf.submitted(w))
    assert application.state == S.WITHDRAWN
    with pytest.raises(RegistryError):
        application_reject(actor=w.cac, application=rf.forwarded(w), reason="")
    application = application_reject(actor=w.cac, application=rf.forwarded(w), reason="重复建设")
    assert application.state == S.REJECTED


def test_only_one_open_application_per_app():
    w = rf.world()
    application = rf.draft(w)
    with pytest.raises(RegistryError, match="未办结"):
        application_create(actor=w.member, app=application.app)


def test_provisional_deadlines_are_recomputed():
    from govapp.core.calendar import recompute_deadlines

    w = rf.world()
    application = rf.submitted(w)
    type(application).objects.filter(pk=application.pk).update(
        deadline_provisional=True, deadline=application.deadline + dt.timedelta(days=5)
    )
    assert recompute_deadlines(application.deadline.year) >= 1
    application.refresh_from_db()
    assert application.deadline == add_working_days(today_shanghai(), 10).date
