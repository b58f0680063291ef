"""API of the registry, mounted at /api/v1/registry: apps and applications in the caller's
reach (``restrict``), draft create/update and the workflow transitions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from govapp.core.audit import audit_read
from govapp.core.errors import ErrorOut, NotFound
from govapp.core.pagination import ApiPagination
from govapp.core.permissions import get_restricted_or_404
from govapp.orgs.models import Unit
from govapp.orgs.requests import authenticated_user
from govapp.registry import selectors
from govapp.registry.errors import RegistryError
from govapp.registry.models import App, Application
from govapp.registry.services import applications as application_services
from govapp.registry.services import apps as app_services
from govapp.registry.services import review as review_services

router = Router(tags=["registry"])


class IdentityOut(Schema):
    platform: str
    identifier: str
    host_platform: str
    cert_sha256: str
    cert_sha1: str
    cert_md5: str
    live: bool


class AppOut(Schema):
    id: int
    name: str
    kind: str
    public_facing: bool
    status: str
    filing_number: str | None
    hosting_unit_id: int
    hosting_unit: str
    scope_code: str
    filed_at: dt.datetime | None
    shutdown_date: dt.date | None
    deregistered_at: dt.datetime | None
    identities: list[IdentityOut]


class ApplicationListOut(Schema):
    """An application in the list: everything but the filing form's ``sections`` (tens of
    kilobytes of JSON per row; read them with ``GET /applications/{id}``)."""

    id: int
    app_id: int
    app_name: str
    kind: str
    state: str
    holder: str
    deadline: dt.date | None
    deadline_provisional: bool
    deadline_extended_reason: str
    missing_items: list[str]
    submitted_at: dt.datetime | None
    version: int
    pledge_accepted: bool
    exception_decision: str
    overdue: bool
    testing_done: bool
    testing_gaps: list[str]
    province_signoffs: list[str]


class ApplicationOut(ApplicationListOut):
    sections: dict[str, Any]


class EventOut(Schema):
    action: str
    from_state: str
    to_state: str
    holder: str
    actor: str | None
    note: str
    deadline: dt.date | None
    at: dt.datetime
    # missing-items lists with what is new on them and why, section changes between
    # submissions, the testing gaps an override approved past, provincial sign-offs
    data: dict[str, Any] = {}


class AppIn(Schema):
    unit_id: int
    name: str
    kind: str
    public_facing: bool = False
    target_users: str = ""
    target_levels: list[str] = []
    description: str = ""


class IdentityIn(Schema):
    platform: str
    identifier: str
    host_platform: str = ""
    cert_sha256: str = ""
    cert_sha1: str = ""
    cert_md5: str = ""


class ApplicationIn(Schema):
    app_id: int
    kind: str = "new"
    change_description: str = ""
    planned_date: dt.date | None = None


class DraftIn(Schema):
    version: int
    sections: dict[str, Any] | None = None
    pledge_accepted: bool | None = None
    change_description: str | None = None
    planned_date: dt.date | None = None
    exception_reason: str | None = None


class TransitionIn(Schema):
    version: int | None = None
    note: str = ""
    reason: str = ""
    missing_items: list[str] = []
    new_deadline: dt.date | None = None
    approve: bool | None = None
    # return / request_feedback: why items not on an earlier list were missed (一次性告知)
    late_reason: str = ""
    # approve: why the CAC approves before technical testing is done
    override_reason: str = ""


def _app_out(a: App) -> dict[str, Any]:
    return {
        "id": a.pk,
        "name": a.name,
        "kind": a.kind,
        "public_facing": a.public_facing,
        "status": a.status,
        "filing_number": a.filing_number,
        "hosting_unit_id": a.hosting_unit_id,
        "hosting_unit": a.hosting_unit.name,
        "scope_code": a.hosting_unit.scope_code,
        "filed_at": a.filed_at,
        "shutdown_date": a.shutdown_date,
        "deregistered_at": a.deregistered_at,
        "identities": list(a.identities.all()),
    }


def _application_out(a: Application, *, with_sections: bool = True) -> dict[str, Any]:
    gaps = review_services.testing_gaps(a)
    out = {
        "id": a.pk,
        "app_id": a.app_id,
        "app_name": a.app.name,
        "kind": a.kind,
        "state": a.state,
        "holder": a.holder,
        "deadline": a.deadline,
        "deadline_provisional": a.deadline_provisional,
        "deadline_extended_reason": a.deadline_extended_reason,
        "missing_items": list(a.missing_items or []),
        "submitted_at": a.submitted_at,
        "version": a.version,
        "pledge_accepted": a.pledge_accepted,
        "exception_decision": a.exception_decision,
        "overdue": selectors.is_overdue(a),
        "testing_done": not gaps,
        "testing_gaps": [review_services.testing_gap_text(g) for g in gaps],
        "province_signoffs": list(a.province_signoffs or []),
    }
    if with_sections:
        out["sections"] = a.sections or {}
    return out


def _fail(exc: RegistryError) -> Status[dict[str, Any]]:
    """The refusal in the one error shape, with its status (core.errors)."""
    return Status(exc.status_code, exc.as_json())


ERR = {400: ErrorOut, 403: ErrorOut, 409: ErrorOut}


@router.get("/apps", response=list[AppOut], summary="可见的政务应用")
@paginate(ApiPagination, transform=lambda a: _app_out(a))
def apps(request: HttpRequest, q: str = "", status: str = "", kind: str = "") -> Any:
    return (
        selectors.apps_for(request.user, q=q, status=status, kind=kind)
        .defer(*selectors.APP_WIDE_FIELDS)
        .prefetch_related("identities")
    )


@router.get("/apps/{app_id}", response=AppOut, summary="应用详情")
def app_detail(request: HttpRequest, app_id: int) -> Any:
    app = get_restricted_or_404(App.objects.select_related("hosting_unit"), request.user, pk=app_id)
    return _app_out(app)


@router.post("/apps", response={201: AppOut, **ERR}, summary="登记应用")
def app_create(request: HttpRequest, data: AppIn) -> Any:
    unit = get_restricted_or_404(Unit.objects.all(), request.user, "submit", pk=data.unit_id)
    try:
        app = app_services.app_create(
            actor=request.user,
            unit=unit,
            name=data.name,
            kind=data.kind,
            public_facing=data.public_facing,
            target_users=data.target_users,
            target_levels=data.target_levels,
            description=data.description,
        )
    except RegistryError as exc:
        return _fail(exc)
    return Status(201, _app_out(app))


@router.put("/apps/{app_id}/identities", response={200: AppOut, **ERR}, summary="设置平台标识")
def app_identities(request: HttpRequest, app_id: int, data: list[IdentityIn]) -> Any:
    app = get_restricted_or_404(
        App.objects.select_related("hosting_unit"), request.user, "submit", pk=app_id
    )
    try:
        app_services.identities_set(
            actor=request.user, app=app, identities=[d.dict() for d in data]
        )
    except RegistryError as exc:
        return _fail(exc)
    return Status(200, _app_out(app))


def _application_list_item(a: Application) -> dict[str, Any]:
    """A row of :func:`selectors.application_list_rows`: its ``sections`` were not read, and
    the technical-testing check needs only their declared version, which the query selected."""
    if a.testing and "sections" not in a.__dict__:
        # not saved: this instance only answers the list, and the check reads basic.version
        a.sections = {"basic": {"version": getattr(a, "declared_version", None) or ""}}
    return _application_out(a, with_sections=False)


@router.get(
    "/applications",
    response=list[ApplicationListOut],
    summary="可见的备案申请",
    description="Each item is the application without its `sections` (the filing form): read "
    "them with `GET /applications/{application_id}`.",
)
@paginate(ApiPagination, transform=_application_list_item)
def applications(request: HttpRequest, state: str = "", kind: str = "", queue: bool = False) -> Any:
    qs = (
        selectors.review_queue(request.user)
        if queue
        else selectors.applications_for(request.user, state=state, kind=kind)
    )
    return selectors.application_list_rows(qs)


def _get(request: HttpRequest, pk: int) -> Application:
    return get_restricted_or_404(
        Application.objects.select_related("app", "app__hosting_unit"), request.user, "view", pk=pk
    )


@router.get("/applications/{application_id}", response=ApplicationOut, summary="申请详情")
def application_detail(request: HttpRequest, application_id: int) -> Any:
    application = _get(request, application_id)
    audit_read(actor=request.user, obj=application)  # "who saw what", as the page records it
    return _application_out(application)


@router.get("/applications/{application_id}/events", response=list[EventOut], summary="办理记录")
def application_events(request: HttpRequest, application_id: int) -> Any:
    a = _get(request, application_id)
    return [
        {
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "holder": e.holder,
            "actor": e.actor.get_username() if e.actor else None,
            "note": e.note,
            "data": e.data or {},
            "deadline": e.deadline,
            "at": e.at,
        }
        for e in a.events.select_related("actor")
    ]


@router.post("/applications", response={201: ApplicationOut, **ERR}, summary="发起申请（草稿）")
def application_create(request: HttpRequest, data: ApplicationIn) -> Any:
    app = get_restricted_or_404(App.objects.all(), request.user, "submit", pk=data.app_id)
    try:
        a = application_services.application_create(
            actor=authenticated_user(request),
            app=app,
            kind=data.kind,
            change_description=data.change_description,
            planned_date=data.planned_date,
        )
    except RegistryError as exc:
        return _fail(exc)
    return Status(201, _application_out(a))


@router.patch(
    "/applications/{application_id}", response={200: ApplicationOut, **ERR}, summary="保存草稿"
)
def application_update(request: HttpRequest, application_id: int, data: DraftIn) -> Any:
    a = get_restricted_or_404(
        Application.objects.select_related("app"), request.user, "submit", pk=application_id
    )
    try:
        a = application_services.application_save_draft(
            actor=request.user,
            application=a,
            sections=data.sections,
            pledge_accepted=data.pledge_accepted,
            change_description=data.change_description,
            planned_date=data.planned_date,
            exception_reason=data.exception_reason,
            expected_version=data.version,
        )
    except (RegistryError, ValueError) as exc:
        if isinstance(exc, ValueError):
            return Status(400, {"detail": str(exc), "errors": {}})
        return _fail(exc)
    return Status(200, _application_out(a))


TRANSITIONS = {
    "submit",
    "resubmit",
    "answer_feedback",
    "withdraw",
    "forward",
    "return",
    "request_feedback",
    "extend",
    "approve",
    "reject",
    "exception_request",
    "exception_decide",
}


@router.post(
    "/applications/{application_id}/{action}",
    response={200: ApplicationOut, **ERR, 404: ErrorOut},
    summary="办理（submit / resubmit / answer_feedback / withdraw / forward / return / "
    "request_feedback / extend / approve / reject / exception_request / exception_decide）",
)
def application_transition(
    request: HttpRequest, application_id: int, action: str, data: TransitionIn
) -> Any:
    if action not in TRANSITIONS:
        raise NotFound(_("未知的办理动作：%(v0)s") % {"v0": action})
    a = _get(request, application_id)
    kw: dict[str, Any] = {"actor": request.user, "application": a}
    v = data.version
    try:
        if action == "submit":
            a = application_services.application_submit(**kw, expected_version=v)
        elif action == "resubmit":
            a = application_services.application_resubmit(**kw, expected_version=v)
        elif action == "answer_feedback":
            a = application_services.application_answer_feedback(
                **kw, note=data.note, expected_version=v
            )
        elif action == "withdraw":
            a = application_services.application_withdraw(
                **kw, reason=data.reason, expected_version=v
            )
        elif action == "forward":
            a = review_services.application_forward(**kw, note=data.note, expected_version=v)
        elif action == "return":
            a = review_services.application_return(
                **kw,
                missing_items=data.missing_items,
                late_reason=data.late_reason,
                expected_version=v,
            )
        elif action == "request_feedback":
            a = review_services.application_request_feedback(
                **kw,
                missing_items=data.missing_items,
                late_reason=data.late_reason,
                expected_version=v,
            )
        elif action == "extend":
            if data.new_deadline is None:
                return Status(
                    400, {"detail": "请填写 new_deadline（预计完成日期）。", "errors": {}}
                )
            a = review_services.application_extend(
                **kw, reason=data.reason, new_deadline=data.new_deadline, expected_version=v
            )
        elif action == "approve":
            a = review_services.application_approve(
                **kw,
                note=data.note,
                override_reason=data.override_reason,
                expected_version=v,
            )
        elif action == "reject":
            a = review_services.application_reject(**kw, reason=data.reason, expected_version=v)
        elif action == "exception_request":
            a = application_services.application_exception_request(**kw, reason=data.reason)
        else:
            a = application_services.application_exception_decide(
                **kw, approve=bool(data.approve), note=data.note
            )
    except RegistryError as exc:
        return _fail(exc)
    a.refresh_from_db()
    return Status(200, _application_out(a))
