from __future__ import annotations

import pytest
from django.test import Client

from govapp.registry.models import AppStatus
from tests import factories as f
from tests.public import factories as pf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_limit(settings):
    settings.GOVAPP_PUBLIC_RATE_LIMIT = None


def test_search_page_lists_filed_apps_without_login():
    pf.app(name="穗好办", unit=f.unit("440106", name="广州市政务服务和数据管理局"))
    pf.app(name="隐藏草稿", status=AppStatus.UNFILED)
    r = Client().get("/public/", {"q": "穗"})
    html = r.content.decode()
    assert r.status_code == 200
    assert "穗好办" in html and "广州市政务服务和数据管理局" in html
    assert "隐藏草稿" not in Client().get("/public/").content.decode()


def test_search_page_region_select_lists_cities_of_province():
    f.division("4401")
    html = Client().get("/public/", {"province": "44"}).content.decode()
    assert 'name="city"' in html and "广州市" in html


def test_app_page_shows_public_facts_qr_and_no_internal_data():
    a = pf.app(name="蓉易办", package="cn.gov.rong", cert_seed="r")
    html = Client().get(f"/public/apps/{a.filing_number}/").content.decode()
    assert "蓉易办" in html and a.filing_number in html
    assert pf.cert("r")["cert_sha256"] in html
    assert "<svg" in html and "/public/verify/?filing_number=" in html
    assert "内部功能说明" not in html


def test_app_page_404_for_unfiled_or_unknown():
    a = pf.app(status=AppStatus.UNFILED, filing_number="HIDDEN-2")
    assert Client().get(f"/public/apps/{a.filing_number}/").status_code == 404
    assert Client().get("/public/apps/NOPE/").status_code == 404


def test_deregistered_app_page_says_so():
    a = pf.app(status=AppStatus.DEREGISTERED)
    html = Client().get(f"/public/apps/{a.filing_number}/").content.decode()
    assert "已注销" in html and "请勿继续下载或使用" in html


def test_verify_page_verdicts():
    a = pf.app(package="cn.gov.page", cert_seed="p")
    c = Client()
    html = c.get("/public/verify/", {"filing_number": a.filing_number}).content.decode()
    assert "badge-ok" in html and "已备案" in html
    html = c.get(
        "/public/verify/", {"package": "cn.gov.page", "cert_sha256": pf.cert("q")["cert_sha256"]}
    ).content.decode()
    assert "签名证书不符" in html and "badge-danger" in html
    html = c.get("/public/verify/", {"filing_number": "NOPE"}).content.decode()
    assert "未备案" in html


def test_verify_page_explains_bad_input():
    r = Client().get("/public/verify/", {"package": "cn.gov.x", "cert_sha256": "zz"})
    assert r.status_code == 422
    assert "64 位十六进制" in r.content.decode()


def test_verify_page_empty_form_is_fine():
    r = Client().get("/public/verify/")
    assert r.status_code == 200 and "核验应用真伪" in r.content.decode()


def test_pages_rate_limited_with_clear_page(settings):
    settings.GOVAPP_PUBLIC_RATE_LIMIT = (2, 60)
    c = Client(REMOTE_ADDR="192.0.2.1")
    assert c.get("/public/").status_code == 200
    assert c.get("/public/verify/").status_code == 200
    r = c.get("/public/")
    assert r.status_code == 429
    assert r["Retry-After"]
    assert "秒后再试" in r.content.decode()


def test_logged_in_regulator_of_other_province_sees_only_public_data():
    """Public pages show the same public facts to everyone, never internal ones."""
    a = pf.app(unit=f.unit("440106"), status=AppStatus.UNFILED, filing_number=None)
    sc = f.regulator("51")
    c = Client()
    c.force_login(sc)
    assert "没有符合条件的已备案应用" in c.get("/public/", {"q": a.name}).content.decode()
    assert (
        c.get("/api/v1/public/verify", {"package": a.identities.get().identifier}).json()["status"]
        == "not_filed"
    )


def test_app_page_shows_complaint_figures_and_report_link():
    from govapp.complaints.models import Category, Channel
    from govapp.complaints.services import complaint_submit

    f.unit(
        "11", f.UnitKind.CAC, name="国家互联网信息办公室"
    )  # complaints are routed to a regulator
    f.unit("44", f.UnitKind.PROVINCIAL_CAC, name="广东省互联网信息办公室")
    a = pf.app(name="粤政易测试")
    complaint_submit(
        app=a,
        category=Category.FORCED_USE,
        description="要求每天打卡上报位置。",
        channel=Channel.WEB,
    )
    html = Client().get(f"/public/apps/{a.filing_number}/").content.decode()
    assert "已收到 1 件，已办结 0 件" in html
    assert "/complaints/?app=" in html
    assert "要求每天打卡" not in html  # figures only, never content
