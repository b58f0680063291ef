"""Demo data: a national campaign half done (with Guangdong's own questions and internal
deadline), a Guangdong campaign with contradictions to resolve and an external evaluation, and
using units, so that every demo account has something to do. Idempotent."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from govapp.core.actor import Actor
from govapp.core.calendar import add_working_days, today_shanghai
from govapp.orgs.models import Grant, Role, Unit, User
from govapp.orgs.services import grant_create, user_create
from govapp.oversight.campaigns import services
from govapp.oversight.campaigns.models import (
    AppUsingUnit,
    Campaign,
    InspectionTask,
    TaskKind,
)
from govapp.registry.models import App

EVALUATOR = "evaluator"


def _evaluator() -> User:
    from govapp.orgs.demo import DEMO_PASSWORD

    user = User.objects.filter(username=EVALUATOR).first()
    if user is None:
        unit = Unit.objects.get(name="国家互联网信息办公室")
        user = user_create(
            actor=None,
            username=EVALUATOR,
            password=DEMO_PASSWORD,
            display_name="第三方评估员（中国信通院）",
            unit=unit,
            email=f"{EVALUATOR}@demo.govapp.invalid",
        )
    if not Grant.objects.filter(user=user, role=Role.EVALUATOR).exists():
        grant_create(actor=None, user=user, role=Role.EVALUATOR)
    return user


def _using_units(apps: list[App]) -> int:
    made = 0
    cac = User.objects.get(username="cac")
    for app in apps[:6]:
        province = app.hosting_unit.scope_code[:2]
        other = (
            Unit.objects.filter(scope_code__startswith=province, is_active=True)
            .exclude(pk=app.hosting_unit_id)
            .exclude(kind__in=["provincial_cac", "provincial_gsa", "cac"])
            .order_by("pk")
            .first()
        )
        if other is not None and not AppUsingUnit.objects.filter(app=app, unit=other).exists():
            services.using_unit_add(actor=cac, app=app, unit=other, note="县区部门日常使用")
            made += 1
    return made


def _answer_all(task: InspectionTask, actor: Actor, value: str, *, submit: bool) -> None:
    """value "no": the answer that denies a problem on every question."""
    qs = services.task_questions(task)
    answers = {
        q.pk: (("yes" if q.problem_if == "no" else "no"), "已自查，未发现该问题。") for q in qs
    }
    services.task_answer(actor=actor, task=task, answers=answers, submit=submit)


def _unit_user(unit_id: int | None) -> User | None:
    """A filer of the unit: the demo account where there is one, else a filer without a usable
    password (demo units of the registry have no people of their own)."""
    if unit_id is None:
        return None
    found = (
        User.objects.filter(unit_id=unit_id, grants__role__in=[Role.UNIT_MANAGER, Role.UNIT_FILER])
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found
    unit = Unit.objects.get(pk=unit_id)
    user = user_create(
        actor=None,
        username=f"demo-filer-{unit_id}",
        password=None,
        display_name="填报员",
        unit=unit,
    )
    grant_create(actor=None, user=user, role=Role.UNIT_FILER, unit=unit)
    return user


def demo_campaigns_load() -> dict[str, Any]:
    if Campaign.objects.exists():
        return {"campaigns": 0}
    services.checklist_default()
    cac = User.objects.get(username="cac")
    gd = User.objects.get(username="gd-cac")
    evaluator = _evaluator()
    filed = list(
        App.objects.filter(
            status__in=services.IN_SERVICE, hosting_unit__scope_code__regex=r"^(44|51)"
        )
        .select_related("hosting_unit")
        .order_by("pk")
    )
    using = _using_units([a for a in filed if a.hosting_unit.scope_code.startswith("44")])
    national = services.campaign_launch(
        actor=cac,
        title="2026年政务应用“指尖上的形式主义”专项自查（广东、四川试点）",
        working_days=20,
        regions=["44", "51"],
    ).campaign
    services.province_plan_set(
        actor=gd,
        campaign=national,
        province_code="44",
        internal_deadline=add_working_days(today_shanghai(), 12).date,
        questions=["是否要求基层在粤政易以外的渠道重复报送工作动态？"],
    )
    # half done: every second task answered and submitted, a third of those accepted
    tasks = list(
        InspectionTask.objects.filter(campaign=national)
        .exclude(kind=TaskKind.EXTERNAL)
        .select_related("app__hosting_unit", "campaign__checklist")
        .order_by("pk")
    )
    submitted = accepted = 0
    sc = User.objects.get(username="sc-cac")
    for i, task in enumerate(tasks):
        if i % 2:
            continue
        actor = _unit_user(task.unit_id)
        if actor is None:
            continue
        with transaction.atomic():
            _answer_all(task, actor, "no", submit=False)
            task.refresh_from_db()
            try:
                _answer_all(task, actor, "no", submit=True)
            except Exception:  # noqa: S112 - a contradiction needs an explanation: leave it a draft
                continue
        submitted += 1
        if i % 6 == 0:
            reviewer = gd if task.app.hosting_unit.scope_code.startswith("44") else sc
            task.refresh_from_db()
            services.task_review(
                actor=reviewer, task=task, accept=True, note="自查认真，予以通过。"
            )
            accepted += 1
    # a Guangdong campaign of the province's own, over Guangzhou, with an external evaluation
    gz_campaign = services.campaign_launch(
        actor=gd, title="广州市基层减负政务应用自查", working_days=15, regions=["4401"]
    ).campaign
    gz_tasks = list(
        InspectionTask.objects.filter(campaign=gz_campaign, kind=TaskKind.HOST)
        .select_related("app")
        .order_by("pk")[:2]
    )
    if gz_tasks:
        services.evaluator_assign(
            actor=gd, campaign=gz_campaign, evaluator=evaluator, apps=[t.app for t in gz_tasks]
        )
        ext = InspectionTask.objects.filter(campaign=gz_campaign, kind=TaskKind.EXTERNAL).first()
        if ext is not None:
            qs = services.task_questions(ext)
            services.task_answer(
                actor=evaluator,
                task=ext,
                answers={
                    q.pk: (
                        q.problem_if
                        if q.code in {"H02", "H03"}
                        else ("yes" if q.problem_if == "no" else "no"),
                        "抽样访谈基层人员确认。",
                    )
                    for q in qs
                },
                submit=True,
            )
        host = gz_tasks[0]
        actor = _unit_user(host.unit_id)
        if actor is not None:
            _answer_all(host, actor, "no", submit=False)  # a draft with contradictions to resolve
    return {
        "campaigns": 2,
        "tasks": InspectionTask.objects.count(),
        "submitted": submitted,
        "accepted": accepted,
        "using_units": using,
        "evaluator": evaluator.username,
        "states": sorted(set(InspectionTask.objects.values_list("state", flat=True))),
    }
