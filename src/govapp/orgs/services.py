"""Writes for units, users, grants, API tokens and login throttling.  Each change is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
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

from govapp.core.actor import Actor
from govapp.core.audit import audit_record, diff, snapshot
from govapp.core.errors import Conflict, InvalidInput, NotAllowed, invalid_input
from govapp.orgs.models import (
    REGULATOR_KINDS,
    REGULATOR_ROLES,
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


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, {field: message})


def _full_clean(obj: Unit | User, exclude: list[str] | None = None) -> None:
    """The model's own validation, refused as InvalidInput with its field errors."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise invalid_input(exc) from exc


def unit_create(
    *,
    actor: Actor | None,
    name: str,
    kind: str,
    division: Division,
    parent: Unit | None = None,
    credit_code: str = "",
) -> Unit:
    if kind not in UnitKind.values:
        raise _invalid("kind", _("未知的单位类型：%(kind)s") % {"kind": kind})
    with transaction.atomic():
        unit = Unit(name=name, kind=kind, division=division, parent=parent, credit_code=credit_code)
        _full_clean(unit)
        unit.save()
        audit_record(actor=actor, action="unit.create", obj=unit, after=snapshot(unit))
    return unit


def unit_update(*, actor: Actor, unit: Unit, **changes: Any) -> Unit:
    allowed = {"name", "kind", "division", "parent", "credit_code", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(_("不能修改这些字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        before = snapshot(unit)
        for key, value in changes.items():
            setattr(unit, key, value)
        _full_clean(unit)
        unit.save()
        b, a = diff(before, snapshot(unit))
        audit_record(actor=actor, action="unit.update", obj=unit, before=b, after=a)
    return unit


def user_create(
    *,
    actor: Actor | None,
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
        _full_clean(user, exclude=["password"])
        user.save()
        audit_record(actor=actor, action="user.create", obj=user, after=snapshot(user))
    return user


def _check_grant_shape(role: str, unit: Unit | None, division: Division | None) -> None:
    if role not in Role.values:
        raise _invalid("role", _("未知的角色：%(r)s") % {"r": role})
    if role in UNIT_ROLES:
        if unit is None:
            raise _invalid("unit", _("主办单位角色必须指定单位。"))
        if division is not None:
            raise _invalid("division", _("主办单位角色不能指定管辖区划。"))
        return
    if unit is not None:
        raise _invalid("unit", _("监管和审计角色按管辖区划授权，不指定单位。"))
    if role == Role.NATIONAL_REGULATOR and division is not None:
        raise _invalid("division", _("国家监管人员的管辖范围是全国，请留空。"))
    if role in {Role.PROVINCIAL_CAC_REVIEWER, Role.PROVINCIAL_GSA_REVIEWER} and (
        division is None or len(division.code) != 2
    ):
        raise _invalid("division", _("省级审核人员必须授权到一个省级区划。"))


def grant_create(
    *,
    actor: Actor | None,
    user: User,
    role: str,
    unit: Unit | None = None,
    division: Division | None = None,
    expires_at: dt.datetime | None = None,
) -> Grant:
    if actor is not None and not grant_allowed(actor, role=role, unit=unit):
        raise NotAllowed(_("您无权授予该角色。"))
    _check_grant_shape(role, unit, division)
    if unit is not None and unit.kind in REGULATOR_KINDS and role in UNIT_ROLES:
        raise _invalid("unit", _("监管机构不是主办单位。"))
    with transaction.atomic():
        grant, created = Grant.objects.get_or_create(
            user=user, role=role, unit=unit, division=division, defaults={"expires_at": expires_at}
        )
        if created:
            audit_record(actor=actor, action="grant.create", obj=grant, after=snapshot(grant))
    user.__dict__.pop("_govapp_grants", None)
    return grant


def grant_revoke(*, actor: Actor, grant: Grant) -> None:
    if actor is not None and not grant_allowed(actor, role=grant.role, unit=grant.unit):
        raise NotAllowed(_("您无权撤销该授权。"))
    with transaction.atomic():
        before = snapshot(grant)
        audit_record(actor=actor, action="grant.revoke", obj=grant, before=before)
        grant.delete()


# --- API tokens -------------------------------------------------------------------------


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(
    *, actor: Actor, user: User, name: str = "api", lifetime_days: int | None = 90
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


def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
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


def _login_bucket(username: str) -> str:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:20]
    return f"login-{digest}"


def _login_limits() -> tuple[tuple[int, float], tuple[int, float]]:
    window = float(settings.GOVAPP_LOGIN_LOCKOUT_MINUTES) * 60
    return (
        (int(settings.GOVAPP_LOGIN_MAX_FAILURES), window),
        (int(settings.GOVAPP_LOGIN_MAX_FAILURES_PER_ADDRESS), window),
    )


def _login_check(request: HttpRequest | None, username: str) -> None:
    """Refuse (LoginLocked) when the account-and-address or the address counter is full."""
    from govapp.core import ratelimit

    who = ratelimit.client_key(request) if request is not None else "no-address"
    (acct_n, window), (addr_n, _w) = _login_limits()
    bucket = _login_bucket(username)
    checks = [
        ratelimit.hit(bucket=bucket, who=who, limit=acct_n, window=window, consume=False),
        ratelimit.hit(bucket="login-address", who=who, limit=addr_n, window=window, consume=False),
    ]
    refused = [d for d in checks if not d.allowed]
    if refused:
        raise LoginLocked(
            timezone.now() + dt.timedelta(seconds=max(d.retry_after for d in refused))
        )


def _login_failed(request: HttpRequest | None, username: str) -> None:
    """Count one failure (a wrong password or a wrong second-factor code); raise LoginLocked
    when this one fills a counter."""
    from govapp.core import ratelimit

    who = ratelimit.client_key(request) if request is not None else "no-address"
    (acct_n, window), (addr_n, _w) = _login_limits()
    bucket = _login_bucket(username)
    now = timezone.now()
    account = ratelimit.hit(bucket=bucket, who=who, limit=acct_n, window=window)
    address = ratelimit.hit(bucket="login-address", who=who, limit=addr_n, window=window)
    after_this = [
        ratelimit.hit(bucket=bucket, who=who, limit=acct_n, window=window, consume=False),
        ratelimit.hit(bucket="login-address", who=who, limit=addr_n, window=window, consume=False),
    ]
    locked = [d for d in (account, address, *after_this) if not d.allowed]
    if locked:
        until = now + dt.timedelta(seconds=max(d.retry_after for d in locked))
        user = User.objects.filter(username=username).first()
        if user is not None:
            with transaction.atomic():
                User.objects.filter(pk=user.pk).update(
                    locked_until=until, failed_logins=F("failed_logins") + 1
                )
                audit_record(
                    actor=None, action="user.lockout", obj=user, after={"locked_until": until}
                )
        raise LoginLocked(until)


def login_attempt(*, request: HttpRequest | None, username: str, password: str) -> User | None:
    """Authenticate with two lockouts, both counted in the shared store (every process):

    - per account *and* client address: GOVAPP_LOGIN_MAX_FAILURES failures within
      GOVAPP_LOGIN_LOCKOUT_MINUTES lock that pair (even the right password is refused), so a
      stranger guessing from elsewhere cannot lock the real user out of their own desk;
    - per client address: GOVAPP_LOGIN_MAX_FAILURES_PER_ADDRESS failures over any accounts.

    Unknown user names are counted exactly like real ones and get the same answers (Django's
    backend hashes a dummy password for them, so the timing is the same too).  A wrong code
    at the second-factor step counts against the same limits (second_factor_verify)."""
    _login_check(request, username)
    authed = authenticate(request, username=username, password=password)
    if authed is not None:
        assert isinstance(authed, User)
        if authed.failed_logins or authed.locked_until:
            User.objects.filter(pk=authed.pk).update(failed_logins=0, locked_until=None)
        return authed
    _login_failed(request, username)
    return None


def login_counters_clear(username: str) -> None:
    """Forget the failed logins of ``username`` from every address (an administrator's unlock)."""
    from govapp.core import ratelimit, shared

    shared.clear(f"{ratelimit.KEY_PREFIX}{_login_bucket(username)}:")


# --- Who may manage whom -------------------------------------------------------------------


def can_manage_user(actor: Actor, target: User) -> bool:
    """National regulators manage every account; unit managers the staff of their own unit."""
    from govapp.core.permissions import active_grants, has_role

    if has_role(actor, Role.NATIONAL_REGULATOR):
        return True
    return target.unit_id is not None and any(
        g.role == Role.UNIT_MANAGER and g.unit_id == target.unit_id for g in active_grants(actor)
    )


def grant_allowed(actor: Actor, *, role: str, unit: Unit | None) -> bool:
    from govapp.core.permissions import active_grants, has_role

    if has_role(actor, Role.NATIONAL_REGULATOR):
        return True
    return (
        role in UNIT_ROLES
        and unit is not None
        and any(g.role == Role.UNIT_MANAGER and g.unit_id == unit.pk for g in active_grants(actor))
    )


def user_set_active(*, actor: Actor, user: User, active: bool) -> User:
    if not can_manage_user(actor, user):
        raise NotAllowed(_("您无权管理该账号。"))
    if user.pk == getattr(actor, "pk", None) and not active:
        raise _invalid("active", _("不能停用自己的账号。"))
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


def user_unlock(*, actor: Actor, user: User) -> User:
    if not can_manage_user(actor, user):
        raise NotAllowed(_("您无权管理该账号。"))
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        login_counters_clear(user.username)
        audit_record(actor=actor, action="user.unlock", obj=user)
    user.refresh_from_db()
    return user


# --- Passwords -----------------------------------------------------------------------------


def user_password_change(*, actor: Actor, user: User, old_password: str, new_password: str) -> User:
    """The holder changes their own password (Django's validators apply)."""
    from django.contrib.auth.password_validation import validate_password

    if actor is None or getattr(actor, "pk", None) != user.pk:
        raise NotAllowed(_("只能修改自己的密码。"))
    if not user.check_password(old_password):
        raise _invalid("old_password", _("原密码不正确。"))
    if old_password == new_password:
        raise _invalid("new_password", _("新密码不能与原密码相同。"))
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise invalid_input(exc, "new_password") from exc
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        audit_record(actor=actor, action="user.password_change", obj=user)
    return user


def user_password_reset(*, actor: Actor, user: User) -> str:
    """A unit manager (their unit's staff) or a national regulator gives ``user`` a one-time
    temporary password; it must be changed at the next login and the user's API tokens stop
    working.  Returns the temporary password (shown once, never stored in clear)."""
    if not can_manage_user(actor, user):
        raise NotAllowed(_("您无权管理该账号。"))
    if user.pk == getattr(actor, "pk", None):
        raise InvalidInput(_("请通过“修改密码”修改自己的密码。"))
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    temporary = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))
    with transaction.atomic():
        user.set_password(temporary)
        user.must_change_password = True
        user.locked_until = None
        user.failed_logins = 0
        user.save(
            update_fields=["password", "must_change_password", "locked_until", "failed_logins"]
        )
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        login_counters_clear(user.username)
        audit_record(actor=actor, action="user.password_reset", obj=user)
    return temporary


# --- TOTP second factor (django-otp) ---------------------------------------------------------

RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed by hand


class SecondFactorRefused(InvalidInput):
    """A wrong, replayed or used code."""


def totp_device(user: User, *, confirmed: bool | None = True) -> Any:
    """The user's TOTP device (confirmed, or with ``confirmed=False`` an enrolment that has
    not been confirmed yet), or None."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    qs = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        qs = qs.filter(confirmed=confirmed)
    return qs.order_by("-pk").first()


def totp_required(user: Any) -> bool:
    """GOVAPP_REQUIRE_TOTP_FOR_REGULATORS and the user holds a regulator role."""
    from govapp.core.permissions import has_role

    return bool(settings.GOVAPP_REQUIRE_TOTP_FOR_REGULATORS) and has_role(user, *REGULATOR_ROLES)


def _recovery_hash(user: User, code: str) -> str:
    from django.utils.crypto import salted_hmac

    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return salted_hmac(
        "govapp.orgs.recovery_code", f"{user.pk}:{normal}", algorithm="sha256"
    ).hexdigest()


def _recovery_codes_issue(user: User) -> list[str]:
    from govapp.orgs.models import RecoveryCode

    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _i in range(int(settings.GOVAPP_TOTP_RECOVERY_CODES)):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=_recovery_hash(user, c)) for c in codes]
    )
    return codes


def recovery_codes_left(user: User) -> int:
    from govapp.orgs.models import RecoveryCode

    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def _is_totp_code(code: str) -> bool:
    return code.isascii() and code.isdigit() and len(code) in (6, 8)


def _totp_check(user: User, device: Any, code: str) -> bool:
    """django-otp's verification: the device row is locked, a code of a time step already
    used is refused (replay), failures back off exponentially per device."""
    import django_otp

    allowed, _info = device.verify_is_allowed()
    if not allowed:
        # django-otp's back-off after a wrong code (1 s, 2 s, 4 s ...): not the login lockout,
        # so say how long to wait rather than "too many failures"
        until = (_info or {}).get("locked_until") or timezone.now() + dt.timedelta(seconds=1)
        wait = max(1, math.ceil((until - timezone.now()).total_seconds()))
        raise SecondFactorRefused(
            _("验证码输入过快：请等待 %(n)d 秒后再输入（连续输错后等待时间会加倍）。") % {"n": wait}
        )
    return django_otp.verify_token(user, device.persistent_id, code) is not None


def _recovery_use(user: User, code: str, *, actor: Actor) -> bool:
    from govapp.orgs.models import RecoveryCode

    with transaction.atomic():
        row = RecoveryCode.objects.filter(
            user=user, code_hash=_recovery_hash(user, code), used_at__isnull=True
        ).first()
        # the conditional update makes a code single-use even under concurrent requests
        if row is None or not RecoveryCode.objects.filter(pk=row.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        ):
            return False
        audit_record(
            actor=actor,
            action="user.recovery_code_use",
            obj=user,
            after={"left": recovery_codes_left(user)},
        )
    return True


def second_factor_verify(*, request: HttpRequest | None, user: User, code: str) -> str:
    """The second step of a login: a TOTP code of the user's device, or one of their recovery
    codes.  Counts against the login lockout (per account and address, per address) like a
    wrong password.  Returns ``"totp"`` or ``"recovery"``; raises LoginLocked or
    SecondFactorRefused."""
    code = (code or "").strip().replace(" ", "")
    _login_check(request, user.username)
    device = totp_device(user)
    ok = ""
    if device is not None and code:
        if _is_totp_code(code):
            ok = "totp" if _totp_check(user, device, code) else ""
        elif _recovery_use(user, code, actor=user):
            ok = "recovery"
    if ok:
        return ok
    _login_failed(request, user.username)
    raise SecondFactorRefused(_("验证码不正确或已使用过，请输入验证器应用上当前显示的验证码。"))


def totp_enrol_start(*, actor: Actor, user: User) -> Any:
    """A new, unconfirmed TOTP device (a fresh random key) for ``user`` to add to an
    authenticator app; any earlier unconfirmed one is dropped.  Nothing changes for the login
    until the enrolment is confirmed with a code (totp_enrol_confirm)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if getattr(actor, "pk", None) != user.pk:
        raise NotAllowed(_("只能为自己的账号启用两步验证。"))
    if totp_device(user) is not None:
        raise Conflict(_("两步验证已启用。如需更换手机，请先停用再重新启用。"))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name="totp", confirmed=False)


def totp_enrol_confirm(
    *, actor: Actor, user: User, code: str, request: HttpRequest | None = None
) -> list[str]:
    """Confirm the enrolment with a code from the authenticator app: from now on the login
    asks for a code.  Returns the single-use recovery codes (shown once, stored hashed).
    With ``request`` (enrolment forced at login, before the session is authenticated) wrong
    codes count against the login lockout."""
    if getattr(actor, "pk", None) != user.pk:
        raise NotAllowed(_("只能为自己的账号启用两步验证。"))
    device = totp_device(user, confirmed=False)
    if device is None:
        raise Conflict(_("没有待确认的两步验证，请重新开始。"))
    if request is not None:
        _login_check(request, user.username)
    code = (code or "").strip().replace(" ", "")
    if not (_is_totp_code(code) and _totp_check(user, device, code)):
        if request is not None:
            _login_failed(request, user.username)
        raise SecondFactorRefused(
            _("验证码不正确。请确认手机时间准确，并输入验证器应用上当前显示的 6 位数字验证码。")
        )
    with transaction.atomic():
        device.refresh_from_db()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_issue(user)
        audit_record(
            actor=actor,
            action="user.totp_enrol",
            obj=user,
            after={"second_factor": "totp", "recovery_codes": len(codes)},
        )
    return codes


def _second_factor_drop(user: User) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from govapp.orgs.models import RecoveryCode

    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()


def totp_disable(*, actor: Actor, user: User, code: str) -> None:
    """The holder turns the second factor off, proving it with a current code (or a recovery
    code).  Where it is required for their role, the next login asks them to enrol again."""
    if getattr(actor, "pk", None) != user.pk:
        raise NotAllowed(_("只能停用自己账号的两步验证。"))
    if totp_device(user) is None:
        raise Conflict(_("两步验证未启用。"))
    code = (code or "").strip().replace(" ", "")
    device = totp_device(user)
    ok = (_is_totp_code(code) and _totp_check(user, device, code)) or (
        bool(code) and not _is_totp_code(code) and _recovery_use(user, code, actor=actor)
    )
    if not ok:
        raise SecondFactorRefused(_("验证码不正确或已使用过，未停用两步验证。"))
    with transaction.atomic():
        _second_factor_drop(user)
        audit_record(
            actor=actor, action="user.totp_disable", obj=user, before={"second_factor": "totp"}
        )


def totp_reset(*, actor: Actor, user: User) -> None:
    """A unit manager (their unit's staff) or a national regulator removes ``user``'s second
    factor after a lost phone; the user logs in with the password and (where required for
    their role) enrols again.  The same rule as a password reset decides who may."""
    if not can_manage_user(actor, user):
        raise NotAllowed(_("您无权管理该账号。"))
    if user.pk == getattr(actor, "pk", None):
        raise NotAllowed(_("请在“账号安全”页停用自己的两步验证。"))
    with transaction.atomic():
        had = totp_device(user) is not None
        _second_factor_drop(user)
        audit_record(
            actor=actor,
            action="user.totp_reset",
            obj=user,
            before={"second_factor": "totp" if had else ""},
        )
