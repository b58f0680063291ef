"""Writes of the compliance engine: evaluation, exemptions, rectification orders, penalty
cases (revocation, R-31), spot checks (R-30) and bulletins (R-32).

Every function is keyword-only, runs in one ``transaction.atomic`` block and writes its own
audit event; refusals raise :class:`ComplianceError` with a message that says what to do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from govapp.compliance import engine
from govapp.compliance.models import (
    Bulletin,
    Exemption,
    ExemptionStatus,
    Finding,
    FindingStatus,
    OperationFacts,
    OrderState,
    PenaltyCase,
    PenaltyState,
    RectificationOrder,
    SpotCheck,
    SpotCheckItem,
    SpotResult,
)
from govapp.compliance.rules import RULES_BY_ID
from govapp.core.actor import Actor
from govapp.core.audit import audit_record, diff, snapshot
from govapp.core.calendar import add_working_days, today_shanghai
from govapp.core.errors import Conflict, GovappError, NotAllowed
from govapp.core.escalation import escalate_overdue
from govapp.core.permissions import can, is_national, is_regulator, restrict
from govapp.orgs.models import User
from govapp.registry.models import App, Application, AppStatus
from govapp.scans.models import PackageScan, ScanStatus

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DOCUMENT_TYPES = {".pdf", ".ofd", ".png", ".jpg", ".jpeg", ".doc", ".docx", ".txt"}
SCENARIOS = {"security", "emergency", "other"}
MAX_EXEMPTION_DAYS = 366
LIVE_ORDER_STATES = {OrderState.OPEN, OrderState.RESPONDED, OrderState.SENT_BACK}


class ComplianceError(GovappError):
    """A refusal a person can understand and act on (409 unless a subclass says otherwise)."""


class ComplianceForbidden(ComplianceError, NotAllowed):
    """The actor may not do this at all (the API answers 403)."""

    status_code = 403


class ComplianceConflict(ComplianceError, Conflict):
    """The object is no longer in a state that allows this (the API answers 409)."""

    status_code = 409


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ComplianceForbidden(message)


def is_unit_of(actor: Actor, app: App) -> bool:
    return can(actor, "submit", app)


def is_regulator_of(actor: Actor, app: App) -> bool:
    return is_regulator(actor) and can(actor, "review", app)


# --- evaluation --------------------------------------------------------------------------------


def app_operation_facts_put(
    *, app: App, source: str, facts: dict[str, Any], actor: Actor | None = None
) -> bool:
    """Store what ``source`` (an app above compliance: complaints, usage, ledger ...) knows about
    ``app``'s operation, as fields of the rules' Operation facts, and re-evaluate the app when the
    transaction commits (a task on the queue: visible and retriable). Returns whether the facts
    changed; an unchanged push writes nothing."""
    from govapp.compliance.facts import Operation
    from govapp.compliance.tasks import app_evaluate_task

    Operation.model_validate(facts)  # unknown fields are ignored by the model; bad types fail
    with transaction.atomic():
        row = OperationFacts.objects.select_for_update().filter(app=app, source=source).first()
        if row is not None and row.data == facts:
            return False
        before = {"data": row.data} if row is not None else None
        if row is None:
            row = OperationFacts.objects.create(app=app, source=source, data=facts)
        else:
            row.data = facts
            row.save(update_fields=["data", "updated_at"])
        audit_record(
            actor=actor,
            action="operation_facts.put",
            obj=row,
            object_repr=f"{app.name} · {source}",
            before=before,
            after={"data": facts},
        )
        app_id = app.pk
        transaction.on_commit(lambda: app_evaluate_task.enqueue(app_id=app_id))
    return True


def compliance_evaluate(
    *, app: App, actor: Actor | None, application: Application | None = None
) -> engine.Outcome:
    """Re-evaluate every rule for one app (idempotent).  Units and regulators of the app may;
    auditors (who only read) may not: evaluation writes findings and audit events."""
    _require(
        actor is None or is_unit_of(actor, app) or can(actor, "review", app),
        _("只有主办单位和所在辖区的监管人员可以检测该应用。"),
    )
    outcome = engine.evaluate_app(app=app, actor=actor, application=application)
    _penalties_mark_restored(app=app, actor=actor)
    return outcome


def _penalties_mark_restored(*, app: App, actor: Actor | None) -> None:
    """After re-filing through the normal workflow, a revoked case is marked restored."""
    app.refresh_from_db(fields=["status", "filed_at"])
    if app.status != AppStatus.FILED:
        return
    with transaction.atomic():
        for case in PenaltyCase.objects.select_for_update().filter(
            app=app, state=PenaltyState.REVOKED
        ):
            case.state = PenaltyState.RESTORED
            case.save(update_fields=["state"])
            audit_record(
                actor=actor,
                action="penalty.restored",
                obj=case,
                before={"state": "revoked"},
                after={"state": "restored"},
            )


def scan_evaluate(*, scan: PackageScan, actor: Actor | None = None) -> engine.Outcome | None:
    """Evaluate the scan's app with the scan's facts (the follow-up of a finished scan)."""
    if scan.app is None or scan.status != ScanStatus.DONE:
        return None
    return engine.evaluate_app(app=scan.app, actor=actor, application=scan.application)


def offline_reports_evaluate(*, today: dt.date | None = None) -> int:
    """R-14: re-evaluate every app that announced a shutdown whose date has passed, so an
    overdue offline report becomes a finding (and one that arrived closes it)."""
    today = today or today_shanghai()
    n = 0
    live = Finding.objects.filter(rule_id="R14_OFFLINE_REPORT_OVERDUE").exclude(
        status=FindingStatus.CLOSED
    )
    apps = App.objects.filter(
        Q(status=AppStatus.SHUTDOWN_NOTICE, shutdown_date__lt=today)
        | Q(pk__in=live.values("app_id"))
    ).order_by("pk")
    for app in apps:
        engine.evaluate_app(app=app, actor=None)
        n += 1
    return n


# --- exemptions (R-09, R-20) ---------------------------------------------------------------------


def _store_document(name: str, content: bytes) -> tuple[str, str, int]:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if not content:
        raise ComplianceError(_("证明材料“%(n)s”是空文件，请重新选择。") % {"n": name})
    if len(content) > MAX_DOCUMENT_BYTES:
        raise ComplianceError(_("证明材料过大，上限 20 MB，请压缩后上传。"))
    if ext not in DOCUMENT_TYPES:
        raise ComplianceError(
            _("证明材料“%(n)s”的类型不允许。允许：PDF、OFD、PNG、JPG、Word、TXT。") % {"n": name}
        )
    digest = hashlib.sha256(content).hexdigest()
    path = f"compliance/exemptions/{digest[:2]}/{digest}"
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(content))
    return name, digest, len(content)


def exemption_request(
    *,
    actor: User,
    app: App,
    rule_id: str,
    scenario: str,
    reason: str,
    document_name: str = "",
    document: bytes = b"",
    requested_expiry: dt.date | None = None,
) -> Exemption:
    """A unit asks to keep a feature that a rule forbids, for a security/emergency scenario."""
    _require(is_unit_of(actor, app), _("只有主办单位的人员可以申请豁免。"))
    rule = RULES_BY_ID.get(rule_id)
    if rule is None:
        raise ComplianceError(_("未知的规则“%(r)s”，请从列表中选择。") % {"r": rule_id})
    if not rule.exemptible:
        raise ComplianceError(
            _(
                "“%(t)s”不能豁免：只有打卡签到、积分排名、在线时长、照片和轨迹上传等功能可在安保、应急等特殊场景下申请豁免。"
            )
            % {"t": rule.title_zh}
        )
    if scenario not in SCENARIOS:
        raise ComplianceError(_("请选择特殊场景：安保、应急或其他特殊场景。"))
    reason = reason.strip()
    if len(reason) < 10:
        raise ComplianceError(_("请写明豁免理由（不少于 10 个字）：场景、范围、期限和必要性。"))
    if not document:
        raise ComplianceError(_("请上传证明材料（如安保、应急任务的文件）。"))
    today = today_shanghai()
    if requested_expiry is not None and requested_expiry <= today:
        raise ComplianceError(_("申请有效期应晚于今天。"))
    name, digest, size = _store_document(document_name, document)
    with transaction.atomic():
        if Exemption.objects.filter(
            app=app, rule_id=rule_id, status=ExemptionStatus.REQUESTED
        ).exists():
            raise ComplianceError(_("该规则已有待审批的豁免申请，请等待审批结果。"))
        ex = Exemption.objects.create(
            app=app,
            rule_id=rule_id,
            scenario=scenario,
            reason=reason,
            document_name=name,
            document_sha256=digest,
            document_size=size,
            requested_expiry=requested_expiry,
            requested_by=actor,
        )
        audit_record(actor=actor, action="exemption.request", obj=ex, after=snapshot(ex))
    return ex


def exemption_decide(
    *,
    actor: User,
    exemption: Exemption,
    approve: bool,
    expires_on: dt.date | None = None,
    note: str = "",
) -> Exemption:
    """A regulator approves (with an expiry date) or refuses an exemption request."""
    app = exemption.app
    _require(is_regulator_of(actor, app), _("只有该应用所在辖区的监管人员可以审批豁免。"))
    today = today_shanghai()
    if approve:
        if expires_on is None or expires_on <= today:
            raise ComplianceError(_("批准豁免时请填写晚于今天的有效期。"))
        if expires_on > today + dt.timedelta(days=MAX_EXEMPTION_DAYS):
            raise ComplianceError(_("豁免有效期最长一年，请缩短有效期。"))
    elif not note.strip():
        raise ComplianceError(_("不予批准时请写明理由，以便单位整改。"))
    with transaction.atomic():
        ex = Exemption.objects.select_for_update().get(pk=exemption.pk)
        if ex.status != ExemptionStatus.REQUESTED:
            raise ComplianceConflict(
                _("该豁免申请已处理（%(s)s），不能重复审批。") % {"s": ex.get_status_display()}
            )
        before = snapshot(ex)
        ex.status = ExemptionStatus.APPROVED if approve else ExemptionStatus.REFUSED
        ex.expires_on = expires_on if approve else None
        ex.decision_note = note.strip()
        ex.decided_by = actor
        ex.decided_at = timezone.now()
        ex.save()
        b, a = diff(before, snapshot(ex))
        audit_record(actor=actor, action="exemption.decide", obj=ex, before=b, after=a)
        engine.evaluate_app(app=app, actor=actor)
    return ex


def exemptions_expire(*, today: dt.date | None = None) -> int:
    """Mark approved exemptions past their expiry as expired and reopen their findings."""
    today = today or today_shanghai()
    n = 0
    for ex in Exemption.objects.filter(status=ExemptionStatus.APPROVED, expires_on__lt=today):
        with transaction.atomic():
            locked = Exemption.objects.select_for_update().get(pk=ex.pk)
            if locked.status != ExemptionStatus.APPROVED:
                continue
            locked.status = ExemptionStatus.EXPIRED
            locked.save(update_fields=["status"])
            audit_record(
                actor=None,
                action="exemption.expire",
                obj=locked,
                before={"status": "approved"},
                after={"status": "expired", "expires_on": locked.expires_on},
            )
            engine.evaluate_app(app=locked.app, actor=None)
        n += 1
    return n


# --- rectification (R-29, R-31) -----------------------------------------------------------------


def order_issue(
    *,
    actor: User,
    app: App,
    findings: list[Finding],
    instructions: str,
    working_days: int = 10,
) -> RectificationOrder:
    _require(is_regulator_of(actor, app), _("只有该应用所在辖区的监管人员可以下达整改通知。"))
    if not findings:
        raise ComplianceError(_("请至少选择一个需要整改的问题。"))
    if any(f.app_id != app.pk for f in findings):
        raise ComplianceError(_("所选问题不属于该应用，请刷新页面后重新选择。"))
    if any(f.status != FindingStatus.OPEN for f in findings):
        raise ComplianceError(
            _("只能对待整改的问题下达整改通知（已豁免或已关闭的问题不需要整改）。")
        )
    if not 1 <= working_days <= 60:
        raise ComplianceError(_("整改期限应为 1 到 60 个工作日。"))
    if not instructions.strip():
        raise ComplianceError(_("请写明整改要求。"))
    deadline = add_working_days(today_shanghai(), working_days)
    with transaction.atomic():
        order = RectificationOrder.objects.create(
            app=app,
            instructions=instructions.strip(),
            working_days=working_days,
            deadline=deadline.date,
            deadline_provisional=deadline.provisional,
            issued_by=actor,
        )
        order.findings.set(findings)
        after = snapshot(order)
        after["findings"] = [f.pk for f in findings]
        audit_record(actor=actor, action="order.issue", obj=order, after=after)
    return order


def _lock_order(
    order: RectificationOrder, allowed: set[str] | set[OrderState]
) -> RectificationOrder:
    locked = RectificationOrder.objects.select_for_update().get(pk=order.pk)
    if locked.state not in allowed:
        raise ComplianceConflict(
            _("整改通知当前状态为“%(s)s”，不能进行该操作。") % {"s": locked.get_state_display()}
        )
    return locked


def order_respond(
    *, actor: Actor, order: RectificationOrder, response: str, scan: PackageScan | None = None
) -> RectificationOrder:
    """The unit reports what it changed; a new package version is evaluated at once."""
    app = order.app
    _require(is_unit_of(actor, app), _("只有主办单位的人员可以报送整改情况。"))
    if not response.strip():
        raise ComplianceError(_("请写明整改了什么、如何整改。"))
    if scan is not None and (scan.app_id != app.pk or scan.status != ScanStatus.DONE):
        raise ComplianceError(_("所选安装包不属于该应用或尚未检测完成，请等检测完成后再报送。"))
    with transaction.atomic():
        locked = _lock_order(order, {OrderState.OPEN, OrderState.SENT_BACK})
        before = snapshot(locked)
        locked.state = OrderState.RESPONDED
        locked.response = response.strip()
        locked.response_scan = scan
        locked.responded_at = timezone.now()
        locked.rounds += 1
        locked.save()
        b, a = diff(before, snapshot(locked))
        audit_record(actor=actor, action="order.respond", obj=locked, before=b, after=a)
        engine.evaluate_app(app=app, actor=actor)
    return locked


def order_open_findings(order: RectificationOrder) -> list[Finding]:
    return list(order.findings.filter(status=FindingStatus.OPEN))


def order_accept(
    *, actor: Actor, order: RectificationOrder, note: str = "", force: bool = False
) -> RectificationOrder:
    app = order.app
    _require(is_regulator_of(actor, app), _("只有该应用所在辖区的监管人员可以验收整改。"))
    still_open = order_open_findings(order)
    if still_open and not force:
        names = "、".join(
            RULES_BY_ID[f.rule_id].title_zh if f.rule_id in RULES_BY_ID else f.rule_id
            for f in still_open
        )
        raise ComplianceError(
            _(
                "以下问题重新检测后仍然存在：%(n)s。请退回重新整改；如已人工核实整改到位，请勾选“人工核实后验收”。"
            )
            % {"n": names}
        )
    with transaction.atomic():
        locked = _lock_order(order, {OrderState.RESPONDED})
        locked.state = OrderState.ACCEPTED
        locked.decision_note = note.strip()
        locked.decided_at = timezone.now()
        locked.save()
        audit_record(
            actor=actor,
            action="order.accept",
            obj=locked,
            before={"state": "responded"},
            after={"state": "accepted", "note": locked.decision_note, "forced": force},
        )
    return locked


def order_send_back(
    *, actor: Actor, order: RectificationOrder, note: str, working_days: int | None = None
) -> RectificationOrder:
    app = order.app
    _require(is_regulator_of(actor, app), _("只有该应用所在辖区的监管人员可以退回整改。"))
    if not note.strip():
        raise ComplianceError(_("退回时请写明哪些问题没有整改到位。"))
    with transaction.atomic():
        locked = _lock_order(order, {OrderState.RESPONDED})
        before = snapshot(locked)
        locked.state = OrderState.SENT_BACK
        locked.decision_note = note.strip()
        if working_days:
            d = add_working_days(today_shanghai(), working_days)
            locked.deadline, locked.deadline_provisional = d.date, d.provisional
            locked.working_days = working_days
        locked.save()
        b, a = diff(before, snapshot(locked))
        audit_record(actor=actor, action="order.send_back", obj=locked, before=b, after=a)
    return locked


def orders_escalate(*, today: dt.date | None = None) -> int:
    """Mark overdue orders as escalated (visible in lists and on the regulators' home page)."""
    today = today or today_shanghai()
    qs = RectificationOrder.objects.filter(
        state__in=[OrderState.OPEN, OrderState.SENT_BACK],
        deadline__lt=today,
        escalated_at__isnull=True,
    )
    return escalate_overdue(qs, action="order.escalate", today=today)


def order_fail(*, actor: User, order: RectificationOrder, reason: str) -> PenaltyCase:
    """The order failed (overdue or not corrected): a penalty case proposes revocation (R-31)."""
    app = order.app
    _require(is_regulator_of(actor, app), _("只有该应用所在辖区的监管人员可以认定整改不合格。"))
    if not reason.strip():
        raise ComplianceError(_("请写明认定整改不合格的理由。"))
    with transaction.atomic():
        locked = _lock_order(order, LIVE_ORDER_STATES)
        overdue = locked.deadline < today_shanghai()
        if locked.state != OrderState.RESPONDED and not overdue:
            raise ComplianceError(
                _("整改期限（%(d)s）尚未届满，单位也未报送整改情况，暂不能认定整改不合格。")
                % {"d": locked.deadline.isoformat()}
            )
        locked.state = OrderState.FAILED
        locked.decision_note = reason.strip()
        locked.decided_at = timezone.now()
        locked.save()
        audit_record(
            actor=actor,
            action="order.fail",
            obj=locked,
            after={"state": "failed", "reason": locked.decision_note},
        )
        case = PenaltyCase.objects.create(
            app=app,
            order=locked,
            reason=reason.strip(),
            proposed_by=actor,
            filing_number=app.filing_number or "",
        )
        audit_record(actor=actor, action="penalty.propose", obj=case, after=snapshot(case))
    return case


def penalty_revoke(*, actor: User, case: PenaltyCase, note: str = "") -> PenaltyCase:
    """The CAC revokes the filing: the app shows as revoked in public verification at once."""
    _require(
        is_national(actor) and can(actor, "decide", case.app),
        _("撤销备案由国家网信办决定；请联系国家网信办审核人员。"),
    )
    from govapp.registry.version import registry_changed

    with transaction.atomic():
        locked = PenaltyCase.objects.select_for_update().get(pk=case.pk)
        if locked.state != PenaltyState.PROPOSED:
            raise ComplianceConflict(
                _("该案件当前状态为“%(s)s”，不能撤销备案。") % {"s": locked.get_state_display()}
            )
        app = App.objects.select_for_update().get(pk=locked.app_id)
        if app.status != AppStatus.FILED:
            raise ComplianceError(
                _("该应用当前状态为“%(s)s”，不是已备案状态，不能撤销备案。")
                % {"s": app.get_status_display()}
            )
        app_before = snapshot(app, ["status", "revoked_at"])
        app.status = AppStatus.REVOKED
        app.revoked_at = timezone.now()
        app.save(update_fields=["status", "revoked_at", "updated_at"])
        app.identities.update(live=False)
        registry_changed()
        audit_record(
            actor=actor,
            action="app.revoked",
            obj=app,
            before=app_before,
            after=snapshot(app, ["status", "revoked_at"]) | {"penalty_case": locked.pk},
        )
        locked.state = PenaltyState.REVOKED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_note = note.strip()
        locked.save()
        audit_record(
            actor=actor,
            action="penalty.revoke",
            obj=locked,
            before={"state": "proposed"},
            after={"state": "revoked", "note": locked.decision_note},
        )
    return locked


def penalty_drop(*, actor: User, case: PenaltyCase, note: str) -> PenaltyCase:
    _require(
        is_national(actor) and can(actor, "decide", case.app),
        _("是否撤销备案由国家网信办决定。"),
    )
    if not note.strip():
        raise ComplianceError(_("请写明不予处罚的理由。"))
    with transaction.atomic():
        locked = PenaltyCase.objects.select_for_update().get(pk=case.pk)
        if locked.state != PenaltyState.PROPOSED:
            raise ComplianceConflict(_("该案件已处理，不能重复决定。"))
        locked.state = PenaltyState.DROPPED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_note = note.strip()
        locked.save()
        audit_record(
            actor=actor, action="penalty.drop", obj=locked, after={"note": locked.decision_note}
        )
    return locked


# --- spot checks (R-30) -------------------------------------------------------------------------

SPOT_ELIGIBLE = {AppStatus.FILED}


def risk_weights(apps: list[App], *, today: dt.date | None = None) -> dict[int, float]:
    """Weight per app: clock-in evidence, other open findings, complaints, age of the newest scan."""
    today = today or today_shanghai()
    ids = [a.pk for a in apps]
    clock = set(
        Finding.objects.filter(
            app_id__in=ids,
            rule_id__in=["R20_CLOCK_IN", "R09_UNDECLARED_SENSITIVE"],
            status=FindingStatus.OPEN,
        ).values_list("app_id", flat=True)
    )
    open_counts = dict(
        Finding.objects.filter(app_id__in=ids, status=FindingStatus.OPEN)
        .values("app_id")
        .annotate(n=Count("pk"))
        .values_list("app_id", "n")
    )
    complaints = dict(
        Finding.objects.filter(app_id__in=ids, rule_id="R29_COMPLAINTS")
        .exclude(status=FindingStatus.CLOSED)
        .values_list("app_id", "severity")
    )
    last_scan = dict(
        PackageScan.objects.filter(app_id__in=ids, status=ScanStatus.DONE)
        .values("app_id")
        .annotate(t=Max("created_at"))
        .values_list("app_id", "t")
    )
    out: dict[int, float] = {}
    for a in apps:
        w = 1.0
        if a.pk in clock:
            w += 4.0
        w += min(open_counts.get(a.pk, 0), 5) * 0.5
        if a.pk in complaints:
            w += 2.0
        t = last_scan.get(a.pk)
        age = (today - t.date()).days if t else 365
        w += min(age, 365) / 182.5  # never or a year ago: +2
        out[a.pk] = round(w, 4)
    return out


def _allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Proportional allocation by largest remainder; every stratum gets one while n allows."""
    total = sum(sizes.values())
    if total == 0 or n <= 0:
        return dict.fromkeys(sizes, 0)
    n = min(n, total)
    keys = sorted(sizes)
    alloc = dict.fromkeys(keys, 0)
    if n >= len(keys):
        for k in keys:
            alloc[k] = 1
        rest = n - len(keys)
    else:
        rest = n
    quotas = {k: rest * sizes[k] / total for k in keys}
    for k in keys:
        alloc[k] += int(quotas[k])
    left = n - sum(alloc.values())
    for k in sorted(keys, key=lambda k: (-(quotas[k] - int(quotas[k])), k)):
        if left <= 0:
            break
        alloc[k] += 1
        left -= 1
    # never more than the stratum holds; hand the surplus to others
    surplus = 0
    for k in keys:
        if alloc[k] > sizes[k]:
            surplus += alloc[k] - sizes[k]
            alloc[k] = sizes[k]
    for k in sorted(keys, key=lambda k: (-(sizes[k] - alloc[k]), k)):
        if surplus <= 0:
            break
        room = sizes[k] - alloc[k]
        take = min(room, surplus)
        alloc[k] += take
        surplus -= take
    return alloc


def stratum_of(app: App) -> str:
    scope = app.hosting_unit.scope_code
    province = "central" if scope == "central" else scope[:2]
    return f"{province}/{app.kind}"


def draw_sample(
    apps: list[App], weights: dict[int, float], n: int, seed: int
) -> list[tuple[App, str]]:
    """Stratified by province and kind, weighted to risk inside each stratum
    (Efraimidis-Spirakis keys), reproducible from ``seed``."""
    strata: dict[str, list[App]] = {}
    for a in sorted(apps, key=lambda a: a.pk):
        strata.setdefault(stratum_of(a), []).append(a)
    alloc = _allocate({k: len(v) for k, v in strata.items()}, n)
    rng = random.Random(seed)
    chosen: list[tuple[App, str]] = []
    for key in sorted(strata):
        members = strata[key]
        keyed = [(rng.random() ** (1.0 / weights.get(a.pk, 1.0)), a) for a in members]
        keyed.sort(key=lambda t: (-t[0], t[1].pk))
        chosen += [(a, key) for _, a in keyed[: alloc[key]]]
    return chosen


def spotcheck_draw(
    *,
    actor: User,
    name: str,
    sample_size: int,
    seed: int | None = None,
    forced: bool = False,
) -> SpotCheck:
    """Draw a sample of filed apps in the actor's jurisdiction for technical testing (R-30).
    Apps in the previous spot check of the same scope are left out unless ``forced``."""
    _require(is_regulator(actor), _("只有监管人员可以组织抽查检测。"))
    if not 1 <= sample_size <= 1000:
        raise ComplianceError(_("抽样数量应为 1 到 1000。"))
    if not name.strip():
        raise ComplianceError(_("请填写抽查名称。"))
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**62)
    scope = "" if is_national(actor) else _scope_of(actor)
    with transaction.atomic():
        apps = list(
            restrict(App.objects.filter(status__in=SPOT_ELIGIBLE), actor, "review").select_related(
                "hosting_unit"
            )
        )
        previous = SpotCheck.objects.filter(scope_code=scope).order_by("-created_at", "-pk").first()
        excluded: list[int] = []
        if previous is not None and not forced:
            prev_ids = set(previous.items.values_list("app_id", flat=True))
            excluded = sorted(prev_ids)
            apps = [a for a in apps if a.pk not in prev_ids]
        if not apps:
            raise ComplianceError(
                _(
                    "辖区内没有可抽查的已备案应用（上一轮已抽中的应用不再连续抽取，可勾选“允许连续抽中”）。"
                )
            )
        weights = risk_weights(apps)
        sample = draw_sample(apps, weights, sample_size, seed)
        check = SpotCheck.objects.create(
            name=name.strip(),
            scope_code=scope,
            sample_size=sample_size,
            seed=seed,
            forced=forced,
            created_by=actor,
            params={
                "candidates": [a.pk for a in sorted(apps, key=lambda a: a.pk)],
                "weights": {str(k): v for k, v in sorted(weights.items())},
                "excluded_previous": excluded,
                "previous": previous.pk if previous else None,
                "method": "stratified(province,kind)+weighted(Efraimidis-Spirakis)",
            },
        )
        SpotCheckItem.objects.bulk_create(
            [
                SpotCheckItem(spot_check=check, app=a, stratum=s, risk=weights[a.pk])
                for a, s in sample
            ]
        )
        audit_record(
            actor=actor,
            action="spotcheck.draw",
            obj=check,
            after={"seed": seed, "apps": [a.pk for a, _ in sample], "forced": forced},
        )
    return check


def spotcheck_redraw(check: SpotCheck) -> list[int]:
    """Recompute a recorded sample from its seed and recorded candidates and weights."""
    apps = list(
        App.objects.filter(pk__in=check.params.get("candidates", [])).select_related("hosting_unit")
    )
    weights = {int(k): float(v) for k, v in check.params.get("weights", {}).items()}
    return sorted(a.pk for a, _ in draw_sample(apps, weights, check.sample_size, check.seed))


def _scope_of(actor: Actor) -> str:
    from govapp.core.permissions import JURISDICTION_ROLES, active_grants

    codes = sorted(
        g.division_id
        for g in active_grants(actor)
        if g.role in JURISDICTION_ROLES and g.division_id
    )
    return codes[0] if codes else ""


CHECK_FIELDS = (
    "filing_number_displayed",
    "complaint_function_present",
    "clock_in_observed",
    "forced_upload_observed",
    "ads_observed",
)


def spotcheck_record(
    *, actor: User, item: SpotCheckItem, checks: dict[str, bool | None], note: str = ""
) -> SpotCheckItem:
    """Record one app's test result; it feeds the app's findings at once."""
    _require(is_regulator_of(actor, item.app), _("只有该应用所在辖区的监管人员可以录入检测结果。"))
    clean = {k: checks.get(k) for k in CHECK_FIELDS if checks.get(k) is not None}
    failed = (
        clean.get("filing_number_displayed") is False
        or clean.get("complaint_function_present") is False
        or bool(clean.get("clock_in_observed"))
        or bool(clean.get("forced_upload_observed"))
        or bool(clean.get("ads_observed"))
    )
    with transaction.atomic():
        locked = SpotCheckItem.objects.select_for_update().get(pk=item.pk)
        before = snapshot(locked)
        locked.checks = clean
        locked.note = note.strip()
        locked.result = SpotResult.FAILED if failed else SpotResult.PASSED
        locked.tested_by = actor
        locked.tested_at = timezone.now()
        locked.save()
        b, a = diff(before, snapshot(locked))
        audit_record(actor=actor, action="spotcheck.record", obj=locked, before=b, after=a)
        engine.evaluate_app(app=locked.app, actor=actor)
    return locked


# --- bulletins (R-32) ---------------------------------------------------------------------------


def bulletin_publish(
    *,
    actor: User,
    title: str,
    summary: str,
    orders: list[RectificationOrder],
    anonymised: bool = True,
) -> Bulletin:
    """Publish typical problems from resolved cases on the public site."""
    _require(is_regulator(actor), _("只有监管人员可以发布通报。"))
    if not title.strip():
        raise ComplianceError(_("请填写通报标题。"))
    if not orders:
        raise ComplianceError(_("请至少选择一个已办结的整改案件。"))
    visible = set(
        restrict(RectificationOrder.objects.all(), actor, "review").values_list("pk", flat=True)
    )
    cases = []
    for o in orders:
        if o.pk not in visible:
            raise ComplianceError(_("所选案件不在您的辖区内。"))
        if o.state not in (OrderState.ACCEPTED, OrderState.FAILED):
            raise ComplianceError(_("只能通报已办结（整改完成或整改不合格）的案件。"))
        unit = o.app.hosting_unit
        problems = [
            {
                "rule": f.rule_id,
                "requirement": f.requirement,
                "title": RULES_BY_ID[f.rule_id].title_zh if f.rule_id in RULES_BY_ID else f.rule_id,
                "title_en": RULES_BY_ID[f.rule_id].title_en if f.rule_id in RULES_BY_ID else "",
            }
            for f in o.findings.all().order_by("rule_id")
        ]
        revoked = o.penalties.filter(state=PenaltyState.REVOKED).exists()
        cases.append(
            {
                "app": "某政务应用" if anonymised else o.app.name,
                "unit": (unit.division.name + "某单位") if anonymised else unit.name,
                "region": unit.division.name,
                "problems": problems,
                "outcome": "revoked" if revoked else o.state,
                "resolved_on": (o.decided_at or timezone.now()).date().isoformat(),
            }
        )
    with transaction.atomic():
        b = Bulletin.objects.create(
            title=title.strip(),
            summary=summary.strip(),
            anonymised=anonymised,
            cases=cases,
            scope_code="" if is_national(actor) else _scope_of(actor),
            published_by=actor,
        )
        audit_record(
            actor=actor,
            action="bulletin.publish",
            obj=b,
            after={"title": b.title, "orders": [o.pk for o in orders], "anonymised": anonymised},
        )
    return b


__all__ = [
    "ComplianceConflict",
    "ComplianceError",
    "ComplianceForbidden",
    "bulletin_publish",
    "compliance_evaluate",
    "exemption_decide",
    "exemption_request",
    "exemptions_expire",
    "order_accept",
    "order_fail",
    "order_issue",
    "order_respond",
    "order_send_back",
    "orders_escalate",
    "penalty_drop",
    "penalty_revoke",
    "scan_evaluate",
    "spotcheck_draw",
    "spotcheck_record",
]
