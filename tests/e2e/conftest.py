"""Playwright driving Debian's chromium against the live test server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("GOVAPP_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 860}, locale="zh-CN")
    p = context.new_page()
    p.set_default_timeout(15000)
    yield p
    context.close()


def shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def demo_world() -> None:
    """The demo organisations and accounts on the divisions they need."""
    from govapp.orgs.demo import demo_orgs_load
    from tests import factories as f

    for code in ("11", "44", "4401", "51", "5101"):
        f.division(code)
    demo_orgs_load()


def login(page: Any, base: str, username: str, password: str | None = None) -> None:
    """Log in through the login page (demo password unless given) and land on the home page."""
    from govapp.orgs.demo import DEMO_PASSWORD

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or DEMO_PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/")


def logout(page: Any) -> None:
    page.click("button:has-text('退出')")
    page.wait_for_url("**/accounts/login/")


def province_sign_off(page: Any, base: str, app_name: str, users: tuple[str, ...] = ()) -> None:
    """The joint provincial completeness review (the default): the cyberspace office and the
    government-services administration each sign off from their queue; the second forwards it."""
    for username in users or ("gd-cac", "gd-gsa"):
        login(page, base, username)
        page.goto(f"{base}/registry/queue/")
        page.click(f"text={app_name}")
        page.click("button:has-text('材料齐全，会签同意')")
        page.wait_for_selector("text=办理完成")
        logout(page)


def cac_approve(page: Any, reason: str = "检测报告由第三方机构在系统外出具") -> None:
    """Approve on the open application page; when technical testing is not complete the
    approval needs a written reason (R-10), which is given. Waits for the application page first:
    the caller has usually just clicked a link to it, and counting the reason field before the
    page has loaded would skip the reason and leave the approval refused."""
    page.wait_for_selector("button:has-text('准予备案')")
    page.wait_for_load_state("domcontentloaded")
    if page.locator("textarea[name=override_reason]").count():
        page.fill("textarea[name=override_reason]", reason)
    page.click("button:has-text('准予备案')")
    page.wait_for_selector("text=办理完成")
