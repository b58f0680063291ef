"""Writes of the self-inspection campaigns: one audited transaction per transition."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from govapp.compliance.services import app_operation_facts_put
from govapp.core.actor import Actor
from govapp.core.audit import audit_record
from govapp.core.calendar import add_working_days, today_shanghai
from govapp.core.errors import Conflict, InvalidInput, NotAllowed
from govapp.core.permissions import active_grants, can, has_role, restrict
from govapp.orgs.models import Unit, User
from govapp.oversight.campaigns.models import (
    OPEN_TASK_STATES,
    Answer,
    AnswerValue,
    AppUsingUnit,
    Audience,
    Campaign,
    CampaignState,
    Checklist,
    InspectionTask,
    ProblemClass,
    ProvincePlan,
    Question,
    TaskKind,
    TaskState,
)
from govapp.registry.models import App, AppStatus, Notification

IN_SERVICE = (AppStatus.FILED, AppStatus.SHUTDOWN_NOTICE, AppStatus.OFFLINE)
GRASSROOTS_LEVELS = ("township", "village", "grid", "community")
LAUNCH_ROLES = ("national_regulator", "provincial_cac_reviewer")
EVALUATOR_ROLE = "evaluator"
REMIND_WORKING_DAYS = 3


def _require(ok: bool, message: str, exc: type[Exception] = NotAllowed) -> None:
    if not ok:
        raise exc(message)


# --- checklists ------------------------------------------------------------------------------


def checklist_default() -> Checklist:
    """The shipped national checklist (data/checklist-v1.json), created once."""
    raw = resources.files("govapp.oversight.campaigns").joinpath("data/checklist-v1.json")
    data = json.loads(raw.read_text(encoding="utf-8"))
    with transaction.atomic():
        checklist, created = Checklist.objects.get_or_create(
            name=data["name"], version=data["version"], defaults={"source": data["source"]}
        )
        if created:
            for i, q in enumerate(data["questions"]):
                Question.objects.create(checklist=checklist, order=i * 10, **q)
            audit_record(
                actor=None,
                action="checklist.create",
                obj=checklist,
                after={"questions": len(data["questions"])},
            )
    return checklist


# --- scope -----------------------------------------------------------------------------------


def actor_scope(actor: Actor) -> str | None:
    """The division prefix a regulator may launch over ("" = national), or None if none."""
    prefixes = [
        g.division_id or ""
        for g in active_grants(actor)
        if g.role in LAUNCH_ROLES and (g.role == "national_regulator" or g.division_id)
    ]
    if "" in prefixes or getattr(actor, "is_superuser", False):
        return ""
    return min(prefixes, key=len) if prefixes else None


def apps_in_scope(
    *, actor: Actor, regions: Iterable[str], kinds: Iterable[str], grassroots_only: bool
) -> list[App]:
    qs = restrict(App.objects.filter(status__in=IN_SERVICE), actor, "review")
    regions = [r for r in regions if r]
    if regions:
        q = Q()
        for r in regions:
            q |= Q(hosting_unit__scope_code__startswith=r)
        qs = qs.filter(q)
    kinds = [k for k in kinds if k]
    if kinds:
        qs = qs.filter(kind__in=kinds)
    apps = list(qs.select_related("hosting_unit").order_by("pk"))
    if grassroots_only:  # target levels are a JSON list: filtered here, the same on every database
        apps = [a for a in apps if set(a.target_levels or []) & set(GRASSROOTS_LEVELS)]
    return apps


# --- launching ---------------------------------------------------------------------------------


@dataclass
class Launched:
    campaign: Campaign
    host_tasks: int
    user_tasks: int


def campaign_launch(
    *,
    actor: User,
    title: str,
    working_days: int,
    regions: Iterable[str] = (),
    kinds: Iterable[str] = (),
    grassroots_only: bool = False,
    checklist: Checklist | None = None,
) -> Launched:
    """Launch a campaign over the actor's jurisdiction (or part of it): one task per app in
    scope for its hosting unit and one for each unit that uses it."""
    scope = actor_scope(actor)
    _require(scope is not None, _("只有国家网信办和省级网信部门可以组织自查专项。"))
    assert scope is not None
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("请填写专项名称。"), {"title": _("请填写专项名称。")})
    if not 1 <= int(working_days) <= 120:
        raise InvalidInput(
            _("期限应为 1 到 120 个工作日。"), {"working_days": _("期限应为 1 到 120 个工作日。")}
        )
    regions = [r.strip() for r in regions if r and r.strip()]
    for r in regions:
        if scope and not r.startswith(scope):
            raise InvalidInput(
                _("所选地区 %(r)s 不在您的管辖范围内。") % {"r": r},
                {"regions": _("所选地区不在您的管辖范围内。")},
            )
    checklist = checklist or checklist_default()
    deadline = add_working_days(today_shanghai(), int(working_days)).date
    owner: Unit | None = getattr(actor, "unit", None)
    _require(owner is not None, _("您的账号不属于任何单位，不能组织专项。"))
    assert owner is not None
    with transaction.atomic():
        campaign = Campaign.objects.create(
            title=title,
            owner_unit=owner,
            scope_code=scope,
            checklist=checklist,
            regions=regions,
            kinds=list(kinds),
            grassroots_only=grassroots_only,
            working_days=int(working_days),
            deadline=deadline,
            created_by=actor,
        )
        apps = apps_in_scope(
            actor=actor, regions=regions, kinds=kinds, grassroots_only=grassroots_only
        )
        host = [
            InspectionTask(
                campaign=campaign,
                app=a,
                kind=TaskKind.HOST,
                unit=a.hosting_unit,
                due=deadline,
            )
            for a in apps
        ]
        users = [
            InspectionTask(
                campaign=campaign, app_id=u.app_id, kind=TaskKind.USER, unit=u.unit, due=deadline
            )
            for u in AppUsingUnit.objects.filter(app__in=apps).select_related("unit")
        ]
        InspectionTask.objects.bulk_create(host + users)
        audit_record(
            actor=actor,
            action="campaign.launch",
            obj=campaign,
            scope_code=scope or "central",
            after={
                "title": title,
                "scope": scope or "national",
                "regions": regions,
                "deadline": deadline.isoformat(),
                "host_tasks": len(host),
                "user_tasks": len(users),
            },
        )
        unit_ids = {t.unit_id for t in host + users}
        transaction.on_commit(
            lambda: _notify_units(
                unit_ids,
                _("新的自查任务：%(t)s，截止 %(d)s") % {"t": title, "d": deadline},
                "/oversight/campaigns/",
            )
        )
    return Launched(campaign, len(host), len(users))


def province_plan_set(
    *,
    actor: Actor,
    campaign: Campaign,
    province_code: str,
    internal_deadline: dt.date | None,
    questions: Iterable[str] = (),
) -> ProvincePlan:
    """A provincial office adds its own questions and an earlier internal deadline to a
    national campaign; its province's open tasks move to that deadline."""
    _require(campaign.is_national, _("只有全国专项可以由省级部门补充本省问题。"))
    _require(
        has_role(actor, "provincial_cac_reviewer", "national_regulator")
        and any(
            g.division_id == province_code
            for g in active_grants(actor)
            if g.role == "provincial_cac_reviewer"
        ),
        _("只有本省网信部门可以补充本省问题。"),
    )
    _require(campaign.state == CampaignState.OPEN, _("专项已结束。"), Conflict)
    if internal_deadline is not None and internal_deadline > campaign.deadline:
        raise InvalidInput(
            _("省内截止日期不能晚于全国截止日期 %(d)s。") % {"d": campaign.deadline},
            {"internal_deadline": _("不能晚于全国截止日期。")},
        )
    texts = [t.strip() for t in questions if t and t.strip()]
    with transaction.atomic():
        plan, _created = ProvincePlan.objects.select_for_update().get_or_create(
            campaign=campaign, province_code=province_code
        )
        before = {
            "internal_deadline": str(plan.internal_deadline or ""),
            "questions": list(plan.questions.values_list("text", flat=True)),
        }
        plan.internal_deadline = internal_deadline
        plan.save()
        start = plan.questions.count()
        for i, text in enumerate(texts):
            Question.objects.create(
                plan=plan,
                code=f"P{province_code}-{start + i + 1:02d}",
                audience=Audience.HOST,
                problem_class=ProblemClass.OTHER,
                text=text,
                problem_if="yes",
                order=1000 + start + i,
            )
        if internal_deadline is not None:
            InspectionTask.objects.filter(
                campaign=campaign,
                app__hosting_unit__scope_code__startswith=province_code,
                state__in=OPEN_TASK_STATES,
            ).update(due=internal_deadline)
        audit_record(
            actor=actor,
            action="campaign.province_plan",
            obj=campaign,
            scope_code=province_code,
            before=before,
            after={
                "internal_deadline": str(internal_deadline or ""),
                "questions": list(plan.questions.values_list("text", flat=True)),
            },
        )
    return plan


