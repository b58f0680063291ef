"""API: the audit log for regulators and auditors (jurisdiction-filtered)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate

from govapp.core.errors import NotAllowed
from govapp.core.models import AuditEvent
from govapp.core.pagination import ApiPagination
from govapp.core.permissions import can_read_audit
from govapp.core.selectors import audit_day, audit_events, day_only

router = Router(tags=["audit"])


class AuditOut(Schema):
    """Events about complaints carry only their ``day``: ``time``, ``seq``, ``request_id`` and
    the hashes are null (R-33: their timing must not point to a reporter)."""

    seq: int | None
    time: dt.datetime | None
    day: dt.date
    actor_name: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: Any = None
    after: Any = None
    request_id: str | None
    hash: str | None

    @staticmethod
    def resolve_seq(obj: AuditEvent) -> int | None:
        return None if day_only(obj) else obj.seq

    @staticmethod
    def resolve_time(obj: AuditEvent) -> dt.datetime | None:
        return None if day_only(obj) else obj.time

    @staticmethod
    def resolve_day(obj: AuditEvent) -> dt.date:
        return audit_day(obj)

    @staticmethod
    def resolve_request_id(obj: AuditEvent) -> str | None:
        return None if day_only(obj) else obj.request_id

    @staticmethod
    def resolve_hash(obj: AuditEvent) -> str | None:
        return None if day_only(obj) else obj.hash


@router.get("/events", response=list[AuditOut], summary="审计事件")
@paginate(ApiPagination)
def events(
    request: HttpRequest,
    object_type: str = "",
    object_id: str = "",
    actor: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Any:
    if not can_read_audit(request.user):
        raise NotAllowed(_("只有监管人员和审计人员可以查看审计日志 (forbidden)"))
    return audit_events(
        user=request.user,
        object_type=object_type,
        object_id=object_id,
        actor=actor,
        since=since,
        until=until,
    )
