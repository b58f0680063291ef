"""The dashboard as each demo account sees it, in a real browser: figures drawn, each checked
against the list behind it, the map drilling down, the scorecard sorting, a report printed on A4;
screenshots in both languages and at 390 px (to var/screenshots and /tmp/reports-e2e-*.png)."""

from __future__ import annotations

import re
import shutil
from typing import Any

import pytest

from govapp.orgs.models import User
from govapp.registry.models import AppStatus
from tests.e2e.conftest import demo_world, login, logout, shot
from tests.public import factories as pf

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

ROLES = ("cac", "gd-cac", "sc-cac", "gz-unit", "cd-unit", "central-unit", "auditor")


def snap(page: Any, name: str) -> None:
    path = shot(page, f"reports-{name}")
    shutil.copy(path, f"/tmp/reports-e2e-{name}.png")


def _data() -> None:
    demo_world()
    for username, n in (("gz-unit", 3), ("cd-unit", 2), ("central-unit", 1)):
        unit = User.objects.get(username=username).unit
        for i in range(n):
            pf.app(unit=unit, name=f"{username}应用{i}")
        pf.app(unit=unit, status=AppStatus.UNFILED, name=f"{username}草稿")


def _figure_total(page: Any, key: str) -> int:
    return int(page.inner_text(f"[data-figure={key}]").replace(",", ""))


def test_dashboard_per_role_matches_the_lists(live_server: Any, page: Any) -> None:
    _data()
    base = live_server.url
    expected = {"cac": 9, "gd-cac": 4, "sc-cac": 3, "gz-unit": 4, "auditor": 9}
    for username in ROLES:
        login(page, base, username)
        page.wait_for_selector(".fig")
        page.wait_for_timeout(400)
        assert page.locator(".panels").count() == 1  # the to-do panels are still there
        total = _figure_total(page, "apps_by_status")
        if username in expected:
            assert total == expected[username], username
        assert page.locator(".fig-chart svg").count() >= 1  # ECharts drew
        snap(page, f"dashboard-{username}")
        # the list behind the figure: the filed apps
        listed = int(page.inner_text("a[data-item='apps_by_status:filed'] + .v"))
        page.click("a[data-item='apps_by_status:filed']")
        page.wait_for_url(re.compile(r".*/registry/apps/\?status=filed$"))
        assert page.locator("table tbody tr").count() == listed, username
        page.goto(f"{base}/")
        logout(page)


def test_map_scorecard_report_english_and_phone(live_server: Any, page: Any, browser: Any) -> None:
    _data()
    base = live_server.url
    login(page, base, "cac")
    page.goto(f"{base}/reports/map/")
    page.wait_for_selector("#geo-map canvas")
    page.wait_for_timeout(800)
    snap(page, "map-china")
    page.goto(f"{base}/reports/map/?region=44&measure=apps")
    page.wait_for_selector("#geo-map canvas")
    page.wait_for_timeout(800)
    snap(page, "map-guangdong")
    page.goto(f"{base}/reports/list/?measure=apps&region=4401")
    assert page.locator("#drill tbody tr").count() == 4
    page.goto(f"{base}/reports/scorecard/")
    page.click("#scorecard thead th:nth-child(2) button")
    page.click("#scorecard thead th:nth-child(2) button")  # descending
    first = page.locator("#scorecard tbody tr").first.get_attribute("data-code")
    assert first == "44"
    snap(page, "scorecard")
    # generate and print a monthly report
    page.goto(f"{base}/reports/reports/")
    page.select_option("#id_period_kind", "month")
    page.click("#generate-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/reports/reports/\d+/$"))
    assert page.locator("h1").inner_text().startswith("全国政务移动互联网应用程序管理月度报告")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert boxes and all(round(float(w)) == 595 and round(float(h)) == 842 for w, h in boxes)
    snap(page, "report-print")
    # English
    page.goto(f"{base}/")
    page.click("button[value=en]")
    page.wait_for_selector(".fig")
    assert "Apps by status" in page.content()
    snap(page, "dashboard-cac-en")
    logout_en = page.locator("button:has-text('Log out')")
    logout_en.click()
    # a phone, 390 px wide
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    p = phone.new_page()
    login(p, base, "gd-cac")
    p.wait_for_selector(".fig")
    p.wait_for_timeout(500)
    width = p.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    snap(p, "dashboard-gd-cac-390")
    login_unit = phone.new_page()
    logout(p)
    login(login_unit, base, "gz-unit")
    login_unit.wait_for_selector(".fig")
    assert login_unit.evaluate("document.documentElement.scrollWidth") <= 390
    snap(login_unit, "dashboard-gz-unit-390")
    phone.close()


