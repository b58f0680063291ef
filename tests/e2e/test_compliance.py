"""Compliance in a real browser: gz-unit sees a finding of its app before anything else
happens and requests a security exemption; gd-cac (the provincial office of the app's
jurisdiction) approves it; gd-cac issues a rectification order for the ads SDK; gz-unit
answers with a rescanned package; gd-cac accepts.  sc-cac gets 404 on every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from govapp.compliance import services as svc
from govapp.compliance.models import Finding, RectificationOrder
from govapp.orgs.demo import demo_orgs_load
from govapp.orgs.models import Unit
from tests import factories as f
from tests.compliance import factories as cf
from tests.e2e.conftest import login, logout, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_finding_exemption_order_answer_accept(
    live_server: Any, page: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    for code in ("11", "44", "4401", "51", "5101"):
        f.division(code)
    demo_orgs_load()
    unit = Unit.objects.get(name="广州市政务服务和数据管理局")
    app = cf.app(
        unit=unit, name="穗好办", package="cn.gov.gz.shb", filing_number="粤ICP备-APP-0001"
    )
    cf.package_scan(app, **cf.CLOCK_IN, **cf.ADS)  # what the worker stored after an upload
    svc.compliance_evaluate(app=app, actor=None)
    base = live_server.url
    page.on("dialog", lambda d: d.accept())

    # 1. the unit sees its findings with evidence and asks to keep clock-in for a security task
    login(page, base, "gz-unit")
    page.goto(f"{base}/compliance/apps/{app.pk}/")
    body = page.inner_text("main")
    assert "强制打卡签到" in body and "集成广告 SDK" in body and "上班打卡" in body
    shot(page, "compliance-01-unit-findings")
    doc = tmp_path / "安保方案.pdf"
    doc.write_bytes(b"%PDF-1.4 demo security plan")
    page.select_option("select[name=rule_id]", "R20_CLOCK_IN")
    page.select_option("select[name=scenario]", "security")
    page.fill("textarea[name=reason]", "重大活动安保期间，值守人员到岗确认需要定位打卡。")
    page.set_input_files("input[name=document]", str(doc))
    page.click("button:has-text('提交豁免申请')")
    page.wait_for_selector("text=豁免申请已提交")
    shot(page, "compliance-02-exemption-requested")
    logout(page)

    # another province's reviewer sees nothing of it
    login(page, base, "sc-cac")
    ex = app.exemptions.get()
    for path in (f"/compliance/apps/{app.pk}/", f"/compliance/exemptions/{ex.pk}/"):
        resp = page.goto(base + path)
        assert resp is not None and resp.status == 404
    page.goto(f"{base}/")
    logout(page)

    # 2. the provincial office approves it with an expiry
    login(page, base, "gd-cac")
    page.goto(f"{base}/compliance/exemptions/?status=requested")
    page.click(f"a[href='/compliance/exemptions/{ex.pk}/']")
    page.wait_for_selector("text=重大活动安保期间")
    page.fill("input[name=expires_on]", "2099-01-01")
    page.click("button:has-text('批准')")
    page.wait_for_selector("text=豁免有效期最长一年")  # refused: at most one year
    import datetime as dt

    from govapp.core.calendar import today_shanghai

    expiry = (today_shanghai() + dt.timedelta(days=60)).isoformat()
    page.fill("input[name=expires_on]", expiry)
    page.click("button:has-text('批准')")
    page.wait_for_selector("text=已批准豁免")
    shot(page, "compliance-03-exemption-approved")
    assert Finding.objects.get(app=app, rule_id="R20_CLOCK_IN").status == "exempted"

    # 3. ... and orders the ads SDK removed within 5 working days
    page.goto(f"{base}/compliance/apps/{app.pk}/")
    assert "已豁免" in page.inner_text("main")
    ads = Finding.objects.get(app=app, rule_id="R23_ADVERTISING_SDK")
    page.check(f"input[name=findings][value='{ads.pk}']")
    page.fill("textarea[name=instructions]", "移除广告 SDK，不得在政务应用中投放广告。")
    page.fill("input[name=working_days]", "5")
    page.click("button:has-text('下达整改通知') >> nth=-1")
    page.wait_for_selector("text=整改通知已下达")
    order = RectificationOrder.objects.get(app=app)
    shot(page, "compliance-04-order-issued")
    logout(page)

    # 4. the unit answers with a new package version (already uploaded and scanned)
    clean = cf.package_scan(app)
    clean.file_name = "suihaoban-2.0.apk"
    clean.save()
    login(page, base, "gz-unit")
    page.goto(f"{base}/compliance/orders/{order.pk}/")
    page.fill("textarea[name=response]", "已从安装包中移除优量汇、穿山甲广告 SDK，新版本 2.0。")
    page.select_option("select[name=scan]", str(clean.pk))
    page.click("button:has-text('报送')")
    page.wait_for_selector("text=整改情况已报送")
    shot(page, "compliance-05-order-answered")
    assert Finding.objects.get(pk=ads.pk).status == "closed"
    logout(page)

    # 5. the regulator accepts
    login(page, base, "gd-cac")
    page.goto(f"{base}/compliance/orders/{order.pk}/")
    page.fill("textarea[name=note]", "复测未发现广告 SDK，验收通过。")
    page.click("button:has-text('验收通过')")
    page.wait_for_selector("text=已验收，整改完成")
    shot(page, "compliance-06-order-accepted")
    order.refresh_from_db()
    assert order.state == "accepted"
