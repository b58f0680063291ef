"""The public complaint API: POST /api/v1/public/complaints and GET .../{receipt}."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from govapp.complaints import services
from govapp.complaints.models import Channel, Complaint, Status
from tests.complaints.factories import jpeg_with_gps, pow_token, world

pytestmark = pytest.mark.django_db
URL = "/api/v1/public/complaints"


def post(client: Client, url: str, data: dict, **extra) -> object:
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def test_openapi_has_the_contract_paths():
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/public/complaints"]
    assert "get" in paths["/api/v1/public/complaints/{receipt}"]


def test_submit_by_filing_number_and_read_back():
    w = world()
    c = Client()
    resp = post(
        c,
        URL,
        {
            "filing_number": w.app.filing_number,
            "category": "duplicate_reporting",
            "description": "同一组数据每周要在三个应用里分别填报一次。",
            "banned_practice": "R-19",
            "happened": "2026年3月起",
            "evidence": [{"content_base64": base64.b64encode(jpeg_with_gps()).decode()}],
        },
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    receipt = body["receipt"]
    assert len(receipt.replace("-", "")) == 32
    assert body["routed_to"] == w.gd_office.name and body["status"] == "received"
    complaint = Complaint.objects.get()
    assert complaint.channel == Channel.API and complaint.app == w.app
    assert complaint.evidence.count() == 1

    got = c.get(f"{URL}/{receipt}")
    assert got.status_code == 200
    data = got.json()
    assert data["status"] == "received" and data["category"] == "duplicate_reporting"
    assert data["filing_number"] == w.app.filing_number and data["evidence_count"] == 1
    assert got["Cache-Control"] == "no-store"

    services.complaint_reply(complaint=complaint, actor=w.gd, text="已受理，正在核查。")
    services.complaint_reply(complaint=complaint, actor=w.gd, text="内部备注", to_reporter=False)
    more = post(c, f"{URL}/{receipt}/messages", {"text": "补充：填报截止时间是每周一上午。"})
    assert more.status_code == 201
    texts = [m["text"] for m in more.json()["messages"]]
    assert texts == ["已受理，正在核查。", "补充：填报截止时间是每周一上午。"]
    services.complaint_answer(complaint=complaint, actor=w.gd, outcome="已督促合并填报。")
    final = c.get(f"{URL}/{receipt.lower()}").json()
    assert final["status"] == Status.ANSWERED and final["outcome"] == "已督促合并填报。"
    assert final["closed"] is True
    assert "内部备注" not in json.dumps(final, ensure_ascii=False)


def test_unknown_receipt_is_404():
    world()
    c = Client()
    assert c.get(f"{URL}/AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH").status_code == 404
    assert c.get(f"{URL}/short").status_code == 404
    resp = post(c, f"{URL}/AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH/messages", {"text": "x"})
    assert resp.status_code == 404


def test_submit_by_name_and_unknown_app():
    w = world()
    c = Client()
    by_name = post(
        c,
        URL,
        {"app_name": w.app.name, "category": "forced_use", "description": "强制要求每天登录签到。"},
    )
    assert by_name.status_code == 201
    assert Complaint.objects.get().app == w.app
    unknown = post(
        c,
        URL,
        {
            "app_name": "某未备案小程序",
            "category": "zombie_app",
            "description": "应用早已无人维护，仍要求下载。",
        },
    )
    assert unknown.status_code == 201
    assert unknown.json()["routed_to"] == w.cac_unit.name
    bad = post(
        c,
        URL,
        {
            "filing_number": "不存在的编号",
            "category": "other",
            "description": "这是一段足够长的描述文字。",
        },
    )
    assert bad.status_code == 422 and "备案编号" in bad.json()["detail"]
    invalid = post(c, URL, {"app_name": "x", "category": "other", "description": "短"})
    assert invalid.status_code == 422 and "10 个字" in invalid.json()["detail"]


def test_in_app_key_marks_the_report():
    w = world()
    key = services.app_complaint_key_ensure(app=w.app).key
    resp = post(
        Client(),
        URL,
        {
            "app_key": key,
            "category": "ranking_abuse",
            "description": "应用按学习时长给各村排名通报。",
        },
    )
    assert resp.status_code == 201
    c = Complaint.objects.get()
    assert c.channel == Channel.IN_APP and c.app == w.app
    assert (
        post(
            Client(), URL, {"app_key": "bogus", "category": "other", "description": "x" * 20}
        ).status_code
        == 404
    )


def test_rate_limit_and_proof_of_work(settings):
    w = world()
    settings.GOVAPP_COMPLAINT_RATE_UNPROVEN = (1, 3600)
    settings.GOVAPP_COMPLAINT_RATE = (2, 3600)
    c = Client()
    data = {
        "filing_number": w.app.filing_number,
        "category": "other",
        "description": "一段足够长的举报描述文字。",
    }
    assert post(c, URL, data).status_code == 201
    limited = post(c, URL, data)
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    challenge = c.get(f"{URL}/challenge").json()
    assert challenge["bits"] == 6
    token = pow_token()
    assert post(c, URL, {**data, "pow": token}).status_code == 201
    assert post(c, URL, {**data, "pow": token}).status_code == 422  # replayed
    assert post(c, URL, {**data, "pow": pow_token()}).status_code == 201
    assert post(c, URL, {**data, "pow": pow_token()}).status_code == 429
    # another client is not affected
    assert post(c, URL, data, REMOTE_ADDR="192.0.2.200").status_code == 201


def test_public_counts_endpoint():
    w = world()
    post(
        Client(),
        URL,
        {
            "filing_number": w.app.filing_number,
            "category": "other",
            "description": "一段足够长的举报描述文字。",
        },
    )
    resp = Client().get(f"{URL}/stats/{w.app.filing_number}")
    assert resp.json() == {"filing_number": w.app.filing_number, "received": 1, "resolved": 0}
    assert Client().get(f"{URL}/stats/nothing").status_code == 404
