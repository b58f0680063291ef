"""/api/v1/compliance write actions: exemptions, orders, penalties, spot checks, bulletins.
Each is tried by a user outside the jurisdiction (404) and by the read-only auditor (403)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from govapp.compliance import services as svc
from govapp.compliance.models import Exemption, Finding, RectificationOrder
from govapp.core.calendar import today_shanghai
from govapp.registry.models import App
from tests import factories as f
from tests.compliance import factories as cf

pytestmark = pytest.mark.django_db
API = "/api/v1/compliance"


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _post(user: Any, path: str, data: dict[str, Any]) -> Any:
    return _client(user).post(API + path, json.dumps(data), content_type="application/json")


def _setup() -> tuple[cf.W, App, Any]:
    w = cf.world()
    app = cf.app(w)
    cf.package_scan(app, **cf.CLOCK_IN, **cf.ADS)
    svc.compliance_evaluate(app=app, actor=w.member)
    return w, app, f.auditor()


def _doc() -> SimpleUploadedFile:
    return SimpleUploadedFile("安保方案.pdf", b"%PDF-1.4 demo", content_type="application/pdf")


def test_exemption_request_and_decide() -> None:
    w, app, auditor = _setup()
    form = {"rule_id": "R20_CLOCK_IN", "scenario": "security", "reason": "重大活动安保值守到岗确认"}
    path = f"{API}/apps/{app.pk}/exemptions"
    assert _client(w.other_member).post(path, {**form, "document": _doc()}).status_code == 404
    assert _client(auditor).post(path, {**form, "document": _doc()}).status_code == 403
    r = _client(w.member).post(path, form)
    assert r.status_code == 400 and "证明材料" in r.json()["detail"]
    r = _client(w.member).post(path, {**form, "rule_id": "R23_ADVERTISING_SDK", "document": _doc()})
    assert r.status_code == 400 and "不能豁免" in r.json()["detail"]
    r = _client(w.member).post(path, {**form, "document": _doc()})
    assert r.status_code == 201, r.content
    ex_id = r.json()["id"]
    assert r.json()["status"] == "requested"

    decide = f"/exemptions/{ex_id}/decide"
    expiry = (today_shanghai() + dt.timedelta(days=30)).isoformat()
    assert (
        _post(w.other_province, decide, {"approve": True, "expires_on": expiry}).status_code == 404
    )
    assert _post(auditor, decide, {"approve": True, "expires_on": expiry}).status_code == 403
    assert _post(w.member, decide, {"approve": True, "expires_on": expiry}).status_code == 403
    r = _post(w.province, decide, {"approve": True})
    assert r.status_code == 400 and "有效期" in r.json()["detail"]
    r = _post(w.province, decide, {"approve": True, "expires_on": expiry})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert Finding.objects.get(app=app, rule_id="R20_CLOCK_IN").status == "exempted"
    r = _post(w.province, decide, {"approve": False, "note": "再议"})
    assert r.status_code == 409 and "已处理" in r.json()["detail"]
    # lists follow the jurisdiction
    assert [e["id"] for e in _client(w.member).get(f"{API}/exemptions").json()["items"]] == [ex_id]
    assert _client(w.other_province).get(f"{API}/exemptions").json() == {"items": [], "count": 0}


def test_order_create_respond_return_accept() -> None:
    w, app, auditor = _setup()
    ads = Finding.objects.get(app=app, rule_id="R23_ADVERTISING_SDK")
    body = {"findings": [ads.pk], "instructions": "移除广告 SDK", "working_days": 5}
    create = f"/apps/{app.pk}/orders"
    assert _post(w.other_province, create, body).status_code == 404
    assert _post(auditor, create, body).status_code == 403
    assert _post(w.member, create, body).status_code == 403
    r = _post(w.province, create, {**body, "findings": [ads.pk + 999]})
    assert r.status_code == 400 and "不属于该应用" in r.json()["detail"]
    r = _post(w.province, create, {**body, "working_days": 0})
    assert r.status_code == 400 and "工作日" in r.json()["detail"]
    r = _post(w.province, create, body)
    assert r.status_code == 201, r.content
    order = r.json()
    assert order["state"] == "open" and order["findings"] == [ads.pk]
    assert order["deadline"] > today_shanghai().isoformat()
    oid = order["id"]
    assert _client(w.other_province).get(f"{API}/orders/{oid}").status_code == 404
    assert _client(auditor).get(f"{API}/orders/{oid}").status_code == 200

    respond = f"/orders/{oid}/respond"
    assert _post(w.other_member, respond, {"response": "改了"}).status_code == 404
    assert _post(auditor, respond, {"response": "改了"}).status_code == 403
    assert _post(w.member, respond, {"response": " "}).status_code == 400
    r = _post(w.member, respond, {"response": "改了", "scan_id": 123456})
    assert r.status_code == 400 and "安装包" in r.json()["detail"]
    r = _post(w.member, respond, {"response": "已关闭广告位"})
    assert r.status_code == 200 and r.json()["state"] == "responded"
    assert _post(w.member, respond, {"response": "again"}).status_code == 409

    accept = f"/orders/{oid}/accept"
    assert _post(w.other_province, accept, {}).status_code == 404
    assert _post(auditor, accept, {}).status_code == 403
    assert _post(w.member, accept, {}).status_code == 403
    r = _post(w.province, accept, {})
    assert r.status_code == 400 and "仍然存在" in r.json()["detail"]
    back = f"/orders/{oid}/return"
    assert _post(w.other_province, back, {"note": "x"}).status_code == 404
    assert _post(auditor, back, {"note": "x"}).status_code == 403
    assert _post(w.province, back, {"note": ""}).status_code == 400
    r = _post(w.province, back, {"note": "广告 SDK 仍在安装包中", "working_days": 3})
    assert r.status_code == 200 and r.json()["state"] == "sent_back"
    # the unit uploads a clean package; the app is re-evaluated and the regulator accepts
    scan = cf.package_scan(app)
    r = _post(w.member, respond, {"response": "已移除 SDK", "scan_id": scan.pk})
    assert r.status_code == 200 and r.json()["rounds"] == 2
    assert Finding.objects.get(pk=ads.pk).status == "closed"
    r = _post(w.province, accept, {"note": "复测通过"})
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    assert _post(w.province, accept, {}).status_code == 409
    ids = [o["id"] for o in _client(w.member).get(f"{API}/orders").json()["items"]]
    assert ids == [oid]


def test_order_fail_and_penalty_decide() -> None:
    w, app, auditor = _setup()
    ads = Finding.objects.get(app=app, rule_id="R23_ADVERTISING_SDK")
    oid = _post(
        w.province, f"/apps/{app.pk}/orders", {"findings": [ads.pk], "instructions": "移除广告"}
    ).json()["id"]
    fail = f"/orders/{oid}/fail"
    r = _post(w.province, fail, {"reason": "未整改"})
    assert r.status_code == 400 and "尚未届满" in r.json()["detail"]
    _post(w.member, f"/orders/{oid}/respond", {"response": "改了"})
    assert _post(w.other_province, fail, {"reason": "x"}).status_code == 404
    assert _post(auditor, fail, {"reason": "x"}).status_code == 403
    r = _post(w.province, fail, {"reason": "复测仍有广告 SDK"})
    assert r.status_code == 201 and r.json()["state"] == "proposed"
    case = r.json()["id"]
    decide = f"/penalties/{case}/decide"
    assert (
        _post(w.other_province, decide, {"decision": "revoke", "confirm": True}).status_code == 404
    )
    assert _post(auditor, decide, {"decision": "revoke", "confirm": True}).status_code == 403
    r = _post(w.province, decide, {"decision": "revoke", "confirm": True})
    assert r.status_code == 403 and "国家网信办" in r.json()["detail"]
    r = _post(w.cac, decide, {"decision": "revoke"})
    assert r.status_code == 400 and "confirm" in r.json()["detail"]
    assert _post(w.cac, decide, {"decision": "maybe"}).status_code == 400
    r = _post(w.cac, decide, {"decision": "revoke", "confirm": True, "note": "逾期不改"})
    assert r.status_code == 200 and r.json()["state"] == "revoked"
    app.refresh_from_db()
    assert app.status == "revoked"
    assert _post(w.cac, decide, {"decision": "drop", "note": "x"}).status_code == 409
    assert [c["id"] for c in _client(w.province).get(f"{API}/penalties").json()["items"]] == [case]
    assert _client(w.other_province).get(f"{API}/penalties").json() == {"items": [], "count": 0}


def test_spot_check_draw_and_record() -> None:
    w, app, auditor = _setup()
    other = cf.app(unit=w.other_member.unit)
    body = {"name": "第一轮抽查", "sample_size": 5, "seed": 42}
    r = _post(auditor, "/spot-checks", body)
    assert r.status_code == 403 and "监管人员" in r.json()["detail"]
    assert _post(w.member, "/spot-checks", body).status_code == 403
    assert _post(w.province, "/spot-checks", {**body, "sample_size": 0}).status_code == 400
    r = _post(w.province, "/spot-checks", body)
    assert r.status_code == 201, r.content
    check = r.json()
    assert check["seed"] == 42 and [i["app_id"] for i in check["items"]] == [app.pk]
    assert other.pk not in [i["app_id"] for i in check["items"]]
    assert _client(w.other_province).get(f"{API}/spot-checks/{check['id']}").status_code == 404
    item = check["items"][0]["id"]
    path = f"/spot-checks/items/{item}/result"
    result = {"filing_number_displayed": False, "complaint_function_present": True}
    assert _post(w.other_province, path, result).status_code == 404
    assert _post(auditor, path, result).status_code == 403
    r = _post(w.province, path, result)
    assert r.status_code == 200 and r.json()["result"] == "failed"
    assert Finding.objects.filter(app=app, rule_id="R11_FILING_NUMBER_DISPLAY").exists()
    # the same scope drawn again leaves out the previous sample unless forced
    r = _post(w.province, "/spot-checks", body)
    assert r.status_code == 400 and "允许连续抽中" in r.json()["detail"]
    assert _post(w.province, "/spot-checks", {**body, "forced": True}).status_code == 201


def test_bulletin_publish() -> None:
    w, app, auditor = _setup()
    ads = Finding.objects.get(app=app, rule_id="R23_ADVERTISING_SDK")
    order = svc.order_issue(
        actor=w.province, app=app, findings=[ads], instructions="移除广告", working_days=5
    )
    body = {"title": "典型问题通报", "summary": "如下", "orders": [order.pk], "anonymised": True}
    assert _post(auditor, "/bulletins", body).status_code == 403
    r = _post(w.other_province, "/bulletins", body)
    assert r.status_code == 404 and "不在您的辖区" in r.json()["detail"]
    r = _post(w.province, "/bulletins", body)
    assert r.status_code == 400 and "已办结" in r.json()["detail"]
    svc.order_respond(actor=w.member, order=order, response="改了")
    svc.order_accept(
        actor=w.province, order=RectificationOrder.objects.get(pk=order.pk), force=True
    )
    r = _post(w.province, "/bulletins", body)
    assert r.status_code == 201, r.content
    case = r.json()["cases"][0]
    assert case["app"] == "某政务应用" and app.name not in json.dumps(r.json(), ensure_ascii=False)
    public = Client().get(f"{API}/bulletins").json()
    assert [b["title"] for b in public] == ["典型问题通报"]
    assert (
        Client()
        .post(f"{API}/bulletins", json.dumps(body), content_type="application/json")
        .status_code
        == 401
    )
    assert Exemption.objects.count() == 0


def test_order_list_names_each_orders_findings_and_penalties() -> None:
    """The order list reads the findings' and penalties' ids of all its rows as pairs; each
    row answers what the order's own rows say, in the same order."""
    w, app, _auditor = _setup()
    live = list(Finding.objects.filter(app=app).exclude(status="closed"))
    assert len(live) >= 2
    both = _post(
        w.province,
        f"/apps/{app.pk}/orders",
        {"findings": [x.pk for x in live], "instructions": "全部整改"},
    ).json()["id"]
    one = _post(
        w.province, f"/apps/{app.pk}/orders", {"findings": [live[0].pk], "instructions": "整改"}
    ).json()["id"]
    _post(w.member, f"/orders/{one}/respond", {"response": "改了"})
    case = _post(w.province, f"/orders/{one}/fail", {"reason": "复测仍有问题"}).json()["id"]
    rows = {o["id"]: o for o in _client(w.province).get(f"{API}/orders").json()["items"]}
    for oid in (both, one):
        order = RectificationOrder.objects.get(pk=oid)
        assert rows[oid]["findings"] == [x.pk for x in order.findings.all()]
        assert rows[oid]["penalty_ids"] == [p.pk for p in order.penalties.all()]
    assert rows[one]["penalty_ids"] == [case]
    assert sorted(rows[both]["findings"]) == sorted(x.pk for x in live)
    assert _client(w.other_province).get(f"{API}/orders").json() == {"items": [], "count": 0}
    # every order can be reached page by page: the count is all of them, pages do not overlap
    first = _client(w.province).get(f"{API}/orders", {"limit": 1}).json()
    second = _client(w.province).get(f"{API}/orders", {"limit": 1, "offset": 1}).json()
    assert first["count"] == second["count"] == 2
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {both, one}
    assert _client(w.province).get(f"{API}/orders", {"offset": -1}).status_code == 422
