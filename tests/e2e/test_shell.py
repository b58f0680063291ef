"""The UI shell in a real browser: two roles log in, see their navigation, switch language."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import demo_world, login, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_regulator_and_unit_log_in(live_server: Any, page: Any) -> None:
    demo_world()
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    assert "登录" in page.inner_text("h1")
    shot(page, "login-zh")

    login(page, base, "gd-cac")
    nav = page.inner_text("nav.sidenav")
    assert "审计日志" in nav and "工作台" in nav
    shot(page, "home-gd-cac")
    page.click("text=审计日志")
    page.wait_for_url(f"{base}/audit/")
    assert "广东省互联网信息办公室" in page.content()
    assert "四川省互联网信息办公室" not in page.content()
    shot(page, "audit-gd-cac")
    page.click("button:has-text('退出')")
    page.wait_for_url(f"{base}/accounts/login/")

    login(page, base, "gz-unit")
    nav = page.inner_text("nav.sidenav")
    assert "审计日志" not in nav
    shot(page, "home-gz-unit")


def test_switch_to_english(live_server: Any, page: Any) -> None:
    demo_world()
    base = live_server.url
    login(page, base, "cac")
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "home-cac-en")
    page.goto(f"{base}/core/calendar/")
    shot(page, "calendar-cac-en")
