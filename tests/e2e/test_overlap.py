"""Overlap in a real browser: a unit checks a proposal before building it (R-16); a regulator
walks a duplicate group to a consolidation case whose merged app ends deregistered, and the
public page of that app points to the app that replaced it (R-26)."""

from __future__ import annotations

from typing import Any

import pytest

from govapp.core.calendar import today_shanghai
from govapp.orgs.models import Unit, User
from govapp.oversight.overlap import services
from govapp.registry.services.applications import application_save_draft, application_submit
from govapp.registry.services.review import application_approve, application_forward
from govapp.registry.services.shutdown import app_offline_report, app_shutdown_notice
from tests import factories as f
from tests.e2e.conftest import demo_world, login, logout, shot
from tests.oversight.overlap.factories import CITYMGMT, CITYMGMT_2, filed_app

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_check_before_build_and_consolidation(live_server: Any, page: Any, settings: Any) -> None:
    # one provincial sign-off is enough here (joint review is walked in test_filing_flow)
    settings.GOVAPP_PROVINCE_REVIEW_MODE = "either"
    demo_world()
    base = live_server.url
    th = f.unit("440106", name="广州市天河区城市管理和综合执法局")
    yx = f.unit("440104", name="广州市越秀区城市管理和综合执法局")
    a = filed_app(th, "天河城管执法通", CITYMGMT, users="执法人员")
    b = filed_app(yx, "越秀掌上城管", CITYMGMT_2, users="执法人员")
    services.overlap_run_execute(actor=None)

    # a unit describes a proposed app and sees the apps that already do its job
    login(page, base, "gz-unit")
    page.goto(f"{base}/oversight/overlap/check/")
    page.fill("#id_name", "广州城管执法移动端")
    page.fill("#id_features", "渣土车监管\n违法建设巡查\n沿街商铺巡查")
    page.select_option("#id_users", "staff")
    page.click("#check-form button[type=submit]")
    page.wait_for_url("**/oversight/overlap/check/CK*/")
    table = page.locator("#matches").inner_text()
    assert "天河城管执法通" in table and "越秀掌上城管" in table
    assert "城市管理执法" in table
    shot(page, "overlap-check")
    page.screenshot(path="/tmp/overlap-check.png", full_page=True)
    logout(page)

    # the provincial office opens a consolidation case from the group
    login(page, base, "gd-cac")
    page.goto(f"{base}/oversight/overlap/")
    page.click("#groups a")
    page.select_option("#id_staying", str(a.pk))
    page.fill("#id_working_days", "30")
    page.fill("#id_note", "越秀掌上城管并入天河城管执法通，30 个工作日内迁移用户和数据。")
    page.screenshot(path="/tmp/overlap-group.png", full_page=True)
    page.click("#case-form button[type=submit]")
    page.wait_for_url("**/oversight/overlap/cases/*/")
    assert "越秀掌上城管" in page.locator("#items").inner_text()

    # the merged app goes through shutdown notice, offline report and deregistration
    member = f.unit_member(yx)
    gd = User.objects.get(username="gd-cac")
    cac = User.objects.get(username="cac")
    b.refresh_from_db()
    app_shutdown_notice(
        actor=member, app=b, shutdown_date=today_shanghai(), notice="已并入天河城管执法通"
    )
    application = app_offline_report(actor=member, app=b, report="用户和数据已迁移")
    application = application_save_draft(
        actor=member, application=application, pledge_accepted=True
    )
    application = application_submit(actor=member, application=application)
    application = application_forward(actor=gd, application=application)
    application_approve(actor=cac, application=application)
    services.cases_tick()
    page.reload()
    assert "已注销" in page.locator("#items").inner_text()
    assert "已完成" in page.content()
    page.screenshot(path="/tmp/overlap-case.png", full_page=True)
    logout(page)

    # the public page of the deregistered app points to the app that replaced it
    b.refresh_from_db()
    page.goto(f"{base}/public/apps/{b.filing_number}/")
    notice = page.locator("#successor")
    assert "天河城管执法通" in notice.inner_text()
    page.screenshot(path="/tmp/overlap-public.png", full_page=True)
    notice.locator("a").click()
    page.wait_for_selector(f"h1:has-text('{a.name}')")
    assert Unit.objects.filter(pk=th.pk).exists()
