"""API: token issue (no auth), the caller's own identity and tokens, units in reach."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from govapp.core.errors import ErrorOut, NotFound
from govapp.core.pagination import ApiPagination
from govapp.core.permissions import request_user, restrict, roles_of
from govapp.orgs.models import ApiToken, Unit
from govapp.orgs.services import (
    LoginLocked,
    SecondFactorRefused,
    login_attempt,
    second_factor_verify,
    token_issue,
    token_revoke,
    totp_device,
    totp_required,
)

auth_router = Router(tags=["auth"])
router = Router(tags=["orgs"])


class TokenIn(Schema):
    username: str
    password: str
    name: str = "api"
    otp: str = Field(
        "",
        max_length=32,
        description="两步验证码或恢复码（已启用两步验证的账号必填） / TOTP or recovery code",
    )


class TokenOut(Schema):
    token: str
    expires_at: dt.datetime | None


@auth_router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    summary="签发 API 令牌",
)
def issue_token(request: HttpRequest, data: TokenIn) -> Status[Any]:
    """An account with the TOTP second factor also sends ``otp`` (a current code or a
    recovery code); wrong codes count against the login lockout like wrong passwords."""
    try:
        user = login_attempt(request=request, username=data.username, password=data.password)
        if user is not None and totp_device(user) is not None:
            if not data.otp:
                return Status(401, {"detail": "需要两步验证码 (otp required)"})
            second_factor_verify(request=request, user=user, code=data.otp)
    except LoginLocked as exc:
        return Status(
            429, {"detail": f"登录失败次数过多，请于 {exc.until:%Y-%m-%d %H:%M} 后再试 (locked)"}
        )
    except SecondFactorRefused:
        return Status(401, {"detail": "两步验证码不正确或已使用 (invalid otp)"})
    if user is None:
        return Status(401, {"detail": "用户名或密码错误 (invalid credentials)"})
    if totp_device(user) is None and totp_required(user):
        return Status(
            403, {"detail": "请先登录网页启用两步验证 (second factor enrolment required)"}
        )
    token, raw = token_issue(actor=user, user=user, name=data.name)
    return Status(200, {"token": raw, "expires_at": token.expires_at})


class MeOut(Schema):
    username: str
    display_name: str
    unit: str | None
    roles: list[str]


@auth_router.get("/me", response=MeOut, summary="当前用户")
def me(request: HttpRequest) -> dict[str, object]:
    user = request.user
    return {
        "username": user.get_username(),
        "display_name": getattr(user, "display_name", ""),
        "unit": str(user.unit) if getattr(user, "unit", None) else None,  # type: ignore[union-attr]
        "roles": sorted(roles_of(user)),
    }


class TokenRow(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


@auth_router.get("/tokens", response=list[TokenRow], summary="我的令牌")
def my_tokens(request: HttpRequest) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=request_user(request)).order_by("-created_at"))


@auth_router.delete("/tokens/{token_id}", response=TokenRow, summary="吊销令牌")
def revoke_token(request: HttpRequest, token_id: int) -> ApiToken:
    token = get_object_or_404(ApiToken, pk=token_id, user=request_user(request))
    return token_revoke(actor=request.user, token=token)


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    division_code: str
    division_name: str
    scope_code: str


def _unit_out(u: Unit) -> dict[str, object]:
    return {
        "id": u.pk,
        "name": u.name,
        "kind": u.kind,
        "division_code": u.division_id,
        "division_name": u.division.name,
        "scope_code": u.scope_code,
    }


@router.get("/units", response=list[UnitOut], summary="可见的单位")
@paginate(ApiPagination, transform=_unit_out)
def units(request: HttpRequest, q: str = "") -> Any:
    qs = restrict(Unit.objects.select_related("division"), request.user, "view")
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by("scope_code", "name", "pk")


@router.get("/units/{unit_id}", response=UnitOut, summary="单位详情")
def unit_detail(request: HttpRequest, unit_id: int) -> dict[str, object]:
    unit = (
        restrict(Unit.objects.select_related("division"), request.user, "view")
        .filter(pk=unit_id)
        .first()
    )
    if unit is None:
        raise NotFound(_("未找到该单位，或不在您的管辖范围内 (not found)"))
    return _unit_out(unit)
