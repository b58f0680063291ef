"""Pages of the complaint channel.

Public pages (report, follow with a receipt, the per-app embeddable page) use no session, no
messages framework and no logging; their responses are not cached.  Regulators' pages show
only reports within their jurisdiction (others are 404); hosting units see only the redacted
explanation requests addressed to them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from govapp.complaints import privacy, selectors, services
from govapp.complaints.forms import (
    REPORT_FIELDS,
    ExplanationForm,
    FollowForm,
    ManageForm,
    ReportForm,
    UnitKeyForm,
)
from govapp.complaints.models import (
    BannedPractice,
    Category,
    Channel,
    Complaint,
    Evidence,
    ExplanationRequest,
    ExplanationState,
    Status,
)
from govapp.complaints.public import complaint_public_view
from govapp.core.audit import audit_read
from govapp.core.calendar import today_shanghai
from govapp.core.errors import GovappError, InvalidInput
from govapp.core.forms import bind
from govapp.core.pagination import page_of
from govapp.core.permissions import get_restricted_or_404
from govapp.orgs.requests import authenticated_user
from govapp.registry.models import App, AppStatus

PAGE_SIZE = 30


def private(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """No caching, no referrer and no logging of details for the public complaint pages."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with privacy.private_request():
            response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "same-origin"  # "no-referrer" would send Origin: null
        return response

    return wrapper


def _files(request: HttpRequest) -> list[bytes]:
    uploads: list[UploadedFile[Any]] = request.FILES.getlist("evidence")
    limit = privacy.max_evidence_bytes()
    out = []
    for f in uploads:
        if f.size is not None and f.size > limit:
            too_big = _("证据文件过大（上限 %(mb)d MB），请压缩或截取相关部分后重试。") % {
                "mb": limit // (1024 * 1024)
            }
            raise InvalidInput(too_big, {"evidence": too_big})
        out.append(f.read())
    return out


def _form_context(app: App | None, data: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "app": app,
        "counts": selectors.complaint_counts_for_app(app) if app is not None else None,
        "data": data,
        "categories": Category.choices,
        "practices": BannedPractice.choices,
        "challenge": privacy.pow_challenge(),
        "pow_bits": privacy.pow_bits(),
        "max_mb": privacy.max_evidence_bytes() // (1024 * 1024),
        "max_files": privacy.max_evidence_files(),
        **extra,
    }


FIELDS = REPORT_FIELDS


