"""Pages of the burden ledger. Thin: forms in, services and selectors do the work.

Logged-in pages show what the person may see (their unit's or their regions' demands, and the
public ledger); an object outside their reach is a 404. The ledger-number check is public.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from govapp.core.calendar import today_shanghai
from govapp.core.errors import GovappError, add_to_form, message
from govapp.core.pagination import page_of
from govapp.core.permissions import has_role, restrict
from govapp.orgs.requests import authenticated_user
from govapp.oversight.ledger import export, importer, selectors, services
from govapp.oversight.ledger.forms import (
    BudgetForm,
    CheckForm,
    DecideForm,
    DemandFilterForm,
    DemandForm,
    DictionaryForm,
    ImportForm,
    ProposeForm,
    WithdrawForm,
)
from govapp.oversight.ledger.models import Demand, DemandStatus, ProposalState

UNIT_ROLES = ("unit_manager", "unit_filer")


@login_required
@require_GET
def demand_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = DemandFilterForm(request.GET or None)
    f = form.filters()
    qs = selectors.visible_demands(user)
    if f.get("q"):
        qs = qs.filter(
            Q(title__icontains=f["q"])
            | Q(ledger_number__icontains=f["q"])
            | Q(department__icontains=f["q"])
        )
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("division"):
        qs = qs.filter(scope_code__startswith=f["division"])
    unit_id = getattr(user, "unit_id", None)
    if f.get("mine") and unit_id:
        qs = qs.filter(unit_id=unit_id)
    if f.get("area"):
        qs = selectors.in_jurisdiction(qs, user)
    if f.get("active"):
        qs = qs.filter(selectors.active_q(today_shanghai()))
    if f.get("duplicated"):
        qs = qs.filter(pk__in=sorted(selectors.duplicated_ids(qs)))
    page = page_of(request, qs.order_by("-updated_at", "-pk"), 30)
    return render(
        request,
        "ledger/list.html",
        {
            "page": page,
            "form": form,
            "f": f,
            "query": urlencode({k: "1" if v is True else v for k, v in f.items()}),
            "can_propose": has_role(user, *UNIT_ROLES),
            "is_reviewer": selectors.is_reviewer(user),
            "queue_count": selectors.review_queue(user).count()
            if selectors.is_reviewer(user)
            else 0,
        },
    )


def _save_demand(request: HttpRequest, form: DemandForm, demand: Demand | None) -> Demand | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    values = {
        "title": data["title"],
        "division": data["division"],
        "basis": data["basis"],
        "target_level": data["target_level"],
        "units_targeted": data["units_targeted"],
        "frequency": data["frequency"],
        "minutes_per_field": data["minutes_per_field"],
        "app": data["app"],
        "starts_on": data["starts_on"],
        "ends_on": data["ends_on"],
    }
    try:
        if demand is None:
            unit = request.user.unit  # type: ignore[union-attr]
            if unit is None or not has_role(request.user, *UNIT_ROLES):
                raise PermissionDenied
            return services.demand_create(
                unit=unit, fields=data["fields_text"], actor=authenticated_user(request), **values
            )
        return services.demand_update(
            demand=demand, fields=data["fields_text"], actor=request.user, **values
        )
    except GovappError as exc:
        add_to_form(form, exc)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def demand_new(request: HttpRequest) -> HttpResponse:
    unit = getattr(request.user, "unit", None)
    if unit is None or not has_role(request.user, *UNIT_ROLES):
        raise PermissionDenied
    form = DemandForm(request.POST or None, unit=unit)
    if request.method == "POST":
        demand = _save_demand(request, form, None)
        if demand is not None:
            messages.success(request, _("草稿已保存。请核对字段比对结果后提交审查。"))
            return redirect("ledger:detail", pk=demand.pk)
    return render(request, "ledger/form.html", {"form": form, "demand": None})


@login_required
@require_http_methods(["GET", "POST"])
def demand_edit(request: HttpRequest, pk: int) -> HttpResponse:
    demand = selectors.editable_demand_or_404(request.user, pk)
    if demand.status not in (DemandStatus.DRAFT, DemandStatus.SENT_BACK):
        raise Http404
    form = DemandForm(request.POST or None, unit=demand.unit, initial=DemandForm.initial_of(demand))
    if request.method == "POST":
        saved = _save_demand(request, form, demand)
        if saved is not None:
            messages.success(request, _("已保存。"))
            return redirect("ledger:detail", pk=demand.pk)
    return render(request, "ledger/form.html", {"form": form, "demand": demand})


@login_required
@require_GET
def demand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    demand = selectors.demand_or_404(user, pk)
    can_change = restrict(Demand.objects.filter(pk=demand.pk), user, "change").exists()
    proposals = list(
        demand.proposals.select_related("reuse_source", "reuse_source__unit", "decided_by")
    )
    draft_check = None
    if demand.status in (DemandStatus.DRAFT, DemandStatus.SENT_BACK) and can_change:
        draft_check = selectors.gateway_check(demand)
    return render(
        request,
        "ledger/detail.html",
        {
            "demand": demand,
            "fields": demand.fields.all(),
            "can_change": can_change,
            "proposals": proposals,
            "check": draft_check,
            "propose_form": ProposeForm(),
            "withdraw_form": WithdrawForm(),
            "complaints": selectors.duplicate_complaints(user, demand)[:20],
            "revisions": demand.revisions.exclude(status=DemandStatus.REFUSED)
            if can_change
            else [],
        },
    )


@login_required
@require_POST
def demand_propose(request: HttpRequest, pk: int) -> HttpResponse:
    demand = selectors.editable_demand_or_404(request.user, pk)
    form = ProposeForm(request.POST)
    form.is_valid()
    try:
        proposal = services.demand_propose(
            demand=demand,
            reason=form.cleaned_data.get("reason", ""),
            actor=authenticated_user(request),
        )
    except GovappError as exc:
        message(request, exc)
        return redirect("ledger:detail", pk=pk)
    n = proposal.field_check["duplicated"]
    if n:
        messages.warning(
            request, _("已提交审查。自动比对发现 %(n)d 个字段已由其他事项采集。") % {"n": n}
        )
    else:
        messages.success(request, _("已提交审查。"))
    return redirect("ledger:detail", pk=pk)


@login_required
@require_POST
def demand_revise(request: HttpRequest, pk: int) -> HttpResponse:
    demand = selectors.editable_demand_or_404(request.user, pk)
    try:
        draft = services.demand_revise(demand=demand, actor=authenticated_user(request))
    except GovappError as exc:
        message(request, exc)
        return redirect("ledger:detail", pk=pk)
    messages.info(request, _("已生成变更草稿：修改后提交审查，批准后替代原事项。"))
    return redirect("ledger:edit", pk=draft.pk)


@login_required
@require_POST
def demand_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    demand = selectors.editable_demand_or_404(request.user, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请说明撤销理由。"))
        return redirect("ledger:detail", pk=pk)
    try:
        services.demand_withdraw_propose(
            demand=demand, reason=form.cleaned_data["reason"], actor=authenticated_user(request)
        )
    except GovappError as exc:
        message(request, exc)
    else:
        messages.success(request, _("撤销申请已提交审查。"))
    return redirect("ledger:detail", pk=pk)


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    if not selectors.is_reviewer(request.user):
        raise PermissionDenied
    items = selectors.review_queue(request.user).order_by("submitted_at")
    return render(request, "ledger/queue.html", {"items": items})


@login_required
@require_http_methods(["GET", "POST"])
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    proposal = selectors.proposal_or_404(user, pk)
    can_decide = proposal.state == ProposalState.PENDING and selectors.can_review(
        user, proposal.demand
    )
    candidates = selectors.reuse_candidates(proposal)
    form = DecideForm(request.POST or None, candidates=candidates)
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.proposal_decide(
                    proposal=proposal,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                    reuse_source=form.cleaned_data["reuse_source"],
                    actor=user,
                )
            except GovappError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("审查结论已记录。"))
                return redirect("ledger:queue")
    return render(
        request,
        "ledger/proposal.html",
        {
            "proposal": proposal,
            "demand": proposal.demand,
            "check": proposal.field_check,
            "form": form,
            "can_decide": can_decide,
            "candidates": candidates,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def burden(request: HttpRequest) -> HttpResponse:
    user = authenticated_user(request)
    prefix = request.GET.get("division", "").strip()[:12]
    budget_form = BudgetForm(request.POST or None, initial={"division": prefix})
    if request.method == "POST" and budget_form.is_valid():
        try:
            services.budget_set(
                division=budget_form.cleaned_data["division"],
                hours_per_month=budget_form.cleaned_data["hours_per_month"],
                actor=user,
            )
        except GovappError:
            budget_form.add_error("division", _("该地区不在您的管辖范围内。"))
        else:
            messages.success(request, _("工时预算已保存。"))
            return redirect(f"{request.path}?division={budget_form.cleaned_data['division'].code}")
    report = selectors.burden_report(user, prefix=prefix)
    peak = max((h for _m, h in report.trend), default=0) or 1
    return render(
        request,
        "ledger/burden.html",
        {
            "report": report,
            "prefix": prefix,
            "budget_form": budget_form,
            "can_budget": selectors.is_reviewer(user),
            "is_reviewer": selectors.is_reviewer(user),
            "trend": [(m, h, int(100 * h / peak)) for m, h in report.trend],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    if not selectors.is_reviewer(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    total = 0
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size and upload.size > importer.MAX_FILE_BYTES:
            errors, total = [_("文件过大（上限 5 MB）：请拆分后分批导入。")], 1
        else:
            try:
                result = importer.ledger_import(
                    data=upload.read(), file_name=upload.name, actor=authenticated_user(request)
                )
            except importer.LedgerImportError as exc:
                errors, total = exc.errors, exc.total
            else:
                messages.success(request, _("已导入 %(n)d 个事项。") % {"n": len(result.created)})
                return redirect("ledger:list")
    return render(
        request,
        "ledger/import.html",
        {"form": form, "errors": errors, "total": total, "more": max(0, total - len(errors))},
    )


@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(importer.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ledger-template.csv"'
    return response


@login_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    prefix = request.GET.get("division", "").strip()[:12]
    response = HttpResponse(
        export.ledger_workbook(request.user, prefix=prefix), content_type=export.XLSX
    )
    response["Content-Disposition"] = 'attachment; filename="ledger.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def dictionary(request: HttpRequest) -> HttpResponse:
    user = authenticated_user(request)
    editor = selectors.is_dictionary_editor(user)
    form = DictionaryForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not editor:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.dictionary_update(
                    data=form.cleaned_data["file"], note=form.cleaned_data["note"], actor=user
                )
            except GovappError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("数据字典已更新，所有事项已按新字典重新比对。"))
                return redirect("ledger:dictionary")
    if request.GET.get("download"):
        response = HttpResponse(
            json.dumps(selectors.dictionary_data(), ensure_ascii=False, indent=1),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="ledger-dictionary.json"'
        return response
    data = selectors.dictionary_data()
    return render(
        request,
        "ledger/dictionary.html",
        {"data": data, "form": form, "editor": editor, "is_reviewer": selectors.is_reviewer(user)},
    )


@require_GET
def public_check(request: HttpRequest) -> HttpResponse:
    """Is this request legitimate? Anyone, no login."""
    form = CheckForm(request.GET or None)
    result: dict[str, Any] | None = None
    if form.is_valid():
        result = selectors.public_check(form.cleaned_data["number"])
    response = render(request, "ledger/check.html", {"form": form, "result": result})
    response["Cache-Control"] = "no-store"
    return response
