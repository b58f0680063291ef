"""From finding to rectification to penalty to re-filing, walked in a real browser (issue 5).

The starting world is set up with services: 穗好办 (gz-unit, Guangzhou) filed through the normal
workflow, and a package with an advertising SDK, built with the scanner's testkit, uploaded and
really scanned.  Everything after that is clicks and form fills:

1. gd-cac orders the ads SDK removed within 5 working days;
2. gz-unit answers without a new package; gd-cac cannot accept (the finding is still open) and
   sends it back with 3 working days;
3. the deadline passes and ``govapp compliance tick`` escalates the order; gd-cac sees it
   overdue and declares the order failed (confirmation dialog): a penalty case proposes
   revocation;
4. the CAC downloads both XLSX notices (Chinese workbooks) and revokes the filing (checkbox and
   confirmation dialog); public verification says 备案已撤销 at once;
5. gz-unit uploads a fixed package (no ads SDK; scanned by what the worker runs), sees the
   finding closed, starts a new application from the app page and submits it; gd-cac forwards,
   the CAC approves;
6. public verification says 已备案 again, with the same filing number, and the penalty case
   shows 已重新备案.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from govapp.compliance.models import Finding, PenaltyCase, RectificationOrder
from govapp.core.calendar import today_shanghai
from govapp.orgs.demo import demo_orgs_load
from govapp.orgs.models import Unit, User
from govapp.registry.models import App, AppKind, Platform
from govapp.registry.services.applications import (
    application_create,
    application_save_draft,
    application_submit,
)
from govapp.registry.services.apps import app_create, identities_set
from govapp.registry.services.review import application_approve, application_forward
from govapp.scanner.testkit import build_apk, make_signing_key
from govapp.scans.models import PackageScan
from govapp.scans.services import package_scan_create, package_scan_run
from tests import factories as f
from tests.e2e.conftest import cac_approve, login, logout, province_sign_off, shot
from tests.registry.factories import complete_sections

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PACKAGE = "cn.gov.gz.shb"
ADS_TYPES = ("Lcom/qq/e/ads/banner/BannerView;", "Lcom/bytedance/sdk/openadsdk/TTAdSdk;")
STRINGS = ("办事指南", "政策查询", "投诉建议")
PERMISSIONS = ("android.permission.INTERNET", "android.permission.ACCESS_NETWORK_STATE")


def _build(tmp_path: Path, version: str, code: int, *, ads: bool) -> Path:
    key = make_signing_key(common_name="cn.gov.gz.shb release signer")
    built = build_apk(
        tmp_path / f"suihaoban-{version}.apk",
        package=PACKAGE,
        version_name=version,
        version_code=code,
        permissions=PERMISSIONS,
        dex_strings=STRINGS,
        dex_types=ADS_TYPES if ads else (),
        key=key,
    )
    return built.path


def _filed_app_with_ads_finding(tmp_path: Path) -> App:
    """The starting world: 穗好办 filed through the normal workflow, then an ads-SDK package
    uploaded and scanned (what the worker does after an upload)."""
    for code in ("11", "44", "4401", "51", "5101"):
        f.division(code)
    demo_orgs_load()
    gz, gd, cac = (User.objects.get(username=u) for u in ("gz-unit", "gd-cac", "cac"))
    unit = Unit.objects.get(name="广州市政务服务和数据管理局")
    app = app_create(
        actor=gz,
        unit=unit,
        name="穗好办",
        kind=AppKind.APP,
        target_users="全市公务人员",
        target_levels=["prefecture"],
        description="政务服务事项办理",
    )
    key = make_signing_key(common_name="cn.gov.gz.shb release signer")
    identities_set(
        actor=gz,
        app=app,
        identities=[
            {"platform": Platform.ANDROID, "identifier": PACKAGE, "cert_sha256": key.cert_sha256}
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
    application = application_forward(actor=gd, application=application)
    application = application_forward(actor=f.gsa_reviewer("44"), application=application)
    application_approve(
        actor=cac, application=application, override_reason="演示：技术检测在系统外完成"
    )
    apk = _build(tmp_path, "1.0.0", 1, ads=True)
    scan = package_scan_create(
        actor=gz,
        unit=unit,
        upload=SimpleUploadedFile(apk.name, apk.read_bytes()),
        app=app,
    )
    package_scan_run(scan_id=scan.pk)
    # the scan's evaluation is a follow-up task (core.wiring.FOLLOW_UPS): run the worker
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    app.refresh_from_db()
    return app


def _xlsx_heading(content: bytes) -> str:
    assert content[:2] == b"PK"  # a ZIP container, as every XLSX
    wb = load_workbook(io.BytesIO(content))
    ws = wb.active
    assert ws is not None
    return str(ws["A1"].value)


def test_finding_order_penalty_revoke_refile(
    live_server: Any, page: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    app = _filed_app_with_ads_finding(tmp_path)
    number = app.filing_number
    assert number and number.startswith("粤政务应用备")
    ads = Finding.objects.get(app=app, rule_id="R23_ADVERTISING_SDK", status="open")
    base = live_server.url
    dialogs: list[str] = []

    def on_dialog(d: Any) -> None:
        dialogs.append(d.message)
        d.accept()

    page.on("dialog", on_dialog)

    # 1. the provincial office orders the ads SDK removed
    login(page, base, "gd-cac")
    page.goto(f"{base}/compliance/apps/{app.pk}/")
    body = page.inner_text("main")
    assert "集成广告 SDK" in body and "suihaoban-1.0.0.apk" in body
    shot(page, "penalty-01-finding")
    page.check(f"input[name=findings][value='{ads.pk}']")
    page.fill(
        "textarea[name=instructions]", "移除优量汇、穿山甲广告 SDK，政务应用不得投放商业广告。"
    )
    page.fill("input[name=working_days]", "5")
    page.click("button:has-text('下达整改通知') >> nth=-1")
    page.wait_for_selector("text=整改通知已下达")
    order = RectificationOrder.objects.get(app=app)
    shot(page, "penalty-02-order-issued")
    logout(page)

    # 2. the unit answers without fixing anything
    login(page, base, "gz-unit")
    page.goto(f"{base}/compliance/apps/{app.pk}/")
    page.click(f"a[href='/compliance/orders/{order.pk}/']")
    page.fill("textarea[name=response]", "已关闭广告位展示，SDK 将在下个版本移除。")
    page.click("button:has-text('报送')")
    page.wait_for_selector("text=整改情况已报送")
    assert Finding.objects.get(pk=ads.pk).status == "open"
    logout(page)

    # ... the regulator cannot accept it and sends it back
    login(page, base, "gd-cac")
    page.goto(f"{base}/compliance/orders/{order.pk}/")
    page.fill("textarea[name=note]", "广告 SDK 仍在安装包中。")
    page.click("button:has-text('验收通过')")
    page.wait_for_selector("text=以下问题重新检测后仍然存在")
    shot(page, "penalty-03-accept-refused")
    page.fill("textarea[name=note]", "广告 SDK 仍在安装包中，请移除后上传新版本。")
    page.fill("input[name=working_days]", "3")
    page.click("button:has-text('退回重新整改')")
    page.wait_for_selector("text=已退回重新整改")
    order.refresh_from_db()
    assert order.state == "sent_back"
    logout(page)

    # 3. the deadline passes without an answer; the daily tick escalates the order
    RectificationOrder.objects.filter(pk=order.pk).update(
        deadline=today_shanghai() - dt.timedelta(days=1)
    )
    call_command("compliance", "tick")
    login(page, base, "gd-cac")
    page.goto(f"{base}/compliance/orders/?overdue=1")
    page.click(f"a[href='/compliance/orders/{order.pk}/']")
    assert "已逾期升级" in page.inner_text("main")
    shot(page, "penalty-04-overdue")
    page.fill("form:has(input[value=fail]) textarea[name=note]", "逾期未整改，广告 SDK 仍在。")
    page.click("button:has-text('认定不合格')")
    page.wait_for_selector("text=已认定整改不合格")
    assert any("撤销备案" in m for m in dialogs), dialogs
    case = PenaltyCase.objects.get(app=app)
    assert case.state == "proposed"
    shot(page, "penalty-05-case-proposed")
    logout(page)

    # 4. the CAC reads the notices and revokes the filing
    login(page, base, "cac")
    page.goto(f"{base}/compliance/penalties/")
    page.click(f"a[href='/compliance/penalties/{case.pk}/']")
    shot(page, "penalty-06-case-cac")
    n = len(dialogs)
    page.fill("textarea[name=note]", "整改期限届满仍未整改，撤销备案。")
    page.check("input[name=confirm]")
    page.click("button:has-text('撤销备案')")
    page.wait_for_selector("text=已撤销备案")
    assert len(dialogs) == n + 1 and "确认撤销" in dialogs[-1]
    shot(page, "penalty-07-revoked")
    headings = []
    for label in ("项目审批部门", "运维经费管理部门"):
        with page.expect_download() as dl:
            page.click(f"a:has-text('致{label}的通知')")
        download = dl.value
        assert download.suggested_filename.endswith(".xlsx")
        path = tmp_path / download.suggested_filename
        download.save_as(path)
        headings.append(_xlsx_heading(path.read_bytes()))
    assert "暂停该单位新的信息化项目审批" in headings[0] and "穗好办" in headings[0]
    assert "暂停拨付该应用的运维经费" in headings[1]
    logout(page)

    # ... public verification shows it at once
    page.goto(f"{base}/public/verify/?filing_number={number}")
    assert "备案已撤销" in page.inner_text("main")
    shot(page, "penalty-08-public-revoked")

    # 5. the unit uploads a fixed package; the worker scans it
    login(page, base, "gz-unit")
    page.click("nav.sidenav >> text=安装包检测")
    page.click("text=上传安装包")
    page.select_option("#id_app", label="穗好办 · 广州市政务服务和数据管理局")
    page.set_input_files("#id_package", str(_build(tmp_path, "1.1.0", 2, ads=False)))
    page.click("button:has-text('上传并检测')")
    page.wait_for_selector("text=排队中")
    fixed = PackageScan.objects.get(app=app, file_name="suihaoban-1.1.0.apk")
    package_scan_run(scan_id=fixed.pk)  # what the task worker does
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)  # and its follow-up
    page.wait_for_selector(f"text={PACKAGE}")
    shot(page, "penalty-09-fixed-scan")
    page.goto(f"{base}/compliance/apps/{app.pk}/?closed=1")
    assert Finding.objects.get(pk=ads.pk).status == "closed"
    assert "已关闭" in page.inner_text("main")
    shot(page, "penalty-10-finding-closed")

    # ... and files again through the normal workflow
    page.goto(f"{base}/registry/apps/{app.pk}/")
    page.click("button:has-text('发起备案申请')")
    page.wait_for_selector("text=一、基本信息")
    page.fill("[name='basic.version']", "1.1.0")
    page.check("input[name=pledge_accepted]")
    page.click("button[value=submit]")
    page.wait_for_selector("text=办理记录")
    assert "省级完整性审核中" in page.content()
    shot(page, "penalty-11-refiling-submitted")
    logout(page)

    province_sign_off(page, base, "穗好办")

    login(page, base, "cac")
    page.goto(f"{base}/registry/queue/")
    page.click("text=穗好办")
    cac_approve(page)
    shot(page, "penalty-12-refiled")

    # 6. filed again under the same number; the task worker evaluates the app (the approval
    # enqueued it) and the case shows as restored
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    page.goto(f"{base}/compliance/penalties/{case.pk}/")
    assert page.inner_text("h1 .badge") == "已重新备案"
    assert "恢复为已备案状态" in page.inner_text("main")
    case.refresh_from_db()
    assert case.state == "restored"
    shot(page, "penalty-13-case-restored")
    logout(page)
    page.goto(f"{base}/public/verify/?filing_number={number}")
    body = page.inner_text("main")
    assert "已备案" in body and "备案已撤销" not in body and number in body
    shot(page, "penalty-14-public-filed")
    app.refresh_from_db()
    assert app.status == "filed" and app.filing_number == number
