"""Writes of the burden ledger: demands, the gateway, budgets, offices, the dictionary, import.

Every state change is one ``transaction.atomic`` block with its own audit event; the R-19
facts of the apps concerned are pushed to compliance after commit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from govapp.compliance.services import app_operation_facts_put
from govapp.core.actor import Actor
from govapp.core.audit import audit_record, snapshot
from govapp.core.calendar import today_shanghai
from govapp.core.errors import Conflict, InvalidInput, NotAllowed
from govapp.orgs.models import Division, Unit, User
from govapp.oversight.ledger import selectors
from govapp.oversight.ledger.matcher import Demand as MatcherDemand
from govapp.oversight.ledger.matcher import Dictionary
from govapp.oversight.ledger.models import (
    BurdenBudget,
    BurdenOffice,
    Demand,
    DemandField,
    DemandStatus,
    DictionaryVersion,
    FieldType,
    Frequency,
    Proposal,
    ProposalKind,
    ProposalState,
    TargetLevel,
)
from govapp.registry.models import App

MAX_FIELDS = 200
MAX_LABEL = 120

_TYPE_WORDS = {t.value: t.value for t in FieldType} | {str(t.label): t.value for t in FieldType}


@dataclass(frozen=True)
class FieldSpec:
    label: str
    type: str = FieldType.TEXT


def parse_field_lines(text: str) -> list[FieldSpec]:
    """Fields from one-per-line text: ``身份证号码`` or ``身份证号码 | id_number``; also
    accepts ；、, separators on one line. Raises ValidationError naming the bad line."""
    specs: list[FieldSpec] = []
    errors: list[str] = []
    lines = list(re.split(r"[\r\n]+", text or ""))
    if len(lines) == 1:
        lines = re.split(r"[;；、]", lines[0])
    for n, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        label, _sep, kind = line.partition("|")
        label, kind = label.strip(), kind.strip()
        if len(label) > MAX_LABEL:
            errors.append(
                _("第 %(n)d 行：字段名称过长（上限 %(m)d 字）。") % {"n": n, "m": MAX_LABEL}
            )
            continue
        if kind and kind not in _TYPE_WORDS:
            errors.append(_("第 %(n)d 行：未知的数据类型“%(t)s”。") % {"n": n, "t": kind})
            continue
        specs.append(FieldSpec(label, _TYPE_WORDS.get(kind, FieldType.TEXT)))
    if len(specs) > MAX_FIELDS:
        errors.append(_("字段过多（上限 %(m)d 个），请拆分事项。") % {"m": MAX_FIELDS})
    if not specs and not errors:
        errors.append(_("请至少填写一个字段。"))
    if errors:
        raise ValidationError(errors)
    return specs


def _classify(demand: Demand, specs: Sequence[FieldSpec] | None = None) -> None:
    """(Re)write the demand's fields with the dictionary items the matcher finds."""
    matcher = selectors.matcher_current()
    if specs is None:
        specs = [FieldSpec(f.label, f.type) for f in demand.fields.all()]
    md = MatcherDemand(
        id=str(demand.pk),
        title=demand.title,
        department=demand.department_name,
        division=demand.scope_code,
        target=demand.target_level,
        frequency=demand.frequency,
        fields=[s.label for s in specs],
    )
    matches = matcher.classify(md)
    demand.fields.all().delete()
    DemandField.objects.bulk_create(
        DemandField(
            demand=demand,
            position=i,
            label=spec.label,
            type=spec.type,
            item=m.item or "",
            item_scope=m.scope or "",
            item_name=m.name,
        )
        for i, (spec, m) in enumerate(zip(specs, matches, strict=True))
    )


def _check_unit_area(unit: Unit, division: Division) -> None:
    if unit.is_central:
        return
    if not division.code.startswith(unit.division_id):
        raise InvalidInput(_("填报地区须在发起部门所在地区范围内。"))


