"""Login/logout, units in reach, and the user's API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from govapp.core.permissions import get_restricted_or_404, request_user, restrict
from govapp.orgs.models import ApiToken, Unit, UnitKind
from govapp.orgs.services import LoginLocked, login_attempt, token_issue, token_revoke


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = ""
    error = ""
    username = ""
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        password = request.POST.get("password", "")
        if not username or not password:
            error = _("请输入用户名和密码。")
        else:
            try:
                user = login_attempt(request=request, username=username, password=password)
            except LoginLocked as exc:
                error = _("登录失败次数过多，账号已锁定至 %(t)s，请稍后再试或联系管理员。") % {
                    "t": exc.until.astimezone().strftime("%H:%M")
                }
            else:
                if user is None:
                    error = _("用户名或密码不正确。")
                else:
                    login(request, user)
                    return redirect(next_url or "home")
    return render(
        request,
        "orgs/login.html",
        {"error": error, "username": username, "next": next_url},
        status=400 if error else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("login")


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    qs = restrict(Unit.objects.select_related("division"), request.user, "view")
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if q:
        qs = qs.filter(name__icontains=q)
    if kind in UnitKind.values:
        qs = qs.filter(kind=kind)
    page = Paginator(qs.order_by("scope_code", "name"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/unit_list.html",
        {"page": page, "q": q, "kind": kind, "kinds": UnitKind.choices},
    )


@login_required
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_restricted_or_404(
        Unit.objects.select_related("division", "parent"), request.user, "view", pk=unit_id
    )
    return render(request, "orgs/unit_detail.html", {"unit": unit})


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    new_token = ""
    if request.method == "POST":
        name = request.POST.get("name", "").strip() or "api"
        _token, new_token = token_issue(actor=request.user, user=request_user(request), name=name)
        messages.success(request, _("已签发新令牌。请立即复制保存，它只显示这一次。"))
    tokens = ApiToken.objects.filter(user=request_user(request)).order_by("-created_at")
    return render(request, "orgs/tokens.html", {"tokens": tokens, "new_token": new_token})


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request_user(request))
    token_revoke(actor=request.user, token=token)
    messages.success(request, _("令牌 %(p)s… 已吊销。") % {"p": token.prefix})
    return redirect("orgs:tokens")