def campaign_close(*, actor: Actor, campaign: Campaign) -> Campaign:
    _require(_owns(actor, campaign), _("只有组织专项的监管部门可以结束专项。"))
    _require(campaign.state == CampaignState.OPEN, _("专项已结束。"), Conflict)
    with transaction.atomic():
        campaign.state = CampaignState.CLOSED
        campaign.save(update_fields=["state"])
        audit_record(
            actor=actor,
            action="campaign.close",
            obj=campaign,
            scope_code=campaign.scope_code or "central",
            before={"state": "open"},
            after={"state": "closed"},
        )
    return campaign


def _owns(actor: Actor, campaign: Campaign) -> bool:
    scope = actor_scope(actor)
    if scope is None:
        return False
    return scope == "" or (campaign.scope_code != "" and campaign.scope_code.startswith(scope))


# --- answering -------------------------------------------------------------------------------


def task_questions(task: InspectionTask) -> list[Question]:
    audience = Audience.USER if task.kind == TaskKind.USER else Audience.HOST
    base = list(task.campaign.checklist.questions.filter(audience=audience))
    province = (task.app.hosting_unit.scope_code or "")[:2]
    extra = list(
        Question.objects.filter(plan__campaign=task.campaign, plan__province_code=province)
    )
    return base + (extra if task.kind != TaskKind.USER else [])


