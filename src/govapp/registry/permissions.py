"""Who may see which registry pages (predicates named in core.wiring.NAV)."""

from __future__ import annotations

from typing import Any

from govapp.core.permissions import has_role, is_regulator
from govapp.orgs.models import Role


def can_see_legacy(user: Any) -> bool:
    return is_regulator(user) or has_role(user, Role.UNIT_MANAGER, Role.UNIT_FILER)
