"""Pages of the self-inspection campaigns (thin: forms in, services and selectors out)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from govapp.core.calendar import today_shanghai
from govapp.core.errors import GovappError, add_to_form
from govapp.core.errors import message as error_message
from govapp.core.forms import pressed
from govapp.core.pagination import page_of
from govapp.core.permissions import can, get_restricted_or_404, is_regulator
from govapp.orgs.models import Unit, User
from govapp.orgs.requests import authenticated_user
from govapp.oversight.campaigns import selectors, services
from govapp.oversight.campaigns.export import campaign_workbook
from govapp.oversight.campaigns.forms import (
    AnswerForm,
    CampaignForm,
    EvaluatorAssignForm,
    ProvincePlanForm,
    ReviewForm,
    TaskFilterForm,
    UsingUnitForm,
)
from govapp.oversight.campaigns.models import (
    OPEN_TASK_STATES,
    AppUsingUnit,
    CampaignState,
    TaskKind,
    TaskState,
)
from govapp.registry.models import App


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    campaigns = list(selectors.campaigns_for(user)[:100])
    tasks = (
        selectors.tasks_for(user)
        .filter(campaign__state=CampaignState.OPEN)
        .exclude(state=TaskState.ACCEPTED)
        .order_by("due", "pk")
    )
    if is_regulator(user):
        tasks = tasks.none()
    page = Paginator(tasks, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/list.html",
        {
            "campaigns": campaigns,
            "page": page,
            "can_launch": services.actor_scope(user) is not None,
            "today": today_shanghai(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    if services.actor_scope(request.user) is None:
        raise Http404
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            launched = services.campaign_launch(
                actor=authenticated_user(request), **form.cleaned_data
            )
        except GovappError as exc:
            add_to_form(form, exc)
        else:
            messages.success(
                request,
                _("专项已发起：向 %(h)d 个主办单位任务、%(u)d 个使用单位任务下发了自查。")
                % {"h": launched.host_tasks, "u": launched.user_tasks},
            )
            return redirect("campaigns:detail", launched.campaign.pk)
    return render(request, "campaigns/new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    campaign = selectors.campaign_get(user, pk)
    province = selectors.province_of(user)
    plan_form = (
        ProvincePlanForm(request.POST or None) if campaign.is_national and province else None
    )
    if request.method == "POST" and plan_form is not None and plan_form.is_valid():
        try:
            services.province_plan_set(
                actor=user,
                campaign=campaign,
                province_code=province,
                internal_deadline=plan_form.cleaned_data["internal_deadline"],
                questions=plan_form.question_lines(),
            )
        except GovappError as exc:
            add_to_form(plan_form, exc)
        else:
            messages.success(request, _("本省补充问题和省内截止日期已保存。"))
            return redirect("campaigns:detail", campaign.pk)
    level = 4 if province or (not campaign.is_national and len(campaign.scope_code) >= 2) else 2
    rows = selectors.campaign_progress(user, campaign, level=level)
    task_filters = TaskFilterForm(request.GET or None)
    chosen = task_filters.filters()
    tasks = selectors.tasks_filtered(
        selectors.tasks_for(user).filter(campaign=campaign).order_by("due", "app__name"), **chosen
    )
    page = page_of(request, tasks, 50)
    owns = services._owns(user, campaign)
    assign_form = None
    if owns and campaign.state == CampaignState.OPEN:
        assign_form = EvaluatorAssignForm(
            evaluators=User.objects.filter(grants__role=services.EVALUATOR_ROLE).distinct(),
            apps=App.objects.filter(
                pk__in=campaign.tasks.filter(kind=TaskKind.HOST).values("app_id")
            ).order_by("name"),
        )
    plan = campaign.plans.filter(province_code=province).first() if province else None
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "rows": rows,
            "total": selectors.progress_total(rows),
            "page": page,
            "plan_form": plan_form,
            "plan": plan,
            "assign_form": assign_form,
            "owns": owns,
            "today": today_shanghai(),
            "classes": selectors.problem_classes(),
            "states": TaskState.choices,
            "task_filters": task_filters,
            "chosen": chosen,
            "query": urlencode({k: "1" if v is True else v for k, v in chosen.items()}),
        },
    )


@login_required
@require_POST
def campaign_assign(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(request.user, pk)
    form = EvaluatorAssignForm(
        request.POST,
        evaluators=User.objects.filter(grants__role=services.EVALUATOR_ROLE).distinct(),
        apps=App.objects.filter(pk__in=campaign.tasks.filter(kind=TaskKind.HOST).values("app_id")),
    )
    if form.is_valid():
        try:
            made = services.evaluator_assign(
                actor=request.user,
                campaign=campaign,
                evaluator=form.cleaned_data["evaluator"],
                apps=form.cleaned_data["apps"],
            )
        except GovappError as exc:
            error_message(request, exc)
        else:
            messages.success(request, _("已委托第三方评估 %(n)d 个应用。") % {"n": len(made)})
    else:
        messages.error(request, _("请选择评估人员和至少一个应用。"))
    return redirect("campaigns:detail", campaign.pk)


@login_required
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(request.user, pk)
    try:
        services.campaign_close(actor=request.user, campaign=campaign)
    except GovappError as exc:
        error_message(request, exc)
    else:
        messages.success(request, _("专项已结束。"))
    return redirect("campaigns:detail", campaign.pk)


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    task = selectors.task_get(user, pk)
    checks = selectors.task_checks(task)
    can_answer = services.may_answer(user, task) and task.state in OPEN_TASK_STATES
    can_review = services.may_review(user, task) and task.state == TaskState.SUBMITTED
    answer_form = review_form = None
    if can_answer:
        answer_form = AnswerForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
            checks=checks,
            initial={"version": task.version},
        )
        if request.method == "POST" and answer_form.is_valid():
            submit = pressed(request) == "submit"
            try:
                # what was typed is saved first, so a refused submission loses nothing and the
                # page shows the contradictions of the saved answers
                task = services.task_answer(
                    actor=user,
                    task=task,
                    answers=answer_form.answers(),
                    attachments=answer_form.attachments(),
                    version=answer_form.cleaned_data["version"],
                )
                if submit:
                    services.task_answer(actor=user, task=task, answers={}, submit=True)
            except GovappError as exc:
                add_to_form(answer_form, exc)
                task.refresh_from_db()
                checks = selectors.task_checks(task)
                answer_form.checks = checks
                data = answer_form.data.copy()  # type: ignore[attr-defined]
                data["version"] = str(task.version)
                answer_form.data = data
            else:
                messages.success(
                    request, _("已提交，等待审核。") if submit else _("已保存，可继续填写。")
                )
                return redirect("campaigns:task", task.pk)
    elif can_review:
        review_form = ReviewForm(request.POST or None, checks=checks)
        if request.method == "POST" and review_form.is_valid():
            try:
                services.task_review(
                    actor=user,
                    task=task,
                    accept=review_form.cleaned_data["decision"] == "accept",
                    note=review_form.cleaned_data["note"],
                    confirmed=review_form.confirmed(),
                    reviewer_notes=review_form.notes(),
                )
            except GovappError as exc:
                add_to_form(review_form, exc)
            else:
                messages.success(request, _("审核意见已保存。"))
                return redirect("campaigns:task", task.pk)
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "campaigns/task.html",
        {
            "task": task,
            "checks": checks,
            "contradictions": sum(1 for c in checks if c.contradiction),
            "answer_form": answer_form,
            "review_form": review_form,
            "comparison": selectors.evaluation_comparison(task),
            "today": today_shanghai(),
        },
    )


@login_required
def campaign_report(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(request.user, pk)
    level = 2 if campaign.is_national and not selectors.province_of(request.user) else 4
    rows = selectors.campaign_progress(request.user, campaign, level=level)
    total = selectors.progress_total(rows)
    return render(
        request,
        "campaigns/report.html",
        {
            "campaign": campaign,
            "rows": rows,
            "total": total,
            "class_rows": [
                (label, total.by_class.get(v, 0)) for v, label in selectors.problem_classes()
            ],
            "classes": selectors.problem_classes(),
            "non_responders": selectors.non_responders(request.user, campaign)[:500],
            "today": today_shanghai(),
        },
    )


@login_required
def campaign_report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(request.user, pk)
    data = campaign_workbook(request.user, campaign)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def using_units(request: HttpRequest, app_pk: int) -> HttpResponse:
    app = get_restricted_or_404(
        App.objects.select_related("hosting_unit"), request.user, "view", pk=app_pk
    )
    province = (app.hosting_unit.scope_code or "")[:2]
    units = Unit.objects.filter(is_active=True).exclude(pk=app.hosting_unit_id)
    units = units.filter(scope_code__startswith=province) if province.isdigit() else units
    form = UsingUnitForm(request.POST or None, units=units.order_by("scope_code", "name"))
    if request.method == "POST":
        remove = pressed(request, "remove")
        if remove:
            row = get_restricted_or_404(
                AppUsingUnit.objects.select_related("app", "unit"),
                request.user,
                "change",
                pk=int(remove) if remove.isascii() and remove.isdigit() else 0,
                app=app,
            )
            try:
                services.using_unit_remove(actor=request.user, row=row)
            except GovappError as exc:
                error_message(request, exc)
            return redirect("campaigns:using_units", app.pk)
        if form.is_valid():
            try:
                services.using_unit_add(actor=request.user, app=app, **form.cleaned_data)
            except GovappError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("已登记使用单位。"))
                return redirect("campaigns:using_units", app.pk)
    return render(
        request,
        "campaigns/using_units.html",
        {
            "app": app,
            "rows": selectors.using_units_for(request.user, app.pk),
            "form": form,
            "can_change": can(request.user, "change", app),
        },
    )
