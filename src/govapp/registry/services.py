"""Writes of the registry: apps, identities, applications and one service per transition.

Every service is one ``transaction.atomic`` block that checks who may act, checks the state,
writes the change, one timeline row and one audit event, and defers notifications and e-mail
with ``transaction.on_commit``.  Errors that reach a person are :class:`RegistryError` with a
Chinese message that says what was wrong and what to do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from govapp.core.audit import audit_record, diff, snapshot
from govapp.core.calendar import add_working_days, today_shanghai
from govapp.core.errors import Conflict, GovappError
from govapp.core.errors import NotAllowed as CoreNotAllowed
from govapp.core.permissions import can, has_role
from govapp.core.tasks import follow_up
from govapp.orgs.models import REGULATOR_KINDS, Grant, Role, Unit, User
from govapp.registry.models import (
    APP_PLATFORMS,
    MINI_PROGRAM_PLATFORMS,
    App,
    AppKind,
    Application,
    ApplicationEvent,
    ApplicationKind,
    ApplicationState,
    AppStatus,
    Attachment,
    ExceptionDecision,
    FilingNumberCounter,
    Holder,
    Notification,
    Platform,
    PlatformIdentity,
    ShutdownOrder,
)
from govapp.registry.schemas import SECTION_KEYS, completeness_errors, parse_sections
from govapp.registry.version import registry_changed

S = ApplicationState
log = logging.getLogger(__name__)

# --- settings (documented in docs/registry.md) ---------------------------------------------

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


class RegistryError(GovappError):
    """A refusal a person can understand and act on (400 with field errors, else 409)."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message, errors)
        self.status_code = 400 if self.errors else 409  # type: ignore[misc]


class StaleVersion(RegistryError, Conflict):
    """Someone changed the application since it was loaded."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message, errors)
        self.status_code = 409  # type: ignore[misc]


class NotAllowed(RegistryError, CoreNotAllowed):
    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message, errors)
        self.status_code = 403  # type: ignore[misc]


# --- who may act ---------------------------------------------------------------------------


def is_unit_member(actor: Any, app: App) -> bool:
    return can(actor, "submit", app)


def is_province_reviewer(actor: Any, app: App) -> bool:
    if getattr(actor, "is_superuser", False):
        return True
    scope = app.hosting_unit.scope_code
    return (
        Grant.objects.filter(
            user=actor,
            role__in=[Role.PROVINCIAL_CAC_REVIEWER, Role.PROVINCIAL_GSA_REVIEWER],
            division__isnull=False,
        )
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .filter(division_id__in=[scope[:2]])
        .exists()
        and scope != "central"
    )


def is_cac(actor: Any) -> bool:
    return has_role(actor, Role.NATIONAL_REGULATOR)


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise NotAllowed(message)


# --- eligibility (R-02, R-03) ----------------------------------------------------------------

INELIGIBLE_KINDS = {
    "public_account": gettext_lazy(
        "政务公众账号（如微信公众号、微博账号）不属于政务应用程序，不适用本办法备案。"
        "请按政务新媒体的有关规定管理，无需在本系统备案。"
    ),
    "work_group": gettext_lazy(
        "工作群组（如微信群、钉钉群）不属于政务应用程序，不适用本办法备案，无需在本系统备案。"
    ),
}


def unit_below_county(unit: Unit) -> bool:
    return not unit.is_central and unit.level >= 4


def app_eligibility(kind: str, unit: Unit) -> None:
    if kind in INELIGIBLE_KINDS:
        raise RegistryError(str(INELIGIBLE_KINDS[kind]), {"kind": str(INELIGIBLE_KINDS[kind])})
    if kind not in AppKind.values:
        raise RegistryError(
            _("请选择应用类型：移动应用、小程序或快应用。"), {"kind": _("请选择应用类型。")}
        )
    if unit.kind in REGULATOR_KINDS:
        raise RegistryError(_("监管机构不是主办单位，不能以其名义建设或备案政务应用。"))


# --- apps and identities ---------------------------------------------------------------------

APP_FIELDS = ("name", "kind", "public_facing", "target_users", "target_levels", "description")


def app_create(
    *,
    actor: Any,
    unit: Unit,
    name: str,
    kind: str,
    public_facing: bool = False,
    target_users: str = "",
    target_levels: Iterable[str] = (),
    description: str = "",
) -> App:
    _require(
        can(actor, "submit", unit),
        _("您不是该单位的填报人员，不能为其登记应用。请联系单位管理员授权。"),
    )
    app_eligibility(kind, unit)
    name = name.strip()
    if not name:
        raise RegistryError(_("请填写“应用名称”。"), {"name": _("请填写“应用名称”。")})
    with transaction.atomic():
        app = App.objects.create(
            name=name[:128],
            kind=kind,
            public_facing=public_facing,
            hosting_unit=unit,
            target_users=target_users,
            target_levels=list(target_levels),
            description=description,
        )
        audit_record(actor=actor, action="app.create", obj=app, after=snapshot(app))
    return app


def app_update(*, actor: Any, app: App, **changes: Any) -> App:
    _require(is_unit_member(actor, app), _("只有主办单位的填报人员可以修改应用信息。"))
    unknown = set(changes) - set(APP_FIELDS)
    if unknown:
        raise RegistryError(_("不能修改这些字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        app = App.objects.select_for_update().get(pk=app.pk)
        if app.status != AppStatus.UNFILED and ({"name", "kind"} & set(changes)):
            raise RegistryError(_("已备案应用的名称和类型只能通过变更备案修改。"))
        if "kind" in changes:
            app_eligibility(changes["kind"], app.hosting_unit)
        before = snapshot(app)
        for k, v in changes.items():
            setattr(app, k, v)
        app.save()
        b, a = diff(before, snapshot(app))
        audit_record(actor=actor, action="app.update", obj=app, before=b, after=a)
    return app


_PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_][A-Za-z0-9_\-]*)+$")
_APPID = re.compile(r"^[A-Za-z0-9_\-.]{4,64}$")
_HEX = {"cert_sha256": 64, "cert_sha1": 40, "cert_md5": 32}


def _clean_hex(value: str) -> str:
    return re.sub(r"[\s:]", "", value or "").lower()


def identity_validate(app: App, data: dict[str, Any], index: int) -> dict[str, Any]:
    n = index + 1
    platform = (data.get("platform") or "").strip()
    identifier = (data.get("identifier") or "").strip()
    if platform not in Platform.values:
        raise RegistryError(_("第 %(n)d 个平台标识：请选择平台。") % {"n": n})
    if not identifier:
        raise RegistryError(
            _("第 %(n)d 个平台标识：请填写包名、Bundle ID 或小程序 AppID。") % {"n": n}
        )
    allowed = {
        AppKind.APP: APP_PLATFORMS,
        AppKind.MINI_PROGRAM: MINI_PROGRAM_PLATFORMS,
        AppKind.QUICK_APP: {Platform.QUICKAPP},
    }[AppKind(app.kind)]
    if platform not in allowed:
        raise RegistryError(
            _("第 %(n)d 个平台标识：%(kind)s 不能选择平台“%(p)s”。")
            % {"n": n, "kind": app.get_kind_display(), "p": Platform(platform).label}
        )
    if platform in APP_PLATFORMS | {Platform.QUICKAPP}:
        if not _PACKAGE.match(identifier):
            raise RegistryError(
                _("第 %(n)d 个平台标识：“%(id)s”不是有效的包名，应形如 cn.gov.example.app。")
                % {"n": n, "id": identifier}
            )
    elif not _APPID.match(identifier):
        raise RegistryError(
            _(
                "第 %(n)d 个平台标识：“%(id)s”不是有效的小程序 AppID（4 到 64 位字母、数字、下划线或连字符）。"
            )
            % {"n": n, "id": identifier}
        )
    out = {"platform": platform, "identifier": identifier[:255]}
    out["host_platform"] = (data.get("host_platform") or "").strip()[:64]
    for field, length in _HEX.items():
        value = _clean_hex(data.get(field) or "")
        if value and (len(value) != length or not re.fullmatch(r"[0-9a-f]+", value)):
            raise RegistryError(
                _("第 %(n)d 个平台标识：%(f)s 应为 %(len)d 位十六进制数字。")
                % {"n": n, "f": field.replace("cert_", "").upper(), "len": length}
            )
        out[field] = value
    return out


def identities_set(
    *, actor: Any, app: App, identities: list[dict[str, Any]]
) -> list[PlatformIdentity]:
    """Replace the app's not-yet-filed identities (live ones change only by change filing)."""
    _require(is_unit_member(actor, app), _("只有主办单位的填报人员可以修改平台标识。"))
    rows = [identity_validate(app, d, i) for i, d in enumerate(identities) if any(d.values())]
    keys = [(r["platform"], r["identifier"]) for r in rows]
    if len(set(keys)) != len(keys):
        raise RegistryError(_("同一平台的同一包名或 AppID 填写了两次，请删除重复的一行。"))
    with transaction.atomic():
        registry_changed()
        app = App.objects.select_for_update().get(pk=app.pk)
        before = [
            {"platform": i.platform, "identifier": i.identifier, "cert_sha256": i.cert_sha256}
            for i in app.identities.all()
        ]
        live = {(i.platform, i.identifier): i for i in app.identities.filter(live=True)}
        app.identities.filter(live=False).delete()
        out = list(live.values())
        for r in rows:
            if (r["platform"], r["identifier"]) in live:
                continue
            out.append(PlatformIdentity.objects.create(app=app, live=False, **r))
        # Harvesters of the open data (GET /api/v1/public/apps?updated_since=) see the change.
        App.objects.filter(pk=app.pk).update(updated_at=timezone.now())
        audit_record(
            actor=actor,
            action="app.identities",
            obj=app,
            before={"identities": before},
            after={"identities": rows},
        )
        follow_up("app.identities_changed", app_id=app.pk)
    return out


