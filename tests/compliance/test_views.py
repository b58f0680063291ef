import datetime as dt

import pytest
from django.test import Client
from openpyxl import load_workbook

from govapp.compliance import services as svc
from govapp.compliance.models import Exemption, Finding, RectificationOrder
from govapp.core.calendar import today_shanghai
from tests.compliance import factories as cf

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def _setup():
    w = cf.world()
    app = cf.app(w)
    cf.package_scan(app, **cf.CLOCK_IN, **cf.ADS)
    svc.compliance_evaluate(app=app, actor=w.member)
    return w, app


def test_unit_sees_its_findings_and_other_province_gets_404():
    w, app = _setup()
    r = _client(w.member).get(f"/compliance/apps/{app.pk}/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "强制打卡签到" in body and "上班打卡" in body and "申请特殊场景豁免" in body
    assert _client(w.other_province).get(f"/compliance/apps/{app.pk}/").status_code == 404
    assert _client(w.other_member).get(f"/compliance/apps/{app.pk}/").status_code == 404
    assert _client(w.other_member).post(f"/compliance/apps/{app.pk}/evaluate/").status_code == 404
    listing = _client(w.other_province).get("/compliance/findings/").content.decode()
    assert app.name not in listing
    assert app.name in _client(w.province).get("/compliance/findings/").content.decode()
    assert _client(w.cac).get("/compliance/").status_code == 200


def test_evaluate_button_and_rules_page():
    w, app = _setup()
    r = _client(w.member).post(f"/compliance/apps/{app.pk}/evaluate/", follow=True)
    assert "检测完成" in r.content.decode()
    assert "R20_CLOCK_IN" in _client(w.member).get("/compliance/rules/").content.decode()


def test_exemption_request_and_decision_pages():
    w, app = _setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    doc = SimpleUploadedFile("安保方案.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    r = _client(w.member).post(
        f"/compliance/apps/{app.pk}/exemptions/",
        {
            "rule_id": "R20_CLOCK_IN",
            "scenario": "security",
            "reason": "重大活动安保值守到岗确认",
            "document": doc,
        },
        follow=True,
    )
    assert "豁免申请已提交" in r.content.decode()
    ex = Exemption.objects.get(app=app)
    assert _client(w.other_province).get(f"/compliance/exemptions/{ex.pk}/").status_code == 404
    assert (
        _client(w.other_province).get(f"/compliance/exemptions/{ex.pk}/document/").status_code
        == 404
    )
    assert _client(w.member).get(f"/compliance/exemptions/{ex.pk}/document/").status_code == 200
    expiry = (today_shanghai() + dt.timedelta(days=20)).isoformat()
    r = _client(w.province).post(
        f"/compliance/exemptions/{ex.pk}/",
        {"decision": "approve", "expires_on": expiry},
        follow=True,
    )
    assert "已批准豁免" in r.content.decode()
    assert Finding.objects.get(app=app, rule_id="R20_CLOCK_IN").status == "exempted"


def test_order_to_penalty_to_notices_in_pages():
    w, app = _setup()
    ads = Finding.objects.get(app=app, rule_id="R23_ADVERTISING_SDK")
    r = _client(w.province).post(
        f"/compliance/apps/{app.pk}/orders/",
        {"findings": [ads.pk], "instructions": "移除广告", "working_days": "5"},
    )
    order = RectificationOrder.objects.get(app=app)
    assert r.status_code == 302 and r.url == f"/compliance/orders/{order.pk}/"
    assert _client(w.other_province).get(f"/compliance/orders/{order.pk}/").status_code == 404
    r = _client(w.member).post(
        f"/compliance/orders/{order.pk}/", {"action": "respond", "response": "改了"}, follow=True
    )
    assert "整改情况已报送" in r.content.decode()
    r = _client(w.province).post(
        f"/compliance/orders/{order.pk}/", {"action": "accept"}, follow=True
    )
    assert "仍然存在" in r.content.decode()
    r = _client(w.province).post(
        f"/compliance/orders/{order.pk}/", {"action": "fail", "note": "不到位"}
    )
    case = order.penalties.get()
    assert r.url == f"/compliance/penalties/{case.pk}/"
    for kind in ("approval", "funding"):
        resp = _client(w.province).get(f"/compliance/penalties/{case.pk}/notice/{kind}.xlsx")
        assert resp.status_code == 200
        import io

        ws = load_workbook(io.BytesIO(resp.content)).active
        text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
        assert app.name in text and "暂停" in text
    assert (
        _client(w.other_province)
        .get(f"/compliance/penalties/{case.pk}/notice/approval.xlsx")
        .status_code
        == 404
    )
    # a province cannot revoke; the CAC can, after confirming
    r = _client(w.cac).post(f"/compliance/penalties/{case.pk}/", {"action": "revoke"}, follow=True)
    assert "请勾选确认" in r.content.decode()
    r = _client(w.cac).post(
        f"/compliance/penalties/{case.pk}/", {"action": "revoke", "confirm": "1"}, follow=True
    )
    app.refresh_from_db()
    assert app.status == "revoked"
    page = r.content.decode()
    assert 'badge badge-danger">已撤销备案' in page and "/public/verify/" not in page
    # re-filed (the registry workflow itself is walked in tests/e2e/test_penalty_refiling.py)
    type(app).objects.filter(pk=app.pk).update(status="filed")
    svc.compliance_evaluate(app=app, actor=None)
    page = _client(w.member).get(f"/compliance/penalties/{case.pk}/").content.decode()
    assert 'badge badge-ok">已重新备案' in page and "恢复为已备案状态" in page
    assert "/public/verify/?filing_number=" in page


def test_spot_check_pages_and_public_bulletins():
    w, app = _setup()
    for _ in range(3):
        cf.app(w)
    r = _client(w.province).post(
        "/compliance/spot-checks/", {"name": "抽查", "sample_size": "2", "seed": "5"}
    )
    assert r.status_code == 302
    assert _client(w.other_province).get(r.url).status_code == 404
    page = _client(w.province).get(r.url).content.decode()
    assert "5" in page
    assert (
        _client(w.member)
        .post("/compliance/spot-checks/", {"name": "x", "sample_size": "2"}, follow=True)
        .status_code
        == 200
    )
    # bulletins: public list without login
    order = svc.order_issue(
        actor=w.province,
        app=app,
        findings=[Finding.objects.get(app=app, rule_id="R20_CLOCK_IN")],
        instructions="删",
    )
    cf.package_scan(app)
    svc.order_respond(actor=w.member, order=order, response="已删")
    svc.order_accept(actor=w.province, order=order)
    r = _client(w.province).post(
        "/compliance/bulletins/new/",
        {"title": "第一期通报", "orders": [order.pk], "anonymised": "1"},
    )
    assert r.status_code == 302
    public = Client().get("/compliance/bulletins/").content.decode()
    assert "第一期通报" in public
    detail = Client().get(r.url).content.decode()
    assert "强制打卡签到" in detail and app.name not in detail
    assert _client(w.member).get("/compliance/bulletins/new/").status_code == 404


def test_api_findings_evaluate_and_jurisdiction():
    w, app = _setup()
    r = _client(w.member).get("/api/v1/compliance/findings", {"app": app.pk})
    assert r.status_code == 200 and r.json()["count"] >= 2
    assert (
        _client(w.other_province)
        .get("/api/v1/compliance/findings", {"app": app.pk})
        .json()["count"]
        == 0
    )
    assert (
        _client(w.other_province).post(f"/api/v1/compliance/apps/{app.pk}/evaluate").status_code
        == 404
    )
    r = _client(w.member).post(f"/api/v1/compliance/apps/{app.pk}/evaluate")
    assert r.status_code == 200 and r.json()["opened"] == 0
    rules = _client(w.member).get("/api/v1/compliance/rules").json()
    assert len(rules) >= 20
    d = _client(w.cac).get("/api/v1/compliance/dashboard").json()
    assert d["open"] >= 2 and d["by_region"][0]["region"] == "44"
    assert Client().get("/api/v1/compliance/bulletins").status_code == 200
    assert Client().get("/api/v1/compliance/findings").status_code == 401
