"""Writes for units, users, grants, API tokens and login throttling.  Each change is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from govapp.core.audit import audit_record, diff, snapshot
from govapp.orgs.models import (
    REGULATOR_KINDS,
    UNIT_ROLES,
    ApiToken,
    Division,
    Grant,
    Role,
    Unit,
    UnitKind,
    User,
)

TOKEN_PREFIX = "gva_"  # noqa: S105 - a public prefix, not a secret


def unit_create(
    *,
    actor: Any,
    name: str,
    kind: str,
    division: Division,
    parent: Unit | None = None,
    credit_code: str = "",
) -> Unit:
    if kind not in UnitKind.values:
        raise ValidationError({"kind": _("未知的单位类型：%(kind)s") % {"kind": kind}})
    with transaction.atomic():
        unit = Unit(name=name, kind=kind, division=division, parent=parent, credit_code=credit_code)
        unit.full_clean()
        unit.save()
        audit_record(actor=actor, action="unit.create", obj=unit, after=snapshot(unit))
    return unit


def unit_update(*, actor: Any, unit: Unit, **changes: Any) -> Unit:
    allowed = {"name", "kind", "division", "parent", "credit_code", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("不能修改这些字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        before = snapshot(unit)
        for key, value in changes.items():
            setattr(unit, key, value)
        unit.full_clean()
        unit.save()
        b, a = diff(before, snapshot(unit))
        audit_record(actor=actor, action="unit.update", obj=unit, before=b, after=a)
    return unit


def user_create(
    *,
    actor: Any,
    username: str,
    password: str | None,
    display_name: str = "",
    unit: Unit | None = None,
    email: str = "",
) -> User:
    with transaction.atomic():
        user = User(username=username, display_name=display_name, unit=unit, email=email)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        audit_record(actor=actor, action="user.create", obj=user, after=snapshot(user))
    return user


def _check_grant_shape(role: str, unit: Unit | None, division: Division | None) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("未知的角色：%(r)s") % {"r": role}})
    if role in UNIT_ROLES:
        if unit is None:
            raise ValidationError({"unit": _("主办单位角色必须指定单位。")})
        if division is not None:
            raise ValidationError({"division": _("主办单位角色不能指定管辖区划。")})
        return
    if unit is not None:
        raise ValidationError({"unit": _("监管和审计角色按管辖区划授权，不指定单位。")})
    if role == Role.NATIONAL_REGULATOR and division is not None:
        raise ValidationError({"division": _("国家监管人员的管辖范围是全国，请留空。")})
    if role in {Role.PROVINCIAL_CAC_REVIEWER, Role.PROVINCIAL_GSA_REVIEWER} and (
        division is None or len(division.code) != 2
    ):
        raise ValidationError({"division": _("省级审核人员必须授权到一个省级区划。")})


def grant_create(
    *,
    actor: Any,
    user: User,
    role: str,
    unit: Unit | None = None,
    division: Division | None = None,
    expires_at: dt.datetime | None = None,
) -> Grant:
    _check_grant_shape(role, unit, division)
    if unit is not None and unit.kind in REGULATOR_KINDS and role in UNIT_ROLES:
        raise ValidationError({"unit": _("监管机构不是主办单位。")})
    with transaction.atomic():
        grant, created = Grant.objects.get_or_create(
            user=user, role=role, unit=unit, division=division, defaults={"expires_at": expires_at}
        )
        if created:
            audit_record(actor=actor, action="grant.create", obj=grant, after=snapshot(grant))
    user.__dict__.pop("_govapp_grants", None)
    return grant


def grant_revoke(*, actor: Any, grant: Grant) -> None:
    with transaction.atomic():
        before = snapshot(grant)
        audit_record(actor=actor, action="grant.revoke", obj=grant, before=before)
        grant.delete()


# --- API tokens -------------------------------------------------------------------------


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(
    *, actor: Any, user: User, name: str = "api", lifetime_days: int | None = 90
) -> tuple[ApiToken, str]:
    """Returns the token row and the raw token, which is shown once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + dt.timedelta(days=lifetime_days) if lifetime_days else None
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:64],
            prefix=raw[:12],
            key_hash=_hash_token(raw),
            expires_at=expires,
        )
        audit_record(
            actor=actor or user,
            action="token.issue",
            obj=token,
            object_type="orgs.apitoken",
            after={"user": user.pk, "name": token.name, "prefix": token.prefix},
            scope_code=user.unit.scope_code if user.unit else "",
            unit_pk=user.unit_id,
        )
    return token, raw


