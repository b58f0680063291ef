"""The burden ledger in a real browser: a department proposes a new demand, the gateway's check
finds fields another department already collects, the provincial reviewer sends it back to
reuse that source (最多报一次), the department sees which demand and department to ask; and
anyone checks a ledger number without logging in."""

from __future__ import annotations

from typing import Any

import pytest

from govapp.orgs.demo import DEMO_PASSWORD
from govapp.oversight.ledger.models import Demand, DemandStatus, ProposalState
from tests.e2e.conftest import login, logout, shot
from tests.oversight.ledger import factories as lf

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_new_demand_sent_back_to_reuse_an_existing_source(live_server: Any, page: Any) -> None:
    w = lf.world("440113")
    for u, name in ((w.member2, "wjj-filer"), (w.reviewer, "gd-reviewer")):
        u.username = name
        u.set_password(DEMO_PASSWORD)
        u.save()
    source = lf.listed(
        w, "残疾人两项补贴发放台账", ["姓名", "公民身份号码", "残疾等级", "填报日期"]
    )
    base = live_server.url

    # the health bureau's filer proposes a roster of disabled persons
    login(page, base, "wjj-filer")
    page.goto(f"{base}/oversight/ledger/new/")
    page.fill("#id_title", "残疾人家庭医生签约服务台账")
    page.fill("#id_division", "440113")
    page.select_option("#id_target_level", "community")
    page.fill("#id_units_targeted", "275")
    page.select_option("#id_frequency", "quarterly")
    page.fill("#id_fields_text", "姓名\n身份证号码 | id_number\n残疾级别\n签约医生\n填报人")
    page.click("button:has-text('保存草稿')")
    page.wait_for_selector("text=提交前的自动比对")
    check = page.inner_text("section.card")
    assert source.ledger_number in check and "重复" in check
    shot(page, "ledger-draft-check")
    page.click("button:has-text('提交审查')")
    page.wait_for_selector("text=已提交审查")
    logout(page)

    # the provincial reviewer sees it in the queue, with the source, and sends it back
    login(page, base, "gd-reviewer")
    page.goto(f"{base}/oversight/ledger/queue/")
    page.click("text=残疾人家庭医生签约服务台账")
    page.wait_for_selector("[data-testid=decide-form]")
    assert source.ledger_number in page.inner_text("body")
    page.check("input[value=sent_back]")
    page.select_option("#id_reuse_source", str(source.pk))
    page.fill("#id_reason", "姓名、身份证号码、残疾等级已由区民政局两项补贴台账采集，请共享获取。")
    shot(page, "ledger-decide")
    page.click("button:has-text('提交结论')")
    page.wait_for_selector("text=审查结论已记录")
    logout(page)

    # the filer sees the decision naming the demand and department to reuse
    login(page, base, "wjj-filer")
    demand = Demand.objects.get(title="残疾人家庭医生签约服务台账")
    assert demand.status == DemandStatus.SENT_BACK
    assert demand.proposals.get().state == ProposalState.SENT_BACK
    page.goto(f"{base}/oversight/ledger/{demand.pk}/")
    notice = page.inner_text("[data-testid=sent-back]")
    assert "最多报一次" in notice and source.ledger_number in notice and source.unit.name in notice
    shot(page, "ledger-sent-back")
    logout(page)

    # anyone can check the source's ledger number without logging in
    page.goto(f"{base}/oversight/ledger/check/")
    page.fill("#check-number", source.ledger_number)
    page.click("button:has-text('查询')")
    result = page.inner_text("[data-testid=check-result]")
    assert "已列入清单" in result and "残疾人两项补贴发放台账" in result
    page.fill("#check-number", "TB440113-2026-9999")
    page.click("button:has-text('查询')")
    assert "未列入清单" in page.inner_text("[data-testid=check-result]")
    shot(page, "ledger-check")
