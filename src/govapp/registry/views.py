"""Pages of the registry: thin views over selectors and services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govapp.core.actor import Actor
from govapp.core.audit import audit_read
from govapp.core.calendar import add_working_days, today_shanghai
from govapp.core.errors import message
from govapp.core.forms import bind, first_errors, form_messages
from govapp.core.pagination import page_of
from govapp.core.permissions import can, get_restricted_or_404, has_role, restrict
from govapp.core.tasks import resolve
from govapp.core.wiring import APP_SECTIONS
from govapp.orgs.models import Role, Unit
from govapp.orgs.requests import authenticated_user
from govapp.registry import selectors
from govapp.registry.errors import RegistryError, StaleVersion
from govapp.registry.forms import (
    KIND_CHOICES_AT_DOOR,
    AppCreateForm,
    ApplicationActForm,
    ApplicationDraftForm,
    ApplyForm,
    AttachmentUploadForm,
    IdentitiesForm,
    OfflineReportForm,
    ShutdownNoticeForm,
    ShutdownOrderForm,
    sections_from_data,
)
from govapp.registry.models import (
    App,
    AppKind,
    Application,
    ApplicationKind,
    ApplicationState,
    AppStatus,
    Attachment,
    ExceptionDecision,
    Holder,
    Platform,
    ShutdownOrder,
)
from govapp.registry.schemas import (
    SCENARIOS,
    SECTION_KEYS,
    SENSITIVE_KINDS,
    TARGET_LEVELS,
    parse_sections,
    section_titles,
)
from govapp.registry.services import applications as application_services
from govapp.registry.services import apps as app_services
from govapp.registry.services import attachments as attachment_services
from govapp.registry.services import notifications as notification_services
from govapp.registry.services import review as review_services
from govapp.registry.services import shutdown as shutdown_services
from govapp.registry.services.base import is_cac, is_province_reviewer, setting
from govapp.registry.services.workflow import ACTION_LABELS, EDITABLE_STATES

S = ApplicationState
PAGE_SIZE = 25


def _page(request: HttpRequest, qs: Any) -> Any:
    return page_of(request, selectors.lean(qs), PAGE_SIZE)


def _error(request: HttpRequest, exc: RegistryError) -> None:
    message(request, exc)


# --- apps --------------------------------------------------------------------------------


@login_required
def app_list(request: HttpRequest) -> HttpResponse:
    f = {k: request.GET.get(k, "").strip() for k in ("q", "status", "kind")}
    qs = selectors.apps_for(request.user, **f)
    units = list(
        restrict(Unit.objects.all(), request.user, "submit").exclude(
            kind__in=["cac", "provincial_cac", "provincial_gsa"]
        )[:50]
    )
    return render(
        request,
        "registry/app_list.html",
        {
            "page": _page(request, qs),
            "f": f,
            "query": urlencode({k: v for k, v in f.items() if v}),
            "statuses": AppStatus.choices,
            "kinds": AppKind.choices,
            "can_create": bool(units),
        },
    )


@login_required
def app_create(request: HttpRequest) -> HttpResponse:
    units = list(
        restrict(Unit.objects.select_related("division"), request.user, "submit").exclude(
            kind__in=["cac", "provincial_cac", "provincial_gsa"]
        )
    )
    if not units:
        raise Http404(_("您不是任何主办单位的填报人员。"))
    data: dict[str, Any] = {"kind": "", "target_levels": []}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = bind(request, AppCreateForm)
        data = form.kept()
        if not form.is_valid():
            errors = first_errors(form)
            messages.error(request, _("应用没有登记：请按提示修改。"))
        else:
            c = form.cleaned_data
            unit = next((u for u in units if str(u.pk) == c["unit"]), units[0])
            try:
                app = app_services.app_create(
                    actor=request.user,
                    unit=unit,
                    name=c["name"].strip(),
                    kind=c["kind"],
                    public_facing=c["public_facing"],
                    target_users=c["target_users"].strip(),
                    target_levels=list(c["target_levels"]),
                    description=c["description"].strip(),
                )
            except RegistryError as exc:
                errors = exc.errors or {"general": exc.message}
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("已登记应用“%(n)s”。请填写平台标识，然后发起备案申请。") % {"n": app.name},
                )
                return redirect("registry:app", pk=app.pk)
    below = [u for u in units if app_services.unit_below_county(u)]
    return render(
        request,
        "registry/app_form.html",
        {
            "units": units,
            "data": data,
            "errors": errors,
            "kinds": KIND_CHOICES_AT_DOOR,
            "levels": TARGET_LEVELS,
            "below_county": below,
        },
    )


def _badge_svg(request: HttpRequest, app: App) -> str:
    url = request.build_absolute_uri(
        "/public/verify/?" + urlencode({"filing_number": app.filing_number})
    )
    return str(segno.make(url, error="m").svg_inline(scale=4, dark="#1f2937", omitsize=False))


def app_sections(request: HttpRequest, *, app: App, application: Any = None) -> list[str]:
    """What other apps show on an app's or an application's page (compliance findings and
    scans ...), rendered by the functions listed in core.wiring.APP_SECTIONS."""
    return [resolve(path)(request, app=app, application=application) for path in APP_SECTIONS]


@login_required
def app_detail(
    request: HttpRequest, pk: int, order_form: ShutdownOrderForm | None = None
) -> HttpResponse:
    app = get_restricted_or_404(
        App.objects.select_related("hosting_unit"), request.user, "view", pk=pk
    )
    is_member = can(request.user, "submit", app)
    applications = selectors.applications_for(request.user, app=app)
    open_application = applications.filter(
        state__in=[S.DRAFT, S.SUBMITTED, S.RETURNED, S.FORWARDED, S.FEEDBACK]
    ).first()
    return render(
        request,
        "registry/app_detail.html",
        {
            "app": app,
            "identities": list(app.identities.all()),
            "applications": applications[:20],
            "open_application": open_application,
            "is_member": is_member,
            "platforms": Platform.choices,
            "verify_url": "/public/verify/?"
            + urlencode({"filing_number": app.filing_number or ""}),
            "offline_deadline": shutdown_services.offline_report_deadline(app),
            "today": today_shanghai(),
            "earliest_change": add_working_days(
                today_shanghai(), setting("GOVAPP_CHANGE_NOTICE_WORKING_DAYS")
            ).date,
            "blank_rows": range(2),
            "orders": [
                {"order": o, "steps": shutdown_services.shutdown_order_progress(o)}
                for o in app.shutdown_orders.select_related("successor", "ordered_by")
            ],
            "can_order_shutdown": shutdown_services.can_order_shutdown(
                authenticated_user(request), app
            )
            and app.status in shutdown_services.SHUTDOWN_ORDERABLE
            and not app.shutdown_orders.filter(closed_at__isnull=True).exists(),
            "order_form": order_form or ShutdownOrderForm(user=request.user, app=app),
            "offline_overdue": shutdown_services.offline_report_overdue(app),
            "app_sections": app_sections(request, app=app),
        },
    )


@login_required
def app_badge(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_restricted_or_404(
        App.objects.select_related("hosting_unit"), request.user, "view", pk=pk
    )
    if not app.filing_number:
        raise Http404(_("该应用尚未备案，没有备案编号。"))
    verify_url = request.build_absolute_uri(
        "/public/verify/?" + urlencode({"filing_number": app.filing_number})
    )
    return render(
        request,
        "registry/badge.html",
        {
            "app": app,
            "qr": mark_safe(_badge_svg(request, app)),  # noqa: S308 - SVG generated by segno
            "verify_url": verify_url,
            "verify_text": unquote(verify_url),
        },
    )


@login_required
@require_POST
def app_identities(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_restricted_or_404(App.objects.all(), request.user, "submit", pk=pk)
    form = bind(request, IdentitiesForm)
    if not form.is_valid():
        form_messages(request, form)
        return redirect("registry:app", pk=app.pk)
    try:
        app_services.identities_set(
            actor=request.user, app=app, identities=form.cleaned_data["identities"]
        )
        messages.success(request, _("平台标识已保存。"))
    except RegistryError as exc:
        _error(request, exc)
    return redirect("registry:app", pk=app.pk)


@login_required
@require_POST
def app_apply(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_restricted_or_404(App.objects.all(), request.user, "submit", pk=pk)
    form = bind(request, ApplyForm)
    if not form.is_valid():
        form_messages(request, form)
        return redirect("registry:app", pk=app.pk)
    try:
        application = application_services.application_create(
            actor=authenticated_user(request),
            app=app,
            kind=form.cleaned_data["kind"],
            change_description=form.cleaned_data["change_description"],
            planned_date=form.cleaned_data["planned_date"],
        )
    except RegistryError as exc:
        _error(request, exc)
        return redirect("registry:app", pk=app.pk)
    return redirect("registry:application_edit", pk=application.pk)


@login_required
@require_POST
def app_shutdown(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_restricted_or_404(App.objects.all(), request.user, "submit", pk=pk)
    form = bind(request, ShutdownNoticeForm)
    if not form.is_valid():
        form_messages(request, form)
        return redirect("registry:app", pk=app.pk)
    try:
        shutdown_services.app_shutdown_notice(
            actor=request.user,
            app=app,
            shutdown_date=form.cleaned_data["shutdown_date"],
            notice=form.cleaned_data["notice"],
        )
        messages.success(
            request,
            _("已公告关停。应用下线后请在 %(n)d 个工作日内提交下线报告。")
            % {"n": setting("GOVAPP_OFFLINE_REPORT_WORKING_DAYS")},
        )
    except RegistryError as exc:
        _error(request, exc)
    return redirect("registry:app", pk=app.pk)


@login_required
@require_POST
def app_offline(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_restricted_or_404(App.objects.all(), request.user, "submit", pk=pk)
    form = bind(request, OfflineReportForm)
    form.is_valid()  # one optional text field: always valid
    try:
        application = shutdown_services.app_offline_report(
            actor=authenticated_user(request), app=app, report=form.cleaned_data.get("report", "")
        )
    except RegistryError as exc:
        _error(request, exc)
        return redirect("registry:app", pk=app.pk)
    messages.success(request, _("已记录下线报告，请确认承诺后提交注销备案申请。"))
    return redirect("registry:application_edit", pk=application.pk)


@login_required
@require_POST
def app_shutdown_order(request: HttpRequest, pk: int) -> HttpResponse:
    """A regulator orders the app shut down by a deadline (R-14)."""
    app = get_restricted_or_404(
        App.objects.select_related("hosting_unit"), request.user, "review", pk=pk
    )
    form = bind(request, ShutdownOrderForm, user=request.user, app=app)
    if form.is_valid():
        try:
            shutdown_services.app_shutdown_order(
                app=app,
                reason=form.cleaned_data["reason"],
                deadline=form.cleaned_data["deadline"],
                successor=form.cleaned_data["successor"],
                actor=authenticated_user(request),
            )
        except RegistryError as exc:
            _error(request, exc)
        else:
            messages.success(
                request, _("已下达关停通知，主办单位会收到通知。可在本页和审核队列跟进到注销。")
            )
            return redirect(reverse("registry:app", kwargs={"pk": app.pk}) + "#shutdown-order")
    else:
        messages.error(request, _("关停通知没有下达：请按提示修改。"))
    return app_detail(request, app.pk, order_form=form)


# --- applications ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationRow:
    """One line of the application list and the review queue: the application, whether its
    deadline has passed and (in the queue) the days left (instead of attributes stuck onto
    the model instance)."""

    application: Application
    overdue: bool
    days_left: int | None = None


@dataclass(frozen=True)
class OrderRow:
    """One open shutdown order in the review queue and whether its deadline has passed."""

    order: ShutdownOrder
    overdue: bool


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    f = {k: request.GET.get(k, "").strip() for k in ("q", "state", "kind", "todo")}
    if f["todo"]:
        qs = selectors.unit_todo(request.user)
    else:
        qs = selectors.applications_for(request.user, state=f["state"], kind=f["kind"], q=f["q"])
    page = _page(request, qs)
    return render(
        request,
        "registry/application_list.html",
        {
            "page": page,
            "rows": [ApplicationRow(a, selectors.is_overdue(a)) for a in page],
            "f": f,
            "query": urlencode({k: v for k, v in f.items() if v}),
            "states": ApplicationState.choices,
            "kinds": ApplicationKind.choices,
        },
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    f = {k: request.GET.get(k, "").strip() for k in ("q", "region", "kind", "state", "overdue")}
    qs = selectors.review_queue(
        request.user,
        q=f["q"],
        region=f["region"],
        kind=f["kind"],
        state=f["state"],
        overdue=bool(f["overdue"]),
    )
    page = _page(request, qs)
    today = today_shanghai()
    rows = [
        ApplicationRow(
            a, selectors.is_overdue(a), (a.deadline - today).days if a.deadline else None
        )
        for a in page
    ]
    orders = [
        OrderRow(o, o.deadline < today and o.app.status != AppStatus.DEREGISTERED)
        for o in selectors.shutdown_orders_open(request.user)[:50]
    ]
    return render(
        request,
        "registry/queue.html",
        {
            "page": page,
            "rows": rows,
            "f": f,
            "filtered": any(f.values()),
            "query": urlencode({k: v for k, v in f.items() if v}),
            "regions": selectors.queue_regions(request.user),
            "kinds": ApplicationKind.choices,
            "states": [(s.value, s.label) for s in (S.SUBMITTED, S.FORWARDED, S.FEEDBACK)],
            "offline_overdue": selectors.offline_overdue(request.user),
            "orders": orders,
            "offline_days": setting("GOVAPP_OFFLINE_REPORT_WORKING_DAYS"),
        },
    )


def _actions_for(user: Actor, application: Application) -> list[str]:
    app = application.app
    out: list[str] = []
    st = application.state
    if can(user, "submit", app):
        if st in EDITABLE_STATES:
            out.append("edit")
        if st == S.DRAFT:
            out.append("submit")
        if st == S.RETURNED:
            out.append("resubmit")
        if st == S.FEEDBACK:
            out.append("answer_feedback")
        if st in {S.DRAFT, S.SUBMITTED, S.RETURNED, S.FORWARDED, S.FEEDBACK}:
            out.append("withdraw")
    if st == S.SUBMITTED and is_province_reviewer(user, app):
        if not review_services.province_bodies_of(user) <= set(application.province_signoffs or []):
            out.append("forward")
        out.append("return")
    if st == S.FORWARDED and is_cac(user):
        out += ["approve", "request_feedback", "extend", "reject"]
    if application.exception_decision == ExceptionDecision.REQUESTED and (
        is_cac(user)
        or (is_province_reviewer(user, app) and has_role(user, Role.PROVINCIAL_CAC_REVIEWER))
    ):
        out.append("exception_decide")
    return out


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_restricted_or_404(
        Application.objects.select_related("app", "app__hosting_unit", "exception_decided_by"),
        request.user,
        "view",
        pk=pk,
    )
    if request.method == "GET":
        audit_read(actor=request.user, obj=application)
    sections = parse_sections(application.sections)
    diff_rows = (
        selectors.sections_diff(application.base_sections, application.sections)
        if application.kind == ApplicationKind.CHANGE
        else []
    )
    return render(
        request,
        "registry/application_detail.html",
        {
            "a": application,
            "app_sections": app_sections(request, app=application.app, application=application),
            "s": sections,
            "titles": section_titles(),
            "events": _timeline(application),
            "testing_gaps": [
                review_services.testing_gap_text(g)
                for g in review_services.testing_gaps(application)
            ],
            "testing": application.testing or {},
            "review_mode": review_services.province_review_mode(),
            "signoffs": [
                str(review_services.PROVINCE_BODY_LABELS[b])
                for b in application.province_signoffs or []
                if b in review_services.PROVINCE_BODY_LABELS
            ],
            "signoffs_missing": review_services.province_bodies_missing_text(
                application.province_signoffs or []
            )
            if application.state == S.SUBMITTED
            else "",
            "has_earlier_list": bool(review_services.earlier_missing_items(application)),
            "attachments": list(application.attachments.all()),
            "attachments_by_section": _by_section(application),
            "actions": _actions_for(request.user, application),
            "overdue": selectors.is_overdue(application),
            "diff_rows": diff_rows,
            "sensitive": SENSITIVE_KINDS,
            "scenarios": SCENARIOS,
            "levels": TARGET_LEVELS,
            "identities": list(application.app.identities.all()),
            "errors": application_services.submission_errors(application)
            if application.state in EDITABLE_STATES
            else {},
            "holder_labels": dict(Holder.choices),
            "states": dict(ApplicationState.choices),
        },
    )


def _timeline(application: Application) -> list[dict[str, Any]]:
    """Timeline rows in the reader's words: the action, the states, each missing-items list
    with what is new on it, what changed between submissions, override reasons."""
    states = dict(ApplicationState.choices)
    holders = dict(Holder.choices)
    rows = []
    for e in application.events.select_related("actor"):
        data = e.data or {}
        rows.append(
            {
                "at": e.at,
                "actor": e.actor,
                "action": ACTION_LABELS.get(e.action, "")
                if e.action != "create"
                else _("创建申请"),
                "action_code": e.action,
                "from_label": states.get(e.from_state, "") if e.from_state != e.to_state else "",
                "to_label": states.get(e.to_state, ""),
                "holder_label": holders.get(e.holder, ""),
                "deadline": e.deadline,
                "note": e.note
                if e.action not in {"return", "request_feedback", "testing_override"}
                else "",
                "items": data.get("missing_items") or [],
                "new_items": data.get("new_items") or [],
                "late_reason": data.get("late_reason", ""),
                "round": data.get("round"),
                "changes": data.get("changes"),
                "gaps": [review_services.testing_gap_text(g) for g in data.get("gaps") or []],
                "reason": data.get("reason", ""),
                "bodies": [
                    str(review_services.PROVINCE_BODY_LABELS[b])
                    for b in data.get("bodies") or []
                    if b in review_services.PROVINCE_BODY_LABELS
                ],
            }
        )
        if rows[-1]["action_code"] in {"return", "request_feedback"} and not rows[-1]["items"]:
            rows[-1]["items"] = [x for x in e.note.splitlines() if x.strip()]
    return rows


def _by_section(application: Application) -> dict[str, list[Attachment]]:
    out: dict[str, list[Attachment]] = {}
    for att in application.attachments.all():
        out.setdefault(att.section, []).append(att)
    return out


@login_required
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_restricted_or_404(
        Application.objects.select_related("app", "app__hosting_unit"),
        request.user,
        "submit",
        pk=pk,
    )
    if application.state not in EDITABLE_STATES:
        messages.error(
            request, _("申请当前状态为“%(s)s”，不能修改。") % {"s": application.get_state_display()}
        )
        return redirect("registry:application", pk=application.pk)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = bind(request, ApplicationDraftForm)
        if not form.is_valid():
            errors = first_errors(form)
            messages.error(request, _("草稿没有保存：请按提示修改。"))
            application.sections = parse_sections(sections_from_data(form.data)).model_dump()
        else:
            c = form.cleaned_data
            try:
                return _draft_save(request, application, c)
            except RegistryError as exc:
                errors = exc.errors
                messages.error(request, exc.message)
                application.refresh_from_db()
                if not isinstance(exc, StaleVersion):
                    # keep what the person typed
                    application.sections = parse_sections(c["sections"]).model_dump()
    sections = parse_sections(application.sections)
    features = [*sections.features, *[None] * 2]
    similar = [*sections.similar_apps, *[None] * 2]
    return render(
        request,
        "registry/application_form.html",
        {
            "a": application,
            "s": sections,
            "features": features,
            "similar": similar,
            "errors": errors,
            "titles": section_titles(),
            "levels": TARGET_LEVELS,
            "sensitive": SENSITIVE_KINDS,
            "scenarios": SCENARIOS,
            "mlps_levels": [
                ("", _("请选择")),
                ("1", _("第一级")),
                ("2", _("第二级")),
                ("3", _("第三级")),
                ("4", _("第四级")),
                ("5", _("第五级")),
                ("none", _("未开展")),
            ],
            "attachments": list(application.attachments.all()),
            "attachments_by_section": _by_section(application),
            "section_keys": [*SECTION_KEYS, "similar_apps"],
            "below_county": app_services.unit_below_county(application.app.hosting_unit),
            "submit_intent": {
                S.DRAFT: "submit",
                S.RETURNED: "resubmit",
                S.FEEDBACK: "answer_feedback",
            }.get(ApplicationState(application.state), "submit"),
            "earliest_change": add_working_days(
                today_shanghai(), setting("GOVAPP_CHANGE_NOTICE_WORKING_DAYS")
            ).date,
        },
    )


def _draft_save(request: HttpRequest, application: Application, c: dict[str, Any]) -> HttpResponse:
    """Save the draft, then do what the button asked (upload, exception, submit)."""
    application = application_services.application_save_draft(
        actor=request.user,
        application=application,
        sections=c["sections"],
        pledge_accepted=c["pledge_accepted"],
        exception_reason=c["exception_reason"],
        change_description=c["change_description"],
        planned_date=c["planned_date"],
        expected_version=c["version"],
    )
    intent: str = c["intent"]
    if intent.startswith(("upload:", "delete_attachment:")):
        # the draft was saved above, so nothing typed is lost by the upload
        anchor = _attachment_intent(request, application, intent)
        return redirect(
            reverse("registry:application_edit", kwargs={"pk": application.pk}) + anchor
        )
    if intent == "exception":
        application = application_services.application_exception_request(
            actor=request.user, application=application, reason=c["exception_reason"] or ""
        )
        messages.success(request, _("已申请例外，等待监管部门决定。"))
    elif intent in {"submit", "resubmit", "answer_feedback"}:
        service = {
            "submit": application_services.application_submit,
            "resubmit": application_services.application_resubmit,
            "answer_feedback": application_services.application_answer_feedback,
        }[intent]
        application = service(actor=authenticated_user(request), application=application)
        messages.success(
            request,
            _("已提交。当前办理方：%(h)s，办理期限 %(d)s。")
            % {"h": application.get_holder_display(), "d": application.deadline},
        )
        return redirect("registry:application", pk=application.pk)
    else:
        messages.success(request, _("草稿已保存。"))
    return redirect("registry:application_edit", pk=application.pk)


def _attachment_intent(request: HttpRequest, application: Application, intent: str) -> str:
    """Upload a file to one section, or delete one, after the draft was saved; returns the
    anchor of the section to go back to."""
    kind, _sep, arg = intent.partition(":")
    if kind == "upload":
        upload = request.FILES.get(f"file-{arg}")
        if upload is None:
            messages.warning(request, _("草稿已保存。请先选择要上传的文件。"))
            return f"#att-{arg}"
        limit = setting("GOVAPP_ATTACHMENT_MAX_BYTES")
        if upload.size and upload.size > limit:
            messages.error(
                request,
                _("草稿已保存；“%(n)s”过大，单个附件上限 %(l)d MB。")
                % {"n": upload.name, "l": limit // 1048576},
            )
            return f"#att-{arg}"
        try:
            att = attachment_services.attachment_add(
                actor=authenticated_user(request),
                application=application,
                section=arg,
                name=upload.name or "file",
                content=upload.read(),
            )
        except RegistryError as exc:
            messages.info(request, _("草稿已保存。"))
            _error(request, exc)
        else:
            messages.success(
                request,
                _("草稿已保存，“%(n)s”已上传到“%(s)s”。")
                % {"n": att.name, "s": section_titles().get(arg, arg)},
            )
        return f"#att-{arg}"
    if not arg.isdigit():
        raise Http404
    att = get_restricted_or_404(
        Attachment.objects.filter(application=application), request.user, "submit", pk=arg
    )
    section = att.section
    try:
        attachment_services.attachment_delete(actor=request.user, attachment=att)
        messages.success(request, _("草稿已保存，附件已删除。"))
    except RegistryError as exc:
        _error(request, exc)
    return f"#att-{section}"


@login_required
@require_POST
def application_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:  # noqa: C901 (one branch per button)
    application = get_restricted_or_404(
        Application.objects.select_related("app", "app__hosting_unit"), request.user, "view", pk=pk
    )
    form = bind(request, ApplicationActForm)
    if not form.is_valid():
        form_messages(request, form)
        return redirect("registry:application", pk=application.pk)
    c = form.cleaned_data
    version = c["version"]
    kw: dict[str, Any] = {"actor": request.user, "application": application}
    try:
        if action in {"withdraw", "reject"} and not c["confirm"]:
            raise RegistryError(_("这是不可撤销的操作，请勾选“我确认”后再提交。"))
        if action == "submit":
            application_services.application_submit(**kw, expected_version=version)
        elif action == "resubmit":
            application_services.application_resubmit(**kw, expected_version=version)
        elif action == "answer_feedback":
            application_services.application_answer_feedback(
                **kw, note=c["note"], expected_version=version
            )
        elif action == "withdraw":
            application_services.application_withdraw(
                **kw, reason=c["reason"], expected_version=version
            )
        elif action == "forward":
            review_services.application_forward(**kw, note=c["note"], expected_version=version)
        elif action in {"return", "request_feedback"}:
            service = (
                review_services.application_return
                if action == "return"
                else review_services.application_request_feedback
            )
            service(
                **kw,
                missing_items=c["missing_items"],
                late_reason=c["late_reason"],
                expected_version=version,
            )
        elif action == "extend":
            if c["new_deadline"] is None:
                raise RegistryError(_("请填写预计完成日期（YYYY-MM-DD）。"))
            review_services.application_extend(
                **kw, reason=c["reason"], new_deadline=c["new_deadline"], expected_version=version
            )
        elif action == "approve":
            review_services.application_approve(
                **kw,
                note=c["note"],
                override_reason=c["override_reason"],
                expected_version=version,
            )
        elif action == "reject":
            review_services.application_reject(**kw, reason=c["reason"], expected_version=version)
        elif action == "exception_decide":
            application_services.application_exception_decide(
                **kw, approve=c["decision"] == "approve", note=c["note"]
            )
        else:
            raise Http404
    except RegistryError as exc:
        _error(request, exc)
    else:
        application.refresh_from_db()
        messages.success(
            request,
            _("办理完成：%(a)s。当前状态“%(s)s”。")
            % {
                "a": ACTION_LABELS.get(action, _("例外决定")),
                "s": application.get_state_display(),
            },
        )
    return redirect("registry:application", pk=application.pk)


# --- attachments -----------------------------------------------------------------------------


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_restricted_or_404(
        Application.objects.select_related("app"), request.user, "submit", pk=pk
    )
    form = bind(request, AttachmentUploadForm)
    upload = form.cleaned_data.get("file") if form.is_valid() else None
    if upload is None:
        messages.error(request, _("请选择要上传的文件。"))
    else:
        limit = setting("GOVAPP_ATTACHMENT_MAX_BYTES")
        if upload.size and upload.size > limit:
            messages.error(
                request,
                _("“%(n)s”过大，单个附件上限 %(l)d MB。")
                % {"n": upload.name, "l": limit // 1048576},
            )
        else:
            try:
                attachment_services.attachment_add(
                    actor=authenticated_user(request),
                    application=application,
                    section=form.cleaned_data["section"],
                    name=upload.name or "file",
                    content=upload.read(),
                )
                messages.success(request, _("附件已上传。"))
            except RegistryError as exc:
                _error(request, exc)
    return redirect(
        reverse("registry:application_edit", kwargs={"pk": application.pk}) + "#attachments"
    )


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    att = get_restricted_or_404(Attachment.objects.all(), request.user, "view", pk=pk)
    if not default_storage.exists(att.storage_name):
        raise Http404(_("附件文件已丢失，请联系管理员。"))
    response = FileResponse(
        default_storage.open(att.storage_name, "rb"),
        as_attachment=True,
        filename=att.name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    att = get_restricted_or_404(
        Attachment.objects.select_related("application__app"), request.user, "submit", pk=pk
    )
    application_pk = att.application_id
    try:
        attachment_services.attachment_delete(actor=request.user, attachment=att)
        messages.success(request, _("附件已删除。"))
    except RegistryError as exc:
        _error(request, exc)
    return redirect(
        reverse("registry:application_edit", kwargs={"pk": application_pk}) + "#attachments"
    )


# --- notifications -----------------------------------------------------------------------------


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        n = notification_services.notifications_mark_read(user=request.user)
        messages.success(request, _("已将 %(n)d 条通知标为已读。") % {"n": n})
        return redirect("registry:notifications")
    page = _page(request, selectors.notifications_for(request.user))
    return render(request, "registry/notifications.html", {"page": page, "query": ""})


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Opening a notification marks it read and goes where it points."""
    note = selectors.notifications_for(request.user).filter(pk=pk).first()
    if note is None:
        raise Http404(_("没有这条通知。"))
    notification_services.notifications_mark_read(user=request.user, ids=[note.pk])
    target = note.url if note.url.startswith("/") and not note.url.startswith("//") else ""
    return redirect(target or reverse("registry:notifications"))
