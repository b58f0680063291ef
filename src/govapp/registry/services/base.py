"""What every registry service shares: its settings and who may act."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from govapp.core.actor import Actor
from govapp.core.permissions import can, has_role
from govapp.orgs.models import Grant, Role
from govapp.registry.errors import NotAllowed
from govapp.registry.models import (
    App,
    ApplicationState,
)

S = ApplicationState
log = logging.getLogger(__name__)


DEFAULTS: dict[str, Any] = {
    "GOVAPP_PROVINCE_REVIEW_WORKING_DAYS": 10,
    "GOVAPP_CAC_REVIEW_WORKING_DAYS": 20,
    "GOVAPP_FEEDBACK_WORKING_DAYS": 10,
    "GOVAPP_CHANGE_NOTICE_WORKING_DAYS": 10,
    "GOVAPP_OFFLINE_REPORT_WORKING_DAYS": 10,
    "GOVAPP_FILING_NUMBER_FORMAT": "{prefix}政务应用备{year}{seq:06d}号",
    "GOVAPP_ATTACHMENT_MAX_BYTES": 20 * 1024 * 1024,
    # the province's completeness review is signed off jointly by the cyberspace office
    # and the government-services administration ("joint", the Measures), or by "either".
    "GOVAPP_PROVINCE_REVIEW_MODE": "joint",
}


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def is_unit_member(actor: Actor, app: App) -> bool:
    return can(actor, "submit", app)


def is_province_reviewer(actor: Actor, app: App) -> bool:
    if getattr(actor, "is_superuser", False):
        return True
    scope = app.hosting_unit.scope_code
    return (
        Grant.objects.filter(
            user_id=actor.pk,
            role__in=[Role.PROVINCIAL_CAC_REVIEWER, Role.PROVINCIAL_GSA_REVIEWER],
            division__isnull=False,
        )
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .filter(division_id__in=[scope[:2]])
        .exists()
        and scope != "central"
    )


def is_cac(actor: Actor) -> bool:
    return has_role(actor, Role.NATIONAL_REGULATOR)


def require(ok: bool, message: str) -> None:
    if not ok:
        raise NotAllowed(message)