def _submit(
    request: HttpRequest, *, app: App | None, channel: str, template: str, embed: bool
) -> HttpResponse:
    form = bind(request, ReportForm)
    data = form.kept()
    valid = form.is_valid()
    proven = privacy.pow_verify(form.cleaned_data.get("pow", "") if valid else "")
    limit = privacy.rate_limit(request, action="report", proven=proven, consume=False)
    errors: list[str] = [] if valid else [str(e) for errs in form.errors.values() for e in errs]
    if not limit.allowed:
        errors.append(
            _("提交过于频繁，请在 %(m)d 分钟后重试。") % {"m": max(1, limit.retry_after // 60)}
        )
    if app is None and not errors:
        app, err = selectors.app_find(filing_number=data["filing_number"], name=data["app_query"])
        if err:
            errors.append(_("没有这个备案编号的应用，请核对编号，或改为填写应用名称。"))
    if not errors:
        try:
            result = services.complaint_submit(
                app=app,
                app_name=data["app_query"],
                category=data["category"],
                description=data["description"],
                banned_practice=data["banned_practice"],
                happened=data["happened"],
                evidence=_files(request),
                channel=channel,
            )
        except GovappError as exc:
            errors.extend(exc.messages)
        else:
            privacy.rate_limit(request, action="report", proven=proven)
            return render(
                request,
                "complaints/receipt.html",
                {"result": result, "c": result.complaint, "embed": embed},
            )
    status = 429 if not limit.allowed else 422
    return render(request, template, _form_context(app, data, errors=errors), status=status)


@private
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """The public report form; ?app=<filing number> comes from an app's public page."""
    if request.method == "POST":
        return _submit(
            request, app=None, channel=Channel.WEB, template="complaints/report.html", embed=False
        )
    app = None
    fn = request.GET.get("app", "").strip()
    if fn:
        app, _err = selectors.app_find(filing_number=fn)
    data = dict.fromkeys(FIELDS, "")
    if app is not None:
        data["filing_number"] = app.filing_number or ""
        data["app_query"] = app.name
    return render(request, "complaints/report.html", _form_context(app, data))


@private
@require_GET
def app_search(request: HttpRequest) -> HttpResponse:
    """Suggestions for the report form's app field (htmx)."""
    apps = selectors.app_suggestions(request.GET.get("app_query", ""))
    return render(request, "complaints/_app_suggestions.html", {"apps": apps})


@private
@xframe_options_exempt
@csrf_exempt  # anonymous, no session or cookie authority to protect; embedded cross-site
@require_http_methods(["GET", "POST"])
def app_embed(request: HttpRequest, key: str) -> HttpResponse:
    """The small in-app complaint page a hosting unit embeds or links (R-24)."""
    app = selectors.app_by_key(key)
    if app is None:
        raise Http404(_("应用投诉入口无效，请从应用内重新打开。"))
    if request.method == "POST":
        response = _submit(
            request, app=app, channel=Channel.IN_APP, template="complaints/embed.html", embed=True
        )
    else:
        data = dict.fromkeys(FIELDS, "")
        response = render(request, "complaints/embed.html", _form_context(app, data, key=key))
    # only the origins the hosting unit registered may frame this page
    origins = selectors.frame_ancestors_for_key(key)
    response._csp_replace = {"frame-ancestors": ["'self'", *origins]}  # type: ignore[attr-defined]
    return response


@private
@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest) -> HttpResponse:
    """Read replies and the outcome, and add information, with the receipt (sent by POST so
    it never appears in a URL or a log)."""
    ctx: dict[str, Any] = {"errors": [], "receipt": "", "view": None}
    status = 200
    if request.method == "POST":
        form = bind(request, FollowForm)
        form.is_valid()
        c = form.cleaned_data
        receipt = str(c.get("receipt", "")).strip()
        ctx["receipt"] = receipt
        limit = privacy.rate_limit(request, action="lookup")
        found = selectors.complaint_by_receipt(receipt) if limit.allowed else None
        if not limit.allowed:
            ctx["errors"].append(
                _("查询过于频繁，请在 %(s)d 秒后重试。") % {"s": limit.retry_after}
            )
            status = 429
        elif found is None:
            ctx["errors"].append(_("查询码不正确，请核对后重试（字母不区分大小写，横线可省略）。"))
            status = 404
        else:
            if c.get("action") == "add":
                try:
                    services.complaint_add_information(
                        complaint=found,
                        text=c.get("text", ""),
                        evidence=_files(request),
                    )
                    ctx["added"] = True
                except GovappError as exc:
                    ctx["errors"].extend(exc.messages)
                    ctx["text"] = c.get("text", "")
                    status = 422
                found.refresh_from_db()
            ctx["view"] = complaint_public_view(found)
            ctx["can_add"] = not ctx["view"]["closed"]
    ctx["max_mb"] = privacy.max_evidence_bytes() // (1024 * 1024)
    return render(request, "complaints/follow.html", ctx, status=status)


# --------------------------------------------------------------------- regulators


def _handler_only(request: HttpRequest) -> None:
    if not selectors.can_handle_complaints(request.user):
        raise PermissionDenied(_("只有网信部门的监管人员可以办理投诉举报。"))


@login_required
@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    _handler_only(request)
    f = {k: request.GET.get(k, "").strip() for k in ("status", "category", "overdue", "q")}
    if "status" not in request.GET:
        f["status"] = "open"
    qs = selectors.complaint_filter(
        selectors.complaints_for(request.user),
        status=f["status"],
        category=f["category"],
        overdue=f["overdue"] == "1",
        q=f["q"],
    )
    page = page_of(request, qs, PAGE_SIZE)
    today = today_shanghai()
    rows = [(c, selectors.is_overdue(c, today)) for c in page.object_list]
    return render(
        request,
        "complaints/manage_list.html",
        {
            "page": page,
            "rows": rows,
            "f": f,
            "query": urlencode({k: v for k, v in f.items() if v}),
            "statuses": Status.choices,
            "categories": Category.choices,
        },
    )


ACTIONS = {"ack", "reply", "note", "dismiss", "merge", "finding", "explain", "answer"}


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    qs = selectors.complaints_for(request.user)  # empty for anyone but the handlers: 404
    c = qs.filter(pk=pk).first()
    if c is None:
        raise Http404(_("没有这件举报，或不在您的管辖范围内。"))
    if request.method == "GET":
        audit_read(actor=request.user, obj=c)
    errors: list[str] = []
    form: dict[str, str] = {}
    if request.method == "POST":
        bound = bind(request, ManageForm)
        form = bound.kept()
        if not bound.is_valid():
            errors.extend(str(e) for errs in bound.errors.values() for e in errs)
        else:
            try:
                _act(request, c, bound.cleaned_data)
            except GovappError as exc:
                errors.extend(exc.messages)
            else:
                return redirect("complaints:detail", pk=c.pk)
        c.refresh_from_db()
    today = today_shanghai()
    return render(
        request,
        "complaints/manage_detail.html",
        {
            "c": c,
            "over": selectors.is_overdue(c, today),
            "messages_all": c.messages.select_related("author_user"),
            "evidence": c.evidence.all(),
            "explanations": c.explanation_requests.select_related("responded_by"),
            "related": selectors.related_complaints(c, request.user),
            "merged_here": c.merged.all(),
            "errors": errors,
            "form": form,
            "redaction": form.get("redacted") or privacy.redaction_suggest(c.description),
            "status": 422 if errors else 200,
        },
        status=422 if errors else 200,
    )


def _act(request: HttpRequest, c: Complaint, form: dict[str, Any]) -> None:
    action = form["action"]
    user = authenticated_user(request)
    if action == "ack":
        services.complaint_acknowledge(complaint=c, actor=user)
        messages.success(request, _("已受理。"))
    elif action in {"reply", "note"}:
        services.complaint_reply(
            complaint=c, actor=user, text=form["text"], to_reporter=action == "reply"
        )
        messages.success(
            request, _("已答复举报人。") if action == "reply" else _("已记录内部备注。")
        )
    elif action == "dismiss":
        services.complaint_dismiss(complaint=c, actor=user, reason=form["reason"])
        messages.success(request, _("已不予受理，理由已告知举报人。"))
    elif action == "merge":
        ref = form["into"].upper().removeprefix("JB-").strip().lstrip("0")
        into = selectors.complaints_for(user).filter(pk=int(ref)).first() if _is_id(ref) else None
        if into is None:
            missing = _("找不到要合并到的举报，请核对编号。")
            raise InvalidInput(missing, {"into": missing})
        services.complaint_merge(complaint=c, into=into, actor=user)
        messages.success(request, _("已合并至 %(ref)s。") % {"ref": into.reference})
    elif action == "finding":
        services.complaint_open_finding(complaint=c, actor=user, note=form["note"])
        messages.success(request, _("已立案核查。"))
    elif action == "explain":
        services.complaint_request_explanation(
            complaint=c,
            actor=user,
            redacted_text=form["redacted"],
            confirmed_redacted=form["confirm_redacted"],
        )
        messages.success(request, _("已向主办单位发出脱敏后的说明要求。"))
    elif action == "answer":
        services.complaint_answer(complaint=c, actor=user, outcome=form["outcome"])
        messages.success(request, _("已办结，举报人可凭查询码看到处理结果。"))


@login_required
@require_GET
def evidence_file(request: HttpRequest, pk: int, eid: int) -> FileResponse:
    c = selectors.complaints_for(request.user).filter(pk=pk).first()
    if c is None:
        raise Http404(_("没有这件举报，或不在您的管辖范围内。"))
    ev = Evidence.objects.filter(complaint=c, pk=eid).first()
    if ev is None:
        raise Http404(_("没有这个证据文件。"))
    resp = FileResponse(ev.file.open("rb"), content_type=ev.content_type)
    ext = (ev.file.name or "").rsplit(".", 1)[-1]
    resp["Content-Disposition"] = f'inline; filename="{c.reference}-{ev.pk}.{ext}"'
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return resp


@login_required
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    if not selectors.can_see_stats(request.user):
        raise PermissionDenied(_("只有监管人员和审计人员可以查看举报统计。"))
    since = parse_date(request.GET.get("since", "") or "")
    until = parse_date(request.GET.get("until", "") or "")
    if since is None and "since" not in request.GET:
        since = today_shanghai().replace(month=1, day=1)
    agg = selectors.complaint_aggregates_cached(request.user, since=since, until=until)
    peak = max([m["count"] for m in agg["months"]] or [1])
    return render(
        request,
        "complaints/stats.html",
        {"agg": agg, "since": since, "until": until, "peak": peak},
    )


# --------------------------------------------------------------------- hosting units


def _is_id(value: str) -> bool:
    """ASCII digits only: str.isdigit() is also true for "²", which int() rejects."""
    return value.isascii() and value.isdigit()


def _unit_only(request: HttpRequest) -> None:
    from govapp.core.permissions import has_role

    if not has_role(request.user, "unit_manager", "unit_filer"):
        raise PermissionDenied(_("只有主办单位人员可以查看此页面。"))


@login_required
@require_http_methods(["GET", "POST"])
def unit(request: HttpRequest) -> HttpResponse:
    """A unit's in-app complaint integration (keys, embed code, public figures) and the
    redacted explanation requests addressed to it."""
    _unit_only(request)
    if request.method == "POST":
        form = bind(request, UnitKeyForm)
        app = get_restricted_or_404(
            App.objects.filter(status=AppStatus.FILED),
            request.user,
            "submit",
            pk=form.cleaned_data["app"] if form.is_valid() else 0,
        )
        app_key = services.app_complaint_key_ensure(app=app)
        if form.sets_origins():
            try:
                services.complaint_key_frame_ancestors_set(
                    key=app_key, origins=form.cleaned_data["frame_ancestors"], actor=request.user
                )
                messages.success(request, _("已保存允许嵌入的网页来源。"))
            except GovappError as exc:
                messages.error(request, " ".join(exc.messages))
            return redirect("complaints:unit")
        messages.success(request, _("已为「%(app)s」开通应用内投诉入口。") % {"app": app.name})
        return redirect("complaints:unit")
    with_keys = selectors.unit_apps_with_keys(request.user)
    if any(key is None for _app, key in with_keys):
        for app, key in with_keys:
            if key is None:  # every filed app has a complaint page
                services.app_complaint_key_ensure(app=app)
        with_keys = selectors.unit_apps_with_keys(request.user)
    reqs = selectors.explanation_requests_for(request.user)
    page = page_of(request, reqs, PAGE_SIZE)
    counts = selectors.complaint_counts_for_apps([a.pk for a, _k in with_keys])
    apps = [
        {
            "app": a,
            "key": k,
            "url": request.build_absolute_uri(reverse("complaints:app_embed", args=[k.key]))
            if k
            else "",
            "counts": counts[a.pk],
        }
        for a, k in with_keys
    ]
    return render(
        request,
        "complaints/unit.html",
        {"page": page, "apps": apps, "today": today_shanghai(), "open": ExplanationState.OPEN},
    )


@login_required
@require_http_methods(["GET", "POST"])
def explanation(request: HttpRequest, pk: int) -> HttpResponse:
    # only unit roles reach any request ("submit"); everyone else gets 404
    req: ExplanationRequest = get_restricted_or_404(
        selectors.explanation_requests_for(request.user), request.user, "submit", pk=pk
    )
    errors: list[str] = []
    text = ""
    if request.method == "POST":
        form = bind(request, ExplanationForm)
        text = form.cleaned_data["response"] if form.is_valid() else ""
        try:
            services.explanation_respond(
                request=req, actor=authenticated_user(request), response=text
            )
        except GovappError as exc:
            errors.extend(exc.messages)
        else:
            messages.success(request, _("情况说明已提交给监管部门。"))
            return redirect("complaints:explanation", pk=req.pk)
    return render(
        request,
        "complaints/explanation.html",
        {
            "req": req,
            "errors": errors,
            "text": text,
            "today": today_shanghai(),
            "open": req.state == ExplanationState.OPEN,
        },
        status=422 if errors else 200,
    )
