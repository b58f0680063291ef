"""Self-inspection in a real browser: gd-cac launches a campaign over Guangdong; gz-unit answers
for an app with a known clock-in finding, sees the contradiction before submitting and explains;
gd-cac confirms the problem and accepts; the problem becomes a finding; sc-cac and cd-unit see
nothing of the campaign."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from govapp.compliance import services as svc
from govapp.compliance.models import Finding
from govapp.orgs.models import Unit
from govapp.oversight.campaigns.models import Campaign, InspectionTask
from tests.compliance import factories as cf
from tests.e2e.conftest import demo_world, login, logout, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_campaign_launch_answer_contradiction_review_finding(live_server: Any, page: Any) -> None:
    demo_world()
    gz = Unit.objects.get(name="广州市政务服务和数据管理局")
    cd = Unit.objects.get(name="成都市网络理政中心")
    app = cf.app(unit=gz, name="穗好办", package="cn.gov.gz.shb")
    cf.app(unit=cd, name="蓉易办", package="cn.gov.cd.ryb")
    cf.package_scan(app, **cf.CLOCK_IN)
    svc.compliance_evaluate(app=app, actor=None)
    assert Finding.objects.filter(app=app, rule_id="R20_CLOCK_IN").exists()
    base = live_server.url
    page.on("dialog", lambda d: d.accept())

    # 1. gd-cac launches a campaign over Guangdong
    login(page, base, "gd-cac")
    page.click("nav >> text=自查自评")
    page.click("text=发起自查专项")
    page.fill("#id_title", "广东省政务应用减负专项自查")
    page.fill("#id_working_days", "15")
    shot(page, "campaign-01-new")
    page.click("button:has-text('发起并下发任务')")
    page.wait_for_selector("text=专项已发起")
    shot(page, "campaign-02-detail")
    campaign = Campaign.objects.get()
    assert list(InspectionTask.objects.values_list("app__name", flat=True)) == ["穗好办"]
    logout(page)

    # 2. gz-unit answers "no clock-in" and is told before submitting that govapp knows otherwise
    login(page, base, "gz-unit")
    page.click("nav >> text=自查自评")
    page.click("table >> text=穗好办")
    task = InspectionTask.objects.get()
    for q in task.campaign.checklist.questions.filter(audience="host"):
        page.check(f"input[name=q{q.pk}][value={'yes' if q.problem_if == 'no' else 'no'}]")
    page.click("button:has-text('提交审核')")
    page.wait_for_selector(".alert-warn")
    assert "与系统掌握的情况不一致" in page.inner_text("main")
    shot(page, "campaign-03-contradiction")
    h02 = task.campaign.checklist.questions.get(code="H02")
    page.fill(f"textarea[name=e{h02.pk}]", "打卡功能仅用于应急值班人员")
    page.click("button:has-text('提交审核')")
    page.wait_for_selector("text=已提交，等待审核")
    logout(page)

    # 3. Sichuan's office and a Chengdu unit see nothing of it
    for who in ("sc-cac", "cd-unit"):
        login(page, base, who)
        page.goto(f"{base}/oversight/campaigns/")
        assert "广东省政务应用减负专项自查" not in page.inner_text("main")
        r = page.goto(f"{base}/oversight/campaigns/{campaign.pk}/")
        assert r is not None and r.status == 404
        logout(page)

    # 4. gd-cac confirms the clock-in problem and accepts; it becomes a finding
    login(page, base, "gd-cac")
    page.goto(f"{base}/oversight/campaigns/tasks/{task.pk}/")
    assert page.is_checked(f"input[name=c{h02.pk}]")  # the contradiction is pre-marked
    shot(page, "campaign-04-review")
    page.fill("textarea[name=note]", "经核实，基层仍被要求每日打卡，须整改。")
    page.click("button:has-text('通过')")
    page.wait_for_selector("text=审核意见已保存")
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert Finding.objects.filter(app=app, rule_id="R29_SELF_INSPECTION").exists()
    page.goto(f"{base}/oversight/campaigns/{campaign.pk}/report/")
    assert "发现问题" in page.inner_text("main")
    shot(page, "campaign-05-report")
