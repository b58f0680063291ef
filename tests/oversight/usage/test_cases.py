"""Retirement cases: opened singly or in bulk with a deadline in working days, appealed and
decided, retired through the registry's shutdown notice, offline report and deregistration
with a successor shown publicly, escalated when overdue, turned into a rectification order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from govapp.compliance.models import Finding, FindingStatus
from govapp.core.calendar import add_working_days, today_shanghai
from govapp.core.models import AuditEvent
from govapp.oversight.usage import selectors, services
from govapp.oversight.usage.models import CaseState, RetirementCase, Stage
from govapp.registry.models import AppStatus
from govapp.registry.services.applications import application_submit
from govapp.registry.services.review import application_approve, application_forward
from govapp.registry.services.shutdown import app_offline_report
from tests.oversight.usage import factories as uf

pytestmark = pytest.mark.django_db


def _public_cache_reset() -> None:
    from django.core.cache import cache

    from govapp.public import selectors as public

    cache.clear()
    public._memo["token"] = None


def _flag_low(w: uf.World, *apps) -> None:
    last = services.evaluation_month()
    for app in apps:
        uf.returns(app, [(1, 1000)] * 3, last)
    services.lowuse_evaluate()


def test_open_deadline_is_in_working_days_and_only_regulators_of_the_app_may_open():
    w = uf.world()
    with pytest.raises(services.UsageNotAllowed):
        services.case_open(app=w.app, working_days=20, reason="低使用", actor=w.sc)
    with pytest.raises(services.UsageNotAllowed):
        services.case_open(app=w.app, working_days=20, reason="低使用", actor=w.member)
    case = services.case_open(app=w.app, working_days=20, reason="低使用", actor=w.gd)
    assert case.deadline == add_working_days(today_shanghai(), 20).date
    assert case.stage == Stage.OPEN
    with pytest.raises(services.UsageError):
        services.case_open(app=w.app, working_days=20, reason="低使用", actor=w.gd)


def test_bulk_open_from_the_candidate_list_page():
    w = uf.world()
    a2 = uf.filed_app(w.unit, "第二个低使用")
    _flag_low(w, w.app, a2)
    c = Client()
    c.force_login(w.gd)
    page = c.get("/oversight/usage/low-use/").content.decode()
    assert f'value="{w.app.pk}"' in page and f'value="{a2.pk}"' in page
    r = c.post(
        "/oversight/usage/low-use/",
        {"apps": [w.app.pk, a2.pk], "working_days": 15, "reason": "长期低使用"},
    )
    assert r.status_code == 302
    assert RetirementCase.objects.filter(state=CaseState.OPEN).count() == 2
    assert RetirementCase.objects.get(app=w.app).reasons[0]["code"] == "ratio"
    c.force_login(w.member)
    assert c.post("/oversight/usage/low-use/", {"apps": [w.app.pk]}).status_code == 403


def test_appeal_with_evidence_and_decisions():
    w = uf.world()
    case = services.case_open(app=w.app, working_days=20, reason="低使用", actor=w.gd)
    c = Client()
    c.force_login(w.member)
    r = c.post(
        f"/oversight/usage/cases/{case.pk}/",
        {
            "action": "appeal",
            "appeal": "本应用是防汛期间唯一的指挥调度渠道，按设计平时很少使用。",
            "evidence": SimpleUploadedFile("证明.pdf", b"%PDF-1.4 evidence"),
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.APPEALED and case.appeal_evidence
    c.force_login(w.gd)
    assert c.get(f"/oversight/usage/cases/{case.pk}/evidence/").content == b"%PDF-1.4 evidence"
    services.case_decide(case=case, accept=False, note="理由不成立", working_days=10, actor=w.gd)
    case.refresh_from_db()
    assert case.state == CaseState.OPEN
    assert case.deadline == add_working_days(today_shanghai(), 10).date
    services.case_appeal(case=case, text="补充证据：汛期使用记录见附件说明。", actor=w.member)
    services.case_decide(case=case, accept=True, note="申诉成立", actor=w.gd)
    case.refresh_from_db()
    assert case.stage == Stage.WITHDRAWN
    actions = list(
        AuditEvent.objects.filter(object_type="usage.retirementcase")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "retirement.open",
        "retirement.appeal",
        "retirement.appeal_rejected",
        "retirement.appeal",
        "retirement.appeal_upheld",
    ]


# one provincial sign-off is enough here: joint review is tested in tests/registry
@override_settings(GOVAPP_PROVINCE_REVIEW_MODE="either")
def test_retire_through_shutdown_offline_and_deregistration_with_successor_public():
    w = uf.world()
    successor = uf.filed_app(w.unit, "穗好办新版")
    case = services.case_open(app=w.app, working_days=20, reason="低使用", actor=w.gd)
    c = Client()
    c.force_login(w.member)
    r = c.post(
        f"/oversight/usage/cases/{case.pk}/",
        {
            "action": "retire",
            "shutdown_date": today_shanghai().isoformat(),
            "notice": "本应用将于今日关停，请改用穗好办新版。",
            "successor": successor.filing_number,
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    w.app.refresh_from_db()
    assert w.app.status == AppStatus.SHUTDOWN_NOTICE and w.app.successor == successor
    public = Client().get(f"/public/apps/{w.app.filing_number}/").content.decode()
    assert "关停退出" in public and "穗好办新版" in public
    application = app_offline_report(actor=w.member, app=w.app, report="已下线，数据已移交。")
    assert RetirementCase.objects.get(pk=case.pk).stage == Stage.OFFLINE
    application.pledge_accepted = True
    application.save()
    application = application_submit(actor=w.member, application=application)
    application = application_forward(actor=w.gd, application=application)
    application_approve(actor=w.cac, application=application)
    case = RetirementCase.objects.get(pk=case.pk)
    assert case.stage == Stage.RETIRED
    _public_cache_reset()  # the registry bumps the public version on commit (no commit here)
    public = Client().get(f"/public/apps/{w.app.filing_number}/").content.decode()
    assert "已注销" in public and "穗好办新版" in public


def test_successor_must_be_another_filed_app():
    w = uf.world()
    case = services.case_open(app=w.app, working_days=20, reason="低使用", actor=w.gd)
    with pytest.raises(services.UsageError):
        services.case_retire(
            case=case,
            shutdown_date=today_shanghai(),
            notice="关停",
            successor=w.app,
            actor=w.member,
        )


def test_overdue_cases_escalate_show_red_and_turn_into_an_order():
    w = uf.world()
    case = services.case_open(app=w.app, working_days=20, reason="低使用", actor=w.gd)
    RetirementCase.objects.filter(pk=case.pk).update(
        deadline=today_shanghai() - dt.timedelta(days=3)
    )
    assert services.cases_escalate() == 1
    assert services.cases_escalate() == 0
    c = Client()
    c.force_login(w.gd)
    page = c.get("/oversight/usage/cases/").content.decode()
    assert 'class="overdue"' in page
    case.refresh_from_db()
    with pytest.raises(services.UsageError):  # no open finding to order corrected yet
        services.case_to_order(case=case, actor=w.gd)
    Finding.objects.create(
        app=w.app,
        rule_id="R07_TEST",
        requirement="R-25",
        severity="high",
        status=FindingStatus.OPEN,
    )
    case = services.case_to_order(case=case, actor=w.gd)
    assert case.order is not None and case.order.app == w.app


def test_pipeline_counts_by_stage_and_region_within_jurisdiction():
    w = uf.world()
    services.case_open(app=w.app, working_days=20, reason="低使用", actor=w.gd)
    services.case_open(app=w.other_app, working_days=20, reason="低使用", actor=w.sc)
    gd = selectors.pipeline(w.gd)
    assert {s: n for s, _l, n in gd["stages"]}["open"] == 1
    assert len(gd["regions"]) == 1 and gd["regions"][0]["total"] == 1
    national = selectors.pipeline(w.cac)
    assert {s: n for s, _l, n in national["stages"]}["open"] == 2
    assert len(national["regions"]) == 2


def test_case_page_is_404_outside_reach_and_export_is_formula_safe():
    w = uf.world()
    case = services.case_open(app=w.app, working_days=20, reason="低使用", actor=w.gd)
    c = Client()
    for outsider in (w.other_member, w.sc):
        c.force_login(outsider)
        assert c.get(f"/oversight/usage/cases/{case.pk}/").status_code == 404
    w.app.name = '=HYPERLINK("http://x")'
    w.app.save()
    c.force_login(w.gd)
    r = c.get("/oversight/usage/export.xlsx")
    assert r.status_code == 200
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x")' in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
