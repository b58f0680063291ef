"""The regulators' triage API: /api/v1/complaints (Bearer token or session with CSRF)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from govapp.complaints.models import Complaint, ExplanationRequest, Message, Status
from govapp.core.models import AuditEvent
from govapp.orgs.services import token_issue
from tests.complaints.factories import World, filed_app, report, world

pytestmark = pytest.mark.django_db
URL = "/api/v1/complaints"
ACTIONS: dict[str, dict[str, Any]] = {
    "acknowledge": {},
    "reply": {"text": "已受理，正在核查。"},
    "note": {"text": "内部备注：约谈单位。"},
    "request-explanation": {
        "redacted_text": "请说明要求每天在应用里打卡的依据。",
        "confirmed_redacted": True,
    },
    "open-finding": {"note": "核查强制打卡问题。"},
    "dismiss": {"reason": "不属于受理范围。", "confirm": True},
    "merge": {"confirm": True},  # "into" filled in by the test
    "answer": {"outcome": "已督促单位取消打卡要求。", "confirm": True},
}


class Api:
    """A Bearer-token client for one user."""

    def __init__(self, user: Any) -> None:
        _t, raw = token_issue(actor=user, user=user, name="test")
        self.c = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.c.get(URL + path, params, **self.auth)

    def post(self, path: str, data: dict[str, Any] | None = None) -> Any:
        return self.c.post(
            URL + path, json.dumps(data or {}), content_type="application/json", **self.auth
        )


def _state() -> list[Any]:
    return [
        list(Complaint.objects.order_by("pk").values_list("pk", "status", "merged_into_id")),
        Message.objects.count(),
        ExplanationRequest.objects.count(),
        AuditEvent.objects.count(),
    ]


def _gd_reports(w: World) -> tuple[Complaint, Complaint]:
    a = report(w.app).complaint
    b = report(w.app, description="每天要在应用里上传工作照片留痕，否则扣分。").complaint
    return a, b


def test_every_action_through_the_api_by_gd_cac():
    w = world()
    a, b = _gd_reports(w)
    gd = Api(w.gd)
    events = AuditEvent.objects.count()

    listed = gd.get("")
    assert listed.status_code == 200
    assert listed.json()["count"] == 2
    assert {r["id"] for r in listed.json()["items"]} == {a.pk, b.pk}

    d = gd.get(f"/{a.pk}")
    assert d.status_code == 200
    body = d.json()
    assert body["reference"] == a.reference and body["description"] == a.description
    assert body["routed_to"] == w.gd_office.name and body["hosting_unit"] == w.unit.name
    assert [r["id"] for r in body["related"]] == [b.pk]
    assert "receipt" not in json.dumps(body) and "receipt_hash" not in body

    r = gd.post(f"/{a.pk}/acknowledge")
    assert r.status_code == 200 and r.json()["status"] == Status.ACKNOWLEDGED
    r = gd.post(f"/{a.pk}/reply", ACTIONS["reply"])
    assert r.status_code == 200
    r = gd.post(f"/{a.pk}/note", ACTIONS["note"])
    assert r.status_code == 200
    kinds = [(m["kind"], m["by"]) for m in r.json()["messages"]]
    assert kinds == [("reply", w.gd.username), ("note", w.gd.username)]
    r = gd.post(f"/{a.pk}/request-explanation", ACTIONS["request-explanation"])
    assert r.status_code == 200 and r.json()["status"] == Status.EXPLANATION_REQUESTED
    assert r.json()["explanations"][0]["redacted_text"].startswith("请说明")
    r = gd.post(f"/{a.pk}/open-finding", ACTIONS["open-finding"])
    assert r.status_code == 200 and r.json()["status"] == Status.FINDING_OPENED
    r = gd.post(f"/{b.pk}/merge", {**ACTIONS["merge"], "into": a.pk})
    assert r.status_code == 200 and r.json()["status"] == Status.MERGED
    assert r.json()["merged_into"]["id"] == a.pk
    r = gd.post(f"/{a.pk}/answer", ACTIONS["answer"])
    assert r.status_code == 200 and r.json()["status"] == Status.ANSWERED
    assert r.json()["closed"] is True
    c = report(w.app).complaint
    r = gd.post(f"/{c.pk}/dismiss", ACTIONS["dismiss"])
    assert r.status_code == 200 and r.json()["status"] == Status.DISMISSED

    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)[events:])
    for name in (
        "complaint.acknowledge",
        "complaint.reply",
        "complaint.note",
        "complaint.request_explanation",
        "complaint.open_finding",
        "complaint.merge",
        "complaint.answer",
        "complaint.dismiss",
    ):
        assert name in actions


@pytest.mark.parametrize("who", ["sc", "member", "auditor", "other_member", "central_member"])
def test_outsiders_reach_nothing_and_change_nothing(who):
    w = world()
    a, b = _gd_reports(w)
    api = Api(getattr(w, who))
    before = _state()
    listed = api.get("")
    if who == "sc":
        assert listed.status_code == 200 and listed.json() == {"items": [], "count": 0}
    elif who == "auditor":
        assert listed.status_code == 403 and "统计" in listed.json()["detail"]
    else:  # the hosting unit (and any unit) never reaches any of it
        assert listed.status_code == 404
    detail = api.get(f"/{a.pk}")
    assert detail.status_code == 404 and "管辖范围" in detail.json()["detail"]
    for action, data in ACTIONS.items():
        r = api.post(f"/{a.pk}/{action}", {**data, "into": b.pk})
        assert r.status_code == 404, (action, r.status_code, r.content)
        assert a.description not in r.content.decode()
    assert _state() == before


def test_central_reports_only_for_the_cac():
    w = world()
    c = report(w.central_app).complaint
    assert Api(w.gd).get(f"/{c.pk}").status_code == 404
    assert Api(w.cac).get(f"/{c.pk}").status_code == 200
    assert Api(w.central_member).get(f"/{c.pk}").status_code == 404


def test_confirmations_validation_and_conflicts_in_chinese():
    w = world()
    a, b = _gd_reports(w)
    gd = Api(w.gd)
    before = _state()
    for action, data in (
        ("dismiss", {"reason": "不属于受理范围。"}),
        ("dismiss", {"reason": "不属于受理范围。", "confirm": False}),
        ("merge", {"into": b.pk}),
        ("answer", {"outcome": "已处理完毕。"}),
    ):
        r = gd.post(f"/{a.pk}/{action}", data)
        assert r.status_code == 400 and "confirm=true" in r.json()["detail"], (action, r.json())
    r = gd.post(f"/{a.pk}/reply", {"text": "  "})
    assert r.status_code == 400 and "请填写" in r.json()["detail"]
    r = gd.post(f"/{a.pk}/request-explanation", {"redacted_text": "请说明打卡要求的依据。"})
    assert r.status_code == 400 and "确认" in r.json()["detail"]
    r = gd.post(
        f"/{a.pk}/request-explanation",
        {"redacted_text": a.description, "confirmed_redacted": True},
    )
    assert r.status_code == 400 and "原文" in r.json()["detail"]
    r = gd.post(f"/{a.pk}/merge", {"into": a.pk, "confirm": True})
    assert r.status_code == 400 and "自己" in r.json()["detail"]
    r = gd.post(f"/{a.pk}/merge", {"confirm": True})
    assert r.status_code == 400 and "into" in r.json()["detail"]
    r = gd.post(f"/{a.pk}/dismiss", {"reason": "短", "confirm": True})
    assert r.status_code == 400 and "理由" in r.json()["detail"]
    assert _state() == before

    # a report outside reach cannot be the merge target either
    sc_report = report(filed_app(w.other_unit)).complaint
    r = gd.post(f"/{a.pk}/merge", {"into": sc_report.pk, "confirm": True})
    assert r.status_code == 404

    assert gd.post(f"/{a.pk}/acknowledge").status_code == 200
    r = gd.post(f"/{a.pk}/acknowledge")
    assert r.status_code == 409 and "已受理" in r.json()["detail"]
    assert (
        gd.post(f"/{a.pk}/answer", {"outcome": "已处理完毕。", "confirm": True}).status_code == 200
    )
    for action, data in ACTIONS.items():
        r = gd.post(f"/{a.pk}/{action}", {**data, "into": b.pk})
        assert r.status_code == 409 and "已办结" in r.json()["detail"], action
    assert gd.get(f"/{a.pk}").json()["status"] == Status.ANSWERED


def test_filters_and_pagination():
    w = world()
    a, b = _gd_reports(w)
    c = report(w.app, category="ranking_abuse").complaint
    Complaint.objects.filter(pk=b.pk).update(ack_due=dt.date(2020, 1, 2))
    gd = Api(w.gd)
    gd.post(f"/{c.pk}/dismiss", {"reason": "不属于受理范围。", "confirm": True})

    def ids(**params: Any) -> set[int]:
        r = gd.get("", **params)
        assert r.status_code == 200, r.content
        return {x["id"] for x in r.json()["items"]}

    assert ids() == {a.pk, b.pk, c.pk}
    assert ids(status="open") == {a.pk, b.pk}
    assert ids(status="dismissed") == {c.pk}
    assert ids(category="ranking_abuse") == {c.pk}
    assert ids(overdue="true") == {b.pk}
    assert ids(q=c.reference) == {c.pk}
    page = gd.get("", limit=2, offset=0).json()
    assert page["count"] == 3 and len(page["items"]) == 2
    assert len(gd.get("", limit=2, offset=2).json()["items"]) == 1
    over = next(x for x in gd.get("").json()["items"] if x["id"] == b.pk)
    assert over["overdue"] == {"ack": True, "answer": False}
    bad = gd.get("", status="nonsense")
    assert bad.status_code == 400 and "status" in bad.json()["detail"]
    assert gd.get("", category="nonsense").status_code == 400


def test_bearer_token_and_session_csrf():
    w = world()
    a, _b = _gd_reports(w)
    assert Client().get(URL).status_code == 401
    bad = Client().get(URL, HTTP_AUTHORIZATION="Bearer gva_not-a-token")
    assert bad.status_code == 401
    assert Api(w.gd).get(f"/{a.pk}").status_code == 200

    s = Client(enforce_csrf_checks=True)
    s.force_login(w.gd)
    assert s.get(f"{URL}/{a.pk}").status_code == 200  # reads need no CSRF token
    before = _state()
    for action, data in ACTIONS.items():
        r = s.post(f"{URL}/{a.pk}/{action}", json.dumps(data), content_type="application/json")
        assert r.status_code == 403, action
    assert _state() == before
    token = "A" * 32
    s.cookies["csrftoken"] = token
    r = s.post(
        f"{URL}/{a.pk}/acknowledge", "{}", content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert r.status_code == 200 and r.json()["status"] == Status.ACKNOWLEDGED


def test_openapi_documents_the_triage_api():
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for p in ("", "/{complaint_id}", "/stats.xlsx"):
        assert "get" in paths[URL + p]
    for action in ACTIONS:
        op = paths[f"{URL}/{{complaint_id}}/{action}"]["post"]
        assert op.get("security"), action
    schemas = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name in ("ReasonIn", "MergeIn", "OutcomeIn"):
        assert "confirm" in schemas[name]["required"], name
