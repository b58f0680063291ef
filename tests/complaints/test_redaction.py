"""Redaction that holds: whatever a regulator writes to the hosting unit, the reporter's
phone numbers, ID numbers, e-mail addresses and names are not in it."""

from __future__ import annotations

import pytest

from govapp.complaints import privacy, services
from govapp.complaints.models import ExplanationRequest
from tests.complaints.factories import report, world

ID = "11010519491231002X"  # a valid check digit (GB 11643 example)
REPORT = (
    f"我叫王小明，在社区窗口岗工作，手机 13912345678，身份证 {ID}，"
    "邮箱 wxm.2026@example.com。单位要求我们每天在应用里打卡三次。"
)


def test_id_check_digit():
    assert privacy.id_number_valid(ID)
    assert not privacy.id_number_valid("110105194912310021")


@pytest.mark.parametrize(
    "reworded",
    [
        "举报人王小明（电话139-1234-5678）反映每天打卡三次。",
        "举报人 王 小 明，手机 +86 139 1234 5678，请说明打卡要求。",
        "联系 一三九一二三四五六七八 的王先生反映打卡要求，请说明。",
        f"证件号 {ID[:6]} {ID[6:14]} {ID[14:]}，邮箱 wxm.2026 at example dot com，请说明。",
        "邮箱 wxm.2026＠example.com，小王反映打卡，请说明。",
        "请说明：反映人手机１３９１２３４５６７８，身份证号码见原件。",
    ],
)
def test_reworded_details_are_removed(reworded):
    out = privacy.redact_for_unit(reworded, original=REPORT)
    for secret in (
        "王小明",
        "王 小 明",
        "13912345678",
        "1234",
        "一三九",
        "１３９",
        "wxm",
        ID[6:14],
    ):
        assert secret not in out, (secret, out)
    assert "王先生" not in out and "小王" not in out
    assert "请说明" in out or "打卡" in out


def test_ordinary_text_dates_and_numbers_survive():
    text = "请于2026-03-02前说明打卡要求，涉及3个功能、第12版。"
    assert privacy.redact_for_unit(text, original=REPORT) == text


def test_unknown_contacts_are_removed_without_the_report():
    out = privacy.redact_for_unit("另一人电话020-87654321，邮箱 a@b.cn，身份证" + ID)
    assert "87654321" not in out and "a@b.cn" not in out and ID not in out


@pytest.mark.django_db
def test_the_unit_never_receives_the_details(settings):
    settings.GOVAPP_COMPLAINT_POW_BITS = 4
    w = world()
    c = report(w.app, description=REPORT).complaint
    req = services.complaint_request_explanation(
        complaint=c,
        actor=w.gd,
        redacted_text="有反映（王小明，139 1234 5678，wxm.2026@example.com）称每天要打卡三次，请说明。",
        confirmed_redacted=True,
    )
    stored = ExplanationRequest.objects.get(pk=req.pk).redacted_text
    for secret in ("王小明", "1234", "wxm", "example.com"):
        assert secret not in stored
    assert "每天要打卡三次" in stored
    c.refresh_from_db()
    services.complaint_open_finding(
        complaint=c, actor=w.gd, note="核实：王小明（13912345678）所述打卡要求属实。"
    )
    c.refresh_from_db()
    assert "王小明" not in c.finding_note and "13912345678" not in c.finding_note


@pytest.mark.django_db
def test_audit_log_shows_complaint_events_to_the_day_only(settings):
    from django.test import Client
    from django.utils import timezone

    from govapp.core.models import AuditEvent
    from govapp.orgs.services import token_issue

    settings.GOVAPP_COMPLAINT_POW_BITS = 4
    w = world()
    c = report(w.app, description=REPORT).complaint
    submitted = AuditEvent.objects.get(action="complaint.submit", object_id=str(c.pk))
    _t, raw = token_issue(actor=w.gd, user=w.gd, name="audit")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    items = api.get("/api/v1/audit/events?limit=500").json()["items"]
    assert not [i for i in items if i["action"] == "complaint.submit"]
    trail = api.get(
        f"/api/v1/audit/events?object_type=complaints.complaint&object_id={c.pk}"
    ).json()["items"]
    event = next(i for i in trail if i["action"] == "complaint.submit")
    assert event["time"] is None and event["seq"] is None and event["hash"] is None
    local = timezone.localtime(submitted.time)
    assert event["day"] == local.date().isoformat()
    page = Client()
    page.force_login(w.gd)
    html = page.get(f"/audit/?object_type=complaints.complaint&object_id={c.pk}").content.decode()
    assert local.strftime("%Y-%m-%d") in html
    assert local.strftime("%H:%M:%S") not in html
    detail = page.get(f"/audit/{submitted.seq}/").content.decode()
    assert local.strftime("%H:%M:%S") not in detail and submitted.hash not in detail
