"""The public registry in a real browser, no login, in zh-Hans: search, an app's page, and
verification by filing number and by package + certificate (filed, certificate_mismatch,
not_filed, revoked)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from govapp.public import selectors
from govapp.registry.models import AppStatus
from tests import factories as f
from tests.e2e.conftest import shot
from tests.public import factories as pf

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def _colons(hex_digest: str) -> str:
    up = hex_digest.upper()
    return ":".join(up[i : i + 2] for i in range(0, len(up), 2))


def test_public_search_app_page_and_verification(
    live_server: Any, page: Any, settings: Any
) -> None:
    settings.GOVAPP_PUBLIC_RATE_LIMIT = None
    cache.clear()
    selectors._memo["token"] = None
    gz = f.unit("440106", name="广州市政务服务和数据管理局")
    cd = f.unit("510104", name="成都市网络理政中心")
    shb = pf.app(
        unit=gz,
        name="穗好办",
        package="cn.gov.gz.shb",
        cert_seed="gz-shb",
        filing_number="粤备2026000101号",
        description="内部功能说明：机关值班排班（不公开）",
    )
    pf.app(unit=cd, name="天府市民云", package="cn.gov.cd.tfsmy", filing_number="川备2026000001号")
    pf.app(
        unit=gz,
        name="穗政通旧版",
        package="cn.gov.gz.old",
        filing_number="粤备2025000009号",
        status=AppStatus.REVOKED,
    )
    cert = pf.cert("gz-shb")["cert_sha256"]
    base = live_server.url

    # search by name
    page.goto(f"{base}/public/")
    assert (page.get_attribute("html", "lang") or "").startswith("zh")
    page.fill("input[name=q]", "穗好办")
    page.click("button:has-text('查询')")
    page.wait_for_selector("text=共 1 个应用")
    rows = page.inner_text("table")
    assert "穗好办" in rows and "天府市民云" not in rows and "粤备2026000101号" in rows
    shot(page, "public-01-search")
    # search by unit and by province
    page.goto(f"{base}/public/?unit=成都")
    assert "天府市民云" in page.inner_text("table") and "穗好办" not in page.inner_text("table")

    # the app's public page: unit, number, identities; nothing internal
    page.goto(f"{base}/public/?q=穗好办")
    page.click("a:has-text('穗好办')")
    page.wait_for_selector("text=粤备2026000101号")
    body = page.inner_text("main")
    assert "广州市政务服务和数据管理局" in body and "cn.gov.gz.shb" in body
    assert "内部功能说明" not in body
    shot(page, "public-02-app")

    def verify(query: str, expected: str, name: str) -> str:
        page.goto(f"{base}/public/verify/{query}")
        text = page.inner_text("[role=status]")
        assert expected in text, text
        shot(page, name)
        return text

    # by filing number
    page.goto(f"{base}/public/verify/")
    page.fill("#v-number", "粤备2026000101号")
    page.click("form:has(#v-number) button:has-text('核验')")
    text = page.inner_text("[role=status]")
    assert "已备案" in text and "穗好办" in text
    shot(page, "public-03-verify-number-filed")
    # by package + certificate, typed as keytool prints it (upper case with colons)
    page.fill("#v-package", "cn.gov.gz.shb")
    page.fill("#v-cert", _colons(cert))
    page.click("form:has(#v-package) button:has-text('核验')")
    text = page.inner_text("[role=status]")
    assert "已备案" in text and "粤备2026000101号" in text
    shot(page, "public-04-verify-package-filed")
    # the same package with another certificate: a counterfeit or tampered copy
    page.fill("#v-package", "cn.gov.gz.shb")
    page.fill("#v-cert", "ab" * 32)
    page.click("form:has(#v-package) button:has-text('核验')")
    assert "签名证书不符" in page.inner_text("[role=status]")
    shot(page, "public-05-verify-certificate-mismatch")
    # an unknown package
    page.fill("#v-package", "com.example.fake.gov")
    page.fill("#v-cert", "cd" * 32)
    page.click("form:has(#v-package) button:has-text('核验')")
    assert "未备案" in page.inner_text("[role=status]")
    shot(page, "public-06-verify-not-filed")
    # a revoked filing
    verify("?filing_number=粤备2025000009号", "备案已撤销", "public-07-verify-revoked")
    # a mistyped number gets a not_filed answer, not an error page
    verify("?filing_number=粤备0000000000号", "未备案", "public-08-verify-unknown-number")
    assert shb.pk
