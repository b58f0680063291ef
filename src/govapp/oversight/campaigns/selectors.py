"""Reads of the self-inspection campaigns, always within the reader's reach."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import get_language

from govapp.core.actor import Actor
from govapp.core.calendar import today_shanghai
from govapp.core.permissions import active_grants, has_role, is_regulator, restrict
from govapp.orgs.models import Division
from govapp.oversight.campaigns.evidence import Check, app_evidence, evidence_for
from govapp.oversight.campaigns.models import (
    OPEN_TASK_STATES,
    AppUsingUnit,
    Campaign,
    InspectionTask,
    ProblemClass,
    TaskKind,
    TaskState,
)
from govapp.oversight.campaigns.services import task_questions


def campaigns_for(user: Actor) -> QuerySet[Campaign]:
    """Regulators and auditors: campaigns in their jurisdiction plus national ones (which every
    provincial office takes part in). Units and evaluators: campaigns they have a task in."""
    if is_regulator(user) or has_role(user, "auditor"):
        mine = restrict(Campaign.objects.all(), user, "view")
        return (
            Campaign.objects.filter(Q(pk__in=mine.values("pk")) | Q(scope_code=""))
            .select_related("owner_unit", "checklist")
            .distinct()
        )
    task_campaigns = tasks_for(user).values("campaign_id")
    return Campaign.objects.filter(pk__in=task_campaigns).select_related("owner_unit")


def campaign_get(user: Actor, pk: int) -> Campaign:
    try:
        return campaigns_for(user).get(pk=pk)
    except Campaign.DoesNotExist as exc:
        raise Http404 from exc


def tasks_for(user: Actor) -> QuerySet[InspectionTask]:
    """Tasks a user may read: by jurisdiction (regulators, auditors, the unit of the task) and
    the evaluations assigned to them; an evaluator sees nothing else."""
    reach = restrict(InspectionTask.objects.all(), user, "view")
    qs = InspectionTask.objects.filter(
        Q(pk__in=reach.values("pk")) | Q(evaluator_id=getattr(user, "pk", None))
    )
    if not (is_regulator(user) or has_role(user, "auditor")):
        # a unit reads its own tasks only (not the external evaluations of its apps)
        qs = qs.filter(Q(kind__in=[TaskKind.HOST, TaskKind.USER]) | Q(evaluator_id=user.pk))
    return qs.select_related("app", "app__hosting_unit", "unit", "campaign", "evaluator")


DONE_TASK_STATES = (TaskState.SUBMITTED, TaskState.ACCEPTED)


def tasks_filtered(
    qs: QuerySet[InspectionTask],
    *,
    kind: str = "",
    progress: str = "",
    state: str = "",
    overdue: bool = False,
) -> QuerySet[InspectionTask]:
    """Tasks of one kind, by progress (``todo``: pending, in draft or returned; ``done``:
    submitted or accepted), state, or overdue (still to do after the due date)."""
    if kind:
        qs = qs.filter(kind=kind)
    if progress == "todo":
        qs = qs.filter(state__in=OPEN_TASK_STATES)
    elif progress == "done":
        qs = qs.filter(state__in=DONE_TASK_STATES)
    if state:
        qs = qs.filter(state=state)
    if overdue:
        qs = qs.filter(state__in=OPEN_TASK_STATES, due__lt=today_shanghai())
    return qs


def task_get(user: Actor, pk: int) -> InspectionTask:
    try:
        return tasks_for(user).get(pk=pk)
    except InspectionTask.DoesNotExist as exc:
        raise Http404 from exc


def task_checks(task: InspectionTask) -> list[Check]:
    """Every question of the task with its answer and the evidence govapp holds."""
    language = get_language() or "zh-hans"
    answers = {a.question_id: a for a in task.answers.select_related("question")}
    known = app_evidence(task.app_id)
    return [
        Check(q, q.text_for(language), answers.get(q.pk), evidence_for(q, known, language=language))
        for q in task_questions(task)
    ]


@dataclass
class Comparison:
    """The unit's self-assessment beside an external evaluation, question by question."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def disagreements(self) -> int:
        return sum(1 for r in self.rows if r["disagree"])


