"""Issue 15 journeys in a real browser.

1. The public pages (registry, app page, verify, complaint form, receipt) on a 390 px phone:
   nothing wider than the screen; the public pages and the login page link to each other.
2. gz-unit types into the application form and uploads an attachment to one section: the
   typed text is still there, the file is listed under its section.
3. cac tries to approve an application that was never tested: refused with what is missing;
   with a written reason it is approved, and the reason is on the timeline.
Screenshots go to /tmp/uiflow-*.png.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from govapp.orgs.models import Unit, User
from govapp.public import selectors as public_selectors
from govapp.registry.models import App, AppKind, Application, Platform
from govapp.registry.services.applications import (
    application_create,
    application_save_draft,
    application_submit,
)
from govapp.registry.services.apps import app_create, identities_set
from govapp.registry.services.review import application_approve, application_forward
from tests import factories as f
from tests.e2e.conftest import demo_world, login
from tests.registry.factories import complete_sections

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=f"/tmp/uiflow-{name}.png", full_page=True)


def _fits(page: Any, name: str = "") -> None:
    if name:
        _shot(page, name)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, f"{page.url} is {width}px wide on a 390px screen"


def _filed_app() -> App:
    unit = Unit.objects.get(name="广州市政务服务和数据管理局")
    gz = User.objects.get(username="gz-unit")
    app = app_create(actor=gz, unit=unit, name="穗好办", kind=AppKind.APP)
    identities_set(
        actor=gz,
        app=app,
        identities=[
            {
                "platform": Platform.ANDROID,
                "identifier": "cn.gov.gz.suihaoban",
                "cert_sha256": "ab" * 32,
            }
        ],
    )
    application = application_create(actor=gz, app=app)
    application_save_draft(
        actor=gz,
        application=application,
        sections=complete_sections("穗好办"),
        pledge_accepted=True,
    )
    application = application_submit(actor=gz, application=application)
    application = application_forward(
        actor=User.objects.get(username="gd-cac"), application=application
    )
    application = application_forward(
        actor=User.objects.get(username="gd-gsa"), application=application
    )
    assert application.state == "forwarded"
    return app


def test_public_pages_on_a_phone(live_server: Any, browser: Any, settings: Any) -> None:
    settings.GOVAPP_PUBLIC_RATE_LIMIT = None
    settings.GOVAPP_COMPLAINT_POW_BITS = 8
    cache.clear()
    public_selectors._memo["token"] = None
    demo_world()
    app = _filed_app()
    application_approve(
        actor=User.objects.get(username="cac"),
        application=Application.objects.get(app=app),
        override_reason="演示：检测报告线下出具",
    )
    app.refresh_from_db()
    base = live_server.url
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    phone = ctx.new_page()
    phone.set_default_timeout(15000)
    phone.goto(f"{base}/public/")
    _fits(phone, "m1-registry")
    phone.click("a:has-text('穗好办')")
    phone.wait_for_selector(f"text={app.filing_number}")
    _fits(phone, "m2-app")
    # verify, typed without 号 and with full-width digits
    typed = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in app.filing_number)
    phone.goto(f"{base}/public/verify/")
    phone.fill("input[name=filing_number]", typed.removesuffix("号"))
    phone.click("form:has(input[name=filing_number]) button[type=submit]")
    phone.wait_for_selector("[role=status]")
    assert "穗好办" in phone.inner_text("[role=status]")
    _fits(phone, "m3-verify")
    # the public pages and the login page link to each other
    phone.click("a:has-text('工作人员登录')")
    phone.wait_for_selector("#id_username")
    _fits(phone, "m4-login")
    phone.click("a:has-text('举报政务应用违规问题')")
    phone.wait_for_selector("#id_description")
    assert phone.locator("a:has-text('工作人员登录')").count() == 1
    phone.goto(f"{base}/complaints/?app={app.filing_number}")
    phone.check("input[name=category][value=forced_use]")
    phone.fill("#id_description", "要求基层每天打卡三次并按打卡次数排名通报。")
    _fits(phone, "m5-complaint")
    phone.wait_for_function("document.querySelector('input[name=pow]').value !== ''")
    phone.click("button[type=submit].btn-primary")
    phone.wait_for_selector("[data-testid=receipt]")
    _fits(phone, "m6-receipt")
    ctx.close()


def test_upload_keeps_typed_input_and_lists_the_file_under_its_section(
    live_server: Any, page: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    demo_world()
    gz = User.objects.get(username="gz-unit")
    unit = Unit.objects.get(name="广州市政务服务和数据管理局")
    app = app_create(actor=gz, unit=unit, name="穗好办", kind=AppKind.APP)
    application = application_create(actor=gz, app=app)
    pdf = tmp_path / "立项批复.pdf"
    pdf.write_bytes(b"%PDF-1.4 e2e")
    base = live_server.url
    login(page, base, "gz-unit")
    page.goto(f"{base}/registry/applications/{application.pk}/edit/")
    page.fill("[name='approval.basis']", "粤府办〔2026〕7号，尚未保存")
    page.set_input_files("input[name='file-approval']", str(pdf))
    page.click("button[value='upload:approval']")
    page.wait_for_selector("#att-approval >> text=立项批复.pdf")
    assert page.input_value("[name='approval.basis']") == "粤府办〔2026〕7号，尚未保存"
    assert "立项批复.pdf" not in page.inner_text("#att-basic")
    _shot(page, "upload-kept")


def test_cac_cannot_approve_untested_without_a_reason(live_server: Any, page: Any) -> None:
    demo_world()
    app = _filed_app()
    application = Application.objects.get(app=app)
    base = live_server.url
    login(page, base, "cac")
    page.goto(f"{base}/registry/applications/{application.pk}/")
    assert "技术检测尚未完成" in page.inner_text("#testing")
    _shot(page, "approve-1-untested")
    page.click("button:has-text('准予备案')")  # the reason is required in the browser too
    assert page.url.endswith(f"/registry/applications/{application.pk}/")
    application.refresh_from_db()
    assert application.state == "forwarded"
    page.fill("textarea[name=override_reason]", "应急保障需要，检测报告由第三方机构线下出具")
    page.click("button:has-text('准予备案')")
    page.wait_for_selector("text=准予备案时技术检测尚缺")
    application.refresh_from_db()
    assert application.state == "filed"
    assert "应急保障需要" in page.inner_text(".timeline")
    _shot(page, "approve-2-override")


def test_one_nav_item_highlighted(live_server: Any, page: Any) -> None:
    demo_world()
    f.division("44")
    base = live_server.url
    login(page, base, "cac")
    for path in ("/", "/compliance/", "/compliance/spotchecks/", "/registry/queue/"):
        page.goto(f"{base}{path}")
        assert page.locator(".sidenav a.active").count() == 1, path