def demand_create(
    *,
    unit: Unit,
    division: Division,
    title: str,
    fields: Sequence[FieldSpec],
    frequency: str = Frequency.MONTHLY,
    target_level: str = TargetLevel.VILLAGE,
    units_targeted: int = 1,
    minutes_per_field: Decimal | float = Decimal(2),
    basis: str = "",
    department: str = "",
    app: App | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    actor: User | None,
) -> Demand:
    """A draft demand of ``unit`` on the grassroots units of ``division``."""
    _check_unit_area(unit, division)
    if not title.strip():
        raise InvalidInput(_("请填写事项名称。"))
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidInput(_("结束日期不能早于开始日期。"))
    with transaction.atomic():
        demand = Demand.objects.create(
            title=title.strip()[:200],
            unit=unit,
            department=department,
            division=division,
            basis=basis,
            target_level=target_level,
            units_targeted=max(1, int(units_targeted)),
            frequency=frequency,
            minutes_per_field=Decimal(str(minutes_per_field)),
            app=app,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        _classify(demand, fields)
        audit_record(actor=actor, action="ledger.demand_create", obj=demand, after=snapshot(demand))
    return demand


def demand_update(
    *, demand: Demand, fields: Sequence[FieldSpec] | None = None, actor: Actor, **changes: Any
) -> Demand:
    """Edit a draft or a sent-back demand (listed demands change through the gateway)."""
    if demand.status not in (DemandStatus.DRAFT, DemandStatus.SENT_BACK):
        raise Conflict(_("只有草稿或被退回的事项可以修改；已列入的事项请提出变更。"))
    allowed = {
        "title",
        "basis",
        "target_level",
        "units_targeted",
        "frequency",
        "minutes_per_field",
        "app",
        "starts_on",
        "ends_on",
        "division",
    }
    with transaction.atomic():
        before = snapshot(demand)
        for key, value in changes.items():
            if key not in allowed:
                raise TypeError(key)
            setattr(demand, key, value)
        _check_unit_area(demand.unit, demand.division)
        demand.save()
        if fields is not None:
            _classify(demand, fields)
        else:
            _classify(demand)
        audit_record(
            actor=actor,
            action="ledger.demand_update",
            obj=demand,
            before=before,
            after=snapshot(demand),
        )
    return demand


def demand_revise(*, demand: Demand, actor: User) -> Demand:
    """A draft new version of a listed demand (to propose a change through the gateway)."""
    if demand.status != DemandStatus.LISTED:
        raise Conflict(_("只有已列入清单的事项可以提出变更。"))
    with transaction.atomic():
        draft = Demand.objects.create(
            ledger_number=demand.ledger_number,
            title=demand.title,
            unit=demand.unit,
            department=demand.department,
            division=demand.division,
            basis=demand.basis,
            target_level=demand.target_level,
            units_targeted=demand.units_targeted,
            frequency=demand.frequency,
            minutes_per_field=demand.minutes_per_field,
            app=demand.app,
            starts_on=demand.starts_on,
            ends_on=demand.ends_on,
            supersedes=demand,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        _classify(draft, [FieldSpec(f.label, f.type) for f in demand.fields.all()])
        audit_record(actor=actor, action="ledger.demand_revise", obj=draft, after=snapshot(draft))
    return draft


def demand_propose(*, demand: Demand, reason: str = "", actor: User | None) -> Proposal:
    """Send a draft (new demand or new version) to the gateway; the automatic check runs now."""
    if demand.status not in (DemandStatus.DRAFT, DemandStatus.SENT_BACK):
        raise Conflict(_("该事项已提交或已办结。"))
    if not demand.fields.exists():
        raise InvalidInput(_("请至少填写一个字段。"))
    kind = ProposalKind.CHANGE if demand.supersedes_id else ProposalKind.NEW
    with transaction.atomic():
        demand.status = DemandStatus.PENDING
        demand.save(update_fields=["status", "updated_at"])
        proposal = Proposal.objects.create(
            demand=demand,
            kind=kind,
            reason=reason,
            field_check=selectors.gateway_check(demand),
            submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            action="ledger.proposal_submit",
            obj=proposal,
            after={
                "kind": kind,
                "demand": demand.pk,
                "duplicates": proposal.field_check["duplicated"],
            },
            scope_code=demand.scope_code,
            unit_pk=demand.unit_id,
        )
    return proposal


def demand_withdraw_propose(*, demand: Demand, reason: str, actor: User) -> Proposal:
    if demand.status != DemandStatus.LISTED:
        raise Conflict(_("只有已列入清单的事项可以申请撤销。"))
    if demand.proposals.filter(state=ProposalState.PENDING).exists():
        raise Conflict(_("该事项已有待审查的申请。"))
    if not reason.strip():
        raise InvalidInput(_("请说明撤销理由。"))
    with transaction.atomic():
        proposal = Proposal.objects.create(
            demand=demand,
            kind=ProposalKind.WITHDRAWAL,
            reason=reason,
            field_check={},
            submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            action="ledger.proposal_submit",
            obj=proposal,
            after={"kind": "withdrawal", "demand": demand.pk},
            scope_code=demand.scope_code,
            unit_pk=demand.unit_id,
        )
    return proposal


def _next_number(division: Division) -> str:
    year = today_shanghai().year
    prefix = f"TB{division.code}-{year}-"
    last = (
        Demand.objects.filter(ledger_number__startswith=prefix)
        .aggregate(m=Max("ledger_number"))
        .get("m")
    )
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def _list(demand: Demand) -> None:
    if not demand.ledger_number:
        demand.ledger_number = _next_number(demand.division)
    demand.status = DemandStatus.LISTED
    demand.listed_at = timezone.now()
    if demand.starts_on is None:
        demand.starts_on = today_shanghai()
    demand.save()


def proposal_decide(
    *,
    proposal: Proposal,
    decision: str,
    reason: str,
    reuse_source: Demand | None = None,
    actor: User,
) -> Proposal:
    """The reviewer's decision: approve, send back to reuse an existing source, or refuse."""
    if not selectors.can_review(actor, proposal.demand):
        raise NotAllowed(_("您不是该地区的填报事项审查人员。"))
    if proposal.state != ProposalState.PENDING:
        raise Conflict(_("该申请已办结。"))
    if decision not in (ProposalState.APPROVED, ProposalState.SENT_BACK, ProposalState.REFUSED):
        raise InvalidInput(_("未知的审查结论。"))
    if decision != ProposalState.APPROVED and not reason.strip():
        raise InvalidInput(_("退回或不予同意时请写明理由。"))
    if decision == ProposalState.SENT_BACK:
        if proposal.kind == ProposalKind.WITHDRAWAL:
            raise InvalidInput(_("撤销申请只能同意或不予同意。"))
        if reuse_source is None:
            raise InvalidInput(_("退回复用时请指明已采集该数据的事项。"))
        if reuse_source.status != DemandStatus.LISTED or reuse_source.pk == proposal.demand_id:
            raise InvalidInput(_("应复用的事项须是清单中的现行事项。"))
    demand = proposal.demand
    with transaction.atomic():
        proposal.state = decision
        proposal.decision_reason = reason.strip()
        proposal.reuse_source = reuse_source if decision == ProposalState.SENT_BACK else None
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.save()
        today = today_shanghai()
        if proposal.kind == ProposalKind.WITHDRAWAL:
            if decision == ProposalState.APPROVED:
                demand.status = DemandStatus.WITHDRAWN
                demand.ends_on = min(demand.ends_on or today, today)
                demand.save()
        elif decision == ProposalState.APPROVED:
            old = demand.supersedes
            if old is not None and old.status == DemandStatus.LISTED:
                old.status = DemandStatus.REPLACED
                old.ends_on = today
                old.save()
            _list(demand)
        else:
            demand.status = (
                DemandStatus.SENT_BACK
                if decision == ProposalState.SENT_BACK
                else DemandStatus.REFUSED
            )
            demand.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="ledger.proposal_decide",
            obj=proposal,
            after={
                "decision": decision,
                "reason": proposal.decision_reason,
                "reuse_source": reuse_source.pk if reuse_source else None,
                "ledger_number": demand.ledger_number,
            },
            scope_code=demand.scope_code,
            unit_pk=demand.unit_id,
        )
        apps = {a for a in (demand.app_id, getattr(demand.supersedes, "app_id", None)) if a}
        transaction.on_commit(lambda: app_facts_push(app_ids=apps))
    return proposal


def budget_set(*, division: Division, hours_per_month: Decimal | None, actor: User) -> None:
    """Set (or with None clear) a division's monthly burden budget."""
    if not selectors.can_review_area(actor, division.code):
        raise NotAllowed(_("您不是该地区的填报事项审查人员。"))
    with transaction.atomic():
        existing = BurdenBudget.objects.filter(division=division).first()
        if hours_per_month is None:
            if existing:
                existing.delete()
        elif existing:
            existing.hours_per_month = hours_per_month
            existing.set_by = actor
            existing.save()
        else:
            BurdenBudget.objects.create(
                division=division, hours_per_month=hours_per_month, set_by=actor
            )
        audit_record(
            actor=actor,
            action="ledger.budget_set",
            object_type="ledger.burdenbudget",
            object_id=division.code,
            after={
                "hours_per_month": str(hours_per_month) if hours_per_month is not None else None
            },
            scope_code=division.code,
        )


def office_designate(*, unit: Unit, division: Division, actor: User) -> BurdenOffice:
    """Designate ``unit`` as the burden-reduction office reviewing demands of ``division``."""
    if not selectors.can_review_area(actor, division.code, regulators_only=True):
        raise NotAllowed(_("您不是该地区的填报事项审查人员。"))
    with transaction.atomic():
        office, _created = BurdenOffice.objects.get_or_create(
            unit=unit, division=division, defaults={"designated_by": actor}
        )
        audit_record(
            actor=actor, action="ledger.office_designate", obj=office, scope_code=division.code
        )
    return office


def dictionary_update(*, data: dict[str, Any], note: str, actor: User) -> DictionaryVersion:
    """A regulator's edited data dictionary; every demand is re-classified with it."""
    if not selectors.is_dictionary_editor(actor):
        raise NotAllowed(_("您不是该地区的填报事项审查人员。"))
    try:
        Dictionary(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInput(_("数据字典格式不正确：%(e)s") % {"e": exc}) from exc
    with transaction.atomic():
        version = DictionaryVersion.objects.create(data=data, note=note[:200], created_by=actor)
        selectors.matcher_reset()
        for demand in Demand.objects.all():
            _classify(demand)
        audit_record(
            actor=actor, action="ledger.dictionary_update", obj=version, after={"note": note}
        )
    return version


def app_facts_push(*, app_ids: Iterable[int]) -> None:
    """Push the ledger's R-19 facts of each app to compliance (the higher layer pushes)."""
    for app in App.objects.filter(pk__in=list(app_ids)):
        app_operation_facts_put(
            app=app, source="ledger", facts={"ledger": selectors.app_ledger_facts(app)}
        )
