"""A little-used app retired, walked in a real browser from the low-use candidate list to
deregistered, with the successor shown in the public registry; and a unit that tries to read
another unit's usage gets "not found" (issue 10).

The starting world is set up with services: two filed apps of gz-unit's unit (the little-used
one with 3 months of returns far below the criteria, and its successor), an app of cd-unit,
and the low-use evaluation.  Everything after that is clicks and form fills.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from govapp.core.calendar import today_shanghai
from govapp.orgs.models import Unit
from govapp.oversight.usage import services
from govapp.oversight.usage.models import MonthlyReturn, RetirementCase, Source, Stage
from govapp.registry.models import App, AppKind, AppStatus, Platform, PlatformIdentity
from tests.e2e.conftest import demo_world, login, logout, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def _filed(unit: Unit, name: str, number: str, package: str) -> App:
    app = App.objects.create(
        name=name,
        kind=AppKind.APP,
        hosting_unit=unit,
        status=AppStatus.FILED,
        filing_number=number,
        filed_at=timezone.now() - timezone.timedelta(days=500),
        filed_sections={},
    )
    PlatformIdentity.objects.create(
        app=app, platform=Platform.ANDROID, identifier=package, live=True
    )
    return app


def _world() -> tuple[App, App, App]:
    demo_world()
    gz = Unit.objects.get(name="广州市政务服务和数据管理局")
    cd = Unit.objects.get(name="成都市网络理政中心")
    old = _filed(gz, "穗旧通", "粤政务应用备00000901号", "cn.gov.gz.oldtong")
    new = _filed(gz, "穗好办", "粤政务应用备00000902号", "cn.gov.gz.shb")
    other = _filed(cd, "蓉易办", "川政务应用备00000903号", "cn.gov.cd.ryb")
    last = services.evaluation_month()
    for i in range(12):
        month = services.month_add(last, -i)
        for app, active in ((old, 30 + i), (new, 5200 + 40 * i), (other, 900)):
            MonthlyReturn.objects.create(
                app=app,
                month=month,
                active_users=active,
                intended_users=12_000 if app != other else 2_000,
                sessions=active * 6,
                source=Source.DEMO,
            )
    services.lowuse_evaluate()
    return old, new, other


def test_retirement_from_candidate_to_deregistered(
    live_server: Any, page: Any, settings: Any
) -> None:
    # one provincial sign-off is enough here (joint review is walked in test_filing_flow)
    settings.GOVAPP_PROVINCE_REVIEW_MODE = "either"
    old, new, other = _world()
    base = live_server.url
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))

    # 1. gd-cac: the low-use list shows the flag with its criteria; open a case from it
    login(page, base, "gd-cac")
    page.goto(f"{base}/oversight/usage/low-use/")
    assert "穗旧通" in page.content() and "标准：连续 3 个月低于 5.0%" in page.content()
    assert "蓉易办" not in page.content()  # another province
    shot(page, "usage-01-lowuse-gd-cac")
    page.check(f"input[name=apps][value='{old.pk}']")
    page.fill("input[name=working_days]", "10")
    page.click("button:has-text('批量下达退出要求')")
    page.wait_for_selector("text=已对 1 个应用下达退出要求")
    assert "待处置" in page.content()
    shot(page, "usage-02-pipeline")
    page.goto(f"{base}/oversight/usage/apps/{old.pk}/")
    page.wait_for_selector(".usage-chart svg")  # ECharts drew the chart from local static files
    shot(page, "usage-03-app-charts")
    logout(page)

    # 2. gz-unit: sees the case, cannot see Chengdu's usage, retires naming the successor
    login(page, base, "gz-unit")
    resp = page.goto(f"{base}/oversight/usage/apps/{other.pk}/")
    assert resp is not None and resp.status == 404
    resp = page.goto(f"{base}/api/v1/usage/apps/{other.filing_number}")
    assert resp is not None and resp.status == 404
    page.goto(f"{base}/oversight/usage/cases/")
    page.click("text=穗旧通")
    shot(page, "usage-04-case-unit")
    page.fill("input[name=shutdown_date]", today_shanghai().isoformat())
    page.fill("textarea[name=notice]", "穗旧通今日起停止服务，请改用穗好办。")
    page.fill("input[name=successor]", new.filing_number or "")
    page.click("button:has-text('公告关停')")
    page.wait_for_selector("text=已公告关停")
    page.click("text=前往应用页面")
    page.fill("textarea[name=report]", "已于今日下线，数据已移交穗好办，用户已迁移。")
    page.click("button:has-text('提交下线报告并申请注销')")
    page.wait_for_selector("input[name=pledge_accepted]")
    page.check("input[name=pledge_accepted]")
    page.click("button[value=submit]")
    page.wait_for_selector("text=办理记录")
    logout(page)

    # public: "to be retired" is shown from the notice on (the app is offline by now)
    page.goto(f"{base}/public/apps/{old.filing_number}/")
    assert "穗好办" in page.content()

    # 3. gd-cac forwards the deregistration, the CAC approves it
    login(page, base, "gd-cac")
    page.goto(f"{base}/registry/queue/")
    page.click("text=穗旧通")
    page.click("button:has-text('材料齐全，转报国家网信办')")
    page.wait_for_selector("text=办理完成")
    logout(page)
    login(page, base, "cac")
    page.goto(f"{base}/registry/queue/")
    page.click("text=穗旧通")
    page.click("button:has-text('准予')")
    page.wait_for_selector("text=办理完成")
    page.goto(f"{base}/oversight/usage/cases/")
    assert "已注销" in page.content()
    shot(page, "usage-05-pipeline-retired")
    logout(page)

    old.refresh_from_db()
    assert old.status == AppStatus.DEREGISTERED and old.successor == new
    assert RetirementCase.objects.get(app=old).stage == Stage.RETIRED

    # 4. the public registry: deregistered, with the successor
    page.goto(f"{base}/public/apps/{old.filing_number}/")
    text = page.content()
    assert "已注销" in text and "穗好办" in text and "请改用" in text
    shot(page, "usage-06-public-deregistered")
