"""Notifications of the registry: in-app rows and e-mail, sent after the change commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govapp.core.actor import Actor
from govapp.orgs.models import Role, User
from govapp.registry.models import (
    App,
    Application,
    ApplicationState,
    Holder,
    Notification,
)

S = ApplicationState
log = logging.getLogger(__name__)


def _recipients(app: App, *, holder_side: str | None, to_regulators: bool) -> list[User]:
    unit_users = User.objects.filter(
        grants__unit=app.hosting_unit,
        grants__role__in=[Role.UNIT_MANAGER, Role.UNIT_FILER],
        is_active=True,
    )
    ids = set(unit_users.values_list("pk", flat=True))
    scope = app.hosting_unit.scope_code
    if to_regulators or holder_side in {Holder.PROVINCE, Holder.CAC}:
        if scope != "central" and (to_regulators or holder_side == Holder.PROVINCE):
            ids |= set(
                User.objects.filter(
                    grants__role__in=[Role.PROVINCIAL_CAC_REVIEWER, Role.PROVINCIAL_GSA_REVIEWER],
                    grants__division_id=scope[:2],
                    is_active=True,
                ).values_list("pk", flat=True)
            )
        if to_regulators or holder_side == Holder.CAC:
            ids |= set(
                User.objects.filter(
                    grants__role=Role.NATIONAL_REGULATOR,
                    grants__division__isnull=True,
                    is_active=True,
                ).values_list("pk", flat=True)
            )
    return list(User.objects.filter(pk__in=ids))


def notify_on_commit(
    app: App,
    application: Application | None,
    text: str,
    actor: Actor | None,
    *,
    to_regulators: bool = False,
) -> None:
    url = (
        f"/registry/applications/{application.pk}/" if application else f"/registry/apps/{app.pk}/"
    )
    holder = application.holder if application else None
    actor_pk = getattr(actor, "pk", None)

    def send() -> None:
        users = [
            u
            for u in _recipients(app, holder_side=holder, to_regulators=to_regulators)
            if u.pk != actor_pk
        ]
        Notification.objects.bulk_create(
            [Notification(user=u, text=text[:500], url=url) for u in users]
        )
        emails = [u.email for u in users if u.email]
        if emails:
            send_mail(
                subject=_("【政务应用备案】%(app)s") % {"app": app.name},
                message=text + "\n\n" + url,
                from_email=None,
                recipient_list=emails,
                fail_silently=True,
            )

    transaction.on_commit(send)


def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
