"""R-10: the CAC approves only after technical testing (a completed scan of the submitted
version for every declared platform, identity matching, no open high finding without an
approved exemption); otherwise only with a written override on the timeline and in the
audit log.  Each missing condition is tried through the service, the API and the page."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from govapp.compliance import services as csvc
from govapp.compliance import testing as ctesting
from govapp.core.calendar import today_shanghai
from govapp.core.models import AuditEvent
from govapp.registry.errors import RegistryError
from govapp.registry.models import Application, ApplicationState, AppStatus
from govapp.registry.services import review
from govapp.registry.services.applications import application_save_draft, application_submit
from govapp.registry.services.apps import identities_set
from govapp.registry.services.review import application_approve, application_forward
from tests.compliance import factories as cf
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db
S = ApplicationState
API = "/api/v1/registry/applications"


def _scanned(
    w: rf.World, features: list[dict[str, Any]] | None = None, **scan_kw: Any
) -> Application:
    """A forwarded application whose Android package was scanned (version 1.0.0 unless
    told otherwise) and evaluated, as the scan task does."""
    if features is None:
        application = rf.forwarded(w)
    else:
        application = rf.draft(w)
        sections = rf.complete_sections(application.app.name)
        sections["features"] += features
        application = application_save_draft(
            actor=w.member, application=application, sections=sections
        )
        application = rf.province_forward(
            w, application_submit(actor=w.member, application=application)
        )
    scan_kw.setdefault("version", "1.0.0")
    scan = cf.package_scan(application.app, **scan_kw)
    scan.application = application
    scan.save(update_fields=["application"])
    csvc.scan_evaluate(scan=scan)
    application.refresh_from_db()
    return application


def _approve_all_ways(client: Client, w: rf.World, application: Application, words: str) -> None:
    """Refused by the service, by the API (400, field override_reason) and by the page."""
    with pytest.raises(RegistryError) as exc:
        application_approve(actor=w.cac, application=application)
    assert words in exc.value.message
    assert "override_reason" in exc.value.errors
    client.force_login(w.cac)
    r = client.post(
        f"{API}/{application.pk}/approve", data=json.dumps({}), content_type="application/json"
    )
    assert r.status_code == 400 and words in r.json()["detail"]
    page = client.post(
        reverse("registry:application_act", args=[application.pk, "approve"]), follow=True
    ).content.decode()
    assert words in page
    application.refresh_from_db()
    assert application.state == S.FORWARDED
    assert application.app.status == AppStatus.UNFILED


def test_no_scan_blocks_approval(client: Client) -> None:
    w = rf.world()
    application = rf.forwarded(w)
    _approve_all_ways(client, w, application, "尚未生成技术检测结果")
    csvc.compliance_evaluate(app=application.app, actor=None)
    application.refresh_from_db()
    _approve_all_ways(client, w, application, "没有已完成检测的安装包")
    page = client.get(reverse("registry:application", args=[application.pk])).content.decode()
    assert "技术检测尚未完成" in page and "override_reason" in page


def test_scan_of_another_version_blocks_approval(client: Client) -> None:
    w = rf.world()
    application = _scanned(w, version="0.9.0")
    _approve_all_ways(client, w, application, "没有申报版本 1.0.0 的检测结果")


def test_scan_with_another_certificate_blocks_approval(client: Client) -> None:
    w = rf.world()
    application = _scanned(w, cert="cd" * 32)
    _approve_all_ways(client, w, application, "包名或签名证书与申报的不一致")


def test_scan_of_another_package_blocks_approval(client: Client) -> None:
    w = rf.world()
    application = _scanned(w, package="cn.gov.someone.else")
    _approve_all_ways(client, w, application, "包名或签名证书与申报的不一致")


def test_open_high_finding_blocks_approval(client: Client) -> None:
    w = rf.world()
    application = _scanned(w, **cf.ADS)
    _approve_all_ways(client, w, application, "未整改、未豁免的高风险问题")


def test_an_approved_exemption_lets_a_high_finding_pass() -> None:
    w = rf.world()
    ranking = {
        "name": "应急响应排名",
        "description": "汛期值守响应速度排名",
        "reason": "防汛应急",
        "basis": "防汛应急预案",
        "sensitive_kind": "ranking",
        "scenario": "emergency",
        "scenario_explanation": "仅在防汛应急响应期间启用",
    }
    application = _scanned(w, features=[ranking], keywords=(("积分排名", "ranking"),))
    assert any(g.get("rule") == "R20_POINTS_RANKING" for g in review.testing_gaps(application))
    ex = csvc.exemption_request(
        actor=w.member,
        app=application.app,
        rule_id="R20_POINTS_RANKING",
        scenario="emergency",
        reason="防汛应急值守期间的响应排名",
        requested_expiry=today_shanghai() + dt.timedelta(days=60),
        document_name="应急任务通知.pdf",
        document=b"%PDF-1.4 test",
    )
    csvc.exemption_decide(
        actor=w.cac, exemption=ex, approve=True, expires_on=today_shanghai() + dt.timedelta(days=60)
    )
    application.refresh_from_db()
    assert review.testing_gaps(application) == []
    application = application_approve(actor=w.cac, application=application)
    assert application.state == S.FILED


def test_complete_testing_approves_without_override(client: Client) -> None:
    w = rf.world()
    application = _scanned(w)
    assert review.testing_gaps(application) == []
    client.force_login(w.cac)
    body = client.get(f"{API}/{application.pk}").json()
    assert body["testing_done"] is True and body["testing_gaps"] == []
    r = client.post(
        f"{API}/{application.pk}/approve", data=json.dumps({}), content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["state"] == S.FILED
    assert not application.events.filter(action="testing_override").exists()


def test_changed_identity_makes_the_result_stale_until_re_evaluated() -> None:
    w = rf.world()
    application = _scanned(w)
    ident = application.app.identities.get()
    # the unit cannot edit a forwarded application's identities through the draft, but the
    # app's not-yet-live identities can change: the stored result no longer applies
    identities_set(
        actor=w.member,
        app=application.app,
        identities=[
            {"platform": "android", "identifier": ident.identifier, "cert_sha256": "ef" * 32}
        ],
    )
    application.refresh_from_db()
    assert [g["code"] for g in review.testing_gaps(application)] == ["stale"]
    with pytest.raises(RegistryError, match="检测结果需要更新"):
        application_approve(actor=w.cac, application=application)
    assert ctesting.testing_refresh_stale() == 1  # the periodic job re-evaluates by itself
    application.refresh_from_db()
    gaps = review.testing_gaps(application)
    assert [g["code"] for g in gaps] == ["identity", "finding"]
    # and the findings followed: the package is now signed with a certificate not declared
    assert gaps[1]["rule"] == "R11_CERTIFICATE_MISMATCH"


def test_override_with_reason_is_on_the_timeline_and_in_the_audit_log(client: Client) -> None:
    w = rf.world()
    application = rf.forwarded(w)
    client.force_login(w.cac)
    client.post(
        reverse("registry:application_act", args=[application.pk, "approve"]),
        {
            "override_reason": "应急上线，检测报告由第三方机构线下出具",
            "version": application.version,
        },
    )
    application.refresh_from_db()
    assert application.state == S.FILED
    ev = application.events.get(action="testing_override")
    assert ev.data["reason"].startswith("应急上线") and ev.data["gaps"]
    audit = AuditEvent.objects.get(action="application.testing_override")
    assert audit.object_id == str(application.pk)
    page = client.get(reverse("registry:application", args=[application.pk])).content.decode()
    assert "准予备案时技术检测尚缺" in page and "应急上线" in page
    events = client.get(f"{API}/{application.pk}/events").json()
    override = next(e for e in events if e["action"] == "testing_override")
    assert override["data"]["reason"].startswith("应急上线") and override["data"]["gaps"]


def test_joint_province_review_needs_both_bodies(settings: Any) -> None:
    w = rf.world()
    application = rf.submitted(w)
    application = application_forward(actor=w.province, application=application)
    assert application.state == S.SUBMITTED and application.province_signoffs == ["cac"]
    with pytest.raises(RegistryError, match="正在等待"):
        application_forward(actor=w.province, application=application)
    gsa = rf.f.gsa_reviewer("44")
    application = application_forward(actor=gsa, application=application)
    assert application.state == S.FORWARDED
    assert application.events.filter(action="province_signoff").count() == 1
    # a return by either body starts the round again
    settings.GOVAPP_PROVINCE_REVIEW_MODE = "either"
    other = rf.submitted(w)
    assert application_forward(actor=gsa, application=other).state == S.FORWARDED
