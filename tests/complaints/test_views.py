"""Pages: the public form, the receipt, following with the receipt, the embeddable in-app page,
regulators' list/detail/stats and the unit's redacted requests, each with an outsider (404)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from govapp.complaints import services
from govapp.complaints.models import Channel, Complaint, ExplanationRequest, Status
from tests.complaints.factories import jpeg_with_gps, pow_token, report, world

pytestmark = pytest.mark.django_db

RECEIPT = re.compile(r'data-testid="receipt">([A-Z2-7-]{39})<')


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def form(app=None, **kw):
    data = {
        "app_query": app.name if app else "",
        "filing_number": app.filing_number if app else "",
        "category": "excessive_records",
        "banned_practice": "R-22",
        "description": "要求每次入户走访都拍照上传并打卡定位，每天至少十次。",
        "happened": "2026年4月",
        "pow": pow_token(),
    }
    data.update(kw)
    return data


def test_report_form_and_receipt_then_follow():
    w = world()
    c = Client()
    page = c.get(f"/complaints/?app={w.app.filing_number}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "匿名" in html and w.app.name in html and "data-pow=" in html
    assert page["Cache-Control"] == "no-store"
    resp = c.post(
        "/complaints/",
        {**form(w.app), "evidence": SimpleUploadedFile("IMG_张三_工位.jpg", jpeg_with_gps())},
    )
    assert resp.status_code == 200, resp.content.decode()[:2000]
    receipt = RECEIPT.search(resp.content.decode()).group(1)
    complaint = Complaint.objects.get()
    assert complaint.app == w.app and complaint.channel == Channel.WEB
    ev = complaint.evidence.get()
    assert "张三" not in ev.file.name and "IMG" not in ev.file.name
    assert "sessionid" not in c.cookies  # no session was created for the reporter
    assert not Session.objects.exists()

    shown = c.post("/complaints/follow/", {"receipt": receipt.lower()})
    assert shown.status_code == 200
    assert "已收到，待受理" in shown.content.decode()
    added = c.post(
        "/complaints/follow/", {"receipt": receipt, "action": "add", "text": "补充：周末也要打卡。"}
    )
    assert "补充材料已提交" in added.content.decode()
    assert complaint.messages.get().text == "补充：周末也要打卡。"
    wrong = c.post("/complaints/follow/", {"receipt": "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"})
    assert wrong.status_code == 404 and "查询码不正确" in wrong.content.decode()


def test_report_form_errors_keep_the_input():
    w = world()
    resp = Client().post("/complaints/", form(w.app, description="太短了"))
    assert resp.status_code == 422
    html = resp.content.decode()
    assert "至少 10 个字" in html and "太短了" in html
    bad_file = Client().post(
        "/complaints/", {**form(w.app), "evidence": SimpleUploadedFile("a.docx", b"PK\x03\x04xx")}
    )
    assert bad_file.status_code == 422 and "只接受图片" in bad_file.content.decode()
    assert not Complaint.objects.exists()


def test_app_suggestions():
    w = world()
    resp = Client().get("/complaints/apps/", {"app_query": "穗政通"})
    assert w.app.filing_number in resp.content.decode()


def test_embed_page_marks_reports_with_the_app():
    w = world()
    key = services.app_complaint_key_ensure(app=w.app).key
    c = Client(enforce_csrf_checks=True)
    page = c.get(f"/complaints/app/{key}/")
    assert page.status_code == 200 and "X-Frame-Options" not in page
    assert w.app.name in page.content.decode()
    data = form(app=None)
    resp = c.post(f"/complaints/app/{key}/", data)
    assert resp.status_code == 200 and RECEIPT.search(resp.content.decode())
    complaint = Complaint.objects.get()
    assert complaint.channel == Channel.IN_APP and complaint.app == w.app
    assert Client().get("/complaints/app/unknown-key/").status_code == 404


def test_regulator_list_detail_and_outsiders_get_404():
    w = world()
    c = report(w.app).complaint
    gd = login(w.gd)
    listing = gd.get("/complaints/manage/")
    assert listing.status_code == 200 and c.reference in listing.content.decode()
    detail = gd.get(f"/complaints/manage/{c.pk}/")
    assert detail.status_code == 200 and c.description in detail.content.decode()
    assert c.reference in login(w.cac).get("/complaints/manage/").content.decode()
    # another province's regulator: not in the list, 404 on the page and evidence
    sc = login(w.sc)
    assert c.reference not in sc.get("/complaints/manage/").content.decode()
    assert sc.get(f"/complaints/manage/{c.pk}/").status_code == 404
    assert sc.get(f"/complaints/manage/{c.pk}/evidence/1/").status_code == 404
    assert sc.post(f"/complaints/manage/{c.pk}/", {"action": "ack"}).status_code == 404
    # the hosting unit itself and the auditor cannot open it either
    for outsider in (w.member, w.auditor):
        assert login(outsider).get(f"/complaints/manage/{c.pk}/").status_code == 404
        assert login(outsider).get(f"/complaints/manage/{c.pk}/evidence/1/").status_code == 404
    assert login(w.member).get("/complaints/manage/").status_code == 403
    assert Client().get(f"/complaints/manage/{c.pk}/").status_code == 302  # login first


def test_regulator_triage_in_the_page():
    w = world()
    res = report(w.app, evidence=[jpeg_with_gps()])
    c = res.complaint
    gd = login(w.gd)
    url = f"/complaints/manage/{c.pk}/"
    assert gd.post(url, {"action": "ack"}).status_code == 302
    ev = c.evidence.get()
    img = gd.get(f"{url}evidence/{ev.pk}/")
    assert img.status_code == 200 and img["Content-Type"] == "image/jpeg"
    assert b"TestCam" not in b"".join(img.streaming_content)
    no_confirm = gd.post(url, {"action": "answer", "outcome": "已整改"})
    assert no_confirm.status_code == 422 and "请勾选确认" in no_confirm.content.decode()
    r = gd.post(
        url,
        {
            "action": "explain",
            "redacted": "有反映该应用要求频繁拍照打卡，请说明。",
            "confirm_redacted": "1",
        },
    )
    assert r.status_code == 302
    req = ExplanationRequest.objects.get()
    assert gd.post(url, {"action": "reply", "text": "已转主办单位说明。"}).status_code == 302
    assert (
        gd.post(url, {"action": "answer", "outcome": "已责令整改。", "confirm": "1"}).status_code
        == 302
    )
    c.refresh_from_db()
    assert c.status == Status.ANSWERED
    req.refresh_from_db()
    assert req.state == "withdrawn"


def test_unit_sees_only_the_redacted_request():
    w = world()
    c = report(
        w.app, description="我是五山街道的李四，每天被要求打卡三次并上传工作照片。"
    ).complaint
    services.complaint_acknowledge(complaint=c, actor=w.gd)
    req = services.complaint_request_explanation(
        complaint=c,
        actor=w.gd,
        redacted_text="有反映该应用要求基层人员每日多次打卡并上传照片，请说明。",
        confirmed_redacted=True,
    )
    unit = login(w.member)
    page = unit.get("/complaints/unit/")
    html = page.content.decode()
    assert page.status_code == 200 and req.reference in html
    assert "李四" not in html and c.reference not in html
    detail = unit.get(f"/complaints/unit/requests/{req.pk}/")
    body = detail.content.decode()
    assert "每日多次打卡" in body and "李四" not in body and "五山街道" not in body
    assert (
        unit.post(f"/complaints/unit/requests/{req.pk}/", {"response": "已取消打卡。"}).status_code
        == 302
    )
    req.refresh_from_db()
    assert req.state == "answered"
    # other units and regulators of other provinces: 404 / 403
    assert login(w.other_member).get(f"/complaints/unit/requests/{req.pk}/").status_code == 404
    assert login(w.sc).get(f"/complaints/unit/requests/{req.pk}/").status_code == 404
    # the regulator reads the unit's answer
    assert "已取消打卡" in login(w.gd).get(f"/complaints/manage/{c.pk}/").content.decode()


def test_unit_integration_page_issues_keys():
    w = world()
    unit = login(w.member)
    resp = unit.post("/complaints/unit/", {"app": str(w.app.pk)})
    assert resp.status_code == 302
    key = w.app.complaint_key.key
    assert f"/complaints/app/{key}/" in unit.get("/complaints/unit/").content.decode()
    assert (
        login(w.other_member).post("/complaints/unit/", {"app": str(w.app.pk)}).status_code == 404
    )


def test_stats_page_by_jurisdiction():
    w = world()
    report(w.app)
    report(w.central_app)
    html = login(w.gd).get("/complaints/manage/stats/").content.decode()
    assert 'data-testid="total">1<' in html and "广东省" in html
    html = login(w.cac).get("/complaints/manage/stats/").content.decode()
    assert 'data-testid="total">2<' in html and "中央国家机关" in html
    assert 'data-testid="total">0<' in login(w.sc).get("/complaints/manage/stats/").content.decode()
    assert login(w.member).get("/complaints/manage/stats/").status_code == 403


def test_home_panels_and_navigation():
    w = world()
    report(w.app)
    html = login(w.gd).get("/").content.decode()
    assert "待办理的投诉举报" in html and "/complaints/manage/" in html
    assert "待办理的投诉举报" not in login(w.member).get("/").content.decode()


def test_english_pages_render():
    w = world()
    c = Client()
    c.cookies["django_language"] = "en"
    try:
        page = c.get(f"/complaints/?app={w.app.filing_number}")
        assert page.status_code == 200 and w.app.name in page.content.decode()
    finally:
        translation.activate(settings.LANGUAGE_CODE)  # the middleware leaves "en" active
