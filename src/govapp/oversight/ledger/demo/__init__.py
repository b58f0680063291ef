"""Demo data of the burden ledger (demo only): two counties, 番禺区 (440113, Guangzhou) and
金堂县 (510121, Chengdu), with the demands their departments place on villages and communities,
some asking for data another demand already collects; proposals waiting at the gateway so every
demo account has something to look at or review.

Idempotent: nothing is added when the demo departments already have demands.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from govapp.core.demo import demo_table
from govapp.orgs.models import Division, Unit, UnitKind, User
from govapp.oversight.ledger import services
from govapp.oversight.ledger.models import BurdenBudget, Demand, ProposalState
from govapp.oversight.ledger.services import FieldSpec, parse_field_lines
from govapp.registry.models import App

# demands.json: "listed" {county, department, title, target, units, frequency, minutes, fields,
# carried_by_app} are approved at once; "proposed" {..., state} wait at the gateway (a null
# department: the demo hosting unit's own app asks).
_TABLE = demo_table(__name__, "demands")
LISTED: list[dict[str, Any]] = _TABLE["listed"]
PROPOSED: list[dict[str, Any]] = _TABLE["proposed"]


def _dept(name: str, code: str) -> Unit:
    unit = Unit.objects.filter(name=name).first()
    if unit is None:
        unit = Unit.objects.create(
            name=name, kind=UnitKind.ADMIN_ORGAN, division=Division.objects.get(code=code)
        )
    return unit


def _host(code: str) -> tuple[Unit | None, App | None]:
    username = "gz-unit" if code.startswith("44") else "cd-unit"
    user = User.objects.filter(username=username).select_related("unit").first()
    if user is None or user.unit is None:
        return None, None
    return user.unit, App.objects.filter(hosting_unit=user.unit).order_by("pk").first()


@transaction.atomic
def demo_ledger_load() -> dict[str, Any]:
    if Demand.objects.filter(unit__name="番禺区民政局").exists():
        return {"demands": 0}
    reviewers = {
        "44": User.objects.get(username="gd-cac"),
        "51": User.objects.get(username="sc-cac"),
    }
    # 番禺区 keeps its grassroots reporting under 300 hours a month (the listed demands
    # already take about 286): the pending 残联 demand would push it over, and the gateway warns.
    BurdenBudget.objects.get_or_create(
        division=Division.objects.get(code="440113"), defaults={"hours_per_month": Decimal(300)}
    )
    created = 0
    for n, row in enumerate(LISTED):
        code = row["county"]
        unit = _dept(row["department"], code)
        carried = _host(code)[1] if row["carried_by_app"] else None
        d = services.demand_create(
            unit=unit,
            division=Division.objects.get(code=code),
            title=row["title"],
            fields=parse_field_lines(row["fields"]),
            frequency=row["frequency"],
            target_level=row["target"],
            units_targeted=row["units"],
            minutes_per_field=Decimal(row["minutes"]),
            basis="",
            app=carried,
            starts_on=dt.date(2026, 1 + 2 * (n % 5), 1),
            actor=None,
        )
        p = services.demand_propose(demand=d, actor=None)
        services.proposal_decide(
            proposal=p, decision=ProposalState.APPROVED, reason="", actor=reviewers[code[:2]]
        )
        created += 1
    for row in PROPOSED:
        code, dept_name = row["county"], row["department"]
        app = None
        if dept_name is None:
            host, app = _host(code)
            if host is None:
                continue
            unit = host
        else:
            unit = _dept(dept_name, code)
        d = services.demand_create(
            unit=unit,
            division=Division.objects.get(code=code),
            title=row["title"],
            fields=[FieldSpec(s.label, s.type) for s in parse_field_lines(row["fields"])],
            frequency=row["frequency"],
            target_level=row["target"],
            units_targeted=row["units"],
            minutes_per_field=Decimal(row["minutes"]),
            app=app,
            actor=None,
        )
        p = services.demand_propose(demand=d, reason="", actor=None)
        if row["state"] == "sent_back":
            source = Demand.objects.filter(title="社区社会救助情况月报").first()
            services.proposal_decide(
                proposal=p,
                decision=ProposalState.SENT_BACK,
                reason="低保户数、低保人数已由区民政局月报采集，常住人口和户籍人口已由区政府办基本情况表采集，请共享获取。",
                reuse_source=source,
                actor=reviewers[code[:2]],
            )
        created += 1
    return {"demands": created}
