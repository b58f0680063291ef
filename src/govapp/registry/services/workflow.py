"""The application state machine every transition goes through: lock the row (optimistic
version check), move the state, set or clear the working-day deadline, then write the timeline
event, the audit event and the notification in one place."""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govapp.core.actor import Actor
from govapp.core.audit import audit_record, diff, snapshot
from govapp.core.calendar import add_working_days, today_shanghai
from govapp.orgs.models import User
from govapp.registry.errors import RegistryError, StaleVersion
from govapp.registry.models import (
    Application,
    ApplicationEvent,
    ApplicationState,
)
from govapp.registry.services.notifications import notify_on_commit

S = ApplicationState
log = logging.getLogger(__name__)


EDITABLE_STATES = {S.DRAFT, S.RETURNED, S.FEEDBACK}


def lock(application: Application, expected_version: int | None) -> Application:
    locked = (
        Application.objects.select_for_update()
        .select_related("app__hosting_unit")
        .get(pk=application.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(
            _(
                "这份申请已被他人修改（您看到的是第 %(a)d 版，当前是第 %(b)d 版）。请刷新页面查看最新内容后再操作。"
            )
            % {"a": expected_version, "b": locked.version}
        )
    return locked


def deadline_set(application: Application, days: int) -> None:
    start = today_shanghai()
    d = add_working_days(start, days)
    application.deadline = d.date
    application.deadline_provisional = d.provisional
    application.deadline_start = start
    application.deadline_working_days = days
    application.deadline_extended_reason = ""


def deadline_clear(application: Application) -> None:
    application.deadline = None
    application.deadline_provisional = False
    application.deadline_start = None
    application.deadline_working_days = 0


ACTION_LABELS = {
    "submit": gettext_lazy("提交备案申请"),
    "return": gettext_lazy("退回补正"),
    "resubmit": gettext_lazy("补正后重新提交"),
    "forward": gettext_lazy("转报国家网信办"),
    "request_feedback": gettext_lazy("要求补正反馈"),
    "answer_feedback": gettext_lazy("提交补正反馈"),
    "extend": gettext_lazy("延长审核期限"),
    "approve": gettext_lazy("准予备案"),
    "reject": gettext_lazy("不予备案"),
    "withdraw": gettext_lazy("撤回申请"),
    "abandon": gettext_lazy("逾期未反馈，视为放弃"),
    "province_signoff": gettext_lazy("省级会签同意"),
    "testing_override": gettext_lazy("未完成技术检测，说明理由后准予备案"),
}


def transition(
    application: Application,
    *,
    actor: Actor | None,
    action: str,
    allowed_from: set[str],
    to_state: str,
    holder: str,
    note: str = "",
    expected_version: int | None = None,
) -> tuple[Application, dict[str, Any]]:
    locked = lock(application, expected_version)
    if locked.state not in allowed_from:
        allowed = "、".join(f"“{ApplicationState(s).label}”" for s in sorted(allowed_from))
        raise RegistryError(
            _(
                "申请当前状态为“%(s)s”，不能%(a)s。只有%(allowed)s的申请可以这样办理。请刷新页面查看当前状态。"
            )
            % {"s": locked.get_state_display(), "a": str(ACTION_LABELS[action]), "allowed": allowed}
        )
    before = snapshot(locked)
    locked._from_state = locked.state  # type: ignore[attr-defined]
    locked.state = to_state
    locked.holder = holder
    locked.version += 1
    return locked, before


def finish(
    application: Application,
    before: dict[str, Any],
    *,
    actor: User | None,
    action: str,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> Application:
    application.save()
    ApplicationEvent.objects.create(
        data=data or {},
        application=application,
        action=action,
        from_state=getattr(application, "_from_state", ""),
        to_state=application.state,
        holder=application.holder,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
        deadline=application.deadline,
    )
    b, a = diff(before, snapshot(application))
    b.pop("sections", None)
    a.pop("sections", None)
    audit_record(actor=actor, action=f"application.{action}", obj=application, before=b, after=a)
    text = _("“%(app)s”的%(kind)s：%(action)s，当前状态“%(state)s”。") % {
        "app": application.app.name,
        "kind": application.get_kind_display(),
        "action": str(ACTION_LABELS[action]),
        "state": application.get_state_display(),
    }
    if action == "approve" and application.app.filing_number:
        text += _("备案编号：%(n)s。") % {"n": application.app.filing_number}
    if application.deadline and application.state in {S.SUBMITTED, S.FORWARDED, S.FEEDBACK}:
        text += _("办理期限 %(d)s。") % {"d": application.deadline.isoformat()}
    notify_on_commit(application.app, application, text, actor)
    return application
