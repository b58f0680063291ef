"""Applications on the unit's side: create, save the draft, submit, resubmit, answer
feedback, withdraw, the below-county exception (R-03), and the lapses the clock decides
(abandonment, deadlines recomputed when a holiday schedule is entered)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import Q
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
    ExceptionDecision,
    Holder,
)
from govapp.registry.schemas import completeness_errors, parse_sections
from govapp.registry.services.apps import identity_clashes, unit_below_county
from govapp.registry.services.base import (
    is_cac,
    is_province_reviewer,
    is_unit_member,
    require,
    setting,
)
from govapp.registry.services.notifications import notify_on_commit
from govapp.registry.services.workflow import (
    EDITABLE_STATES,
    deadline_clear,
    deadline_set,
    finish,
    lock,
    transition,
)

S = ApplicationState
log = logging.getLogger(__name__)


def application_create(
    *,
    actor: User,
    app: App,
    kind: str = ApplicationKind.NEW,
    change_description: str = "",
    planned_date: dt.date | None = None,
) -> Application:
    require(is_unit_member(actor, app), _("只有主办单位的填报人员可以发起备案申请。"))
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


def application_save_draft(
    *,
    actor: Actor,
    application: Application,
    sections: dict[str, Any] | None = None,
    pledge_accepted: bool | None = None,
    exception_reason: str | None = None,
    change_description: str | None = None,
    planned_date: dt.date | None = None,
    expected_version: int | None = None,
) -> Application:
    """Save whatever has been filled in; nothing is required until submission."""
    require(is_unit_member(actor, application.app), _("只有主办单位的填报人员可以编辑申请。"))
    with transaction.atomic():
        app_ = lock(application, expected_version)
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


def _resubmission_changes(application: Application) -> dict[str, Any]:
    """What changed in the materials since the last submission (shown on the timeline)."""
    from govapp.registry.selectors import sections_diff

    rows = sections_diff(application.submitted_sections or {}, application.sections)
    application.submitted_sections = application.sections
    return {"changes": rows}


def application_submit(
    *, actor: User, application: Application, expected_version: int | None = None
) -> Application:
    """draft -> submitted (province, 10 working days) or forwarded (State Council department)."""
    require(is_unit_member(actor, application.app), _("只有主办单位的填报人员可以提交申请。"))
    with transaction.atomic():
        central = application.app.hosting_unit.is_central
        locked, before = transition(
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
        deadline_set(
            locked,
            setting("GOVAPP_CAC_REVIEW_WORKING_DAYS")
            if central
            else setting("GOVAPP_PROVINCE_REVIEW_WORKING_DAYS"),
        )
        return finish(locked, before, actor=actor, action="submit")


def _require_complete(application: Application) -> None:
    """Refuse to hand an application on while any section is incomplete; every gap is named."""
    errors = submission_errors(application)
    if errors:
        raise RegistryError(
            _("申请材料还不完整，共 %(n)d 处需要补充，请按提示修改后再提交。") % {"n": len(errors)},
            errors,
        )


def application_resubmit(
    *, actor: User, application: Application, expected_version: int | None = None
) -> Application:
    """returned -> submitted: the province checks completeness again (new 10 working days)."""
    require(is_unit_member(actor, application.app), _("只有主办单位的填报人员可以重新提交申请。"))
    with transaction.atomic():
        locked, before = transition(
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
        deadline_set(locked, setting("GOVAPP_PROVINCE_REVIEW_WORKING_DAYS"))
        return finish(locked, before, actor=actor, action="resubmit", data=data)


def application_answer_feedback(
    *, actor: User, application: Application, note: str = "", expected_version: int | None = None
) -> Application:
    """feedback -> forwarded: reviewed and tested again by the CAC (new review period)."""
    require(is_unit_member(actor, application.app), _("只有主办单位的填报人员可以提交补正反馈。"))
    with transaction.atomic():
        locked, before = transition(
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
        deadline_set(locked, setting("GOVAPP_CAC_REVIEW_WORKING_DAYS"))
        return finish(
            locked, before, actor=actor, action="answer_feedback", note=note.strip(), data=data
        )


def application_withdraw(
    *, actor: User, application: Application, reason: str = "", expected_version: int | None = None
) -> Application:
    require(is_unit_member(actor, application.app), _("只有主办单位可以撤回申请。"))
    with transaction.atomic():
        locked, before = transition(
            application,
            actor=actor,
            action="withdraw",
            allowed_from={S.DRAFT, S.SUBMITTED, S.RETURNED, S.FORWARDED, S.FEEDBACK},
            to_state=S.WITHDRAWN,
            holder=Holder.UNIT,
            expected_version=expected_version,
        )
        deadline_clear(locked)
        if locked.kind == ApplicationKind.DEREGISTER:
            App.objects.filter(pk=locked.app_id).update(
                status=AppStatus.SHUTDOWN_NOTICE, offline_at=None
            )
        return finish(locked, before, actor=actor, action="withdraw", note=reason.strip())


# --- R-03 exception ------------------------------------------------------------------------


def application_exception_request(
    *, actor: Actor, application: Application, reason: str
) -> Application:
    require(is_unit_member(actor, application.app), _("只有主办单位可以申请例外。"))
    if not unit_below_county(application.app.hosting_unit):
        raise RegistryError(_("本单位不在县级以下，无需申请例外。"))
    if not reason.strip():
        raise RegistryError(
            _("请说明县级以下单位确需建设该应用的理由。"),
            {"exception_reason": _("请填写建设理由。")},
        )
    with transaction.atomic():
        locked = lock(application, None)
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
        notify_on_commit(
            locked.app,
            None,
            _("%(u)s 申请县级以下单位建设例外：“%(a)s”。")
            % {"u": locked.app.hosting_unit, "a": locked.app.name},
            actor,
            to_regulators=True,
        )
    return locked


def application_exception_decide(
    *, actor: User, application: Application, approve: bool, note: str
) -> Application:
    """A regulator's separate, audited decision on a below-county unit's exception (R-03)."""
    app = application.app
    require(
        is_cac(actor)
        or (is_province_reviewer(actor, app) and has_role(actor, Role.PROVINCIAL_CAC_REVIEWER)),
        _("只有国家网信办或本省网信部门审核人员可以决定例外。"),
    )
    if not note.strip():
        raise RegistryError(_("请填写决定理由。"), {"note": _("请填写决定理由。")})
    with transaction.atomic():
        locked = lock(application, None)
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
        notify_on_commit(
            locked.app,
            locked,
            _("“%(a)s”的县级以下单位建设例外：%(d)s。")
            % {"a": locked.app.name, "d": locked.get_exception_decision_display()},
            actor,
        )
    return locked


def application_abandon(
    *, actor: User | None, application: Application, today: dt.date | None = None
) -> Application:
    """feedback -> abandoned once the answer deadline has passed (R-10, 视为放弃)."""
    today = today or today_shanghai()
    with transaction.atomic():
        locked, before = transition(
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
        deadline_clear(locked)
        return finish(
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