def may_answer(actor: Actor, task: InspectionTask) -> bool:
    if task.kind == TaskKind.EXTERNAL:
        return task.evaluator_id is not None and task.evaluator_id == getattr(actor, "pk", None)
    return (
        task.unit_id is not None
        and getattr(actor, "unit_id", None) == task.unit_id
        and has_role(actor, "unit_manager", "unit_filer")
    )


def may_review(actor: Actor, task: InspectionTask) -> bool:
    return (
        task.kind != TaskKind.EXTERNAL
        and can(actor, "review", task.app)
        and has_role(actor, "national_regulator", "provincial_cac_reviewer")
    )


def task_answer(
    *,
    actor: Actor,
    task: InspectionTask,
    answers: dict[int, tuple[str, str]],
    submit: bool = False,
    version: int | None = None,
    attachments: dict[int, Any] | None = None,
) -> InspectionTask:
    """Save a unit's (or an evaluator's) answers; with ``submit`` hand them to the reviewer
    (every question answered; a "no" or "not applicable" that govapp's evidence contradicts
    needs an explanation)."""
    from govapp.oversight.campaigns.evidence import Check, app_evidence, evidence_for

    _require(may_answer(actor, task), _("您无权填报这项自查任务。"))
    _require(task.campaign.state == CampaignState.OPEN, _("专项已结束，不能再填报。"), Conflict)
    questions = {q.pk: q for q in task_questions(task)}
    errors: dict[str, str] = {}
    for qid, (value, _explanation) in answers.items():
        if qid not in questions:
            raise InvalidInput(_("问题不属于这项任务，请刷新页面后重试。"))
        if value and value not in AnswerValue.values:
            errors[f"q{qid}"] = _("请选择“是”“否”或“不适用”。")
    if errors:
        raise InvalidInput(_("部分回答无效，请检查标出的问题。"), errors)
    with transaction.atomic():
        locked = InspectionTask.objects.select_for_update().get(pk=task.pk)
        _require(
            locked.state in OPEN_TASK_STATES,
            _("这项任务已提交，不能修改；如需修改请等待退回。"),
            Conflict,
        )
        if version is not None and version != locked.version:
            raise Conflict(_("这项任务已被他人修改，请刷新页面后重新填写。"))
        before = {a.question_id: a.value for a in locked.answers.all()}
        for qid, (value, explanation) in answers.items():
            answer, _created = Answer.objects.get_or_create(task=locked, question_id=qid)
            answer.value = value
            answer.explanation = (explanation or "").strip()[:4000]
            if attachments and attachments.get(qid) is not None:
                answer.attachment = attachments[qid]
            answer.save()
        if submit:
            stored = {a.question_id: a for a in locked.answers.select_related("question")}
            known = app_evidence(locked.app_id)
            for qid, q in questions.items():
                a = stored.get(qid)
                if a is None or not a.value:
                    errors[f"q{qid}"] = _("请回答这个问题。")
                    continue
                check = Check(q, q.text, a, evidence_for(q, known))
                if check.contradiction and not a.explanation:
                    errors[f"q{qid}"] = _(
                        "系统掌握的情况与您的回答不一致，请说明理由或修改回答后再提交。"
                    )
            if errors:
                raise InvalidInput(
                    _("还有 %(n)d 个问题需要回答或说明，请按提示补充后再提交。")
                    % {"n": len(errors)},
                    errors,
                )
        locked.state = TaskState.SUBMITTED if submit else TaskState.DRAFT
        if submit:
            locked.submitted_at = timezone.now()
        locked.version += 1
        locked.save()
        audit_record(
            actor=actor,
            action="inspection.submit" if submit else "inspection.save",
            obj=locked,
            before={"answers": {str(k): v for k, v in before.items()}},
            after={
                "state": locked.state,
                "answers": {str(k): v[0] for k, v in answers.items()},
            },
        )
    return locked


