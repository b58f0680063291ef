"""Shutdown and deregistration (R-14): the unit's notice and offline report, a regulator's
shutdown order and its progress.  The deregistration application is approved in
:mod:`govapp.registry.services.review`."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from govapp.core.actor import Actor
from govapp.core.audit import audit_record, diff, snapshot
from govapp.core.calendar import add_working_days, today_shanghai
from govapp.core.permissions import has_role
from govapp.orgs.models import Role, User
from govapp.registry.errors import RegistryError
from govapp.registry.models import (
    App,
    Application,
    ApplicationEvent,
    ApplicationKind,
    ApplicationState,
    AppStatus,
    Holder,
    ShutdownOrder,
)
from govapp.registry.services.base import (
    is_cac,
    is_province_reviewer,
    is_unit_member,
    require,
    setting,
)
from govapp.registry.services.notifications import notify_on_commit
from govapp.registry.version import registry_changed

S = ApplicationState
log = logging.getLogger(__name__)


def app_shutdown_notice(*, actor: Actor, app: App, shutdown_date: dt.date, notice: str) -> App:
    require(is_unit_member(actor, app), _("只有主办单位可以公告关停应用。"))
    if not notice.strip():
        raise RegistryError(
            _("请填写关停公告内容（告知用户关停日期和替代渠道）。"),
            {"notice": _("请填写关停公告。")},
        )
    if shutdown_date < today_shanghai():
        raise RegistryError(
            _("关停日期不能早于今天。"), {"shutdown_date": _("关停日期不能早于今天。")}
        )
    with transaction.atomic():
        registry_changed()
        app = App.objects.select_for_update().get(pk=app.pk)
        if app.status != AppStatus.FILED:
            raise RegistryError(
                _("只有已备案的应用可以公告关停（当前状态：%(s)s）。")
                % {"s": app.get_status_display()}
            )
        before = snapshot(app)
        app.status = AppStatus.SHUTDOWN_NOTICE
        app.shutdown_date = shutdown_date
        app.shutdown_notice = notice.strip()
        app.save()
        b, a = diff(before, snapshot(app))
        audit_record(actor=actor, action="app.shutdown_notice", obj=app, before=b, after=a)
        notify_on_commit(
            app,
            None,
            _("应用“%(a)s”已公告将于 %(d)s 关停。") % {"a": app.name, "d": shutdown_date},
            actor,
            to_regulators=True,
        )
    return app


def offline_report_deadline(app: App) -> dt.date | None:
    if app.shutdown_date is None:
        return None
    return add_working_days(app.shutdown_date, setting("GOVAPP_OFFLINE_REPORT_WORKING_DAYS")).date


def app_offline_report(*, actor: User, app: App, report: str) -> Application:
    """The app went offline: creates the deregistration application (a draft to submit)."""
    require(is_unit_member(actor, app), _("只有主办单位可以报告应用下线。"))
    if not report.strip():
        raise RegistryError(
            _("请填写下线报告：下线日期、数据处置和用户迁移情况。"),
            {"report": _("请填写下线报告。")},
        )
    with transaction.atomic():
        registry_changed()
        app = App.objects.select_for_update().get(pk=app.pk)
        if app.status != AppStatus.SHUTDOWN_NOTICE:
            raise RegistryError(_("请先公告关停日期，应用下线后再提交下线报告。"))
        if app.shutdown_date and app.shutdown_date > today_shanghai():
            raise RegistryError(
                _("公告的关停日期是 %(d)s，应用下线后才能提交下线报告。") % {"d": app.shutdown_date}
            )
        if app.applications.filter(
            state__in=[S.DRAFT, S.SUBMITTED, S.RETURNED, S.FORWARDED, S.FEEDBACK]
        ).exists():
            raise RegistryError(_("该应用还有未办结的申请，请先撤回或等待办结。"))
        before = snapshot(app)
        app.status = AppStatus.OFFLINE
        app.offline_at = timezone.now()
        app.save()
        application = Application.objects.create(
            app=app,
            kind=ApplicationKind.DEREGISTER,
            sections=app.filed_sections or {},
            base_sections=app.filed_sections or {},
            change_description=report.strip(),
            planned_date=app.shutdown_date,
            created_by=actor,
        )
        ApplicationEvent.objects.create(
            application=application,
            action="create",
            to_state=S.DRAFT,
            holder=Holder.UNIT,
            actor=actor,
            note=report.strip(),
        )
        b, a = diff(before, snapshot(app))
        audit_record(actor=actor, action="app.offline_report", obj=app, before=b, after=a)
        audit_record(
            actor=actor, action="application.create", obj=application, after=snapshot(application)
        )
    return application


def offline_report_overdue(app: App, today: dt.date | None = None) -> bool:
    """The app announced its shutdown, the date has passed and no offline report arrived
    within the set time (R-14)."""
    due = offline_report_deadline(app)
    return bool(
        app.status == AppStatus.SHUTDOWN_NOTICE and due and due < (today or today_shanghai())
    )


def can_order_shutdown(actor: User, app: App) -> bool:
    """The CAC anywhere; a provincial cyberspace office in its province."""
    return is_cac(actor) or (
        is_province_reviewer(actor, app) and has_role(actor, Role.PROVINCIAL_CAC_REVIEWER)
    )


SHUTDOWN_ORDERABLE = {AppStatus.FILED, AppStatus.SHUTDOWN_NOTICE, AppStatus.OFFLINE}


def app_shutdown_order(
    *,
    app: App,
    reason: str,
    deadline: dt.date,
    actor: User,
    successor: App | None = None,
) -> ShutdownOrder:
    """A regulator orders ``app`` shut down by ``deadline`` (R-14; retirement R-25 and
    consolidation R-26 call this too).  The unit then gives the public notice, reports the app
    offline and applies for deregistration; the order is closed when the app is deregistered.
    ``successor`` is the app users should move to (stored on ``App.successor``)."""
    require(
        can_order_shutdown(actor, app) or actor is None,
        _("只有国家网信办或本省网信部门可以责令关停应用。"),
    )
    reason = (reason or "").strip()
    if not reason:
        raise RegistryError(_("请写明责令关停的理由和依据。"), {"reason": _("请填写关停理由。")})
    if deadline < today_shanghai():
        raise RegistryError(_("关停期限不能早于今天。"), {"deadline": _("关停期限不能早于今天。")})
    if successor is not None and successor.pk == app.pk:
        raise RegistryError(
            _("替代应用不能是被关停的应用本身。"), {"successor": _("请选择另一个应用。")}
        )
    with transaction.atomic():
        registry_changed()
        app = App.objects.select_for_update().select_related("hosting_unit").get(pk=app.pk)
        if app.status not in SHUTDOWN_ORDERABLE:
            raise RegistryError(
                _("只有已备案、已公告关停或已下线的应用可以责令关停（当前状态：%(s)s）。")
                % {"s": app.get_status_display()}
            )
        if app.shutdown_orders.filter(closed_at__isnull=True).exists():
            raise RegistryError(_("该应用已有未办结的关停通知，请在原通知上跟进。"))
        before = snapshot(app)
        order = ShutdownOrder.objects.create(
            app=app,
            reason=reason,
            deadline=deadline,
            successor=successor,
            ordered_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        if successor is not None:
            app.successor = successor
            app.save(update_fields=["successor", "updated_at"])
        b, a = diff(before, snapshot(app))
        audit_record(
            actor=actor,
            action="app.shutdown_order",
            obj=app,
            before=b,
            after={
                **a,
                "reason": reason,
                "deadline": deadline,
                "successor": getattr(successor, "pk", None),
                "order": order.pk,
            },
        )
        notify_on_commit(
            app,
            None,
            _("监管部门责令“%(a)s”于 %(d)s 前关停：%(r)s 请发布关停公告，下线后提交下线报告。")
            % {"a": app.name, "d": deadline.isoformat(), "r": reason},
            actor,
        )
    return order


def shutdown_order_progress(order: ShutdownOrder) -> list[dict[str, Any]]:
    """The steps from the order to deregistration, each done or not (for the app page)."""
    app = order.app
    st = app.status
    notice = st in {AppStatus.SHUTDOWN_NOTICE, AppStatus.OFFLINE, AppStatus.DEREGISTERED}
    offline = st in {AppStatus.OFFLINE, AppStatus.DEREGISTERED}
    return [
        {"label": _("责令关停"), "done": True, "date": order.ordered_at.date()},
        {"label": _("发布关停公告"), "done": notice, "date": app.shutdown_date},
        {"label": _("报告下线"), "done": offline, "date": app.offline_at and app.offline_at.date()},
        {
            "label": _("注销备案"),
            "done": st == AppStatus.DEREGISTERED,
            "date": app.deregistered_at and app.deregistered_at.date(),
        },
    ]