def identity_clashes(app: App) -> list[str]:
    """Identities of this app already live in another app's filing."""
    out = []
    for ident in app.identities.all():
        other = (
            PlatformIdentity.objects.filter(
                platform=ident.platform, identifier=ident.identifier, live=True
            )
            .exclude(app=app)
            .select_related("app")
            .first()
        )
        if other is not None:
            out.append(
                _("%(p)s 标识“%(id)s”已属于已备案应用“%(app)s”，同一标识只能对应一个有效备案。")
                % {"p": ident.get_platform_display(), "id": ident.identifier, "app": other.app.name}
            )
    return out


# --- shutdown and offline (R-14) ------------------------------------------------------------


def app_shutdown_notice(*, actor: Any, app: App, shutdown_date: dt.date, notice: str) -> App:
    _require(is_unit_member(actor, app), _("只有主办单位可以公告关停应用。"))
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
        _on_commit_notify(
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


def app_offline_report(*, actor: Any, app: App, report: str) -> Application:
    """The app went offline: creates the deregistration application (a draft to submit)."""
    _require(is_unit_member(actor, app), _("只有主办单位可以报告应用下线。"))
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


def can_order_shutdown(actor: Any, app: App) -> bool:
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
    actor: Any,
    successor: App | None = None,
) -> ShutdownOrder:
    """A regulator orders ``app`` shut down by ``deadline`` (R-14; retirement R-25 and
    consolidation R-26 call this too).  The unit then gives the public notice, reports the app
    offline and applies for deregistration; the order is closed when the app is deregistered.
    ``successor`` is the app users should move to (stored on ``App.successor``)."""
    _require(
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
        _on_commit_notify(
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


# --- applications --------------------------------------------------------------------------


def application_create(
    *,
    actor: Any,
    app: App,
    kind: str = ApplicationKind.NEW,
    change_description: str = "",
    planned_date: dt.date | None = None,
) -> Application:
    _require(is_unit_member(actor, app), _("只有主办单位的填报人员可以发起备案申请。"))
    with transaction.atomic():
        app = App.objects.select_for_update().get(pk=app.pk)
        open_app = app.applications.filter(
            state__in=[S.DRAFT, S.SUBMITTED, S.RETURNED, S.FORWARDED, S.FEEDBACK]
        ).first()
        if open_app is not None:
            raise RegistryError(
                _("该应用已有未办结的申请（%(k)s，%(s)s），请继续办理该申请。")
                % {"k": open_app.get_kind_display(), "s": open_app.get_state_display()}
            )
        if kind == ApplicationKind.NEW:
            if app.status not in {AppStatus.UNFILED, AppStatus.REVOKED}:
                raise RegistryError(_("该应用已备案；功能有重大变化请发起变更备案。"))
            sections: dict[str, Any] = {
                "basic": {
                    "app_name": app.name,
                    "target_users": app.target_users,
                    "target_levels": app.target_levels,
                }
            }
            if app.filed_sections:
                sections = app.filed_sections
            base: dict[str, Any] = {}
        elif kind == ApplicationKind.CHANGE:
            if app.status != AppStatus.FILED:
                raise RegistryError(_("只有已备案的应用可以发起变更备案。"))
            sections = app.filed_sections or {}
            base = app.filed_sections or {}
        else:
            raise RegistryError(_("注销备案请在应用页面先公告关停，下线后提交下线报告。"))
        application = Application.objects.create(
            app=app,
            kind=kind,
            sections=parse_sections(sections).model_dump(),
            base_sections=base,
            change_description=change_description,
            planned_date=planned_date,
            created_by=actor,
        )
        ApplicationEvent.objects.create(
            application=application,
            action="create",
            to_state=S.DRAFT,
            holder=Holder.UNIT,
            actor=actor,
        )
        audit_record(
            actor=actor, action="application.create", obj=application, after=snapshot(application)
        )
    return application


EDITABLE_STATES = {S.DRAFT, S.RETURNED, S.FEEDBACK}


def _lock(application: Application, expected_version: int | None) -> Application:
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


def application_save_draft(
    *,
    actor: Any,
    application: Application,
    sections: dict[str, Any] | None = None,
    pledge_accepted: bool | None = None,
    exception_reason: str | None = None,
    change_description: str | None = None,
    planned_date: dt.date | None = None,
    expected_version: int | None = None,
) -> Application:
    """Save whatever has been filled in; nothing is required until submission."""
    _require(is_unit_member(actor, application.app), _("只有主办单位的填报人员可以编辑申请。"))
    with transaction.atomic():
        app_ = _lock(application, expected_version)
        if app_.state not in EDITABLE_STATES:
            raise RegistryError(
                _("申请当前状态为“%(s)s”，不能修改。只有草稿、已退回或待补正的申请可以修改。")
                % {"s": app_.get_state_display()}
            )
        before = snapshot(app_)
        if sections is not None:
            app_.sections = parse_sections(sections).model_dump()
        if pledge_accepted is not None:
            if pledge_accepted and not app_.pledge_accepted:
                app_.pledge_at = timezone.now()
            app_.pledge_accepted = pledge_accepted
        if exception_reason is not None and app_.exception_decision in (
            "",
            ExceptionDecision.REFUSED,
        ):
            app_.exception_reason = exception_reason.strip()
        if change_description is not None:
            app_.change_description = change_description.strip()
        if planned_date is not None:
            app_.planned_date = planned_date
        app_.version += 1
        app_.save()
        b, a = diff(before, snapshot(app_))
        a.pop("sections", None)
        b.pop("sections", None)
        audit_record(actor=actor, action="application.save", obj=app_, before=b, after=a)
    return app_


def submission_errors(application: Application) -> dict[str, str]:
    """Everything that blocks submission, by field."""
    errors = completeness_errors(parse_sections(application.sections))
    app = application.app
    if application.kind != ApplicationKind.DEREGISTER:
        if not app.identities.exists():
            errors["identities"] = _("请至少填写一个平台标识（包名、Bundle ID 或小程序 AppID）。")
        for msg in identity_clashes(app):
            errors.setdefault("identities", msg)
    else:
        errors = {}
        if not application.change_description:
            errors["change_description"] = _("请填写下线报告。")
    if application.kind == ApplicationKind.CHANGE:
        if not application.change_description:
            errors["change_description"] = _("请说明变更的内容和理由。")
        earliest = add_working_days(
            today_shanghai(), setting("GOVAPP_CHANGE_NOTICE_WORKING_DAYS")
        ).date
        if application.planned_date is None:
            errors["planned_date"] = _("请填写变更计划实施日期。")
        elif application.planned_date < earliest:
            errors["planned_date"] = _(
                "变更备案须提前 %(n)d 个工作日提交：计划实施日期最早为 %(d)s，请推迟实施日期。"
            ) % {"n": setting("GOVAPP_CHANGE_NOTICE_WORKING_DAYS"), "d": earliest}
    if not application.pledge_accepted:
        errors["pledge_accepted"] = _("请阅读并勾选真实性承诺。")
    if (
        unit_below_county(app.hosting_unit)
        and application.exception_decision != ExceptionDecision.APPROVED
    ):
        errors["exception_reason"] = _(
            "县级以下单位原则上不得建设政务应用。请填写建设理由并申请例外，监管部门批准后才能提交。"
        )
    return errors


def _deadline(application: Application, days: int) -> None:
    start = today_shanghai()
    d = add_working_days(start, days)
    application.deadline = d.date
    application.deadline_provisional = d.provisional
    application.deadline_start = start
    application.deadline_working_days = days
    application.deadline_extended_reason = ""


def _clear_deadline(application: Application) -> None:
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


def _transition(
    application: Application,
    *,
    actor: Any,
    action: str,
    allowed_from: set[str],
    to_state: str,
    holder: str,
    note: str = "",
    expected_version: int | None = None,
) -> tuple[Application, dict[str, Any]]:
    locked = _lock(application, expected_version)
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


def _finish(
    application: Application,
    before: dict[str, Any],
    *,
    actor: Any,
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
    _on_commit_notify(application.app, application, text, actor)
    return application


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


def _on_commit_notify(
    app: App, application: Application | None, text: str, actor: Any, *, to_regulators: bool = False
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


# --- unit transitions -----------------------------------------------------------------------


def application_submit(
    *, actor: Any, application: Application, expected_version: int | None = None
) -> Application:
    """draft -> submitted (province, 10 working days) or forwarded (State Council department)."""
    _require(is_unit_member(actor, application.app), _("只有主办单位的填报人员可以提交申请。"))
    with transaction.atomic():
        central = application.app.hosting_unit.is_central
        locked, before = _transition(
            application,
            actor=actor,
            action="submit",
            allowed_from={S.DRAFT},
            to_state=S.FORWARDED if central else S.SUBMITTED,
            holder=Holder.CAC if central else Holder.PROVINCE,
            expected_version=expected_version,
        )
        _require_complete(locked)
        locked.submitted_at = timezone.now()
        locked.missing_items = []
        locked.submitted_sections = locked.sections
        locked.province_signoffs = []
        _deadline(
            locked,
            setting("GOVAPP_CAC_REVIEW_WORKING_DAYS")
            if central
            else setting("GOVAPP_PROVINCE_REVIEW_WORKING_DAYS"),
        )
        return _finish(locked, before, actor=actor, action="submit")


def _require_complete(application: Application) -> None:
    """Refuse to hand an application on while any section is incomplete; every gap is named."""
    errors = submission_errors(application)
    if errors:
        raise RegistryError(
            _("申请材料还不完整，共 %(n)d 处需要补充，请按提示修改后再提交。") % {"n": len(errors)},
            errors,
        )


def application_resubmit(
    *, actor: Any, application: Application, expected_version: int | None = None
) -> Application:
    """returned -> submitted: the province checks completeness again (new 10 working days)."""
    _require(is_unit_member(actor, application.app), _("只有主办单位的填报人员可以重新提交申请。"))
    with transaction.atomic():
        locked, before = _transition(
            application,
            actor=actor,
            action="resubmit",
            allowed_from={S.RETURNED},
            to_state=S.SUBMITTED,
            holder=Holder.PROVINCE,
            expected_version=expected_version,
        )
        _require_complete(locked)
        locked.submitted_at = timezone.now()
        locked.province_signoffs = []
        data = _resubmission_changes(locked)
        _deadline(locked, setting("GOVAPP_PROVINCE_REVIEW_WORKING_DAYS"))
        return _finish(locked, before, actor=actor, action="resubmit", data=data)


def application_answer_feedback(
    *, actor: Any, application: Application, note: str = "", expected_version: int | None = None
) -> Application:
    """feedback -> forwarded: reviewed and tested again by the CAC (new review period)."""
    _require(is_unit_member(actor, application.app), _("只有主办单位的填报人员可以提交补正反馈。"))
    with transaction.atomic():
        locked, before = _transition(
            application,
            actor=actor,
            action="answer_feedback",
            allowed_from={S.FEEDBACK},
            to_state=S.FORWARDED,
            holder=Holder.CAC,
            expected_version=expected_version,
        )
        if locked.deadline and locked.deadline < today_shanghai():
            raise RegistryError(
                _("补正反馈期限（%(d)s）已过，申请视为放弃。如需备案请重新发起申请。")
                % {"d": locked.deadline}
            )
        _require_complete(locked)
        data = _resubmission_changes(locked)
        _deadline(locked, setting("GOVAPP_CAC_REVIEW_WORKING_DAYS"))
        return _finish(
            locked, before, actor=actor, action="answer_feedback", note=note.strip(), data=data
        )


def application_withdraw(
    *, actor: Any, application: Application, reason: str = "", expected_version: int | None = None
) -> Application:
    _require(is_unit_member(actor, application.app), _("只有主办单位可以撤回申请。"))
    with transaction.atomic():
        locked, before = _transition(
            application,
            actor=actor,
            action="withdraw",
            allowed_from={S.DRAFT, S.SUBMITTED, S.RETURNED, S.FORWARDED, S.FEEDBACK},
            to_state=S.WITHDRAWN,
            holder=Holder.UNIT,
            expected_version=expected_version,
        )
        _clear_deadline(locked)
        if locked.kind == ApplicationKind.DEREGISTER:
            App.objects.filter(pk=locked.app_id).update(
                status=AppStatus.SHUTDOWN_NOTICE, offline_at=None
            )
        return _finish(locked, before, actor=actor, action="withdraw", note=reason.strip())


# --- R-03 exception ------------------------------------------------------------------------


def application_exception_request(
    *, actor: Any, application: Application, reason: str
) -> Application:
    _require(is_unit_member(actor, application.app), _("只有主办单位可以申请例外。"))
    if not unit_below_county(application.app.hosting_unit):
        raise RegistryError(_("本单位不在县级以下，无需申请例外。"))
    if not reason.strip():
        raise RegistryError(
            _("请说明县级以下单位确需建设该应用的理由。"),
            {"exception_reason": _("请填写建设理由。")},
        )
    with transaction.atomic():
        locked = _lock(application, None)
        if locked.state not in EDITABLE_STATES:
            raise RegistryError(_("只有草稿状态的申请可以申请例外。"))
        if locked.exception_decision == ExceptionDecision.APPROVED:
            raise RegistryError(_("例外已获批准，无需再次申请。"))
        before = snapshot(locked)
        locked.exception_reason = reason.strip()
        locked.exception_decision = ExceptionDecision.REQUESTED
        locked.version += 1
        locked.save()
        b, a = diff(before, snapshot(locked))
        audit_record(
            actor=actor, action="application.exception_request", obj=locked, before=b, after=a
        )
        _on_commit_notify(
            locked.app,
            None,
            _("%(u)s 申请县级以下单位建设例外：“%(a)s”。")
            % {"u": locked.app.hosting_unit, "a": locked.app.name},
            actor,
            to_regulators=True,
        )
    return locked


def application_exception_decide(
    *, actor: Any, application: Application, approve: bool, note: str
) -> Application:
    """A regulator's separate, audited decision on a below-county unit's exception (R-03)."""
    app = application.app
    _require(
        is_cac(actor)
        or (is_province_reviewer(actor, app) and has_role(actor, Role.PROVINCIAL_CAC_REVIEWER)),
        _("只有国家网信办或本省网信部门审核人员可以决定例外。"),
    )
    if not note.strip():
        raise RegistryError(_("请填写决定理由。"), {"note": _("请填写决定理由。")})
    with transaction.atomic():
        locked = _lock(application, None)
        if locked.exception_decision != ExceptionDecision.REQUESTED:
            raise RegistryError(_("该申请没有待决定的例外请求。"))
        before = snapshot(locked)
        locked.exception_decision = (
            ExceptionDecision.APPROVED if approve else ExceptionDecision.REFUSED
        )
        locked.exception_decided_by = actor
        locked.exception_decided_at = timezone.now()
        locked.exception_note = note.strip()
        locked.version += 1
        locked.save()
        b, a = diff(before, snapshot(locked))
        audit_record(
            actor=actor, action="application.exception_decide", obj=locked, before=b, after=a
        )
        _on_commit_notify(
            locked.app,
            locked,
            _("“%(a)s”的县级以下单位建设例外：%(d)s。")
            % {"a": locked.app.name, "d": locked.get_exception_decision_display()},
            actor,
        )
    return locked


# --- provincial transitions -------------------------------------------------------------------

PROVINCE_BODIES = {"cac", "gsa"}
PROVINCE_BODY_LABELS = {
    "cac": gettext_lazy("省级网信部门"),
    "gsa": gettext_lazy("省级政务服务管理部门"),
}


def province_review_mode() -> str:
    mode = str(setting("GOVAPP_PROVINCE_REVIEW_MODE") or "joint")
    return mode if mode in {"joint", "either"} else "joint"


def province_bodies_of(actor: Any) -> set[str]:
    """Which provincial bodies ``actor`` signs for: the cyberspace office, the
    government-services administration, or both (a superuser)."""
    if getattr(actor, "is_superuser", False):
        return set(PROVINCE_BODIES)
    out = set()
    if has_role(actor, Role.PROVINCIAL_CAC_REVIEWER):
        out.add("cac")
    if has_role(actor, Role.PROVINCIAL_GSA_REVIEWER):
        out.add("gsa")
    return out


def province_bodies_missing_text(signed: Iterable[str]) -> str:
    return "、".join(str(PROVINCE_BODY_LABELS[b]) for b in sorted(PROVINCE_BODIES - set(signed)))


def _norm_item(text: str) -> str:
    return re.sub(r"\s+", "", text).strip("。.;；,，").lower()


def earlier_missing_items(application: Application) -> list[str]:
    """Every item asked for on an earlier list of this application (province and CAC)."""
    out: list[str] = []
    for ev in application.events.filter(action__in=["return", "request_feedback"]).order_by(
        "at", "pk"
    ):
        items = (ev.data or {}).get("missing_items")
        out += items if isinstance(items, list) else _lines_of(ev.note)
    return out


def _lines_of(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _notice_data(application: Application, items: list[str], late_reason: str) -> dict[str, Any]:
    """One-time notice (一次性告知): a later list may only add items with a reason why the
    first list missed them."""
    earlier = earlier_missing_items(application)
    known = {_norm_item(i) for i in earlier}
    new = [i for i in items if _norm_item(i) not in known] if earlier else []
    if new and not late_reason.strip():
        raise RegistryError(
            _(
                "按一次性告知要求，补正事项应一次列全。本次清单有 %(n)d 项不在此前的清单中：%(items)s。"
                "请说明此前未一并告知的原因。"
            )
            % {"n": len(new), "items": "；".join(new)},
            {"late_reason": _("请说明此前清单为何未列出这些事项。")},
        )
    data: dict[str, Any] = {"missing_items": items}
    if earlier:
        data["round"] = (
            application.events.filter(action__in=["return", "request_feedback"]).count() + 1
        )
        data["new_items"] = new
        data["repeated_items"] = [i for i in items if _norm_item(i) in known]
        if new:
            data["late_reason"] = late_reason.strip()
    return data


def _resubmission_changes(application: Application) -> dict[str, Any]:
    """What changed in the materials since the last submission (shown on the timeline)."""
    from govapp.registry.selectors import sections_diff

    rows = sections_diff(application.submitted_sections or {}, application.sections)
    application.submitted_sections = application.sections
    return {"changes": rows}


def _missing_items(missing_items: list[str]) -> list[str]:
    """The one complete list of corrections (一次性告知): blank lines dropped, never empty."""
    items = [m.strip() for m in missing_items if m and m.strip()]
    if not items:
        raise RegistryError(
            _("请一次性列出所有需要补正的事项（每行一项）。"),
            {"missing_items": _("请至少填写一项需补正事项。")},
        )
    return items


def application_return(
    *,
    actor: Any,
    application: Application,
    missing_items: list[str],
    late_reason: str = "",
    expected_version: int | None = None,
) -> Application:
    """submitted -> returned, with ONE complete list of what is missing (一次性告知); a later
    list that adds items must say why the first list missed them (``late_reason``)."""
    _require(
        is_province_reviewer(actor, application.app), _("只有本省网信部门的审核人员可以退回申请。")
    )
    items = _missing_items(missing_items)
    with transaction.atomic():
        locked, before = _transition(
            application,
            actor=actor,
            action="return",
            allowed_from={S.SUBMITTED},
            to_state=S.RETURNED,
            holder=Holder.UNIT,
            expected_version=expected_version,
        )
        data = _notice_data(locked, items, late_reason)
        locked.missing_items = items
        locked.province_signoffs = []
        _clear_deadline(locked)
        return _finish(
            locked, before, actor=actor, action="return", note="\n".join(items), data=data
        )


def application_forward(
    *, actor: Any, application: Application, note: str = "", expected_version: int | None = None
) -> Application:
    """submitted -> forwarded: complete, sent to the CAC (review period a setting, default 20)."""
    _require(
        is_province_reviewer(actor, application.app), _("只有本省网信部门的审核人员可以转报申请。")
    )
    bodies = province_bodies_of(actor)
    with transaction.atomic():
        current = _lock(application, expected_version)
        signed = set(current.province_signoffs or []) | bodies
        if (
            current.state == S.SUBMITTED
            and province_review_mode() == "joint"
            and not signed >= PROVINCE_BODIES
        ):
            # the first of the two bodies signs off; the application waits for the other
            if bodies <= set(current.province_signoffs or []):
                raise RegistryError(
                    _("您所在部门已会签同意，正在等待%(other)s会签。")
                    % {"other": province_bodies_missing_text(signed)}
                )
            locked, before = _transition(
                application,
                actor=actor,
                action="province_signoff",
                allowed_from={S.SUBMITTED},
                to_state=S.SUBMITTED,
                holder=Holder.PROVINCE,
                expected_version=expected_version,
            )
            locked.province_signoffs = sorted(signed)
            return _finish(
                locked,
                before,
                actor=actor,
                action="province_signoff",
                note=note.strip(),
                data={"bodies": sorted(bodies), "waiting_for": sorted(PROVINCE_BODIES - signed)},
            )
        locked, before = _transition(
            application,
            actor=actor,
            action="forward",
            allowed_from={S.SUBMITTED},
            to_state=S.FORWARDED,
            holder=Holder.CAC,
            expected_version=expected_version,
        )
        locked.missing_items = []
        locked.province_signoffs = []
        _deadline(locked, setting("GOVAPP_CAC_REVIEW_WORKING_DAYS"))
        return _finish(
            locked,
            before,
            actor=actor,
            action="forward",
            note=note.strip(),
            data={"bodies": sorted(signed & PROVINCE_BODIES)},
        )


# --- CAC transitions ------------------------------------------------------------------------


def application_request_feedback(
    *,
    actor: Any,
    application: Application,
    missing_items: list[str],
    late_reason: str = "",
    expected_version: int | None = None,
) -> Application:
    """forwarded -> feedback: all corrections at once; the unit answers within the setting.
    A later list that adds items must say why the first list missed them."""
    _require(is_cac(actor), _("只有国家网信办审核人员可以要求补正反馈。"))
    items = _missing_items(missing_items)
    with transaction.atomic():
        locked, before = _transition(
            application,
            actor=actor,
            action="request_feedback",
            allowed_from={S.FORWARDED},
            to_state=S.FEEDBACK,
            holder=Holder.UNIT,
            expected_version=expected_version,
        )
        data = _notice_data(locked, items, late_reason)
        locked.missing_items = items
        _deadline(locked, setting("GOVAPP_FEEDBACK_WORKING_DAYS"))
        return _finish(
            locked,
            before,
            actor=actor,
            action="request_feedback",
            note="\n".join(items),
            data=data,
        )


def application_extend(
    *,
    actor: Any,
    application: Application,
    reason: str,
    new_deadline: dt.date,
    expected_version: int | None = None,
) -> Application:
    """A complex case: the CAC extends its review, stating the reason and the expected date."""
    _require(is_cac(actor), _("只有国家网信办审核人员可以延长审核期限。"))
    if not reason.strip():
        raise RegistryError(_("请说明延期理由。"), {"reason": _("请说明延期理由。")})
    with transaction.atomic():
        locked, before = _transition(
            application,
            actor=actor,
            action="extend",
            allowed_from={S.FORWARDED},
            to_state=S.FORWARDED,
            holder=Holder.CAC,
            expected_version=expected_version,
        )
        if locked.deadline and new_deadline <= locked.deadline:
            raise RegistryError(
                _("预计完成日期应晚于当前期限 %(d)s。") % {"d": locked.deadline},
                {"new_deadline": _("预计完成日期应晚于当前期限。")},
            )
        locked.deadline = new_deadline
        locked.deadline_provisional = False
        locked.deadline_start = None
        locked.deadline_working_days = 0
        locked.deadline_extended_reason = reason.strip()
        return _finish(
            locked,
            before,
            actor=actor,
            action="extend",
            note=f"{reason.strip()}（{new_deadline.isoformat()}）",
        )


class _Slot:
    def __format__(self, spec: str) -> str:
        return "#"


PROVINCE_PREFIX = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "贵",
    "53": "云", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}  # fmt: skip


def filing_number_issue(*, app: App) -> str:
    """The next filing number for ``app`` (call inside a transaction).

    The counter key is the format rendered without the sequence, so each distinct prefix/year
    has its own counter; the row is locked (SELECT ... FOR UPDATE) while it is incremented, and
    a number once issued is never issued again (revoked or deregistered apps keep theirs)."""
    fmt = setting("GOVAPP_FILING_NUMBER_FORMAT")
    scope = app.hosting_unit.scope_code
    ctx = {
        "prefix": "国" if scope == "central" else PROVINCE_PREFIX.get(scope[:2], scope[:2]),
        "province": "00" if scope == "central" else scope[:2],
        "year": today_shanghai().year,
    }
    key = fmt.format(seq=_Slot(), **ctx)[:128]
    FilingNumberCounter.objects.get_or_create(key=key)
    counter = FilingNumberCounter.objects.select_for_update().get(key=key)
    counter.last += 1
    counter.save(update_fields=["last"])
    return str(fmt.format(seq=counter.last, **ctx))


def testing_basis(application: Application) -> str:
    """A fingerprint of what technical testing is measured against: the declared identities
    and the submitted version.  A stored report for another basis is out of date."""
    idents = sorted(
        (i.platform, i.identifier, (i.cert_sha256 or "").lower())
        for i in application.app.identities.all()
    )
    version = str(((application.sections or {}).get("basic") or {}).get("version") or "")
    raw = repr((idents, version.strip()))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def testing_gaps(application: Application) -> list[dict[str, Any]]:
    """What technical testing still lacks (R-10); empty when testing is done.  Reads the
    report the compliance side pushed, and treats a missing or out-of-date one as a gap."""
    if application.kind == ApplicationKind.DEREGISTER:
        return []
    report = application.testing or {}
    if not report:
        return [{"code": "untested"}]
    if report.get("basis") != testing_basis(application):
        return [{"code": "stale"}]
    gaps = report.get("gaps") or []
    return [g for g in gaps if isinstance(g, dict)]


def testing_gap_text(gap: dict[str, Any]) -> str:
    """One gap in the reader's language."""
    code = gap.get("code", "")
    platform = gap.get("platform", "")
    p = str(Platform(platform).label) if platform in Platform.values else platform
    ctx = {
        "p": p,
        "id": gap.get("identifier", ""),
        "v": gap.get("version", "") or "—",
        "found": gap.get("found", "") or "—",
    }
    lang_en = (get_language() or "").startswith("en")
    title = gap.get("title_en" if lang_en else "title_zh") or gap.get("rule", "")
    texts = {
        "untested": _("尚未生成技术检测结果：请上传安装包并等待检测完成。"),
        "stale": _(
            "申报的平台标识或版本号在检测后有改动，检测结果需要更新（系统会自动重新核对）。"
        ),
        "no_platform": _("未申报任何平台标识，无法核对安装包。"),
        "no_scan": _("%(p)s（%(id)s）：没有已完成检测的安装包，请上传该平台的安装包。") % ctx,
        "scan_pending": _("%(p)s（%(id)s）：安装包正在排队或检测中。") % ctx,
        "scan_failed": _("%(p)s（%(id)s）：安装包检测失败，请查看原因后重新检测或重新上传。") % ctx,
        "version": _("%(p)s（%(id)s）：没有申报版本 %(v)s 的检测结果（已检测的版本：%(found)s）。")
        % ctx,
        "identity": _(
            "%(p)s（%(id)s）：安装包的包名或签名证书与申报的不一致（检测到：%(found)s）。"
        )
        % ctx,
        "finding": _("存在未整改、未豁免的高风险问题：%(t)s。") % {"t": title},
    }
    return str(texts.get(code, code))


def application_testing_put(
    *, application: Application, report: dict[str, Any], actor: Any = None
) -> Application:
    """Store the technical-testing report the compliance side computed for ``application``
    (``{"gaps": [...], "scans": [...]}``); audited when its outcome changes."""
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        old = locked.testing or {}
        new = {
            "basis": testing_basis(locked),
            "checked_at": timezone.now().isoformat(),
            "gaps": list(report.get("gaps") or []),
            "scans": list(report.get("scans") or []),
        }
        Application.objects.filter(pk=locked.pk).update(testing=new)
        if old.get("gaps") != new["gaps"] or old.get("basis") != new["basis"]:
            audit_record(
                actor=actor,
                action="application.testing",
                obj=locked,
                before={"testing_gaps": old.get("gaps")},
                after={"testing_gaps": new["gaps"], "done": not new["gaps"]},
            )
        locked.testing = new
    return locked


def application_approve(
    *,
    actor: Any,
    application: Application,
    note: str = "",
    override_reason: str = "",
    expected_version: int | None = None,
) -> Application:
    """forwarded -> filed.  New: issues the filing number; change: replaces the filed
    materials; deregistration: the app is deregistered (stays visible as such in public).

    R-10: the CAC approves only after technical testing is done (:func:`testing_gaps` is
    empty); otherwise only with ``override_reason``, which goes on the timeline and into the
    audit log together with what was missing."""
    _require(is_cac(actor), _("只有国家网信办审核人员可以准予备案。"))
    with transaction.atomic():
        current = _lock(application, expected_version)
        gaps = testing_gaps(current) if current.state == S.FORWARDED else []
        if gaps and not override_reason.strip():
            raise RegistryError(
                _(
                    "技术检测尚未完成，不能准予备案：%(gaps)s 如确需在检测完成前准予备案，"
                    "请填写理由（将记入办理记录和审计日志）。"
                )
                % {"gaps": " ".join(testing_gap_text(g) for g in gaps)},
                {"override_reason": _("技术检测未完成：请填写在检测完成前准予备案的理由。")},
            )
        if gaps:
            over, over_before = _transition(
                application,
                actor=actor,
                action="testing_override",
                allowed_from={S.FORWARDED},
                to_state=S.FORWARDED,
                holder=Holder.CAC,
                expected_version=expected_version,
            )
            _finish(
                over,
                over_before,
                actor=actor,
                action="testing_override",
                note=override_reason.strip(),
                data={"gaps": gaps, "reason": override_reason.strip()},
            )
            expected_version = over.version
        locked, before = _transition(
            application,
            actor=actor,
            action="approve",
            allowed_from={S.FORWARDED},
            to_state=S.FILED,
            holder=Holder.UNIT,
            expected_version=expected_version,
        )
        app = App.objects.select_for_update().select_related("hosting_unit").get(pk=locked.app_id)
        app_before = snapshot(app)
        now = timezone.now()
        if locked.kind == ApplicationKind.DEREGISTER:
            app.status = AppStatus.DEREGISTERED
            app.deregistered_at = now
            app.identities.update(live=False)
            ShutdownOrder.objects.filter(app=app, closed_at__isnull=True).update(closed_at=now)
        else:
            clashes = identity_clashes(app)
            if clashes:
                raise RegistryError(" ".join(clashes))
            if not app.filing_number:
                app.filing_number = filing_number_issue(app=app)
            if locked.kind == ApplicationKind.NEW:
                app.filed_at = now
                app.revoked_at = None
            app.status = AppStatus.FILED
            app.filed_sections = locked.sections
            basic = parse_sections(locked.sections).basic
            if basic.app_name:
                app.name = basic.app_name[:128]
            if basic.target_users:
                app.target_users = basic.target_users
            if basic.target_levels:
                app.target_levels = basic.target_levels
            try:
                with transaction.atomic():
                    app.identities.update(live=True)
            except IntegrityError as exc:
                raise RegistryError(_("平台标识与其他有效备案重复，不能准予备案。")) from exc
        app.save()
        if app.status == AppStatus.FILED:
            # the compliance engine evaluates the filed app at once (core.wiring.FOLLOW_UPS)
            follow_up("app.filed", app_id=app.pk)
        registry_changed()
        b, a = diff(app_before, snapshot(app))
        b.pop("filed_sections", None)
        a.pop("filed_sections", None)
        audit_record(
            actor=actor,
            action="app.filed" if locked.kind != ApplicationKind.DEREGISTER else "app.deregistered",
            obj=app,
            before=b,
            after=a,
        )
        locked.decision_note = note.strip()
        locked.decided_at = now
        locked.missing_items = []
        _clear_deadline(locked)
        locked.app = app
        text = note.strip()
        if app.filing_number and locked.kind != ApplicationKind.DEREGISTER:
            text = (_("备案编号：%(n)s") % {"n": app.filing_number}) + ("\n" + text if text else "")
        return _finish(locked, before, actor=actor, action="approve", note=text)


def application_reject(
    *, actor: Any, application: Application, reason: str, expected_version: int | None = None
) -> Application:
    _require(is_cac(actor), _("只有国家网信办审核人员可以作出不予备案的决定。"))
    if not reason.strip():
        raise RegistryError(_("请写明不予备案的理由和依据。"), {"reason": _("请写明理由。")})
    with transaction.atomic():
        locked, before = _transition(
            application,
            actor=actor,
            action="reject",
            allowed_from={S.FORWARDED},
            to_state=S.REJECTED,
            holder=Holder.UNIT,
            expected_version=expected_version,
        )
        locked.decision_note = reason.strip()
        locked.decided_at = timezone.now()
        _clear_deadline(locked)
        if locked.kind == ApplicationKind.DEREGISTER:
            App.objects.filter(pk=locked.app_id).update(
                status=AppStatus.SHUTDOWN_NOTICE, offline_at=None
            )
        return _finish(locked, before, actor=actor, action="reject", note=reason.strip())


def application_abandon(
    *, actor: Any, application: Application, today: dt.date | None = None
) -> Application:
    """feedback -> abandoned once the answer deadline has passed (R-10, 视为放弃)."""
    today = today or today_shanghai()
    with transaction.atomic():
        locked, before = _transition(
            application,
            actor=actor,
            action="abandon",
            allowed_from={S.FEEDBACK},
            to_state=S.ABANDONED,
            holder=Holder.UNIT,
        )
        if locked.deadline is None or locked.deadline >= today:
            raise RegistryError(
                _("补正反馈期限（%(d)s）尚未届满，不能视为放弃。") % {"d": locked.deadline}
            )
        deadline = locked.deadline
        _clear_deadline(locked)
        return _finish(
            locked,
            before,
            actor=actor,
            action="abandon",
            note=_("补正反馈期限 %(d)s 已过，未收到反馈。") % {"d": deadline.isoformat()},
        )


def abandon_lapsed(*, today: dt.date | None = None) -> int:
    """Marks every application whose feedback deadline has passed as abandoned."""
    today = today or today_shanghai()
    n = 0
    for application in Application.objects.filter(state=S.FEEDBACK, deadline__lt=today).order_by(
        "pk"
    ):
        try:
            application_abandon(actor=None, application=application, today=today)
            n += 1
        except RegistryError:
            continue
    return n


def deadlines_recompute(year: int) -> int:
    """Recomputes provisional deadlines after ``year``'s holiday schedule was entered."""
    n = 0
    qs = Application.objects.filter(
        deadline_provisional=True, deadline_start__isnull=False, deadline_working_days__gt=0
    ).filter(Q(deadline__year__gte=year) & Q(deadline_start__year__lte=year))
    for application in qs:
        assert application.deadline_start is not None
        d = add_working_days(application.deadline_start, application.deadline_working_days)
        if d.date != application.deadline or d.provisional != application.deadline_provisional:
            with transaction.atomic():
                before = {
                    "deadline": application.deadline,
                    "deadline_provisional": application.deadline_provisional,
                }
                Application.objects.filter(pk=application.pk).update(
                    deadline=d.date, deadline_provisional=d.provisional
                )
                audit_record(
                    actor=None,
                    action="application.deadline_recompute",
                    obj=application,
                    before=before,
                    after={"deadline": d.date, "deadline_provisional": d.provisional},
                )
            n += 1
    return n


# --- attachments ---------------------------------------------------------------------------

ALLOWED_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".ofd": "application/ofd",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain",
    ".csv": "text/csv",
}
_MAGIC = {
    ".pdf": [b"%PDF"],
    ".png": [b"\x89PNG"],
    ".jpg": [b"\xff\xd8\xff"],
    ".jpeg": [b"\xff\xd8\xff"],
    ".docx": [b"PK\x03\x04"],
    ".xlsx": [b"PK\x03\x04"],
    ".ofd": [b"PK\x03\x04"],
    ".doc": [b"\xd0\xcf\x11\xe0"],
    ".xls": [b"\xd0\xcf\x11\xe0"],
}
_EXECUTABLE = [
    b"MZ",
    b"\x7fELF",
    b"#!",
    b"\xca\xfe\xba\xbe",
    b"\xcf\xfa\xed\xfe",
    b"<script",
    b"<html",
    b"<!doctype",
]


def attachment_add(
    *, actor: Any, application: Application, section: str, name: str, content: bytes
) -> Attachment:
    _require(is_unit_member(actor, application.app), _("只有主办单位的填报人员可以上传附件。"))
    if application.state not in EDITABLE_STATES:
        raise RegistryError(
            _("申请当前状态为“%(s)s”，不能上传附件。") % {"s": application.get_state_display()}
        )
    if section not in [*SECTION_KEYS, "similar_apps"]:
        raise RegistryError(_("请选择附件所属的材料部分。"))
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255] or "file"
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    limit = setting("GOVAPP_ATTACHMENT_MAX_BYTES")
    if len(content) > limit:
        raise RegistryError(
            _("“%(n)s”过大（%(s).1f MB），单个附件上限 %(l)d MB，请压缩或拆分后上传。")
            % {"n": name, "s": len(content) / 1048576, "l": limit // 1048576}
        )
    if not content:
        raise RegistryError(_("“%(n)s”是空文件，请重新选择。") % {"n": name})
    if ext not in ALLOWED_TYPES:
        raise RegistryError(
            _("“%(n)s”的类型不允许上传。允许的类型：PDF、OFD、PNG、JPG、Word、Excel、TXT、CSV。")
            % {"n": name}
        )
    head = content[:16].lower()
    if any(head.startswith(m.lower()) for m in _EXECUTABLE) or (
        ext in _MAGIC and not any(content.startswith(m) for m in _MAGIC[ext])
    ):
        raise RegistryError(
            _("“%(n)s”的内容与扩展名不符或像是可执行文件，已拒收。请上传真实的 %(e)s 文件。")
            % {"n": name, "e": ext[1:].upper()}
        )
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        att = Attachment(
            application=application,
            section=section,
            name=name,
            sha256=digest,
            size=len(content),
            content_type=ALLOWED_TYPES[ext],
            uploaded_by=actor,
        )
        if not default_storage.exists(att.storage_name):
            default_storage.save(att.storage_name, ContentFile(content))
        att.save()
        audit_record(actor=actor, action="attachment.add", obj=att, after=snapshot(att))
    return att


def attachment_delete(*, actor: Any, attachment: Attachment) -> None:
    application = attachment.application
    _require(is_unit_member(actor, application.app), _("只有主办单位的填报人员可以删除附件。"))
    if application.state not in EDITABLE_STATES:
        raise RegistryError(_("申请已提交，附件不能删除。"))
    with transaction.atomic():
        audit_record(
            actor=actor, action="attachment.delete", obj=attachment, before=snapshot(attachment)
        )
        attachment.delete()


# --- notifications -----------------------------------------------------------------------------


def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
