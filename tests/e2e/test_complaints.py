"""A report in a real browser: an anonymous reporter on a phone files it (the page solves the
proof of work), the Guangdong office triages it and asks the unit through a redacted copy,
the unit explains, the office answers, and the reporter reads the answer with the receipt.
Sichuan's office cannot open it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from govapp.complaints.models import Complaint, ExplanationRequest
from govapp.orgs.demo import demo_orgs_load
from govapp.orgs.models import Unit
from govapp.registry.models import App, AppKind, AppStatus
from tests import factories as f
from tests.complaints.factories import jpeg_with_gps
from tests.e2e.conftest import login, logout, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

ORIGINAL = "我是白云街道的王五，单位要求每天在穗好办上打卡三次并上传走访照片，不打卡就通报排名。"
REDACTED = "有反映称该应用要求基层人员每日多次打卡并上传走访照片，并据此通报排名，请说明依据。"


@pytest.fixture
def complaint_settings(settings: Any, tmp_path: Path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.GOVAPP_COMPLAINT_POW_BITS = 10


def test_report_triage_answer_and_read_back(
    live_server: Any, browser: Any, page: Any, complaint_settings: None, tmp_path: Path
) -> None:
    for code in ("11", "44", "4401", "51", "5101"):
        f.division(code)
    demo_orgs_load()
    unit = Unit.objects.get(name="广州市政务服务和数据管理局")
    app = App.objects.create(
        name="穗好办",
        kind=AppKind.APP,
        hosting_unit=unit,
        status=AppStatus.FILED,
        filing_number="粤ICP备E2E0001号A",
        filed_at=timezone.now(),
    )
    base = live_server.url
    photo = tmp_path / "IMG_20260302_王五.jpg"
    photo.write_bytes(jpeg_with_gps())

    # 1. the reporter, on a phone, no login
    phone_ctx = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        is_mobile=True,
        user_agent="Mozilla/5.0 (Linux; Android 14; E2E-Handset) E2EAgent/1.0",
    )
    phone = phone_ctx.new_page()
    phone.set_default_timeout(15000)
    phone.goto(f"{base}/complaints/?app={app.filing_number}")
    assert "匿名" in phone.inner_text("main")
    phone.check("input[name=category][value=forced_use]")
    phone.select_option("select[name=banned_practice]", "R-20")
    phone.fill("#id_description", ORIGINAL)
    phone.fill("#id_happened", "2026年3月起")
    phone.set_input_files("#id_evidence", str(photo))
    phone.wait_for_function("document.querySelector('input[name=pow]').value !== ''")
    shot(phone, "complaints-1-report-mobile")
    phone.click("button[type=submit].btn-primary")
    phone.wait_for_selector("[data-testid=receipt]")
    receipt = phone.inner_text("[data-testid=receipt]").strip()
    assert len(receipt.replace("-", "")) == 32
    shot(phone, "complaints-2-receipt-mobile")
    complaint = Complaint.objects.get()
    assert complaint.app == app and complaint.routed_to.name == "广东省互联网信息办公室"
    assert complaint.evidence.count() == 1

    # 2. another province's office cannot open it
    login(page, base, "sc-cac")
    resp = page.goto(f"{base}/complaints/manage/{complaint.pk}/")
    assert resp is not None and resp.status == 404
    _logout_from_anywhere(page, base)

    # 3. the Guangdong office triages it
    login(page, base, "gd-cac")
    assert "待办理的投诉举报" in page.inner_text("main")
    page.click("nav.sidenav a[href='/complaints/manage/']")
    page.wait_for_url(f"{base}/complaints/manage/")
    shot(page, "complaints-3-regulator-list")
    page.click(f"text={complaint.reference}")
    page.wait_for_url(f"{base}/complaints/manage/{complaint.pk}/")
    assert ORIGINAL in page.inner_text("[data-testid=description]")
    page.click("button:has-text('受理')")
    page.wait_for_url(f"{base}/complaints/manage/{complaint.pk}/")
    page.click("summary:has-text('要求主办单位说明')")
    page.fill("textarea[name=redacted]", REDACTED)
    page.check("input[name=confirm_redacted]")
    page.click("button:has-text('发送说明要求')")
    page.wait_for_url(f"{base}/complaints/manage/{complaint.pk}/")
    assert "已要求主办单位说明" in page.inner_text("[data-testid=status]")
    shot(page, "complaints-4-regulator-explanation-requested")
    logout(page)

    # 4. the hosting unit sees only the redacted copy and explains
    login(page, base, "gz-unit")
    assert "监管部门要求说明的问题" in page.inner_text("main")
    page.goto(f"{base}/complaints/unit/")
    req = ExplanationRequest.objects.get()
    page.click(f"text={req.reference}")
    page.wait_for_url(f"{base}/complaints/unit/requests/{req.pk}/")
    body = page.inner_text("main")
    assert REDACTED in body and "王五" not in body and "白云街道" not in body
    assert page.goto(f"{base}/complaints/manage/{complaint.pk}/").status == 404
    page.goto(f"{base}/complaints/unit/requests/{req.pk}/")
    page.fill("textarea[name=response]", "已取消强制打卡和照片上传，排名通报已停止。")
    shot(page, "complaints-5-unit-redacted-request")
    page.click("button:has-text('提交说明')")
    page.wait_for_url(f"{base}/complaints/unit/requests/{req.pk}/")
    logout(page)

    # 5. the office reads the explanation, replies and closes with the outcome
    login(page, base, "gd-cac")
    page.goto(f"{base}/complaints/manage/{complaint.pk}/")
    assert "已取消强制打卡" in page.inner_text("[data-testid=unit-response]")
    page.click("summary:has-text('答复举报人')")
    page.fill("textarea[name=text]", "已核实并要求主办单位整改。")
    page.click("button:has-text('答复举报人')")
    page.wait_for_url(f"{base}/complaints/manage/{complaint.pk}/")
    page.click("summary:has-text('办结并答复处理结果')")
    page.fill(
        "textarea[name=outcome]", "经核查，主办单位已取消强制打卡和照片上传，并停止排名通报。"
    )
    page.check("details[open] input[name=confirm]")
    page.click("details[open] button:has-text('办结')")
    page.wait_for_url(f"{base}/complaints/manage/{complaint.pk}/")
    assert "已办结" in page.inner_text("[data-testid=status]")
    shot(page, "complaints-6-regulator-answered")
    page.goto(f"{base}/complaints/manage/stats/")
    assert page.inner_text("[data-testid=total]").strip() == "1"
    shot(page, "complaints-7-stats")

    # 6. the reporter reads the answer back with the receipt
    phone.goto(f"{base}/complaints/follow/")
    phone.fill("#id_receipt", receipt.lower())
    phone.click("button[type=submit].btn-primary")
    phone.wait_for_selector("[data-testid=outcome]")
    assert "停止排名通报" in phone.inner_text("[data-testid=outcome]")
    text = phone.inner_text("main")
    assert (
        "已核实并要求主办单位整改" in text
        and "已取消强制打卡和照片上传，排名通报已停止" not in text
    )
    shot(phone, "complaints-8-reporter-reads-answer-mobile")
    phone_ctx.close()


def _logout_from_anywhere(page: Any, base: str) -> None:
    page.goto(f"{base}/")
    logout(page)


@pytest.fixture
def embedding_site() -> Any:
    """The hosting unit's own web page that frames the complaint page: a real HTTP server on
    the loopback interface, addressed as ``localhost`` (another site than the live server's
    127.0.0.1, so the frame is cross-site and gets no SameSite cookies).  It must be a real
    server on the same network class as govapp: chromium's Local Network Access checks block
    a page from a public address (or one faked with page.route, which chromium counts as
    public) from framing a loopback or private address (net::ERR_BLOCKED_BY_LOCAL_NETWORK_
    ACCESS_CHECKS), whatever the framed page answers; docs/complaints.md."""
    import http.server
    import threading

    body: dict[str, bytes] = {"html": b""}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body["html"])

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}", body
    server.shutdown()
    server.server_close()


def test_in_app_page_embedded_cross_site(
    live_server: Any,
    browser: Any,
    page: Any,
    complaint_settings: None,
    settings: Any,
    embedding_site: Any,
) -> None:
    """A hosting unit registers the origin of its own web page on its complaint page and
    embeds the in-app page there in an iframe of another site; the report goes through without
    cookies and is marked with the app."""
    from govapp.complaints.services import app_complaint_key_ensure

    origin, site = embedding_site
    for code in ("11", "44", "4401", "51", "5101"):
        f.division(code)
    demo_orgs_load()
    unit = Unit.objects.get(name="广州市政务服务和数据管理局")
    app = App.objects.create(
        name="穗好办",
        kind=AppKind.APP,
        hosting_unit=unit,
        status=AppStatus.FILED,
        filing_number="粤ICP备E2E0002号A",
        filed_at=timezone.now(),
    )
    key = app_complaint_key_ensure(app=app).key
    # http here because the live test server is http (an intranet without TLS must allow it)
    settings.GOVAPP_FRAME_ANCESTORS_ALLOW_HTTP = True
    base = live_server.url
    login(page, base, "gz-unit")
    page.goto(f"{base}/complaints/unit/")
    page.fill("textarea[name=frame_ancestors]", origin)
    page.click("button:has-text('保存来源')")
    page.wait_for_selector("text=已保存允许嵌入的网页来源")
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = ctx.new_page()
    phone.set_default_timeout(15000)
    url = f"{base}/complaints/app/{key}/".replace("localhost", "127.0.0.1")
    site["html"] = (
        f'<!doctype html><meta charset="utf-8"><p>穗好办 · 我的 · 投诉建议</p><iframe src="{url}" '
        'style="width:100%;height:780px;border:0"></iframe>'
    ).encode()
    phone.goto(f"{origin}/complaint")
    frame = phone.frame_locator("iframe")
    frame.locator("input[name=category][value=ranking_abuse]").check()
    frame.locator("#id_description").fill("每周按各村在线学习时长排名并在工作群通报。")
    phone.wait_for_timeout(50)
    frame.locator("form.cp-form button.btn-primary[type=submit]").click()
    frame.locator("[data-testid=receipt]").wait_for()
    shot(phone, "complaints-9-embedded-in-app")
    c = Complaint.objects.get()
    assert c.app == app and c.channel == "in_app"
    ctx.close()
