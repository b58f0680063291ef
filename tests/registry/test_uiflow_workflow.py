"""Issue 15: the one-time notice (一次性告知) across rounds, section changes between
submissions, shutdown orders followed to deregistration, overdue offline reports, the review
queue's filters, and filing numbers read the same however they are typed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from govapp.compliance import services as csvc
from govapp.compliance.models import Finding, FindingStatus
from govapp.core.calendar import add_working_days, today_shanghai
from govapp.core.models import AuditEvent
from govapp.public.selectors import public_app_search, verify
from govapp.registry.errors import NotAllowed, RegistryError
from govapp.registry.models import ApplicationState, AppStatus, Notification, ShutdownOrder
from govapp.registry.numbers import filing_number_variants
from govapp.registry.services.applications import (
    application_answer_feedback,
    application_resubmit,
    application_save_draft,
    application_submit,
)
from govapp.registry.services.review import (
    application_approve,
    application_request_feedback,
    application_return,
)
from govapp.registry.services.shutdown import (
    app_offline_report,
    app_shutdown_notice,
    app_shutdown_order,
    offline_report_overdue,
)
from tests import factories as f
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db
S = ApplicationState


def _resubmit_with(w: rf.World, application: Any, **basic: str) -> Any:
    sections = rf.complete_sections(application.app.name)
    sections["basic"].update(basic)
    application = application_save_draft(actor=w.member, application=application, sections=sections)
    return application_resubmit(actor=w.member, application=application)


def test_a_second_list_with_new_items_must_say_why_the_first_missed_them(client: Client) -> None:
    w = rf.world()
    application = application_return(
        actor=w.province, application=rf.submitted(w), missing_items=["立项批复文件"]
    )
    application = _resubmit_with(w, application, version="1.0.1")
    # repeating an item of the first list needs no reason
    again = application_return(
        actor=w.province, application=application, missing_items=["立项批复文件 "]
    )
    assert again.events.last().data["new_items"] == []
    application = _resubmit_with(w, again, version="1.0.2")
    with pytest.raises(RegistryError, match="一次性告知") as exc:
        application_return(
            actor=w.province, application=application, missing_items=["等保测评报告"]
        )
    assert "late_reason" in exc.value.errors
    # the page says the same
    client.force_login(w.province)
    page = client.get(reverse("registry:application", args=[application.pk])).content.decode()
    assert 'name="late_reason"' in page
    page = client.post(
        reverse("registry:application_act", args=[application.pk, "return"]),
        {"missing_items": "等保测评报告"},
        follow=True,
    ).content.decode()
    assert "此前的清单中" in page
    client.post(
        reverse("registry:application_act", args=[application.pk, "return"]),
        {"missing_items": "等保测评报告", "late_reason": "等保新规本月起施行"},
    )
    application.refresh_from_db()
    assert application.state == S.RETURNED
    ev = application.events.filter(action="return").last()
    assert ev.data["new_items"] == ["等保测评报告"] and ev.data["round"] == 3
    assert ev.data["late_reason"] == "等保新规本月起施行"
    page = client.get(reverse("registry:application", args=[application.pk])).content.decode()
    assert "第 3 次补正清单" in page and "此前清单未列出" in page and "等保新规本月起施行" in page
    # each resubmission shows what changed, in words, not field paths
    resub = application.events.filter(action="resubmit").first()
    assert resub.data["changes"] == [
        {
            "field": "basic.version",
            "label": "一、基本信息 · 版本号",
            "before": "1.0.0",
            "after": "1.0.1",
        }
    ]
    assert "一、基本信息 · 版本号" in page and "basic.version" not in page


def test_cac_feedback_lists_follow_the_same_rule() -> None:
    w = rf.world()
    application = application_request_feedback(
        actor=w.cac, application=rf.forwarded(w), missing_items=["隐私政策"]
    )
    application = application_answer_feedback(actor=w.member, application=application)
    with pytest.raises(RegistryError):
        application_request_feedback(
            actor=w.cac, application=application, missing_items=["隐私政策", "源代码审计报告"]
        )
    application = application_request_feedback(
        actor=w.cac,
        application=application,
        missing_items=["隐私政策", "源代码审计报告"],
        late_reason="首轮检测发现新接入的第三方SDK",
    )
    ev = application.events.filter(action="request_feedback").last()
    assert ev.data["new_items"] == ["源代码审计报告"]
    assert ev.data["repeated_items"] == ["隐私政策"]
    assert application.events.filter(action="answer_feedback").first().data["changes"] == []


def test_shutdown_order_followed_to_deregistration(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    w = rf.world()
    app = rf.filed(w).app
    successor = rf.filed(w).app
    with pytest.raises(NotAllowed):
        app_shutdown_order(app=app, reason="x", deadline=today_shanghai(), actor=w.other_province)
    with pytest.raises(NotAllowed):
        app_shutdown_order(app=app, reason="x", deadline=today_shanghai(), actor=w.member)
    # the page: a regulator orders it, naming the successor by its filing number as typed
    client.force_login(w.province)
    typed = " " + successor.filing_number.removesuffix("号").replace("2", "２") + " "
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            reverse("registry:app_shutdown_order", args=[app.pk]),
            {
                "reason": "功能已并入粤政易，使用率低（R-25）",
                "deadline": (today_shanghai() + dt.timedelta(days=30)).isoformat(),
                "successor": typed,
            },
        )
    assert resp.status_code == 302
    order = ShutdownOrder.objects.get(app=app)
    app.refresh_from_db()
    assert order.successor == successor and app.successor == successor
    assert AuditEvent.objects.filter(action="app.shutdown_order", object_id=str(app.pk)).exists()
    assert Notification.objects.filter(user=w.member, text__contains="责令").exists()
    page = client.get(reverse("registry:queue")).content.decode()
    assert "跟进中的关停通知" in page and app.name in page
    # the unit follows it: notice, offline report, deregistration
    app_shutdown_notice(actor=w.member, app=app, shutdown_date=today_shanghai(), notice="关停")
    application = app_offline_report(actor=w.member, app=app, report="已下线，数据已归档")
    application = application_save_draft(
        actor=w.member, application=application, pledge_accepted=True
    )
    application = rf.province_forward(
        w, application_submit(actor=w.member, application=application)
    )
    application_approve(actor=w.cac, application=application)
    order.refresh_from_db()
    assert order.closed_at is not None
    page = client.get(reverse("registry:app", args=[app.pk])).content.decode()
    assert "已注销，办结" in page
    # another province cannot see the page nor order anything
    client.force_login(w.other_province)
    assert client.post(reverse("registry:app_shutdown_order", args=[app.pk]), {}).status_code == 404


def test_shutdown_order_refuses_bad_input() -> None:
    w = rf.world()
    app = rf.filed(w).app
    with pytest.raises(RegistryError):
        app_shutdown_order(app=app, reason=" ", deadline=today_shanghai(), actor=w.cac)
    with pytest.raises(RegistryError):
        app_shutdown_order(
            app=app, reason="r", deadline=today_shanghai() - dt.timedelta(days=1), actor=w.cac
        )
    app_shutdown_order(app=app, reason="r", deadline=today_shanghai(), actor=w.cac)
    with pytest.raises(RegistryError, match="未办结的关停通知"):
        app_shutdown_order(app=app, reason="r", deadline=today_shanghai(), actor=w.cac)


def test_overdue_offline_report_becomes_a_finding_and_shows_in_the_queue(client: Client) -> None:
    w = rf.world()
    app = rf.filed(w).app
    app = app_shutdown_notice(
        actor=w.member, app=app, shutdown_date=today_shanghai(), notice="关停"
    )
    assert csvc.offline_reports_evaluate() == 0  # the shutdown date has not passed
    assert not offline_report_overdue(app)
    assert offline_report_overdue(app, add_working_days(today_shanghai(), 11).date)
    type(app).objects.filter(pk=app.pk).update(
        shutdown_date=today_shanghai() - dt.timedelta(days=30)
    )
    assert csvc.offline_reports_evaluate() == 1
    finding = Finding.objects.get(app=app, rule_id="R14_OFFLINE_REPORT_OVERDUE")
    assert finding.status == FindingStatus.OPEN
    client.force_login(w.province)
    page = client.get(reverse("registry:queue")).content.decode()
    assert "关停后逾期未报告下线" in page and app.name in page
    # the report arrives: the finding closes on the next run
    app_offline_report(actor=w.member, app=app, report="已下线")
    csvc.offline_reports_evaluate()
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CLOSED


def test_queue_search_and_filters(client: Client) -> None:
    w = rf.world()
    a = rf.submitted(w, name="穗好办查询")
    b = rf.submitted(w, name="其他应用")
    cd = rf.world("510104")
    c = rf.submitted(cd, name="天府通办")
    client.force_login(w.cac)
    url = reverse("registry:queue")

    def names(**params: str) -> set[str]:
        page = client.get(url, params).content.decode()
        return {x.app.name for x in (a, b, c) if x.app.name in page}

    client.force_login(w.province)
    assert names() == {"穗好办查询", "其他应用"}
    assert names(q="穗好办") == {"穗好办查询"}
    assert names(kind="change") == set()
    assert "没有符合筛选条件的申请" in client.get(url, {"kind": "change"}).content.decode()
    assert names(overdue="1") == set()
    assert names(state="submitted", region="4401") == {"穗好办查询", "其他应用"}
    assert names(region="5101") == set()  # another province is never in reach
    client.force_login(cd.province)
    assert names() == {"天府通办"}


def test_queue_empty_state_says_what_would_appear(client: Client) -> None:
    client.force_login(f.regulator("44"))
    page = client.get(reverse("registry:queue")).content.decode()
    assert "目前没有等待您审核的申请" in page


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


@pytest.mark.parametrize(
    "spell",
    [
        lambda n: n,
        lambda n: n.removesuffix("号"),
        lambda n: " " + n[:6] + " " + n[6:10] + " " + n[10:-1] + " 号 ",
        _fullwidth,
        lambda n: _fullwidth(n).removesuffix("号") + "\u3000",
    ],
    ids=["as-issued", "without-hao", "stray-spaces", "full-width", "full-width-no-hao"],
)
def test_filing_numbers_verify_and_search_the_same_however_typed(spell: Any) -> None:
    w = rf.world()
    app = rf.filed(w).app
    number = app.filing_number
    typed = spell(number)
    assert number in filing_number_variants(typed)
    assert verify(filing_number=typed)["status"] == "filed"
    assert list(public_app_search(q=typed)) == [app]


def test_a_different_digit_is_a_different_number() -> None:
    w = rf.world()
    app = rf.filed(w).app
    wrong = app.filing_number.replace("1号", "2号")
    assert verify(filing_number=wrong)["status"] == "not_filed"
    assert app.status == AppStatus.FILED
