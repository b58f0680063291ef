"""The one jurisdiction filter (R-06, house style 3).

Every queryset of non-public data that a person can reach goes through :func:`restrict`.
A model declares where its jurisdiction lives with a ``jurisdiction`` class attribute:
``scope`` is the path to the owning unit's ``scope_code`` (a division code such as
``440106`` for local units, ``central`` for central ones) and ``unit`` the path to the
owning unit's primary key.  A provincial grant on division ``44`` matches every scope code
that starts with ``44``; a national grant matches everything; a unit grant matches the
unit's own objects only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from govapp.core.actor import Actor

Action = Literal["view", "change", "submit", "review", "decide", "admin"]
ACTIONS: tuple[Action, ...] = ("view", "change", "submit", "review", "decide", "admin")

# What each role may do within the reach of its grant.  Auditors read, never write.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "national_regulator": frozenset({"view", "change", "review", "decide", "admin"}),
    "provincial_cac_reviewer": frozenset({"view", "change", "review"}),
    "provincial_gsa_reviewer": frozenset({"view", "review"}),
    "unit_manager": frozenset({"view", "change", "submit"}),
    "unit_filer": frozenset({"view", "change", "submit"}),
    "auditor": frozenset({"view"}),
    # an IT-project approval authority: reads apps and overlap checks in its area
    "project_approval_authority": frozenset({"view"}),
    # external evaluators reach only the evaluation tasks assigned to them (oversight.campaigns)
    "evaluator": frozenset(),
}
JURISDICTION_ROLES = frozenset(
    {
        "national_regulator",
        "provincial_cac_reviewer",
        "provincial_gsa_reviewer",
        "auditor",
        "project_approval_authority",
    }
)

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Jurisdiction:
    scope: str
    unit: str


def active_grants(user: Any) -> list[Any]:
    """The user's unexpired grants, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cached: list[Any] | None = getattr(user, "_govapp_grants", None)
    if cached is None:
        # through the reverse relation of orgs.Grant.user: core imports no domain app
        now = timezone.now()
        cached = list(
            user.grants.all()
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .select_related("unit", "division")
        )
        user._govapp_grants = cached
    return cached


def roles_of(user: Actor) -> set[str]:
    return {g.role for g in active_grants(user)}


def _q_for(jur: Jurisdiction, grants: Iterable[Any], action: str) -> Q | None:
    """None means unrestricted; an empty Q list means nothing."""
    q = Q(pk__in=[])
    for grant in grants:
        if action not in ROLE_ACTIONS.get(grant.role, frozenset()):
            continue
        if grant.role in JURISDICTION_ROLES:
            if grant.division_id is None:
                return None
            q |= Q(**{f"{jur.scope}__startswith": grant.division_id})
        elif grant.unit_id is not None:
            q |= Q(**{jur.unit: grant.unit_id})
    return q


def restrict(qs: QuerySet[M], user: Actor, action: Action = "view") -> QuerySet[M]:
    """Only the rows of ``qs`` that ``user`` may ``action``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    jur: Jurisdiction | None = getattr(qs.model, "jurisdiction", None)
    if jur is None:
        raise TypeError(f"{qs.model.__name__} declares no jurisdiction")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    q = _q_for(jur, active_grants(user), action)
    if q is None:
        return qs
    return qs.filter(q)


def can(user: Actor, action: Action, obj: models.Model) -> bool:
    model = type(obj)
    return restrict(model._default_manager.filter(pk=obj.pk), user, action).exists()


def get_restricted_or_404(
    qs: QuerySet[M], user: Actor, action: Action = "view", **lookup: Any
) -> M:
    """Like get_object_or_404, but an object outside the user's reach is simply not found
    (a 404 does not reveal that it exists)."""
    try:
        return restrict(qs, user, action).get(**lookup)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def request_user(request: Any) -> Any:
    """The logged-in user of a request (views are behind login_required or API auth)."""
    return request.user


def has_role(user: Actor, *roles: str) -> bool:
    if user is not None and getattr(user, "is_superuser", False):
        return True
    return bool(roles_of(user) & set(roles))


def is_regulator(user: Actor) -> bool:
    return has_role(
        user, "national_regulator", "provincial_cac_reviewer", "provincial_gsa_reviewer"
    )


def is_national(user: Actor) -> bool:
    if user is not None and getattr(user, "is_superuser", False):
        return True
    return any(g.role in JURISDICTION_ROLES and g.division_id is None for g in active_grants(user))


def is_unit_staff(user: Actor) -> bool:
    return has_role(user, "unit_manager", "unit_filer")


def can_edit_calendar(user: Actor) -> bool:
    return has_role(user, "national_regulator") or is_national(user)


def can_read_audit(user: Actor) -> bool:
    return has_role(
        user, "national_regulator", "provincial_cac_reviewer", "provincial_gsa_reviewer", "auditor"
    )
