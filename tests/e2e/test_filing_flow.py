"""Filing in a real browser: a local app (gz-unit -> gd-cac -> cac) and a central app
(central-unit -> cac) from draft to filed, and one application through return, resubmission
and abandonment."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from govapp.registry.models import App, Application
from govapp.registry.services.applications import abandon_lapsed
from tests.e2e.conftest import cac_approve, demo_world, login, logout, province_sign_off, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def _register_app(page: Any, base: str, name: str, package: str, shots: str = "") -> None:
    page.goto(f"{base}/registry/apps/new/")
    page.fill("input[name=name]", name)
    page.check("input[name=kind][value=app]")
    page.fill("input[name=target_users]", "全市公务人员")
    page.check("input[name=target_levels][value=prefecture]")
    page.fill("textarea[name=description]", "公文流转、会议通知")
    if shots:
        shot(page, f"{shots}-01-app-form")
    page.click("button:has-text('登记')")
    page.wait_for_selector("text=平台标识")
    page.select_option("select[name=id-0-platform]", "android")
    page.fill("input[name=id-0-identifier]", package)
    page.fill("input[name=id-0-cert_sha256]", "ab" * 32)
    page.click("button:has-text('保存平台标识')")
    page.wait_for_selector("text=平台标识已保存")


def _fill_and_submit(page: Any, name: str, shots: str = "") -> None:
    page.click("button:has-text('发起备案申请')")
    page.wait_for_selector("text=一、基本信息")
    values = {
        "basic.version": "1.0.0",
        "basic.target_users": "全市公务人员",
        "basic.handler_name": "李四",
        "basic.handler_post": "科长",
        "basic.handler_phone": "020-83338888",
        "basic.handler_email": "lisi@example.gov.cn",
        "approval.basis": "市政府常务会议纪要",
        "approval.content": "建设移动办公应用",
        "approval.result": "同意",
        "features-0-name": "公文流转",
        "features-0-reason": "提高办文效率",
        "features-0-basis": "办公厅通知",
        "acceptance.completeness": "功能完整",
        "acceptance.stability": "压测通过",
        "acceptance.usability": "满意",
        "acceptance.conclusion": "通过",
        "operations.om_team": "信息中心",
        "operations.om_rules": "运维制度",
        "operations.tech_plan": "政务云部署",
        "operations.security_testing": "渗透测试通过",
        "operations.mlps_test_date": "2026-01-05",
        "operations.security_rules": "安全管理制度",
    }
    page.check("input[name='basic.target_levels'][value=prefecture]")
    # save an incomplete draft first: the messages name the fields
    page.fill("[name='basic.version']", "1.0.0")
    page.click("button[value=submit]")
    page.wait_for_selector(".msg-error")
    assert "经办人姓名" in page.content()
    if shots:
        shot(page, f"{shots}-02-validation")
    for k, v in values.items():
        page.fill(f"[name='{k}']", v)
    page.select_option("select[name='operations.mlps_level']", "3")
    page.check("input[name=no_similar_apps]")
    page.check("input[name=pledge_accepted]")
    page.click("button[value=save]")
    page.wait_for_selector("text=草稿已保存")
    if shots:
        shot(page, f"{shots}-03-form")
    page.click("button[value=submit]")
    page.wait_for_selector("text=办理记录")


def test_local_app_draft_to_filed(live_server: Any, page: Any) -> None:
    demo_world()
    base = live_server.url
    login(page, base, "gz-unit")
    _register_app(page, base, "穗政通", "cn.gov.gz.szt", shots="local")
    _fill_and_submit(page, "穗政通", shots="local")
    assert "省级完整性审核中" in page.content() and "省级网信部门" in page.content()
    shot(page, "local-04-submitted")
    logout(page)

    login(page, base, "gd-cac")
    page.goto(f"{base}/registry/queue/")
    shot(page, "local-05-queue-gd-cac")
    page.click("text=穗政通")
    page.click("button:has-text('材料齐全，会签同意')")
    page.wait_for_selector("text=办理完成")
    assert "省级完整性审核中" in page.content()  # joint review: waits for the other body
    logout(page)
    province_sign_off(page, base, "穗政通", ("gd-gsa",))
    assert Application.objects.get(app__name="穗政通").state == "forwarded"

    login(page, base, "cac")
    page.goto(f"{base}/registry/queue/")
    page.click("text=穗政通")
    shot(page, "local-06-decision-cac")
    cac_approve(page)
    app = App.objects.get(name="穗政通")
    assert app.filing_number and app.filing_number in page.content()
    page.goto(f"{base}/registry/apps/{app.pk}/")
    shot(page, "local-07-app-filed")
    page.goto(f"{base}/registry/apps/{app.pk}/badge/")
    assert page.locator("svg").count() >= 1
    shot(page, "local-08-badge")
    page.goto(f"{base}/")
    logout(page)

    login(page, base, "gz-unit")
    page.goto(f"{base}/registry/notifications/")
    assert "准予备案" in page.content()
    shot(page, "local-09-notifications")
    logout(page)
    login(page, base, "sc-cac")
    page.goto(f"{base}/registry/apps/{app.pk}/")
    assert page.title().startswith("Not Found") or "穗政通" not in page.content()


def test_central_app_skips_the_province(live_server: Any, page: Any) -> None:
    demo_world()
    base = live_server.url
    login(page, base, "central-unit")
    _register_app(page, base, "应急通", "cn.gov.mem.yjt")
    _fill_and_submit(page, "应急通")
    assert "国家网信办审核检测中" in page.content()
    logout(page)
    login(page, base, "cac")
    page.goto(f"{base}/registry/queue/")
    page.click("text=应急通")
    cac_approve(page)
    assert "国政务应用备" in page.content()
    shot(page, "central-filed")


def test_return_resubmit_and_abandon(live_server: Any, page: Any) -> None:
    demo_world()
    base = live_server.url
    login(page, base, "gz-unit")
    _register_app(page, base, "穗智管", "cn.gov.gz.szg")
    _fill_and_submit(page, "穗智管")
    logout(page)

    login(page, base, "gd-cac")
    page.goto(f"{base}/registry/queue/")
    page.click("text=穗智管")
    page.fill(
        "form[action$='/act/return/'] textarea[name=missing_items]",
        "立项批复文件扫描件\n等保测评报告",
    )
    page.click("button:has-text('退回补正')")
    page.wait_for_selector("text=办理完成")
    shot(page, "abandon-01-returned")
    logout(page)

    login(page, base, "gz-unit")
    page.goto(f"{base}/registry/applications/?todo=1")
    page.click("text=穗智管")
    page.wait_for_selector("text=立项批复文件扫描件")
    page.click("button:has-text('补正后重新提交')")
    page.wait_for_selector("text=办理完成")
    assert "省级完整性审核中" in page.content()
    logout(page)

    province_sign_off(page, base, "穗智管")

    login(page, base, "cac")
    page.goto(f"{base}/registry/queue/")
    page.click("text=穗智管")
    page.fill(
        "form[action$='/act/request_feedback/'] textarea[name=missing_items]",
        "补充第三方安全检测报告",
    )
    # not on the province's list: the one-time notice needs the reason it was missed
    page.fill(
        "form[action$='/act/request_feedback/'] textarea[name=late_reason]",
        "技术检测中发现新接入的第三方 SDK",
    )
    page.click("button:has-text('要求补正反馈')")
    page.wait_for_selector("text=办理完成")
    assert "待补正反馈" in page.content()
    logout(page)

    application = Application.objects.get(app__name="穗智管")
    assert application.deadline is not None
    assert abandon_lapsed(today=application.deadline + dt.timedelta(days=1)) == 1
    login(page, base, "gz-unit")
    page.goto(f"{base}/registry/applications/{application.pk}/")
    assert "视为放弃" in page.content()
    shot(page, "abandon-02-abandoned")
