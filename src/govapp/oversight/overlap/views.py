"""Pages of the overlap area: the jurisdiction's groups, a group with its decision and case,
the consolidation case, and "check before you build"."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govapp.core.calendar import today_shanghai
from govapp.core.errors import GovappError, add_to_form, message
from govapp.core.forms import was_pressed
from govapp.core.pagination import page_of
from govapp.core.permissions import can, get_restricted_or_404, has_role, is_regulator, restrict
from govapp.orgs.models import Unit
from govapp.orgs.requests import authenticated_user
from govapp.oversight.overlap import selectors, services
from govapp.oversight.overlap.forms import (
    CaseFilterForm,
    CaseForm,
    CheckForm,
    DecisionForm,
    GroupFilterForm,
)
from govapp.oversight.overlap.models import GroupDecision, OverlapGroup, ProposalCheck, Relation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _regulator_only(request: HttpRequest) -> None:
    if not is_regulator(request.user):
        raise Http404


@dataclass(frozen=True)
class GroupRow:
    """One line of the overlap list: the group, the standing decision on its signature and
    the function's name (instead of attributes stuck onto the model instance)."""

    group: OverlapGroup
    decision: GroupDecision | None
    function_name: str


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _regulator_only(request)
    filters = GroupFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    relation = chosen.get("relation") or Relation.DUPLICATE
    decision = chosen.get("decision", "")
    qs = selectors.groups_decided(selectors.groups_for(request.user, relation=relation), decision)
    page = page_of(request, qs, 50)
    found = list(page.object_list)
    decisions = selectors.decisions_by_signature([g.signature for g in found])
    groups = [
        GroupRow(
            group=g,
            decision=decisions.get(g.signature),
            function_name=selectors.function_name(g.function),
        )
        for g in found
    ]
    return render(
        request,
        "overlap/index.html",
        {
            "groups": groups,
            "page": page,
            "filters": filters,
            "query": urlencode(
                {k: v for k, v in (("relation", relation), ("decision", decision)) if v}
            ),
            "relation": relation,
            "decision": decision,
            "run": selectors.latest_run(),
            "counts": selectors.function_counts(request.user)[:200],
            "cases": selectors.cases_for(request.user)[:50],
        },
    )


@login_required
def cases(request: HttpRequest) -> HttpResponse:
    """The consolidation cases of the jurisdiction, by state."""
    _regulator_only(request)
    filters = CaseFilterForm(request.GET or None)
    state = filters.cleaned_data.get("state", "") if filters.is_valid() else ""
    qs = selectors.cases_for(request.user).order_by("-opened_at", "-pk")
    if state:
        qs = qs.filter(state=state)
    return render(
        request,
        "overlap/cases.html",
        {
            "page": page_of(request, qs, 50),
            "filters": filters,
            "state": state,
            "query": urlencode({"state": state} if state else {}),
            "today": today_shanghai(),
        },
    )


@login_required
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    _regulator_only(request)
    try:
        r = services.overlap_run_execute(actor=request.user)
        messages.success(
            request,
            _("检测完成：%(n)s 个应用，%(d)s 组重复。")
            % {"n": r.app_count, "d": r.duplicate_count},
        )
    except GovappError as exc:
        message(request, exc)
    return redirect("overlap:index")


@login_required
def export(request: HttpRequest) -> HttpResponse:
    _regulator_only(request)
    resp = HttpResponse(selectors.groups_workbook(request.user), content_type=XLSX)
    resp["Content-Disposition"] = 'attachment; filename="overlap-groups.xlsx"'
    return resp


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_restricted_or_404(OverlapGroup.objects.all(), request.user, "view", pk=pk)
    apps = list(group.apps.select_related("hosting_unit"))
    decision_form = DecisionForm(request.POST if was_pressed(request, "decide") else None)
    case_form = CaseForm(
        request.POST if was_pressed(request, "open_case") else None,
        apps=[(a.pk, f"{a.name}（{a.hosting_unit.name}）") for a in apps],
    )
    if request.method == "POST":
        try:
            if was_pressed(request, "decide") and decision_form.is_valid():
                services.group_decide(
                    actor=authenticated_user(request),
                    group=group,
                    decision=decision_form.cleaned_data["decision"],
                    reason=decision_form.cleaned_data["reason"],
                )
                messages.success(request, _("认定已保存，之后的检测会沿用该认定。"))
                return redirect("overlap:group", pk=group.pk)
            if was_pressed(request, "open_case") and case_form.is_valid():
                staying = next(a for a in apps if a.pk == case_form.cleaned_data["staying"])
                case = services.case_open(
                    actor=authenticated_user(request),
                    group=group,
                    staying=staying,
                    working_days=case_form.cleaned_data["working_days"],
                    note=case_form.cleaned_data["note"],
                )
                messages.success(request, _("整合案件已开启。"))
                return redirect("overlap:case", pk=case.pk)
        except GovappError as exc:
            add_to_form(case_form if was_pressed(request, "open_case") else decision_form, exc)
    return render(
        request,
        "overlap/group.html",
        {
            "group": group,
            "apps": apps,
            "function_name": selectors.function_name(group.function),
            "decision": selectors.decision_of(group),
            "decision_form": decision_form,
            "case_form": case_form,
            "can_change": can(request.user, "change", group),
            "cases": group.cases.all(),
        },
    )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_restricted_or_404(selectors.cases_for(request.user), request.user, "view", pk=pk)
    items = list(case.items.select_related("app__hosting_unit"))
    return render(
        request,
        "overlap/case.html",
        {"case": case, "items": items, "today": today_shanghai()},
    )


def _check_units(request: HttpRequest) -> list[tuple[int, str]]:
    user = request.user
    unit_id = getattr(user, "unit_id", None)
    if has_role(user, "unit_manager", "unit_filer") and unit_id:
        units = Unit.objects.filter(pk=unit_id)
    else:
        units = restrict(Unit.objects.filter(is_active=True), user, "view").exclude(
            scope_code="central"
        )[:500]
    return [(u.pk, u.name) for u in units]


@login_required
def check(request: HttpRequest) -> HttpResponse:
    if not selectors.can_use_check(request.user):
        raise Http404
    form = CheckForm(request.POST or None, units=_check_units(request))
    if request.method == "POST" and form.is_valid():
        unit = get_restricted_or_404(
            Unit.objects.all(), request.user, "view", pk=form.cleaned_data["unit"]
        )
        try:
            c = services.proposal_check_create(
                actor=authenticated_user(request),
                unit=unit,
                name=form.cleaned_data["name"],
                features=form.cleaned_data["features"],
                users=form.cleaned_data["users"],
                division=form.cleaned_data["division"],
                description=form.cleaned_data["description"],
            )
            return redirect("overlap:check_detail", number=c.number)
        except GovappError as exc:
            add_to_form(form, exc)
    return render(
        request,
        "overlap/check.html",
        {
            "form": form,
            "checks": selectors.checks_for(request.user)[:20],
            "suspended": services.suspended_units(request.user)[:100]
            if has_role(request.user, services.APPROVAL_ROLE, "national_regulator")
            else [],
        },
    )


@login_required
def check_detail(request: HttpRequest, number: str) -> HttpResponse:
    c = get_restricted_or_404(ProposalCheck.objects.all(), request.user, "view", number=number)
    for m in c.matches:
        m["function_name"] = selectors.function_name(m.get("function"))
    return render(
        request,
        "overlap/check_detail.html",
        {"check": c, "function_name": selectors.function_name(c.function)},
    )
