"""The UI shell in a real browser: two roles log in, see their navigation, switch language."""

from __future__ import annotations

from typing import Any

import pytest

from govapp.orgs.demo import DEMO_PASSWORD, demo_orgs_load
from tests import factories as f
from tests.e2e.conftest import shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def _demo() -> None:
    for code in ("11", "44", "4401", "51", "5101"):
        f.division(code)
    demo_orgs_load()


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/")


def test_regulator_and_unit_log_in(live_server: Any, page: Any) -> None:
    _demo()
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    assert "登录" in page.inner_text("h1")
    shot(page, "login-zh")

    _login(page, base, "gd-cac")
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

    _login(page, base, "gz-unit")
    nav = page.inner_text("nav.sidenav")
    assert "审计日志" not in nav
    shot(page, "home-gz-unit")


def test_switch_to_english(live_server: Any, page: Any) -> None:
    _demo()
    base = live_server.url
    _login(page, base, "cac")
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "home-cac-en")
    page.goto(f"{base}/core/calendar/")
    shot(page, "calendar-cac-en")
