"""API of the self-inspection campaigns: /api/v1/campaigns (same rules as the pages)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from govapp.core.errors import ErrorOut, NotFound
from govapp.orgs.requests import authenticated_user
from govapp.oversight.campaigns import selectors, services
from govapp.oversight.campaigns.models import Campaign, InspectionTask

router = Router(tags=["campaigns 自查自评"])


class CampaignOut(Schema):
    id: int
    title: str
    scope: str
    state: str
    deadline: dt.date
    working_days: int
    regions: list[str]
    kinds: list[str]
    grassroots_only: bool


class ProgressOut(Schema):
    region: str
    name: str
    tasks: int
    submitted: int
    accepted: int
    overdue: int
    problems: int
    rectified: int
    completion: float


class CampaignDetailOut(CampaignOut):
    progress: list[ProgressOut]


class CampaignIn(Schema):
    title: str
    working_days: int = 20
    regions: list[str] = []
    kinds: list[str] = []
    grassroots_only: bool = False


class TaskOut(Schema):
    id: int
    campaign_id: int
    app_id: int
    app_name: str
    kind: str
    unit: str
    state: str
    due: dt.date
    version: int


class AnswerEvidenceOut(Schema):
    kind: str
    label: str
    detail: str


class AnswerCheckOut(Schema):
    question_id: int
    code: str
    text: str
    problem_class: str
    answer: str
    explanation: str
    evidence: list[AnswerEvidenceOut]
    contradiction: bool
    confirmed_problem: bool


class TaskDetailOut(TaskOut):
    checks: list[AnswerCheckOut]
    review_note: str


class AnswerIn(Schema):
    question_id: int
    value: str = ""
    explanation: str = ""


class AnswersIn(Schema):
    answers: list[AnswerIn]
    submit: bool = False
    version: int | None = None


class ReviewIn(Schema):
    accept: bool
    note: str = ""
    confirmed: list[int] = []


ERR = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _campaign(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.pk,
        "title": c.title,
        "scope": c.scope_code or "national",
        "state": c.state,
        "deadline": c.deadline,
        "working_days": c.working_days,
        "regions": c.regions,
        "kinds": c.kinds,
        "grassroots_only": c.grassroots_only,
    }


def _task(t: InspectionTask) -> dict[str, Any]:
    return {
        "id": t.pk,
        "campaign_id": t.campaign_id,
        "app_id": t.app_id,
        "app_name": t.app.name,
        "kind": t.kind,
        "unit": t.unit.name if t.unit else "",
        "state": t.state,
        "due": t.due,
        "version": t.version,
    }


def _task_detail(t: InspectionTask) -> dict[str, Any]:
    checks = []
    for c in selectors.task_checks(t):
        checks.append(
            {
                "question_id": c.question.pk,
                "code": c.question.code,
                "text": c.text,
                "problem_class": c.question.problem_class,
                "answer": c.answer.value if c.answer else "",
                "explanation": c.answer.explanation if c.answer else "",
                "evidence": [
                    {"kind": e.kind, "label": e.label, "detail": e.detail} for e in c.evidence
                ],
                "contradiction": c.contradiction,
                "confirmed_problem": bool(c.answer and c.answer.confirmed_problem),
            }
        )
    return {**_task(t), "checks": checks, "review_note": t.review_note}


def _get_task(request: HttpRequest, task_id: int) -> InspectionTask:
    try:
        return selectors.tasks_for(request.user).get(pk=task_id)
    except InspectionTask.DoesNotExist:
        raise NotFound("没有这项自查任务，或不在您的管辖范围内。") from None


@router.get("", response=list[CampaignOut], summary="可见的自查专项")
@paginate(LimitOffsetPagination)
def campaigns(request: HttpRequest) -> Any:
    return [_campaign(c) for c in selectors.campaigns_for(request.user).order_by("-pk")]


@router.post("", response={201: CampaignDetailOut, **ERR}, summary="发起自查专项")
def campaign_create(request: HttpRequest, data: CampaignIn) -> Any:
    launched = services.campaign_launch(actor=authenticated_user(request), **data.dict())
    return Status(201, _campaign_detail(request, launched.campaign))


def _campaign_detail(request: HttpRequest, c: Campaign) -> dict[str, Any]:
    rows = selectors.campaign_progress(request.user, c)
    return {
        **_campaign(c),
        "progress": [
            {
                "region": r.code,
                "name": r.name,
                "tasks": r.tasks,
                "submitted": r.submitted,
                "accepted": r.accepted,
                "overdue": r.overdue,
                "problems": r.problems,
                "rectified": r.rectified,
                "completion": round(r.completion, 1),
            }
            for r in rows
        ],
    }


@router.get("/{campaign_id}", response={200: CampaignDetailOut, **ERR}, summary="专项进度")
def campaign(request: HttpRequest, campaign_id: int) -> Any:
    try:
        c = selectors.campaigns_for(request.user).get(pk=campaign_id)
    except Campaign.DoesNotExist:
        raise NotFound("没有这个自查专项，或不在您的管辖范围内。") from None
    return _campaign_detail(request, c)


@router.get("/tasks", response=list[TaskOut], summary="可见的自查任务")
@paginate(LimitOffsetPagination)
def tasks(request: HttpRequest, campaign: int | None = None, state: str = "") -> Any:
    qs = selectors.tasks_for(request.user).order_by("due", "pk")
    if campaign:
        qs = qs.filter(campaign_id=campaign)
    if state:
        qs = qs.filter(state=state)
    return [_task(t) for t in qs]


@router.get("/tasks/{task_id}", response={200: TaskDetailOut, **ERR}, summary="自查任务与证据比对")
def task(request: HttpRequest, task_id: int) -> Any:
    return _task_detail(_get_task(request, task_id))


@router.put("/tasks/{task_id}/answers", response={200: TaskDetailOut, **ERR}, summary="填报或提交")
def task_answers(request: HttpRequest, task_id: int, data: AnswersIn) -> Any:
    t = _get_task(request, task_id)
    services.task_answer(
        actor=request.user,
        task=t,
        answers={a.question_id: (a.value, a.explanation) for a in data.answers},
        submit=data.submit,
        version=data.version,
    )
    return _task_detail(_get_task(request, task_id))


@router.post("/tasks/{task_id}/review", response={200: TaskDetailOut, **ERR}, summary="审核")
def task_review(request: HttpRequest, task_id: int, data: ReviewIn) -> Any:
    t = _get_task(request, task_id)
    services.task_review(
        actor=authenticated_user(request),
        task=t,
        accept=data.accept,
        note=data.note,
        confirmed=data.confirmed,
    )
    return _task_detail(_get_task(request, task_id))
