"""Self-inspection campaigns: scope, answers against evidence, review, findings, evaluators."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from govapp.compliance.models import Finding, FindingStatus, OperationFacts
from govapp.compliance.services import order_issue
from govapp.core.audit import AuditEvent
from govapp.core.calendar import today_shanghai
from govapp.core.errors import Conflict, InvalidInput, NotAllowed
from govapp.orgs.models import Role
from govapp.oversight.campaigns import selectors, services
from govapp.oversight.campaigns.export import campaign_workbook
from govapp.oversight.campaigns.models import InspectionTask, TaskKind, TaskState
from tests import factories as f
from tests.compliance import factories as cf
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def _world() -> dict[str, Any]:
    gd_unit = f.unit("440106")
    sc_unit = f.unit("510104")
    gd_app = cf.app(unit=gd_unit, name="穗打卡")
    sc_app = cf.app(unit=sc_unit, name="蓉办公")
    return {
        "gd_unit": gd_unit,
        "sc_unit": sc_unit,
        "gd_member": f.unit_member(gd_unit),
        "sc_member": f.unit_member(sc_unit),
        "gd": f.regulator("44"),
        "sc": f.regulator("51"),
        "cac": f.regulator(None),
        "gd_app": gd_app,
        "sc_app": sc_app,
    }


def _answer_all(task: InspectionTask, actor: Any, value: str = "no", **kw: Any) -> InspectionTask:
    """Every question answered: "no" = no problem anywhere (the answer that denies it),
    "yes" = a problem everywhere."""
    qs = services.task_questions(task)

    def pick(q: Any) -> str:
        clean = "yes" if q.problem_if == "no" else "no"
        return clean if value == "no" else q.problem_if

    return services.task_answer(
        actor=actor, task=task, answers={q.pk: (pick(q), kw.pop("why", "")) for q in qs}, **kw
    )


def test_a_provincial_campaign_reaches_its_province_only() -> None:
    w = _world()
    launched = services.campaign_launch(actor=w["gd"], title="广东专项", working_days=10)
    tasks = list(InspectionTask.objects.filter(campaign=launched.campaign))
    assert [t.app_id for t in tasks] == [w["gd_app"].pk]
    assert tasks[0].unit_id == w["gd_unit"].pk and tasks[0].kind == TaskKind.HOST
    # Sichuan's office and unit see nothing of it
    assert not selectors.campaigns_for(w["sc"]).exists()
    assert not selectors.tasks_for(w["sc"]).exists()
    assert not selectors.campaigns_for(w["sc_member"]).exists()
    assert not selectors.tasks_for(w["sc_member"]).exists()
    assert selectors.tasks_for(w["gd_member"]).count() == 1
    assert AuditEvent.objects.filter(action="campaign.launch").exists()


def test_units_and_foreign_regions_cannot_launch() -> None:
    w = _world()
    with pytest.raises(NotAllowed):
        services.campaign_launch(actor=w["gd_member"], title="x", working_days=5)
    with pytest.raises(InvalidInput):
        services.campaign_launch(actor=w["gd"], title="x", working_days=5, regions=["51"])


def test_an_answer_that_denies_known_evidence_is_a_contradiction() -> None:
    w = _world()
    Finding.objects.create(
        app=w["gd_app"],
        rule_id="R20_CLOCK_IN",
        requirement="R-20",
        severity="high",
        evidence=[{"source": "keyword", "value": "打卡", "where": "pages/checkin/index.js"}],
    )
    campaign = services.campaign_launch(actor=w["gd"], title="广东专项", working_days=10).campaign
    task = InspectionTask.objects.get(campaign=campaign)
    _answer_all(task, w["gd_member"], "no")
    checks = {c.question.code: c for c in selectors.task_checks(task)}
    assert [code for code, c in checks.items() if c.contradiction] == ["H02"]
    assert "pages/checkin" in checks["H02"].evidence[0].detail
    assert not checks["H07"].contradiction  # nothing known about advertising
    task.refresh_from_db()
    with pytest.raises(InvalidInput) as exc:
        _answer_all(task, w["gd_member"], "no", submit=True)
    assert list(exc.value.errors) == [f"q{checks['H02'].question.pk}"]
    # an explanation lets it through to the reviewer, who sees the contradiction too
    task.refresh_from_db()
    services.task_answer(
        actor=w["gd_member"],
        task=task,
        answers={checks["H02"].question.pk: ("no", "打卡页面已于10月下线")},
        submit=True,
    )
    task.refresh_from_db()
    assert task.state == TaskState.SUBMITTED
    assert [c.question.code for c in selectors.task_checks(task) if c.contradiction] == ["H02"]


def test_review_returns_then_accepts_and_a_confirmed_problem_becomes_a_finding_and_an_order(
    django_capture_on_commit_callbacks: Any,
) -> None:
    w = _world()
    campaign = services.campaign_launch(actor=w["gd"], title="广东专项", working_days=10).campaign
    task = InspectionTask.objects.get(campaign=campaign)
    _answer_all(task, w["gd_member"], "no", submit=True)
    task.refresh_from_db()
    with pytest.raises(InvalidInput):
        services.task_review(actor=w["gd"], task=task, accept=False, note="")
    with pytest.raises(NotAllowed):
        services.task_review(actor=w["sc"], task=task, accept=True)
    services.task_review(actor=w["gd"], task=task, accept=False, note="请补充打卡情况")
    task.refresh_from_db()
    assert task.state == TaskState.RETURNED
    _answer_all(task, w["gd_member"], "no", submit=True)
    task.refresh_from_db()
    h02 = next(q for q in services.task_questions(task) if q.code == "H02")
    with django_capture_on_commit_callbacks(execute=True):
        services.task_review(
            actor=w["gd"], task=task, accept=True, note="核实存在打卡", confirmed=[h02.pk]
        )
    facts = OperationFacts.objects.get(app=w["gd_app"], source="campaigns").data
    assert [p["how"] for p in facts["self_inspection_problems"]] == ["confirmed"]
    run_queued_tasks()
    finding = Finding.objects.get(app=w["gd_app"], rule_id="R29_SELF_INSPECTION")
    assert finding.status == FindingStatus.OPEN
    order = order_issue(
        actor=w["gd"], app=w["gd_app"], findings=[finding], instructions="取消每日打卡"
    )
    assert order.pk
    # a submitted task cannot be changed by the unit any more
    task.refresh_from_db()
    with pytest.raises(Conflict):
        _answer_all(task, w["gd_member"], "yes")


def test_national_campaign_with_a_province_plan() -> None:
    w = _world()
    campaign = services.campaign_launch(actor=w["cac"], title="全国专项", working_days=20).campaign
    assert selectors.campaigns_for(w["gd"]).filter(pk=campaign.pk).exists()
    early = today_shanghai() + dt.timedelta(days=3)
    with pytest.raises(NotAllowed):
        services.province_plan_set(
            actor=w["sc"], campaign=campaign, province_code="44", internal_deadline=early
        )
    services.province_plan_set(
        actor=w["gd"],
        campaign=campaign,
        province_code="44",
        internal_deadline=early,
        questions=["是否要求重复报送工作动态？"],
    )
    gd_task = InspectionTask.objects.get(campaign=campaign, app=w["gd_app"])
    sc_task = InspectionTask.objects.get(campaign=campaign, app=w["sc_app"])
    assert gd_task.due == early and sc_task.due == campaign.deadline
    assert "是否要求重复报送工作动态？" in [q.text for q in services.task_questions(gd_task)]
    assert "是否要求重复报送工作动态？" not in [q.text for q in services.task_questions(sc_task)]
    # each province sees only its own tasks of the national campaign
    assert set(selectors.tasks_for(w["gd"]).values_list("app_id", flat=True)) == {w["gd_app"].pk}


def test_using_units_get_their_own_tasks_and_questions() -> None:
    w = _world()
    county = f.unit("440106", name="天河区某街道办")
    county_member = f.unit_member(county)
    services.using_unit_add(actor=w["gd_member"], app=w["gd_app"], unit=county)
    campaign = services.campaign_launch(actor=w["gd"], title="广东专项", working_days=10).campaign
    user_task = InspectionTask.objects.get(campaign=campaign, kind=TaskKind.USER)
    assert user_task.unit_id == county.pk
    assert {q.code for q in services.task_questions(user_task)} == {"U01", "U02", "U03"}
    assert list(selectors.tasks_for(county_member)) == [user_task]
    assert user_task not in selectors.tasks_for(w["gd_member"])
    with pytest.raises(NotAllowed):
        services.using_unit_add(actor=w["sc_member"], app=w["gd_app"], unit=w["sc_unit"])


def test_an_evaluator_sees_only_assigned_apps_and_disagreements_are_shown() -> None:
    w = _world()
    other = cf.app(unit=w["gd_unit"], name="穗学习")
    evaluator = f.user(Role.EVALUATOR, unit_obj=f.unit("11"))
    campaign = services.campaign_launch(actor=w["gd"], title="广东专项", working_days=10).campaign
    with pytest.raises(NotAllowed):
        services.evaluator_assign(
            actor=w["sc"], campaign=campaign, evaluator=evaluator, apps=[w["gd_app"]]
        )
    (ext,) = services.evaluator_assign(
        actor=w["gd"], campaign=campaign, evaluator=evaluator, apps=[w["gd_app"]]
    )
    assert list(selectors.tasks_for(evaluator)) == [ext]
    assert other.pk not in selectors.tasks_for(evaluator).values_list("app_id", flat=True)
    assert ext not in selectors.tasks_for(w["gd_member"])
    _answer_all(ext, evaluator, "yes", submit=True)
    host = InspectionTask.objects.get(campaign=campaign, app=w["gd_app"], kind=TaskKind.HOST)
    _answer_all(host, w["gd_member"], "no")
    host.refresh_from_db()
    comparison = selectors.evaluation_comparison(host)
    assert comparison is not None
    assert comparison.disagreements == len(services.task_questions(host))


def test_progress_and_the_report_add_up() -> None:
    w = _world()
    f.unit("440300")
    cf.app(unit=f.unit("440305"), name="深圳应用")
    campaign = services.campaign_launch(actor=w["cac"], title="全国专项", working_days=20).campaign
    task = InspectionTask.objects.get(campaign=campaign, app=w["gd_app"])
    _answer_all(task, w["gd_member"], "yes", submit=True)
    task.refresh_from_db()
    services.task_review(actor=w["gd"], task=task, accept=True, note="属实")
    rows = selectors.campaign_progress(w["cac"], campaign, level=2)
    total = selectors.progress_total(rows)
    assert {r.code: r.tasks for r in rows} == {"44": 2, "51": 1}
    assert total.tasks == 3 and total.accepted == 1
    assert total.problems == len(services.task_questions(task))
    gd_rows = selectors.campaign_progress(w["gd"], campaign, level=4)
    assert sum(r.tasks for r in gd_rows) == 2  # a province's figures add up to its country row
    book = load_workbook(io.BytesIO(campaign_workbook(w["cac"], campaign)))
    summary = book.worksheets[0]
    totals = [row for row in summary.iter_rows(values_only=True) if row and row[0] == "合计"]
    assert totals[0][1] == 3 and totals[0][6] == total.problems


def test_reminders_then_escalation() -> None:
    w = _world()
    campaign = services.campaign_launch(actor=w["gd"], title="广东专项", working_days=2).campaign
    first = services.campaigns_remind()
    assert first["reminded"] == 1
    assert services.campaigns_remind()["reminded"] == 0  # once a day
    later = campaign.deadline + dt.timedelta(days=1)
    out = services.campaigns_remind(today=later)
    assert out["escalated"] == 1
    assert InspectionTask.objects.get(campaign=campaign).escalated_at is not None
    assert services.campaigns_remind(today=later)["escalated"] == 0


def test_ledger_duplicates_and_complaints_contradict_a_denial() -> None:
    w = _world()
    OperationFacts.objects.create(
        app=w["gd_app"],
        source="ledger",
        data={"ledger": {"duplicated": [{"field": "身份证号码", "demand": 1}], "unlisted": []}},
    )
    from tests.complaints import factories as complaint_factories

    complaint_factories.report(w["gd_app"], category="ranking_abuse")
    campaign = services.campaign_launch(actor=w["gd"], title="广东专项", working_days=10).campaign
    task = InspectionTask.objects.get(campaign=campaign)
    _answer_all(task, w["gd_member"], "no")
    conflicted = {c.question.code for c in selectors.task_checks(task) if c.contradiction}
    # H06 (duplicate reporting) from the ledger; H03 and H04 (rankings, appraisal) from complaints
    assert conflicted == {"H03", "H04", "H06"}


def test_a_low_use_flag_contradicts_denying_a_zombie_app() -> None:
    from govapp.oversight.usage.models import LowUseFlag

    w = _world()
    LowUseFlag.objects.create(
        app=w["gd_app"],
        month=today_shanghai().replace(day=1),
        reasons=[{"code": "few_users", "values": [3]}],
        criteria={"min_active_users": 50},
    )
    campaign = services.campaign_launch(actor=w["gd"], title="广东专项", working_days=10).campaign
    task = InspectionTask.objects.get(campaign=campaign)
    _answer_all(task, w["gd_member"], "no")
    (h08,) = [c for c in selectors.task_checks(task) if c.contradiction]
    assert h08.question.code == "H08" and "3" in h08.evidence[0].detail
