"""Factories of the burden ledger's tests."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from govapp.orgs.models import Role, Unit, UnitKind, User
from govapp.oversight.ledger import services
from govapp.oversight.ledger.models import Demand, ProposalState
from govapp.oversight.ledger.services import FieldSpec
from tests import factories as f


@dataclass
class LedgerWorld:
    county: str
    dept: Unit
    dept2: Unit
    member: User
    member2: User
    reviewer: User
    other_reviewer: User
    other_member: User


def world(county: str = "440113") -> LedgerWorld:
    f.division(county)
    dept = f.unit(county, name=f"民政局{county}")
    dept2 = f.unit(county, name=f"卫健局{county}")
    other_unit = f.unit("510121", name=f"金堂县测试局{county}")
    return LedgerWorld(
        county=county,
        dept=dept,
        dept2=dept2,
        member=f.unit_member(dept),
        member2=f.unit_member(dept2),
        reviewer=f.user(
            Role.PROVINCIAL_CAC_REVIEWER,
            unit_obj=f.unit(county[:2], UnitKind.PROVINCIAL_CAC),
            division_code=county[:2],
        ),
        other_reviewer=f.user(
            Role.PROVINCIAL_CAC_REVIEWER,
            unit_obj=f.unit("51", UnitKind.PROVINCIAL_CAC),
            division_code="51",
        ),
        other_member=f.unit_member(other_unit),
    )


def demand(
    w: LedgerWorld,
    title: str,
    labels: list[str],
    *,
    unit: Unit | None = None,
    actor: User | None = None,
    **kw: Any,
) -> Demand:
    kw.setdefault("target_level", "community")
    kw.setdefault("frequency", "monthly")
    kw.setdefault("units_targeted", 10)
    kw.setdefault("minutes_per_field", Decimal(2))
    return services.demand_create(
        unit=unit or w.dept,
        division=f.division(w.county),
        title=title,
        fields=[FieldSpec(x) for x in labels],
        actor=actor or w.member,
        **kw,
    )


def listed(w: LedgerWorld, title: str, labels: list[str], **kw: Any) -> Demand:
    d = demand(w, title, labels, **kw)
    p = services.demand_propose(demand=d, actor=w.member)
    services.proposal_decide(
        proposal=p, decision=ProposalState.APPROVED, reason="", actor=w.reviewer
    )
    d.refresh_from_db()
    return d
