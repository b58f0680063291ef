"""Review by the regulators: the province's completeness review (joint sign-off, one-time
notice of corrections), the CAC's feedback requests, extensions, technical testing (R-10),
approval (which issues the filing number) and rejection."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from govapp.core.actor import Actor
from govapp.core.audit import audit_record, diff, snapshot
from govapp.core.permissions import has_role
from govapp.core.tasks import follow_up
from govapp.orgs.models import Role, User
from govapp.registry.errors import RegistryError
from govapp.registry.models import (
    App,
    Application,
    ApplicationKind,
    ApplicationState,
    AppStatus,
    Holder,
    Platform,
    ShutdownOrder,
)
from govapp.registry.schemas import parse_sections
from govapp.registry.services.apps import identity_clashes
from govapp.registry.services.base import (
    is_cac,
    is_province_reviewer,
    require,
    setting,
)
from govapp.registry.services.filing_numbers import filing_number_issue
from govapp.registry.services.workflow import (
    deadline_clear,
    deadline_set,
    finish,
    lock,
    transition,
)
from govapp.registry.version import registry_changed

S = ApplicationState
log = logging.getLogger(__name__)


PROVINCE_BODIES = {"cac", "gsa"}
PROVINCE_BODY_LABELS = {
    "cac": gettext_lazy("省级网信部门"),
    "gsa": gettext_lazy("省级政务服务管理部门"),
}


def province_review_mode() -> str:
    mode = str(setting("GOVAPP_PROVINCE_REVIEW_MODE") or "joint")
    return mode if mode in {"joint", "either"} else "joint"


def province_bodies_of(actor: Actor) -> set[str]:
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
    actor: User,
    application: Application,
    missing_items: list[str],
    late_reason: str = "",
    expected_version: int | None = None,
) -> Application:
    """submitted -> returned, with ONE complete list of what is missing (一次性告知); a later
    list that adds items must say why the first list missed them (``late_reason``)."""
    require(
        is_province_reviewer(actor, application.app), _("只有本省网信部门的审核人员可以退回申请。")
    )
    items = _missing_items(missing_items)
    with transaction.atomic():
        locked, before = transition(
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
        deadline_clear(locked)
        return finish(
            locked, before, actor=actor, action="return", note="\n".join(items), data=data
        )


def application_forward(
    *, actor: User, application: Application, note: str = "", expected_version: int | None = None
) -> Application:
    """submitted -> forwarded: complete, sent to the CAC (review period a setting, default 20)."""
    require(
        is_province_reviewer(actor, application.app), _("只有本省网信部门的审核人员可以转报申请。")
    )
    bodies = province_bodies_of(actor)
    with transaction.atomic():
        current = lock(application, expected_version)
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
            locked, before = transition(
                application,
                actor=actor,
                action="province_signoff",
                allowed_from={S.SUBMITTED},
                to_state=S.SUBMITTED,
                holder=Holder.PROVINCE,
                expected_version=expected_version,
            )
            locked.province_signoffs = sorted(signed)
            return finish(
                locked,
                before,
                actor=actor,
                action="province_signoff",
                note=note.strip(),
                data={"bodies": sorted(bodies), "waiting_for": sorted(PROVINCE_BODIES - signed)},
            )
        locked, before = transition(
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
        deadline_set(locked, setting("GOVAPP_CAC_REVIEW_WORKING_DAYS"))
        return finish(
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
    actor: User,
    application: Application,
    missing_items: list[str],
    late_reason: str = "",
    expected_version: int | None = None,
) -> Application:
    """forwarded -> feedback: all corrections at once; the unit answers within the setting.
    A later list that adds items must say why the first list missed them."""
    require(is_cac(actor), _("只有国家网信办审核人员可以要求补正反馈。"))
    items = _missing_items(missing_items)
    with transaction.atomic():
        locked, before = transition(
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
        deadline_set(locked, setting("GOVAPP_FEEDBACK_WORKING_DAYS"))
        return finish(
            locked,
            before,
            actor=actor,
            action="request_feedback",
            note="\n".join(items),
            data=data,
        )


def application_extend(
    *,
    actor: User,
    application: Application,
    reason: str,
    new_deadline: dt.date,
    expected_version: int | None = None,
) -> Application:
    """A complex case: the CAC extends its review, stating the reason and the expected date."""
    require(is_cac(actor), _("只有国家网信办审核人员可以延长审核期限。"))
    if not reason.strip():
        raise RegistryError(_("请说明延期理由。"), {"reason": _("请说明延期理由。")})
    with transaction.atomic():
        locked, before = transition(
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
        return finish(
            locked,
            before,
            actor=actor,
            action="extend",
            note=f"{reason.strip()}（{new_deadline.isoformat()}）",
        )


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
    *, application: Application, report: dict[str, Any], actor: Actor | None = None
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
    actor: User,
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
    require(is_cac(actor), _("只有国家网信办审核人员可以准予备案。"))
    with transaction.atomic():
        current = lock(application, expected_version)
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
            over, over_before = transition(
                application,
                actor=actor,
                action="testing_override",
                allowed_from={S.FORWARDED},
                to_state=S.FORWARDED,
                holder=Holder.CAC,
                expected_version=expected_version,
            )
            finish(
                over,
                over_before,
                actor=actor,
                action="testing_override",
                note=override_reason.strip(),
                data={"gaps": gaps, "reason": override_reason.strip()},
            )
            expected_version = over.version
        locked, before = transition(
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
        deadline_clear(locked)
        locked.app = app
        text = note.strip()
        if app.filing_number and locked.kind != ApplicationKind.DEREGISTER:
            text = (_("备案编号：%(n)s") % {"n": app.filing_number}) + ("\n" + text if text else "")
        return finish(locked, before, actor=actor, action="approve", note=text)


def application_reject(
    *, actor: User, application: Application, reason: str, expected_version: int | None = None
) -> Application:
    require(is_cac(actor), _("只有国家网信办审核人员可以作出不予备案的决定。"))
    if not reason.strip():
        raise RegistryError(_("请写明不予备案的理由和依据。"), {"reason": _("请写明理由。")})
    with transaction.atomic():
        locked, before = transition(
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
        deadline_clear(locked)
        if locked.kind == ApplicationKind.DEREGISTER:
            App.objects.filter(pk=locked.app_id).update(
                status=AppStatus.SHUTDOWN_NOTICE, offline_at=None
            )
        return finish(locked, before, actor=actor, action="reject", note=reason.strip())