def task_review(
    *,
    actor: User,
    task: InspectionTask,
    accept: bool,
    note: str = "",
    confirmed: Iterable[int] = (),
    reviewer_notes: dict[int, str] | None = None,
) -> InspectionTask:
    """The regulator of the app's province accepts a submitted task or returns it with reasons.
    On acceptance, problems the unit admitted and those the reviewer confirmed become findings
    (rule R29_SELF_INSPECTION) and go on to rectification through the compliance path."""
    _require(may_review(actor, task), _("只有应用所在省份的网信部门可以审核这项自查。"))
    note = (note or "").strip()
    if not accept and not note:
        raise InvalidInput(_("退回时请写明理由。"), {"note": _("退回时请写明理由。")})
    confirmed = set(confirmed)
    with transaction.atomic():
        locked = InspectionTask.objects.select_for_update().get(pk=task.pk)
        _require(locked.state == TaskState.SUBMITTED, _("只有待审核的任务可以审核。"), Conflict)
        for answer in locked.answers.all():
            answer.confirmed_problem = answer.question_id in confirmed
            answer.reviewer_note = (reviewer_notes or {}).get(answer.question_id, "")[:2000]
            answer.save(update_fields=["confirmed_problem", "reviewer_note"])
        locked.state = TaskState.ACCEPTED if accept else TaskState.RETURNED
        locked.reviewed_at = timezone.now()
        locked.reviewed_by = actor
        locked.review_note = note
        locked.version += 1
        locked.save()
        audit_record(
            actor=actor,
            action="inspection.accept" if accept else "inspection.return",
            obj=locked,
            before={"state": TaskState.SUBMITTED},
            after={"state": locked.state, "note": note, "confirmed": sorted(confirmed)},
        )
        if accept:
            _push_problems(locked.app, actor)
        unit_id = locked.unit_id
        text = (_("自查已通过：%(app)s") if accept else _("自查被退回，请按意见修改：%(app)s")) % {
            "app": locked.app.name
        }
        url = f"/oversight/campaigns/tasks/{locked.pk}/"
        transaction.on_commit(lambda: _notify_units({unit_id}, text, url))
    return locked


def _push_problems(app: App, actor: Actor) -> None:
    """Every accepted problem of the app (admitted or confirmed) as operation facts."""
    problems = []
    for a in (
        Answer.objects.filter(task__app=app, task__state=TaskState.ACCEPTED)
        .exclude(task__kind=TaskKind.EXTERNAL)
        .select_related("question", "task__campaign", "task__unit")
        .order_by("task__campaign_id", "question__order")
    ):
        if a.admits_problem or a.confirmed_problem:
            problems.append(
                {
                    "ref": f"{a.task.campaign.title} · {a.question.code}",
                    "problem_class": a.question.problem_class,
                    "question": a.question.text,
                    "how": "confirmed" if a.confirmed_problem else "admitted",
                    "unit": a.task.unit.name if a.task.unit else "",
                    "note": (a.reviewer_note or a.explanation)[:300],
                }
            )
    app_operation_facts_put(
        app=app, source="campaigns", facts={"self_inspection_problems": problems}, actor=actor
    )


# --- external evaluation -------------------------------------------------------------------------


