"""Cross-jurisdiction sweep over every URL pattern and every API endpoint (R-06, R-28, R-33).

One small world holds, for Guangdong, Sichuan and a central unit, an object of every kind,
built through the real services.  Every Django URL pattern (walked from the resolver) and
every path of /api/v1/openapi.json is then requested, with its parameters filled from the
Guangdong objects, by people who must not reach them: the Sichuan reviewer, a Sichuan unit
member, a member of another Guangdong unit and an anonymous visitor (and, for writes, the
auditor, who reads but never writes).  Nothing of the Guangdong objects may show, nothing
may answer 500, and nothing of Guangdong may change.

A new non-public pattern or endpoint with a parameter that ``PARAMS`` / ``API_PARAMS`` does
not cover fails the test, so a new endpoint cannot escape the sweep silently.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from govapp.complaints import privacy
from govapp.complaints import services as csvc
from govapp.complaints.models import Complaint, Evidence, ExplanationRequest
from govapp.compliance import services as comp
from govapp.compliance.models import (
    Bulletin,
    Exemption,
    Finding,
    PenaltyCase,
    RectificationOrder,
    SpotCheck,
    SpotCheckItem,
)
from govapp.core.calendar import today_shanghai
from govapp.core.models import AuditEvent
from govapp.orgs.models import ApiToken, Grant, Role, Unit, UnitKind, User
from govapp.orgs.services import token_issue
from govapp.oversight.campaigns import services as campaign_svc
from govapp.oversight.campaigns.models import AppUsingUnit, Campaign, InspectionTask
from govapp.oversight.ledger import services as lsvc
from govapp.oversight.ledger.models import Demand, Proposal
from govapp.public import selectors as public_selectors
from govapp.registry.legacy.services import legacy_import
from govapp.registry.models import (
    App,
    Application,
    Attachment,
    LegacyInventoryItem,
    Notification,
    PlatformIdentity,
)
from govapp.registry.services.applications import (
    application_create,
    application_save_draft,
    application_submit,
)
from govapp.registry.services.attachments import attachment_add
from govapp.registry.services.review import application_approve, application_forward
from govapp.reports.models import GeneratedReport
from govapp.reports.services import report_generate
from govapp.scans.models import PackageScan
from tests import factories as f
from tests.complaints import factories as cpf
from tests.compliance import factories as cf
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db

# Every Guangdong target object carries one of these in its visible name or text.
GD_MARKS = ("粤密", "gdsecret")
CENTRAL_MARKS = ("央密", "ctsecret")
# Fields that are never public, not even for a filed app's public page.
HANDLER_PHONE = "020-55501234"
HANDLER_EMAIL = "gdsecret.handler@example.gov.cn"
REVIEW_NOTE = "粤密审核意见：材料齐全"
COMPLAINT_TEXT = "粤密举报：单位要求每天在应用里打卡三次，不打卡就通报批评。"
COMPLAINT_NOTE = "粤密内部备注：举报人可能是窗口岗"
EXEMPTION_REASON = "粤密豁免理由：重大活动安保值守到岗确认"
SECRETS = (HANDLER_PHONE, HANDLER_EMAIL, REVIEW_NOTE, COMPLAINT_TEXT, COMPLAINT_NOTE)
# What a hosting unit must never see of a report about its own app.
REPORTER_SECRETS = (COMPLAINT_TEXT, COMPLAINT_NOTE)

PUBLIC_NAMES = {
    "set_language",
    "login",
    "logout",
    "public:search",
    "public:app",
    "public:verify",
    "complaints:report",
    "complaints:app_search",
    "complaints:follow",
    "complaints:app_embed",
    "compliance:bulletins",
    "compliance:bulletin",
    "usage:rate",
    "ledger:check",
    "ledger:template",
}
PUBLIC_API = (
    "/api/v1/public/",
    "/api/v1/auth/token",
    "/api/v1/compliance/bulletins",
    "/api/v1/openapi.json",
    "/api/v1/docs",
)
PUBLIC_API_WRITES = {
    "/api/v1/auth/token",
    "/api/v1/public/complaints",
    "/api/v1/public/complaints/{receipt}/messages",
    "/api/v1/public/usage/ping",  # anonymous usage count, no cookie authority (issue 10)
}


@pytest.fixture(autouse=True)
def _settings(settings: Any, tmp_path: Any) -> Any:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.GOVAPP_COMPLAINT_POW_BITS = 4
    settings.DEBUG = False
    cache.clear()
    public_selectors._memo["token"] = None
    privacy.rate_limit_reset()
    yield
    cache.clear()
    public_selectors._memo["token"] = None
    privacy.rate_limit_reset()


# --- the world --------------------------------------------------------------------------------


@dataclass
class World:
    gd_unit: Unit
    gd2_unit: Unit
    sc_unit: Unit
    central: Unit
    cac: User
    gd: User
    sc: User
    gd_member: User
    gd2_member: User
    sc_member: User
    central_member: User
    auditor: User
    gd_app: App
    gd_draft_app: App
    gd_application: Application
    gd_draft: Application
    gd_attachment: Attachment
    gd_scan: PackageScan
    gd_finding: Finding
    gd_exemption: Exemption
    gd_order: RectificationOrder
    gd_order_failed: RectificationOrder
    gd_penalty: PenaltyCase
    gd_spotcheck: SpotCheck
    gd_spot_item: SpotCheckItem
    bulletin: Bulletin
    gd_complaint: Complaint
    gd_evidence: Evidence
    gd_explanation: ExplanationRequest
    gd_key: str
    gd_token: ApiToken
    gd_event: AuditEvent
    gd_report: GeneratedReport
    sc_receipt: str
    central_app: App
    central_application: Application
    central_complaint: Complaint
    gd_demand: Demand
    gd_proposal: Proposal
    gd_listed: Demand
    gd_campaign: Campaign
    gd_task: InspectionTask
    gd_usage_case: Any = None
    gd_usage_exemption: Any = None
    gd_overlap_group: Any = None
    gd_overlap_case: Any = None
    gd_proposal_check: Any = None


def _overlap(w: World) -> None:
    """Overlap objects of Guangdong: a group, a consolidation case and a proposal check."""
    from govapp.oversight.overlap import services as osvc
    from govapp.oversight.overlap.models import (
        CaseItem,
        ConsolidationCase,
        OverlapGroup,
        OverlapRun,
    )

    run = OverlapRun.objects.create(app_count=2, finished_at=timezone.now())
    group = OverlapGroup.objects.create(
        run=run,
        relation="duplicate",
        score=0.9,
        function="office_oa",
        reasons=["粤密重复依据"],
        signature=f"{w.gd_app.pk},{w.gd_draft_app.pk}",
        scope_code="44",
    )
    group.apps.set([w.gd_app, w.gd_draft_app])
    case = ConsolidationCase.objects.create(
        group=group, staying=w.gd_app, scope_code="44", note="粤密整合", opened_by=w.gd
    )
    CaseItem.objects.create(
        case=case, app=w.gd_draft_app, working_days=20, deadline=today_shanghai()
    )
    w.gd_overlap_group, w.gd_overlap_case = group, case
    w.gd_proposal_check = osvc.proposal_check_create(
        actor=w.gd_member, unit=w.gd_unit, name="粤密拟建应用", features=["公文流转"]
    )


def _sections(name: str) -> dict[str, Any]:
    s = rf.complete_sections(name)
    if any(m in name for m in GD_MARKS):
        s["basic"]["handler_phone"] = HANDLER_PHONE
        s["basic"]["handler_email"] = HANDLER_EMAIL
    return s


def _filed(w: rf.World, name: str, package: str, note: str = "") -> Application:
    a = rf.app(w, name=name, package=package)
    application = application_create(actor=w.member, app=a)
    application = application_save_draft(
        actor=w.member, application=application, sections=_sections(name), pledge_accepted=True
    )
    application = application_submit(actor=w.member, application=application)
    if application.state != "forwarded":
        application = application_forward(actor=w.province, application=application, note=note)
    if application.state != "forwarded":
        gsa = f.gsa_reviewer(application.app.hosting_unit.scope_code[:2])
        application = application_forward(actor=gsa, application=application, note=note)
    return application_approve(
        actor=w.cac, application=application, note=note, override_reason=rf.OVERRIDE
    )


def build() -> World:
    cac_unit = f.unit("11", UnitKind.CAC, name="国家互联网信息办公室")
    gd_office = f.unit("44", UnitKind.PROVINCIAL_CAC, name="广东省互联网信息办公室")
    sc_office = f.unit("51", UnitKind.PROVINCIAL_CAC, name="四川省互联网信息办公室")
    gd_unit = f.unit("440106", name="粤密广州测试局")
    gd2_unit = f.unit("440304", name="深圳福田测试局")
    sc_unit = f.unit("510104", name="成都锦江测试局")
    central = f.unit("11", UnitKind.STATE_COUNCIL_DEPT, name="央密测试部")
    cac = f.user(Role.NATIONAL_REGULATOR, unit_obj=cac_unit, username="sweep-cac")
    gd = f.user(
        Role.PROVINCIAL_CAC_REVIEWER, unit_obj=gd_office, division_code="44", username="sweep-gd"
    )
    sc = f.user(
        Role.PROVINCIAL_CAC_REVIEWER, unit_obj=sc_office, division_code="51", username="sweep-sc"
    )
    gd_member = f.unit_member(gd_unit, username="gdsecret-member")
    gd2_member = f.unit_member(gd2_unit, username="sweep-gd2")
    sc_member = f.unit_member(sc_unit, username="sweep-scm")
    central_member = f.unit_member(central, username="ctsecret-member")
    auditor = f.user(Role.AUDITOR, unit_obj=cac_unit, username="sweep-auditor")

    gw = rf.World(unit=gd_unit, member=gd_member, province=gd, cac=cac, other_province=sc)
    sw = rf.World(unit=sc_unit, member=sc_member, province=sc, cac=cac, other_province=gd)
    cw = rf.World(unit=central, member=central_member, province=gd, cac=cac, other_province=sc)
    g2w = rf.World(unit=gd2_unit, member=gd2_member, province=gd, cac=cac, other_province=sc)

    # registry: a filed app with its timeline, a draft with an attachment
    gd_application = _filed(gw, "粤密测试通", "cn.gov.gdsecret.app", note=REVIEW_NOTE)
    gd_app = gd_application.app
    gd_app.refresh_from_db()
    gd_draft_app = rf.app(gw, name="粤密草稿通", package="cn.gov.gdsecret.draft")
    gd_draft = application_create(actor=gd_member, app=gd_draft_app)
    gd_draft = application_save_draft(
        actor=gd_member,
        application=gd_draft,
        sections=_sections("粤密草稿通"),
        pledge_accepted=True,
    )
    gd_attachment = attachment_add(
        actor=gd_member,
        application=gd_draft,
        section="other",
        name="粤密附件.pdf",
        content=b"%PDF-1.4 gdsecret attachment",
    )
    sc_application = _filed(sw, "川测通", "cn.gov.sc.app")
    central_application = _filed(cw, "央密应急通", "cn.gov.ctsecret.app")
    central_app = central_application.app
    central_app.refresh_from_db()
    rf.draft(g2w, name="深测通")

    # compliance: scan, findings, exemption, orders, penalty, spot check, bulletin
    gd_scan = cf.package_scan(gd_app, **cf.CLOCK_IN, **cf.ADS)
    comp.compliance_evaluate(app=gd_app, actor=gd_member)
    cf.package_scan(gd_draft_app, **cf.CLOCK_IN)  # not evaluated yet: a write would show
    cf.package_scan(sc_application.app, **cf.ADS)
    comp.compliance_evaluate(app=sc_application.app, actor=sc_member)
    findings = list(Finding.objects.filter(app=gd_app).order_by("rule_id"))
    assert len(findings) >= 2, findings
    clock = next(x for x in findings if x.rule_id == "R20_CLOCK_IN")
    other = next(x for x in findings if x.rule_id != "R20_CLOCK_IN")
    gd_exemption = comp.exemption_request(
        actor=gd_member,
        app=gd_app,
        rule_id="R20_CLOCK_IN",
        scenario="security",
        reason=EXEMPTION_REASON,
        document_name="粤密安保方案.pdf",
        document=b"%PDF-1.4 gdsecret",
    )
    gd_order = comp.order_issue(
        actor=gd, app=gd_app, findings=[clock], instructions="粤密整改要求：停止打卡"
    )
    gd_order_failed = comp.order_issue(
        actor=gd, app=gd_app, findings=[other], instructions="请移除广告 SDK"
    )
    comp.order_respond(actor=gd_member, order=gd_order_failed, response="已整改")
    gd_penalty = comp.order_fail(actor=gd, order=gd_order_failed, reason="粤密整改不合格理由")
    gd_order_failed.refresh_from_db()
    bulletin = comp.bulletin_publish(
        actor=gd, title="广东典型问题通报", summary="通报", orders=[gd_order_failed]
    )
    gd_spotcheck = comp.spotcheck_draw(actor=gd, name="粤密抽查", sample_size=1, seed=7)
    gd_spot_item = gd_spotcheck.items.get()

    # complaints: a report with evidence, an internal note and a redacted explanation request
    sub = cpf.report(gd_app, description=COMPLAINT_TEXT, evidence=[cpf.jpeg_with_gps()])
    gd_complaint = sub.complaint
    csvc.complaint_reply(complaint=gd_complaint, actor=gd, text=COMPLAINT_NOTE, to_reporter=False)
    gd_explanation = csvc.complaint_request_explanation(
        complaint=gd_complaint,
        actor=gd,
        redacted_text="粤密脱敏说明：请说明要求打卡的依据",
        confirmed_redacted=True,
    )
    sc_receipt = cpf.report(
        sc_application.app, description="川测举报：单位强制下载并每天打卡签到"
    ).receipt
    central_complaint = cpf.report(
        central_app, description="央密举报：部门强制使用并考核使用时长"
    ).complaint
    gd_key = csvc.app_complaint_key_ensure(app=gd_app).key

    # a notification, legacy inventory, an API token
    Notification.objects.create(user=gd_member, text="粤密通知：申请已受理", url="/")
    header = "应用名称,应用类型,主办单位,区划代码,平台,包名或标识,上线日期,状态,备注\n"
    legacy_import(
        data=(
            header
            + f"粤密存量应用,APP,{gd_unit.name},440106,安卓,cn.gov.gdsecret.legacy,2020-03-01,在用,\n"
            + f"川存量应用,APP,{sc_unit.name},510104,安卓,cn.gov.sc.legacy,2020-03-01,在用,\n"
        ).encode(),
        file_name="inv.csv",
        actor=None,
    )
    # the burden ledger: a demand at the gateway (not public) and a listed one (public)
    gd_listed = lsvc.demand_create(
        unit=gd_unit, division=gd_unit.division, title="广东公开填报事项",
        department="广州市公开部门", fields=[lsvc.FieldSpec("姓名")], actor=gd_member,
    )  # fmt: skip
    lsvc.proposal_decide(
        proposal=lsvc.demand_propose(demand=gd_listed, actor=gd_member),
        decision="approved", reason="", actor=gd,
    )  # fmt: skip
    gd_demand = lsvc.demand_create(
        unit=gd_unit, division=gd_unit.division, title="粤密填报事项",
        fields=[lsvc.FieldSpec("姓名"), lsvc.FieldSpec("粤密字段")], actor=gd_member,
    )  # fmt: skip
    gd_proposal = lsvc.demand_propose(demand=gd_demand, reason="粤密申请理由", actor=gd_member)
    gd_token, _raw = token_issue(actor=gd_member, user=gd_member, name="粤密令牌")
    # a self-inspection campaign of Guangdong's office, with a task answered in draft
    gd_campaign = campaign_svc.campaign_launch(
        actor=gd, title="广东专项自查", working_days=10
    ).campaign
    gd_task = InspectionTask.objects.get(campaign=gd_campaign, app=gd_app, kind="host")
    campaign_svc.task_answer(
        actor=gd_member,
        task=gd_task,
        answers={q.pk: ("no", "粤密自查说明") for q in campaign_svc.task_questions(gd_task)},
    )
    gd_task.refresh_from_db()
    gd_event = AuditEvent.objects.filter(unit_pk=gd_unit.pk).order_by("-seq").first()
    assert gd_event is not None
    today = today_shanghai()
    gd_report = report_generate(
        scope_code="44", period_kind="month", year=today.year, number=today.month, actor=gd
    )
    world = World(
        gd_unit=gd_unit,
        gd2_unit=gd2_unit,
        sc_unit=sc_unit,
        central=central,
        cac=cac,
        gd=gd,
        sc=sc,
        gd_member=gd_member,
        gd2_member=gd2_member,
        sc_member=sc_member,
        central_member=central_member,
        auditor=auditor,
        gd_app=gd_app,
        gd_draft_app=gd_draft_app,
        gd_application=gd_application,
        gd_draft=gd_draft,
        gd_attachment=gd_attachment,
        gd_scan=gd_scan,
        gd_finding=clock,
        gd_exemption=gd_exemption,
        gd_order=gd_order,
        gd_order_failed=gd_order_failed,
        gd_penalty=gd_penalty,
        gd_spotcheck=gd_spotcheck,
        gd_spot_item=gd_spot_item,
        bulletin=bulletin,
        gd_complaint=gd_complaint,
        gd_evidence=gd_complaint.evidence.get(),
        gd_explanation=gd_explanation,
        gd_key=gd_key,
        gd_token=gd_token,
        gd_event=gd_event,
        gd_report=gd_report,
        sc_receipt=sc_receipt,
        central_app=central_app,
        central_application=central_application,
        central_complaint=central_complaint,
        gd_demand=gd_demand,
        gd_proposal=gd_proposal,
        gd_listed=gd_listed,
        gd_campaign=gd_campaign,
        gd_task=gd_task,
    )
    _usage_objects(world)
    _overlap(world)
    return world


def _usage_objects(w: World) -> None:
    """Usage oversight: a retirement case, an exemption and a monthly return of the GD app."""
    from govapp.oversight.usage import models as um

    w.gd_usage_case = um.RetirementCase.objects.create(
        app=w.gd_app, reason="粤密退出理由", working_days=20, deadline=today_shanghai()
    )
    w.gd_usage_exemption = um.Exemption.objects.create(
        app=w.gd_app, category="flood", reason="粤密豁免：汛期使用", expires_on=today_shanghai()
    )
    um.MonthlyReturn.objects.create(
        app=w.gd_app,
        month=today_shanghai().replace(day=1),
        active_users=7,
        intended_users=70,
        source="form",
    )


def _usage_state(gd_apps: Any) -> Any:
    from govapp.oversight.usage import models as um

    return (
        list(um.MonthlyReturn.objects.filter(app__in=gd_apps).values_list("pk", "active_users")),
        list(
            um.RetirementCase.objects.filter(app__in=gd_apps).values_list("pk", "state", "appeal")
        ),
        list(um.Exemption.objects.filter(app__in=gd_apps).values_list("pk", "revoked_at")),
        list(um.Rating.objects.filter(app__in=gd_apps).values_list("pk")),
    )


def gd_state(w: World) -> Any:
    """Everything about the Guangdong objects that a wrongful write would change."""
    gd_apps = App.objects.filter(hosting_unit=w.gd_unit)
    return (
        list(Campaign.objects.filter(pk=w.gd_campaign.pk).values_list("pk", "state", "deadline")),
        list(
            InspectionTask.objects.filter(app__in=gd_apps)
            .order_by("pk")
            .values_list("pk", "state", "version", "due", "evaluator_id")
        ),
        list(AppUsingUnit.objects.filter(app__in=gd_apps).values_list("pk", "unit_id")),
        list(gd_apps.order_by("pk").values_list("pk", "status", "name", "shutdown_date")),
        list(
            PlatformIdentity.objects.filter(app__in=gd_apps)
            .order_by("pk")
            .values_list("pk", "identifier", "live")
        ),
        list(
            Application.objects.filter(app__in=gd_apps)
            .order_by("pk")
            .values_list("pk", "state", "version", "exception_decision")
        ),
        list(Attachment.objects.filter(application__app__in=gd_apps).values_list("pk")),
        list(
            PackageScan.objects.filter(hosting_unit=w.gd_unit)
            .order_by("pk")
            .values_list("pk", "status", "attempts")
        ),
        list(
            Finding.objects.filter(app__in=gd_apps)
            .order_by("pk")
            .values_list("pk", "status", "exemption_id")
        ),
        list(Exemption.objects.filter(app__in=gd_apps).order_by("pk").values_list("pk", "status")),
        list(
            RectificationOrder.objects.filter(app__in=gd_apps)
            .order_by("pk")
            .values_list("pk", "state")
        ),
        list(PenaltyCase.objects.filter(app__in=gd_apps).order_by("pk").values_list("pk", "state")),
        list(
            SpotCheckItem.objects.filter(app__in=gd_apps).order_by("pk").values_list("pk", "result")
        ),
        list(Bulletin.objects.order_by("pk").values_list("pk")),
        list(
            Complaint.objects.filter(app__in=gd_apps)
            .order_by("pk")
            .values_list("pk", "status", "merged_into_id")
        ),
        list(w.gd_complaint.messages.values_list("pk")),
        list(ExplanationRequest.objects.filter(app__in=gd_apps).values_list("pk", "state")),
        _usage_state(gd_apps),
        list(
            User.objects.filter(unit=w.gd_unit)
            .order_by("pk")
            .values_list("pk", "is_active", "username")
        ),
        list(Grant.objects.filter(user__unit=w.gd_unit).order_by("pk").values_list("pk", "role")),
        list(ApiToken.objects.filter(user__unit=w.gd_unit).values_list("pk", "revoked_at")),
        list(
            LegacyInventoryItem.objects.filter(scope_code__startswith="44").values_list(
                "pk", "app_id", "retired"
            )
        ),
        list(Notification.objects.filter(user=w.gd_member).values_list("pk", "read_at")),
        list(
            Demand.objects.filter(scope_code__startswith="44")
            .order_by("pk")
            .values_list("pk", "status", "ledger_number", "title")
        ),
        list(Proposal.objects.order_by("pk").values_list("pk", "state", "decision_reason")),
    )


# --- what to request --------------------------------------------------------------------------

APPLICATION_ACTIONS = [
    "submit",
    "forward",
    "return",
    "approve",
    "reject",
    "withdraw",
    "extend",
    "exception_decide",
]


def params(w: World) -> dict[str, dict[str, list[Any]]]:
    """URL name -> parameter -> the Guangdong values to substitute."""
    app = [w.gd_app.pk]
    apps = [w.gd_app.pk, w.gd_draft_app.pk]
    return {
        "orgs:unit": {"unit_id": [w.gd_unit.pk]},
        "orgs:user": {"user_id": [w.gd_member.pk]},
        "orgs:token-revoke": {"token_id": [w.gd_token.pk]},
        "audit:detail": {"seq": [w.gd_event.seq]},
        "public:app": {"filing_number": [w.gd_app.filing_number]},
        "registry:app": {"pk": apps},
        "registry:app_badge": {"pk": app},
        "registry:app_identities": {"pk": apps},
        "registry:app_apply": {"pk": app},
        "registry:app_shutdown": {"pk": app},
        "registry:app_offline": {"pk": app},
        "registry:app_shutdown_order": {"pk": app},
        "registry:notification_open": {
            "pk": list(Notification.objects.filter(user=w.gd_member).values_list("pk", flat=True))
        },
        "registry:application": {"pk": [w.gd_application.pk, w.gd_draft.pk]},
        "registry:application_edit": {"pk": [w.gd_draft.pk]},
        "registry:application_act": {
            "pk": [w.gd_draft.pk, w.gd_application.pk],
            "action": APPLICATION_ACTIONS,
        },
        "registry:attachment_upload": {"pk": [w.gd_draft.pk]},
        "registry:attachment": {"pk": [w.gd_attachment.pk]},
        "registry:attachment_delete": {"pk": [w.gd_attachment.pk]},
        "complaints:app_embed": {"key": [w.gd_key]},
        "complaints:detail": {"pk": [w.gd_complaint.pk]},
        "complaints:evidence": {"pk": [w.gd_complaint.pk], "eid": [w.gd_evidence.pk]},
        "complaints:explanation": {"pk": [w.gd_explanation.pk]},
        "compliance:app": {"app_id": apps},
        "compliance:app_evaluate": {"app_id": apps},
        "compliance:exemption_request": {"app_id": app},
        "compliance:order_issue": {"app_id": app},
        "compliance:exemption": {"pk": [w.gd_exemption.pk]},
        "compliance:exemption_document": {"pk": [w.gd_exemption.pk]},
        "compliance:order": {"pk": [w.gd_order.pk, w.gd_order_failed.pk]},
        "compliance:penalty": {"pk": [w.gd_penalty.pk]},
        "compliance:penalty_notice": {"pk": [w.gd_penalty.pk], "kind": ["approval"]},
        "compliance:spotcheck": {"pk": [w.gd_spotcheck.pk]},
        "compliance:spotcheck_record": {"pk": [w.gd_spot_item.pk]},
        "compliance:bulletin": {"pk": [w.bulletin.pk]},
        "scans:detail": {"scan_id": [w.gd_scan.pk]},
        "scans:status": {"scan_id": [w.gd_scan.pk]},
        "scans:retry": {"scan_id": [w.gd_scan.pk]},
        "scans:adopt-identity": {"scan_id": [w.gd_scan.pk]},
        "overlap:group": {"pk": [w.gd_overlap_group.pk]},
        "overlap:case": {"pk": [w.gd_overlap_case.pk]},
        "overlap:check_detail": {"number": [w.gd_proposal_check.number]},
        "ledger:detail": {"pk": [w.gd_demand.pk]},
        "ledger:edit": {"pk": [w.gd_demand.pk, w.gd_listed.pk]},
        "ledger:propose": {"pk": [w.gd_demand.pk]},
        "ledger:revise": {"pk": [w.gd_listed.pk]},
        "ledger:withdraw": {"pk": [w.gd_listed.pk]},
        "ledger:proposal": {"pk": [w.gd_proposal.pk]},
        "campaigns:detail": {"pk": [w.gd_campaign.pk]},
        "campaigns:assign": {"pk": [w.gd_campaign.pk]},
        "campaigns:close": {"pk": [w.gd_campaign.pk]},
        "campaigns:report": {"pk": [w.gd_campaign.pk]},
        "campaigns:report_xlsx": {"pk": [w.gd_campaign.pk]},
        "campaigns:task": {"pk": [w.gd_task.pk]},
        "campaigns:using_units": {"app_pk": apps},
        "usage:app": {"pk": app},
        "usage:exempt": {"pk": app},
        "usage:case_open": {"pk": app},
        "usage:exemption_revoke": {"pk": [w.gd_usage_exemption.pk]},
        "usage:case": {"pk": [w.gd_usage_case.pk]},
        "usage:case_evidence": {"pk": [w.gd_usage_case.pk]},
        "reports:report": {"pk": [w.gd_report.pk]},
        "reports:report_xlsx": {"pk": [w.gd_report.pk]},
    }


def central_params(w: World) -> dict[str, dict[str, list[Any]]]:
    """The central objects a provincial regulator must not reach (fewer kinds)."""
    return {
        "orgs:unit": {"unit_id": [w.central.pk]},
        "orgs:user": {"user_id": [w.central_member.pk]},
        "registry:app": {"pk": [w.central_app.pk]},
        "registry:application": {"pk": [w.central_application.pk]},
        "compliance:app": {"app_id": [w.central_app.pk]},
        "complaints:detail": {"pk": [w.central_complaint.pk]},
    }


def api_params(w: World) -> dict[str, list[Any]]:
    """OpenAPI path parameter -> the Guangdong values (the names are unambiguous)."""
    return {
        "unit_id": [w.gd_unit.pk],
        "app_id": [w.gd_app.pk, w.gd_draft_app.pk],
        "application_id": [w.gd_application.pk, w.gd_draft.pk],
        "action": ["forward", "approve", "withdraw", "exception_decide", "submit"],
        "scan_id": [w.gd_scan.pk],
        "token_id": [w.gd_token.pk],
        "exemption_id": [w.gd_exemption.pk],
        "order_id": [w.gd_order.pk, w.gd_order_failed.pk],
        "case_id": [w.gd_penalty.pk],
        "check_id": [w.gd_spotcheck.pk],
        "item_id": [w.gd_spot_item.pk],
        "complaint_id": [w.gd_complaint.pk, w.central_complaint.pk],
        # public: a *different* report's receipt must not show the Guangdong report
        "receipt": [w.sc_receipt, "AAAA-BBBB-CCCC-DDDD"],
        "filing_number": [w.gd_app.filing_number],
        "group_id": [w.gd_overlap_group.pk],
        "number": [w.gd_proposal_check.number],
        "demand_id": [w.gd_demand.pk],
        "proposal_id": [w.gd_proposal.pk],
        "ledger_number": ["TB440106-2026-9999"],
        "campaign_id": [w.gd_campaign.pk],
        "task_id": [w.gd_task.pk],
        "report_id": [w.gd_report.pk],
        "name": ["2026-01-01.csv"],
    }


def form_data(name: str, w: World) -> list[dict[str, Any]]:
    """Plausible POST bodies for a browser form (one request per body)."""
    base: dict[str, Any] = {
        "note": "处理意见处理意见处理意见",
        "reason": "理由理由理由理由理由理由理由",
        "text": "补充说明补充说明补充说明",
        "response": "已经整改完毕已经整改完毕",
        "confirm": "1",
        "version": "",
        "app": w.gd_app.pk,
        "unit": w.gd_unit.pk,
    }
    today = today_shanghai()
    extra: dict[str, list[dict[str, Any]]] = {
        "registry:app_identities": [
            {"rows": "1", "id-0-platform": "android", "id-0-identifier": "cn.gov.hijack"}
        ],
        "registry:app_apply": [{"kind": "change", "change_description": "变更内容"}],
        "registry:app_shutdown": [
            {"confirm": "on", "shutdown_date": (today + dt.timedelta(days=60)).isoformat()}
        ],
        "registry:app_offline": [{"report": "已下线"}],
        "registry:app_shutdown_order": [
            {"reason": "责令关停", "deadline": (today + dt.timedelta(days=30)).isoformat()}
        ],
        "registry:application_act": [
            {
                "confirm": "on",
                "decision": "approve",
                "missing_items": "缺材料",
                "new_deadline": (today + dt.timedelta(days=30)).isoformat(),
            }
        ],
        "registry:application_edit": [{"intent": "submit", "pledge_accepted": "on"}],
        "complaints:detail": [
            {"action": a, "redacted": "脱敏后的问题描述脱敏后的问题描述", "confirm_redacted": "1"}
            for a in ("ack", "reply", "note", "dismiss", "finding", "explain", "answer")
        ]
        + [{"action": "merge", "into": str(w.gd_complaint.pk)}],
        "compliance:exemption": [
            {"decision": "approve", "expires_on": (today + dt.timedelta(days=20)).isoformat()}
        ],
        "compliance:exemption_request": [
            {"rule_id": "R20_CLOCK_IN", "scenario": "security", "reason": "重大活动安保值守"}
        ],
        "compliance:order_issue": [{"findings": [w.gd_finding.pk], "instructions": "整改"}],
        "compliance:order": [
            {"action": a, "force": "1"} for a in ("respond", "accept", "send_back", "fail")
        ],
        "compliance:penalty": [{"action": a} for a in ("revoke", "drop")],
        "compliance:spotcheck_record": [{"clock_in_observed": "yes"}],
        "compliance:spotchecks": [{"name": "越权抽查", "sample_size": "5"}],
        "compliance:bulletin_new": [
            {"title": "越权通报", "summary": "x", "orders": [w.gd_order_failed.pk]}
        ],
        "orgs:user": [
            {"action": "grant", "role": Role.UNIT_FILER},
            {"action": "deactivate"},
            {"action": "unlock"},
        ],
        "orgs:user-new": [{"username": "sweep-new", "password": "x" * 12}],
        "registry:app_create": [{"name": "越权应用", "kind": "app", "target_users": "公务人员"}],
        "complaints:unit": [{}],
        "scans:upload": [{"application": w.gd_draft.pk}],
        "usage:app": [{"month": "2026-01", "active_users": "1", "intended_users": "9"}],
        "usage:case": [
            {"action": "appeal", "appeal": "越权申诉越权申诉越权申诉"},
            {"action": "decide", "accept": "1", "note": "越权决定"},
            {"action": "retire", "shutdown_date": today.isoformat(), "notice": "越权关停"},
            {"action": "order"},
        ],
        "usage:exempt": [
            {"category": "flood", "reason": "越权豁免越权豁免越权豁免", "expires_on": "2030-01-01"}
        ],
        "usage:case_open": [{"working_days": "20", "reason": "越权退出"}],
    }
    return [base | e for e in extra.get(name, [{}])]


def api_body(path: str, method: str, w: World) -> Any:
    if path == "/api/v1/registry/apps" and method == "post":
        return {"unit_id": w.gd_unit.pk, "name": "越权应用", "kind": "app"}
    if path.endswith("/identities"):
        return [{"platform": "android", "identifier": "cn.gov.hijack"}]
    if path == "/api/v1/registry/applications" and method == "post":
        return {"app_id": w.gd_app.pk, "kind": "change", "change_description": "x"}
    if method == "patch":
        return {"version": 99, "pledge_accepted": True}
    today = today_shanghai()
    # one body with every field any write endpoint reads (unknown fields are ignored)
    return {
        "version": None,
        "note": "意见意见意见意见",
        "reason": "理由理由理由理由理由理由",
        "missing_items": ["缺材料"],
        "new_deadline": (today + dt.timedelta(days=30)).isoformat(),
        "approve": True,
        "expires_on": (today + dt.timedelta(days=20)).isoformat(),
        "findings": [w.gd_finding.pk],
        "instructions": "越权整改要求",
        "working_days": 10,
        "response": "已经整改完毕已经整改完毕",
        "scan_id": w.gd_scan.pk,
        "force": True,
        "decision": "revoke",
        "confirm": True,
        "name": "越权抽查",
        "sample_size": 5,
        "filing_number_displayed": False,
        "clock_in_observed": True,
        "title": "越权通报",
        "summary": "x",
        "orders": [w.gd_order_failed.pk],
        "anonymised": True,
    }


def api_form(w: World) -> dict[str, Any]:
    """The multipart body for upload endpoints (exemption documents, packages)."""
    return {
        "app_id": w.gd_app.pk,
        "application_id": w.gd_draft.pk,
        "rule_id": "R20_CLOCK_IN",
        "scenario": "security",
        "reason": "重大活动安保值守到岗确认",
        "document": SimpleUploadedFile("doc.pdf", b"%PDF-1.4 x", "application/pdf"),
        "package": SimpleUploadedFile("x.apk", b"PK\x03\x04 not really", "application/zip"),
    }


# --- walking the URL patterns -----------------------------------------------------------------


@dataclass
class Pattern:
    name: str
    params: list[str]
    route: str


def walk(patterns: Any = None, ns: tuple[str, ...] = (), prefix: str = "") -> list[Pattern]:
    out: list[Pattern] = []
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            inner = (*ns, p.namespace) if p.namespace else ns
            out += walk(p.url_patterns, inner, route)
        elif isinstance(p, URLPattern):
            name = ":".join((*ns, p.name)) if p.name else ""
            out.append(Pattern(name, re.findall(r"<(?:\w+:)?(\w+)>", route), route))
    return out


def _text(resp: Any, body: bytes) -> str:
    """The body as text; JSON is re-dumped so that escaped CJK (\\uXXXX) is compared too."""
    text = body.decode("utf-8", "replace")
    if "json" in resp.get("Content-Type", ""):
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def _marks_in(body: str, marks: tuple[str, ...]) -> list[str]:
    return [m for m in marks if m in body]


class Sweep:
    def __init__(self, w: World) -> None:
        self.w = w
        self.problems: list[str] = []
        self.requests = 0
        self.clients: dict[str, Client] = {}
        for label, user in (
            ("sc-cac", w.sc),
            ("sc-unit", w.sc_member),
            ("gd2-unit", w.gd2_member),
            ("auditor", w.auditor),
            ("gd-cac", w.gd),
            ("gd-unit", w.gd_member),
            ("anonymous", None),
        ):
            c = Client(raise_request_exception=False)
            if user is not None:
                c.force_login(user)
            self.clients[label] = c

    def request(
        self,
        who: str,
        method: str,
        url: str,
        *,
        data: Any = None,
        json_body: bool = False,
        marks: tuple[str, ...] = GD_MARKS,
        write_check: bool = False,
    ) -> Any:
        c = self.clients[who]
        before = gd_state(self.w) if write_check else None
        seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        call = getattr(c, method)
        if json_body:
            resp = call(url, data=json.dumps(data), content_type="application/json")
        elif method == "get":
            resp = call(url)
        else:
            resp = call(url, data=data or {})
        self.requests += 1
        where = f"{who} {method.upper()} {url}"
        if resp.status_code >= 500:
            exc = getattr(resp, "exc_info", None)
            self.problems.append(f"{where}: {resp.status_code} {exc[1]!r}" if exc else where)
            return resp
        body = b"".join(resp.streaming_content) if resp.streaming else resp.content
        text = _text(resp, body) + resp.get("Location", "")
        found = _marks_in(text, marks)
        if found:
            self.problems.append(f"{where}: {resp.status_code} shows {found}")
        if write_check:
            if gd_state(self.w) != before:
                self.problems.append(f"{where}: {resp.status_code} changed Guangdong data")
            new = AuditEvent.objects.filter(seq__gt=seq, unit_pk=self.w.gd_unit.pk)
            if new.exists():
                actions = list(new.values_list("action", flat=True))
                self.problems.append(f"{where}: wrote Guangdong audit events {actions}")
        return resp


def _expand(values: dict[str, list[Any]]) -> list[dict[str, Any]]:
    keys = list(values)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values.values())]


DENIED = ("sc-cac", "sc-unit", "gd2-unit", "anonymous")


def test_jurisdiction_sweep() -> None:  # noqa: C901 (existing; split when next changed)
    w = build()
    s = Sweep(w)
    mapping = params(w)
    patterns = [p for p in walk() if not p.route.startswith("api/v1/")]
    uncovered = [
        p.name or p.route
        for p in patterns
        if p.params and p.name not in PUBLIC_NAMES and set(p.params) - set(mapping.get(p.name, {}))
    ]
    assert not uncovered, f"add these patterns to params(): {uncovered}"
    unnamed = [p.route for p in patterns if not p.name]
    assert not unnamed, f"unnamed URL patterns cannot be swept: {unnamed}"

    # control: the marks do show to those who may see the objects, so their absence means
    # something below
    gd_client = s.clients["gd-cac"]
    for url, marks in (
        (reverse("registry:app", kwargs={"pk": w.gd_app.pk}), GD_MARKS),
        (reverse("registry:application", kwargs={"pk": w.gd_application.pk}), (HANDLER_PHONE,)),
        (reverse("complaints:detail", kwargs={"pk": w.gd_complaint.pk}), REPORTER_SECRETS),
        (reverse("compliance:app", kwargs={"app_id": w.gd_app.pk}), GD_MARKS[:1]),
        (reverse("scans:detail", kwargs={"scan_id": w.gd_scan.pk}), GD_MARKS[1:]),
        (reverse("orgs:user", kwargs={"user_id": w.gd_member.pk}), GD_MARKS),
        (reverse("registry:legacy") + "?state=all", GD_MARKS[:1]),
        (f"/api/v1/registry/applications/{w.gd_application.pk}", (HANDLER_EMAIL,)),
        ("/api/v1/compliance/findings", GD_MARKS[:1]),
    ):
        r = gd_client.get(url)
        assert r.status_code == 200 and all(m in _text(r, r.content) for m in marks), url

    web = 0
    for p in patterns:
        public = p.name in PUBLIC_NAMES
        if p.name in {"logout"}:
            continue
        for kwargs in _expand(mapping.get(p.name, {})) if p.params else [{}]:
            if public and p.params and not kwargs:
                continue  # a public page with a parameter we do not map: nothing to protect
            url = reverse(p.name, kwargs=kwargs)
            web += 1
            if public:
                for who in ("anonymous", "sc-cac"):
                    s.request(who, "get", url, marks=SECRETS)
                continue
            for who in DENIED:
                s.request(who, "get", url)
                for body in form_data(p.name, w):
                    s.request(who, "post", url, data=body, write_check=True)
            for body in form_data(p.name, w):
                s.request("auditor", "post", url, data=body, marks=(), write_check=True)
            # the hosting unit never sees the report itself
            s.request("gd-unit", "get", url, marks=REPORTER_SECRETS)

    # central objects: only the CAC (and the central unit itself)
    for name, values in central_params(w).items():
        for kwargs in _expand(values):
            url = reverse(name, kwargs=kwargs)
            for who in ("gd-cac", "sc-cac", "gd-unit"):
                s.request(who, "get", url, marks=CENTRAL_MARKS)

    # the API, from its OpenAPI document
    schema = s.clients["anonymous"].get("/api/v1/openapi.json").json()
    api_routes = {
        "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", p.route)
        for p in walk()
        if p.route.startswith("api/v1/")
    }
    missing = (
        api_routes - set(schema["paths"]) - {"/api/v1/", "/api/v1/openapi.json", "/api/v1/docs"}
    )
    assert not missing, f"API routes not in the OpenAPI document escape the sweep: {missing}"
    amap = api_params(w)
    endpoints = 0
    for path, ops in schema["paths"].items():
        names = re.findall(r"{(\w+)}", path)
        lacking = set(names) - set(amap)
        assert not lacking or path.startswith(PUBLIC_API), (
            f"add {lacking} of {path} to api_params()"
        )
        for method, op in ops.items():
            endpoints += 1
            public = path.startswith(PUBLIC_API) and (method == "get" or path in PUBLIC_API_WRITES)
            multipart = "multipart/form-data" in op.get("requestBody", {}).get("content", {})
            for kwargs in _expand({n: amap[n] for n in names}):
                url = path.format(**kwargs)
                if method == "get":
                    if public:
                        for who in ("anonymous", "sc-cac"):
                            s.request(who, "get", url, marks=SECRETS)
                    else:
                        for who in DENIED:
                            s.request(who, "get", url)
                        s.request("gd-unit", "get", url, marks=REPORTER_SECRETS)
                    continue
                if public:
                    continue  # public writes (token, reports) are covered by their own tests
                for who in (*DENIED, "auditor"):
                    s.request(
                        who,
                        method,
                        url,
                        data=api_form(w) if multipart else api_body(path, method, w),
                        json_body=not multipart,
                        marks=() if who == "auditor" else GD_MARKS,
                        write_check=True,
                    )
    # bearer tokens reach the same endpoints: spot-check one with a Sichuan token
    _t, raw = token_issue(actor=w.sc, user=w.sc, name="sweep")
    r = Client().get(f"/api/v1/registry/apps/{w.gd_app.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 404

    print(f"swept {web} URL instances, {endpoints} API operations, {s.requests} requests")
    assert web > 50 and endpoints > 25
    assert not s.problems, "\n".join(s.problems)


GARBAGE = dict.fromkeys(
    (
        "rows",
        "feature_rows",
        "similar_rows",
        "version",
        "working_days",
        "sample_size",
        "seed",
        "year",
        "app",
        "unit",
        "application",
        "scan",
        "grant",
        "findings",
        "orders",
        "into",
        "kind",
        "action",
        "intent",
        "decision",
        "role",
        "division",
        "expires_on",
        "shutdown_date",
        "planned_date",
        "new_deadline",
        "requested_expiry",
        "page",
        "state",
        "status",
        "n",
        "start",
        "since",
        "until",
        "q",
        "ref",
    ),
    "x'\"<>%00",
)


def test_malformed_input_never_answers_500() -> None:
    """Every page, as people who may act on the objects, with nonsense in every field."""
    w = build()
    mapping = params(w)
    problems = []
    clients = []
    for user in (w.gd_member, w.gd, w.cac):
        c = Client(raise_request_exception=False)
        c.force_login(user)
        clients.append(c)
    for p in walk():
        if p.route.startswith("api/v1/") or p.name == "logout":
            continue
        values = mapping.get(p.name, {})
        if p.params and set(p.params) - set(values):
            continue
        kwargs = _expand(values)[0] if p.params else {}
        url = reverse(p.name, kwargs=kwargs)
        digits = dict.fromkeys(GARBAGE, "²")  # str.isdigit() is true, int() fails
        for c in clients:
            for r in (
                c.get(url, GARBAGE),
                c.get(url, digits),
                c.post(url, GARBAGE),
                c.post(url, digits),
                c.post(url + "?" + "&".join(f"{k}=x" for k in GARBAGE), {}),
            ):
                if r.status_code >= 500:
                    exc = getattr(r, "exc_info", None)
                    problems.append(f"{url}: {r.status_code} {exc[1]!r}" if exc else url)
    assert not problems, "\n".join(sorted(set(problems)))


def test_csrf_is_enforced_on_browser_forms_and_session_api_writes() -> None:
    w = build()
    mapping = params(w)
    c = Client(enforce_csrf_checks=True)
    c.force_login(w.gd_member)
    exempt = {"complaints:app_embed"}  # anonymous, embedded cross-site, no cookie authority
    unprotected = []
    for p in walk():
        if p.route.startswith("api/v1/") or p.name in exempt:
            continue
        values = mapping.get(p.name, {})
        if p.params and set(p.params) - set(values):
            continue
        url = reverse(p.name, kwargs=_expand(values)[0] if p.params else {})
        r = c.post(url, {"name": "x", "action": "grant"})
        if r.status_code != 403:
            unprotected.append(f"{url}: {r.status_code}")
    assert not unprotected, unprotected
    # the session may not write through the API without the token either
    schema = Client().get("/api/v1/openapi.json").json()
    amap = api_params(w)
    for path, ops in schema["paths"].items():
        if path in PUBLIC_API_WRITES:
            continue
        for method in ops:
            if method == "get":
                continue
            names = re.findall(r"{(\w+)}", path)
            url = path.format(**{n: amap[n][0] for n in names})
            r = getattr(c, method)(url, data="{}", content_type="application/json")
            if r.status_code != 403 and path != "/api/v1/auth/token":
                unprotected.append(f"{method.upper()} {url}: {r.status_code}")
    assert not unprotected, unprotected
