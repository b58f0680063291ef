"""A unit uploads a package in the browser; the page shows the queued scan, then its facts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from govapp.registry.models import AppKind
from govapp.registry.services.apps import app_create
from govapp.scanner.testkit.apk import build_apk
from govapp.scans.models import PackageScan
from govapp.scans.services import package_scan_run
from tests import factories as f
from tests.e2e.conftest import shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_upload_and_read_facts(live_server: Any, page: Any, tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    unit = f.unit("440106", name="广州市政务服务和数据管理局")
    member = f.unit_member(unit, username="gzu")
    app_create(actor=member, unit=unit, name="穗好办", kind=AppKind.APP)
    apk = build_apk(
        tmp_path / "suihaoban.apk",
        package="cn.gov.gz.shb",
        permissions=(
            "android.permission.ACCESS_FINE_LOCATION",
            "android.permission.ACCESS_BACKGROUND_LOCATION",
            "android.permission.CAMERA",
            "android.permission.READ_CONTACTS",
        ),
        dex_strings=("请完成每日打卡签到", "本月学习时长排行榜", "上传现场照片"),
        dex_types=("Lcom/qq/e/ads/banner/BannerView;", "Lcom/umeng/analytics/MobclickAgent;"),
    )
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "gzu")
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base}/")
    page.click("nav.sidenav >> text=安装包检测")
    page.click("text=上传安装包")
    page.select_option("#id_app", label="穗好办 · 广州市政务服务和数据管理局")
    page.set_input_files("#id_package", str(apk.path))
    shot(page, "scan-upload")
    page.click("button:has-text('上传并检测')")
    page.wait_for_selector("text=排队中")
    scan = PackageScan.objects.get()
    package_scan_run(scan_id=scan.pk)  # what the task worker does
    page.wait_for_selector("text=cn.gov.gz.shb", timeout=15000)  # htmx polling refreshes
    body = page.inner_text("main")
    assert "广告" in body and "打卡" in body and "后台定位" in body  # capabilities by name
    shot(page, "scan-detail")
