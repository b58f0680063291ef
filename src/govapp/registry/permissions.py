"""Who may see which registry pages (predicates named in core.wiring.NAV)."""

from __future__ import annotations

from govapp.core.actor import Actor
from govapp.core.permissions import has_role, is_regulator
from govapp.orgs.models import Role


def can_see_legacy(user: Actor) -> bool:
    return is_regulator(user) or has_role(user, Role.UNIT_MANAGER, Role.UNIT_FILER)
