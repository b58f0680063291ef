"""Login/logout, units in reach, and the user's API tokens."""

from __future__ import annotations

import base64
import time
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from govapp.core.actor import Actor
from govapp.core.audit import audit_read, audit_record
from govapp.core.errors import GovappError, InvalidInput, NotAllowed, NotFound
from govapp.core.errors import message as error_message
from govapp.core.forms import bind, form_messages, pressed
from govapp.core.pagination import page_of
from govapp.core.permissions import get_restricted_or_404, request_user, restrict
from govapp.orgs.forms import (
    CodeForm,
    LoginForm,
    PasswordChangeForm,
    TokenForm,
    UserActForm,
    UserNewForm,
)
from govapp.orgs.models import (
    UNIT_ROLES,
    ApiToken,
    Division,
    Grant,
    Role,
    Unit,
    UnitKind,
    User,
)
from govapp.orgs.services import (
    LoginLocked,
    SecondFactorRefused,
    can_manage_user,
    grant_create,
    grant_revoke,
    login_attempt,
    recovery_codes_left,
    second_factor_verify,
    token_issue,
    token_revoke,
    totp_device,
    totp_disable,
    totp_enrol_confirm,
    totp_enrol_start,
    totp_required,
    totp_reset,
    user_create,
    user_password_change,
    user_password_reset,
    user_set_active,
    user_unlock,
)

PENDING = "govapp_login_pending"
PENDING_SECONDS = 300


def _login_complete(
    request: HttpRequest,
    user: User,
    next_url: str,
    *,
    backend: str = "",
    second_factor: str = "",
) -> HttpResponse:
    request.session.pop(PENDING, None)
    login(request, user, backend=backend or None)
    audit_record(
        actor=user,
        action="user.login",
        obj=user,
        after={"second_factor": second_factor} if second_factor else None,
    )
    return redirect(next_url or "home")