def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor,
                action="token.revoke",
                obj=token,
                object_type="orgs.apitoken",
                after={"prefix": token.prefix},
            )
    return token


def token_authenticate(raw: str) -> User | None:
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash_token(raw)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- Login with lockout -------------------------------------------------------------------


class LoginLocked(Exception):
    def __init__(self, until: dt.datetime) -> None:
        super().__init__(str(until))
        self.until = until


def login_attempt(*, request: HttpRequest | None, username: str, password: str) -> User | None:
    """Authenticate; after GOVAPP_LOGIN_MAX_FAILURES failures the account is locked for
    GOVAPP_LOGIN_LOCKOUT_MINUTES (even a correct password is refused meanwhile)."""
    now = timezone.now()
    user = User.objects.filter(username=username).first()
    if user is not None and user.locked_until and user.locked_until > now:
        raise LoginLocked(user.locked_until)
    authed = authenticate(request, username=username, password=password)
    if authed is not None:
        if user is not None and (user.failed_logins or user.locked_until):
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        assert isinstance(authed, User)
        return authed
    if user is not None:
        until = None
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
            user.refresh_from_db(fields=["failed_logins"])
            if user.failed_logins >= settings.GOVAPP_LOGIN_MAX_FAILURES:
                until = now + dt.timedelta(minutes=settings.GOVAPP_LOGIN_LOCKOUT_MINUTES)
                User.objects.filter(pk=user.pk).update(locked_until=until, failed_logins=0)
                audit_record(
                    actor=None,
                    action="user.lockout",
                    obj=user,
                    after={"locked_until": until},
                )
        if until is not None:
            raise LoginLocked(until)
    return None


# --- Who may manage whom -------------------------------------------------------------------


def can_manage_user(actor: Any, target: User) -> bool:
    """National regulators manage every account; unit managers the staff of their own unit."""
    from govapp.core.permissions import active_grants, has_role

    if has_role(actor, Role.NATIONAL_REGULATOR):
        return True
    return target.unit_id is not None and any(
        g.role == Role.UNIT_MANAGER and g.unit_id == target.unit_id for g in active_grants(actor)
    )


def grant_allowed(actor: Any, *, role: str, unit: Unit | None) -> bool:
    from govapp.core.permissions import active_grants, has_role

    if has_role(actor, Role.NATIONAL_REGULATOR):
        return True
    return (
        role in UNIT_ROLES
        and unit is not None
        and any(g.role == Role.UNIT_MANAGER and g.unit_id == unit.pk for g in active_grants(actor))
    )


def user_set_active(*, actor: Any, user: User, active: bool) -> User:
    if not can_manage_user(actor, user):
        raise ValidationError(_("您无权管理该账号。"))
    if user.pk == getattr(actor, "pk", None) and not active:
        raise ValidationError(_("不能停用自己的账号。"))
    with transaction.atomic():
        before = user.is_active
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="user.activate" if active else "user.deactivate",
            obj=user,
            before={"is_active": before},
            after={"is_active": active},
        )
        if not active:
            ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
    return user


def user_unlock(*, actor: Any, user: User) -> User:
    if not can_manage_user(actor, user):
        raise ValidationError(_("您无权管理该账号。"))
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        audit_record(actor=actor, action="user.unlock", obj=user)
    user.refresh_from_db()
    return user