def evaluator_assign(
    *, actor: Actor, campaign: Campaign, evaluator: User, apps: Iterable[App]
) -> list[InspectionTask]:
    """Assign an evaluator (a user holding the evaluator role) to apps of the campaign."""
    _require(_owns(actor, campaign), _("只有组织专项的监管部门可以委托第三方评估。"))
    _require(
        any(g.role == EVALUATOR_ROLE for g in active_grants(evaluator)),
        _("所选用户没有第三方评估人员角色。"),
        InvalidInput,
    )
    created = []
    with transaction.atomic():
        for app in apps:
            _require(
                InspectionTask.objects.filter(campaign=campaign, app=app).exists(),
                _("应用“%(a)s”不在本专项范围内。") % {"a": app.name},
                InvalidInput,
            )
            task, made = InspectionTask.objects.get_or_create(
                campaign=campaign,
                app=app,
                kind=TaskKind.EXTERNAL,
                evaluator=evaluator,
                defaults={"due": campaign.deadline},
            )
            if made:
                created.append(task)
                audit_record(
                    actor=actor,
                    action="evaluation.assign",
                    obj=task,
                    after={"evaluator": evaluator.username, "app": app.name},
                )
    return created


# --- using units -----------------------------------------------------------------------------


def using_unit_add(*, actor: Actor, app: App, unit: Unit, note: str = "") -> AppUsingUnit:
    _require(can(actor, "change", app), _("只有主办单位或监管部门可以登记使用单位。"))
    _require(unit.pk != app.hosting_unit_id, _("主办单位不需要登记为使用单位。"), InvalidInput)
    with transaction.atomic():
        row, created = AppUsingUnit.objects.get_or_create(
            app=app, unit=unit, defaults={"note": note.strip()[:200]}
        )
        _require(created, _("该单位已登记为使用单位。"), Conflict)
        audit_record(actor=actor, action="app.using_unit_add", obj=row, after={"unit": unit.name})
    return row


def using_unit_remove(*, actor: Actor, row: AppUsingUnit) -> None:
    _require(can(actor, "change", row.app), _("只有主办单位或监管部门可以移除使用单位。"))
    with transaction.atomic():
        audit_record(
            actor=actor, action="app.using_unit_remove", obj=row, before={"unit": row.unit.name}
        )
        row.delete()


# --- reminders and escalation (periodic) ------------------------------------------------------


def campaigns_remind(today: dt.date | None = None) -> dict[str, int]:
    """Remind units of tasks due within 3 working days (once a day) and escalate overdue ones
    to the regulators of the campaign."""
    today = today or today_shanghai()
    soon = add_working_days(today, REMIND_WORKING_DAYS).date
    reminded = escalated = 0
    due_soon = InspectionTask.objects.filter(
        campaign__state=CampaignState.OPEN,
        state__in=OPEN_TASK_STATES,
        due__gte=today,
        due__lte=soon,
    ).exclude(reminded_on=today)
    for task in due_soon.select_related("app", "campaign"):
        with transaction.atomic():
            InspectionTask.objects.filter(pk=task.pk).update(reminded_on=today)
            audit_record(
                actor=None, action="inspection.remind", obj=task, after={"due": str(task.due)}
            )
        if task.unit_id:
            _notify_units(
                {task.unit_id},
                _("自查任务即将到期（%(d)s）：%(app)s") % {"d": task.due, "app": task.app.name},
                f"/oversight/campaigns/tasks/{task.pk}/",
            )
        reminded += 1
    overdue = InspectionTask.objects.filter(
        campaign__state=CampaignState.OPEN,
        state__in=OPEN_TASK_STATES,
        due__lt=today,
        escalated_at__isnull=True,
    ).select_related("app", "campaign")
    for task in overdue:
        with transaction.atomic():
            InspectionTask.objects.filter(pk=task.pk).update(escalated_at=timezone.now())
            audit_record(
                actor=None, action="inspection.escalate", obj=task, after={"due": str(task.due)}
            )
        _notify_units(
            {task.campaign.owner_unit_id},
            _("自查任务逾期未报：%(app)s（%(c)s）")
            % {"app": task.app.name, "c": task.campaign.title},
            f"/oversight/campaigns/{task.campaign_id}/?overdue=1",
        )
        escalated += 1
    return {"reminded": reminded, "escalated": escalated}


def _notify_units(unit_ids: Iterable[int | None], text: str, url: str) -> None:
    users = list(User.objects.filter(unit_id__in=[u for u in unit_ids if u], is_active=True))
    Notification.objects.bulk_create(
        [Notification(user=u, text=text[:500], url=url) for u in users]
    )
    emails = [u.email for u in users if u.email]
    if emails:
        send_mail(
            subject=_("【政务应用自查】%(t)s") % {"t": text[:60]},
            message=text + "\n\n" + url,
            from_email=None,
            recipient_list=emails,
            fail_silently=True,
        )