def evaluation_comparison(task: InspectionTask) -> Comparison | None:
    """For a host task: its app's external evaluation(s) in the same campaign; for an external
    task: the host's self-assessment. None when there is nothing to compare."""
    other_kind = TaskKind.EXTERNAL if task.kind == TaskKind.HOST else TaskKind.HOST
    if task.kind == TaskKind.USER:
        return None
    other = (
        InspectionTask.objects.filter(campaign=task.campaign, app=task.app, kind=other_kind)
        .exclude(state=TaskState.PENDING)
        .first()
    )
    if other is None:
        return None
    host, ext = (task, other) if task.kind == TaskKind.HOST else (other, task)
    host_answers = {a.question_id: a for a in host.answers.all()}
    ext_answers = {a.question_id: a for a in ext.answers.all()}
    language = get_language() or "zh-hans"
    rows = []
    for q in task_questions(host):
        h, e = host_answers.get(q.pk), ext_answers.get(q.pk)
        hv, ev_ = (h.value if h else ""), (e.value if e else "")
        rows.append(
            {
                "question": q.text_for(language),
                "code": q.code,
                "self": h,
                "external": e,
                "disagree": bool(hv and ev_ and hv != ev_),
            }
        )
    return Comparison(rows)


# --- progress and the report -----------------------------------------------------------------


@dataclass
class Progress:
    name: str
    code: str
    tasks: int = 0
    submitted: int = 0
    accepted: int = 0
    overdue: int = 0
    problems: int = 0
    contradictions: int = 0
    rectified: int = 0
    by_class: Counter[str] = field(default_factory=Counter)

    @property
    def completion(self) -> float:
        return 100.0 * (self.submitted + self.accepted) / self.tasks if self.tasks else 0.0


def campaign_progress(user: Actor, campaign: Campaign, *, level: int = 2) -> list[Progress]:
    """Completion, overdue, problems found and rectified per region (level 2: provinces, 4:
    prefectures), over the tasks the user may read."""
    today = today_shanghai()
    rows: dict[str, Progress] = {}
    tasks = list(
        tasks_for(user)
        .filter(campaign=campaign)
        .exclude(kind=TaskKind.EXTERNAL)
        .prefetch_related("answers__question")
    )
    codes = {(t.app.hosting_unit.scope_code or "central")[:level] for t in tasks}
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    from govapp.compliance.models import Finding, FindingStatus

    fixed = set(
        Finding.objects.filter(
            rule_id="R29_SELF_INSPECTION",
            status=FindingStatus.CLOSED,
            app_id__in={t.app_id for t in tasks},
        ).values_list("app_id", flat=True)
    )
    for t in tasks:
        code = (t.app.hosting_unit.scope_code or "central")[:level]
        p = rows.setdefault(code, Progress(name=names.get(code, code), code=code))
        p.tasks += 1
        if t.state == TaskState.SUBMITTED:
            p.submitted += 1
        elif t.state == TaskState.ACCEPTED:
            p.accepted += 1
        if t.state in OPEN_TASK_STATES and t.due < today:
            p.overdue += 1
        if t.state == TaskState.ACCEPTED:
            found = [a for a in t.answers.all() if a.admits_problem or a.confirmed_problem]
            p.problems += len(found)
            p.by_class.update(a.question.problem_class for a in found)
            if found and t.app_id in fixed:
                p.rectified += len(found)
    return sorted(rows.values(), key=lambda r: r.code)


def progress_total(rows: list[Progress]) -> Progress:
    total = Progress(name="合计", code="")
    for r in rows:
        total.tasks += r.tasks
        total.submitted += r.submitted
        total.accepted += r.accepted
        total.overdue += r.overdue
        total.problems += r.problems
        total.rectified += r.rectified
        total.by_class.update(r.by_class)
    return total


def non_responders(user: Actor, campaign: Campaign) -> QuerySet[InspectionTask]:
    return (
        tasks_for(user)
        .filter(campaign=campaign, state__in=OPEN_TASK_STATES, due__lt=today_shanghai())
        .exclude(kind=TaskKind.EXTERNAL)
        .order_by("app__hosting_unit__scope_code", "unit__name")
    )


def problem_classes() -> list[tuple[str, str]]:
    return [(str(v), str(label)) for v, label in ProblemClass.choices]


def using_units_for(user: Actor, app_id: int) -> QuerySet[AppUsingUnit]:
    return restrict(AppUsingUnit.objects.filter(app_id=app_id), user, "view").select_related("unit")


def province_of(user: Actor) -> str:
    for g in active_grants(user):
        if g.role == "provincial_cac_reviewer" and g.division_id:
            return str(g.division_id)[:2]
    return ""