def _pending(request: HttpRequest) -> tuple[User | None, dict[str, Any]]:
    """The user who gave the right password and still owes the second step (at most
    PENDING_SECONDS ago), and what the login page passed on."""
    data = request.session.get(PENDING) or {}
    if not data or time.time() - float(data.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, {}
    user = User.objects.filter(pk=int(data.get("uid") or 0), is_active=True).first()
    return user, data


def _locked_text(exc: LoginLocked) -> str:
    return _("登录失败次数过多，已暂停登录至 %(t)s，请稍后再试或联系管理员。") % {
        "t": exc.until.astimezone().strftime("%H:%M:%S")
    }


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = bind(request, LoginForm)
    valid = form.is_valid()
    next_url = (form.data.get("next") if form.is_bound else "") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = ""
    error = ""
    username = ""
    if request.method == "POST":
        username = str(form.data.get("username", "")).strip()
        password = form.cleaned_data["password"] if valid else ""
        if not valid:
            error = " ".join(str(e) for errs in form.errors.values() for e in errs)
        else:
            try:
                user = login_attempt(request=request, username=username, password=password)
            except LoginLocked as exc:
                error = _("登录失败次数过多，已暂停登录至 %(t)s，请稍后再试或联系管理员。") % {
                    "t": exc.until.astimezone().strftime("%H:%M")
                }
            else:
                if user is None:
                    error = _("用户名或密码不正确。")
                elif totp_device(user) is not None or totp_required(user):
                    # the session stays anonymous until the second step passes
                    request.session[PENDING] = {
                        "uid": user.pk,
                        "backend": getattr(user, "backend", ""),
                        "next": next_url,
                        "at": time.time(),
                    }
                    return redirect(
                        "login_code" if totp_device(user) is not None else "login_enrol"
                    )
                else:
                    return _login_complete(request, user, next_url)
    return render(
        request,
        "orgs/login.html",
        {"error": error, "username": username, "next": next_url},
        status=400 if error else 200,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit_record(actor=request.user, action="user.logout", obj=request.user)
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
    page = page_of(request, qs.order_by("scope_code", "name"), 50)
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
        form = bind(request, TokenForm)
        name = form.cleaned_data["name"] if form.is_valid() else "api"
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


def _managed_units(user: Actor) -> object:
    """Units in which ``user`` may create accounts."""
    from govapp.core.permissions import active_grants, has_role

    if has_role(user, Role.NATIONAL_REGULATOR):
        return Unit.objects.filter(is_active=True).order_by("scope_code", "name")
    ids = [
        g.unit_id
        for g in active_grants(user)
        if g.role == Role.UNIT_MANAGER and g.unit_id is not None
    ]
    return Unit.objects.filter(pk__in=ids)


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    qs = restrict(User.objects.select_related("unit"), request.user, "view")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(username__icontains=q) | qs.filter(display_name__icontains=q)
    page = page_of(request, qs.order_by("username"), 50)
    return render(
        request,
        "orgs/user_list.html",
        {
            "page": page,
            "q": q,
            "can_create": _managed_units(request.user).exists(),  # type: ignore[attr-defined]
            "query": f"q={q}",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    units = _managed_units(request.user)
    if not units.exists():  # type: ignore[attr-defined]
        raise PermissionDenied(_("您无权创建账号。"))
    errors: list[str] = []
    form = bind(request, UserNewForm)
    data = form.data
    if request.method == "POST":
        if not form.is_valid():
            errors.extend(str(e) for errs in form.errors.values() for e in errs)
        c = form.cleaned_data
        unit = units.filter(pk=c["unit"]).first() if c.get("unit") else None  # type: ignore[attr-defined]
        username = str(c.get("username") or "").strip()
        password = str(c.get("password") or "")
        if unit is None:
            errors.append(_("请选择所属单位。"))
        if not username:
            errors.append(_("请填写用户名。"))
        elif User.objects.filter(username=username).exists():
            errors.append(_("用户名“%(u)s”已被使用。") % {"u": username})
        if len(password) < 10:
            errors.append(_("初始密码至少 10 位。"))
        else:
            from django.contrib.auth.password_validation import validate_password

            try:
                validate_password(password, User(username=username))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if not errors:
            try:
                new_user = user_create(
                    actor=request.user,
                    username=username,
                    password=password,
                    display_name=c["display_name"].strip(),
                    unit=unit,
                    email=c["email"].strip(),
                )
            except GovappError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, _("账号已创建，请为其授权。"))
                return redirect("orgs:user", new_user.pk)
    return render(
        request,
        "orgs/user_new.html",
        {"units": units[:1000], "errors": errors, "data": data},  # type: ignore[index]
        status=400 if errors else 200,
    )


def _user_action(request: HttpRequest, target: User, c: dict[str, Any]) -> None:
    """One management action of the user page (grant, revoke, (de)activate, unlock, resets),
    from the cleaned UserActForm; the services check the manager's right to it."""
    action = c["action"]
    try:
        if action == "grant":
            role = c["role"]
            unit = target.unit if role in UNIT_ROLES else None
            code = c["division"].strip()
            division = None
            if role in {Role.PROVINCIAL_CAC_REVIEWER, Role.PROVINCIAL_GSA_REVIEWER} or (
                role == Role.AUDITOR and code
            ):
                division = Division.objects.filter(code=code).first()
                if division is None:
                    bad = _("请填写正确的区划代码（如广东省为 44）。")
                    raise InvalidInput(bad, {"division": bad})
            grant_create(actor=request.user, user=target, role=role, unit=unit, division=division)
            messages.success(request, _("已授权。"))
        elif action == "revoke":
            grant = Grant.objects.filter(pk=c["grant"] or 0, user=target).first()
            if grant is None:
                raise NotFound(_("该授权不存在。"))
            grant_revoke(actor=request.user, grant=grant)
            messages.success(request, _("已撤销授权。"))
        elif action in {"activate", "deactivate"}:
            user_set_active(actor=request.user, user=target, active=action == "activate")
            messages.success(request, _("已更新账号状态。"))
        elif action == "unlock":
            user_unlock(actor=request.user, user=target)
            messages.success(request, _("已解除锁定。"))
        elif action == "reset_totp":
            totp_reset(actor=request.user, user=target)
            messages.success(request, _("已重置两步验证。本人下次用密码登录后可重新启用。"))
        elif action == "reset_password":
            temporary = user_password_reset(actor=request.user, user=target)
            messages.success(
                request,
                _(
                    "已重置密码。临时密码：%(p)s（只显示这一次，请当面或通过安全渠道告知本人；"
                    "本人下次登录时必须修改）。"
                )
                % {"p": temporary},
            )
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except GovappError as exc:
        error_message(request, exc)


@login_required
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    target = get_restricted_or_404(
        User.objects.select_related("unit"), request.user, "view", pk=user_id
    )
    manage = can_manage_user(request.user, target)
    if request.method == "GET":
        audit_read(actor=request.user, obj=target)
    if request.method == "POST":
        if not manage:
            raise PermissionDenied(_("您无权管理该账号。"))
        form = bind(request, UserActForm)
        if not form.is_valid():
            form_messages(request, form)
            return redirect("orgs:user", target.pk)
        _user_action(request, target, form.cleaned_data)
        return redirect("orgs:user", target.pk)
    from govapp.core.permissions import has_role

    national = has_role(request.user, Role.NATIONAL_REGULATOR)
    roles = (
        Role.choices if national else [(r, label) for r, label in Role.choices if r in UNIT_ROLES]
    )
    return render(
        request,
        "orgs/user_detail.html",
        {
            "target": target,
            "grants": Grant.objects.filter(user=target).select_related("unit", "division"),
            "manage": manage,
            "roles": roles,
            "second_factor": totp_device(target) is not None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Everyone changes their own password here; after a reset this page is the only one
    open until the password is changed."""
    from django.contrib.auth import update_session_auth_hash
    from django.contrib.auth.password_validation import password_validators_help_texts

    user = request_user(request)
    errors: list[str] = []
    if request.method == "POST":
        form = bind(request, PasswordChangeForm)
        if not form.is_valid():
            errors.extend(str(e) for errs in form.errors.values() for e in errs)
        else:
            try:
                user_password_change(
                    actor=user,
                    user=user,
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password"],
                )
            except GovappError as exc:
                errors.extend(exc.messages)
            else:
                update_session_auth_hash(request, user)
                messages.success(request, _("密码已修改。"))
                return redirect("home")
    return render(
        request,
        "orgs/password_change.html",
        {
            "errors": errors,
            "forced": user.must_change_password,
            "help": password_validators_help_texts(),
        },
        status=400 if errors else 200,
    )


# --- the second step of a login, and the account's own security page ------------------------


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """After the right password: the code of the authenticator app (or a recovery code).
    Wrong codes count against the login lockout."""
    user, data = _pending(request)
    if user is None:
        messages.info(request, _("请重新输入用户名和密码。"))
        return redirect("login")
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            method = second_factor_verify(
                request=request, user=user, code=form.cleaned_data["code"]
            )
        except LoginLocked as exc:
            error = _locked_text(exc)
        except SecondFactorRefused as exc:
            error = exc.message
        else:
            if method == "recovery":
                messages.warning(
                    request,
                    _(
                        "您使用了一个恢复码，还剩 %(n)d 个。如手机丢失，请在“账号安全”页停用后重新启用两步验证。"
                    )
                    % {"n": recovery_codes_left(user)},
                )
            return _login_complete(
                request,
                user,
                data.get("next", ""),
                backend=data.get("backend", ""),
                second_factor=method,
            )
    return render(
        request,
        "orgs/login_code.html",
        {"form": form, "error": error, "username": user.username},
        status=400 if error or form.errors else 200,
    )


def _totp_setup(device: Any) -> dict[str, Any]:
    """The otpauth URI as a QR code drawn here (segno, SVG; no outside service) and the secret
    in base32 for typing it in by hand."""
    secret = base64.b32encode(device.bin_key).decode()
    return {
        "qr": mark_safe(  # noqa: S308 - SVG generated by segno from our own URI
            segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#1f2329")
        ),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": device.config_url,
    }


@require_http_methods(["GET", "POST"])
def login_enrol(request: HttpRequest) -> HttpResponse:
    """GOVAPP_REQUIRE_TOTP_FOR_REGULATORS: a regulator without a second factor enrols one
    after the password, before the session is authenticated."""
    user, data = _pending(request)
    if user is None or totp_device(user) is not None or not totp_required(user):
        return redirect("login_code" if user is not None else "login")
    device = totp_device(user, confirmed=False) or totp_enrol_start(actor=user, user=user)
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            codes = totp_enrol_confirm(
                actor=user, user=user, code=form.cleaned_data["code"], request=request
            )
        except LoginLocked as exc:
            error = _locked_text(exc)
        except GovappError as exc:
            error = exc.message
        else:
            _login_complete(
                request, user, "", backend=data.get("backend", ""), second_factor="totp"
            )
            return render(
                request,
                "orgs/recovery_codes.html",
                {"codes": codes, "next": data.get("next") or "/"},
            )
    return render(
        request,
        "orgs/login_enrol.html",
        {"form": form, "error": error, "username": user.username, "setup": _totp_setup(device)},
        status=400 if error or form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_security(request: HttpRequest) -> HttpResponse:
    """The account page: password, second factor (enrol, confirm, disable), API tokens."""
    user = request_user(request)
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST":
        action = pressed(request)
        try:
            if action == "start":
                totp_enrol_start(actor=user, user=user)
                return redirect("account_security")
            if action in {"confirm", "disable"} and form.is_valid():
                code = form.cleaned_data["code"]
                if action == "confirm":
                    codes = totp_enrol_confirm(actor=user, user=user, code=code)
                    messages.success(request, _("两步验证已启用。"))
                    return render(
                        request,
                        "orgs/recovery_codes.html",
                        {"codes": codes, "next": reverse("account_security")},
                    )
                totp_disable(actor=user, user=user, code=code)
                messages.success(request, _("两步验证已停用。"))
                return redirect("account_security")
        except LoginLocked as exc:
            error = _locked_text(exc)
        except GovappError as exc:
            error = exc.message
    device = totp_device(user)
    pending = None if device is not None else totp_device(user, confirmed=False)
    return render(
        request,
        "orgs/account_security.html",
        {
            "form": form if request.method == "POST" else CodeForm(),
            "error": error,
            "device": device,
            "pending": pending,
            "setup": _totp_setup(pending) if pending is not None else None,
            "codes_left": recovery_codes_left(user) if device is not None else 0,
            "required": totp_required(user),
        },
        status=400 if error or form.errors else 200,
    )