def test_oversight_figures_on_the_national_and_provincial_dashboards(
    live_server: Any, page: Any
) -> None:
    """The four oversight figures drawn in Chinese for the CAC and Guangdong (screenshots
    reports-dashboard-oversight-{cac,gd-cac}.png), each item leading to a list with as many
    rows."""
    from govapp.orgs.models import Unit, UnitKind
    from tests import factories as f
    from tests.reports.factories import oversight

    demo_world()
    gz = User.objects.get(username="gz-unit").unit
    cd = User.objects.get(username="cd-unit").unit
    central = User.objects.get(username="central-unit").unit
    sz = f.unit("440304", name="深圳市测试局")
    apps = {
        "gz_filed": pf.app(unit=gz, name="穗好办"),
        "gz_filed2": pf.app(unit=gz, name="穗值班通"),
        "gz_unfiled": pf.app(unit=gz, status=AppStatus.UNFILED, name="穗值班通小程序"),
        "sz_filed": pf.app(unit=sz, name="深i城管"),
        "sz_revoked": pf.app(unit=sz, status=AppStatus.REVOKED, name="深巡查"),
        "cd_filed": pf.app(unit=cd, name="蓉易办"),
        "cd_dereg": pf.app(unit=cd, status=AppStatus.DEREGISTERED, name="蓉旧通"),
        "central_filed": pf.app(unit=central, name="部政务通"),
    }
    oversight(
        apps,
        cac=User.objects.get(username="cac"),
        cac_unit=Unit.objects.filter(kind=UnitKind.CAC).first(),  # type: ignore[arg-type]
        gd_office=User.objects.get(username="gd-cac").unit,  # type: ignore[arg-type]
        gz=gz,  # type: ignore[arg-type]
        sz=sz,
        cd=cd,  # type: ignore[arg-type]
    )
    base = live_server.url
    page.set_default_timeout(60000)  # the dashboards count everything live on first view
    for username, shown in (
        ("cac", ("low_use_apps", "overlap_groups", "ledger_burden", "campaign_progress")),
        ("gd-cac", ("low_use_apps", "overlap_groups", "ledger_burden", "campaign_progress")),
    ):
        login(page, base, username)
        page.wait_for_selector("#fig-campaign_progress")
        page.wait_for_timeout(600)
        for key in shown:
            assert page.locator(f"#fig-{key}").count() == 1, (username, key)
        assert "低使用应用与退出处置" in page.content() and "自查自评进度" in page.content()
        assert page.locator("section[aria-labelledby=fig-low_use_apps] .fig-chart svg").count()
        page.evaluate("window.scrollTo(0, 0)")  # a full-page shot, the sticky header on top
        snap(page, f"dashboard-oversight-{username}")
        for item in ("low_use_apps:case_overdue", "ledger_burden:duplicated"):
            link = page.locator(f"a[data-item='{item}']")
            count = int(page.inner_text(f"a[data-item='{item}'] + .v"))
            link.click()
            page.wait_for_load_state()
            rows = page.locator("table").last.locator("tbody tr:not(:has(td.empty))")
            assert rows.count() == count, item
            page.goto(f"{base}/")
            page.wait_for_selector("#fig-campaign_progress")
        logout(page)
