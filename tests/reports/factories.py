"""A small two-province world for the reports tests: rows of every kind the figures count,
in Guangdong (44), Sichuan (51) and a central department, written straight to the database."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from govapp.complaints.models import Channel, Complaint, Status
from govapp.compliance.models import (
    Finding,
    OrderState,
    PenaltyCase,
    PenaltyState,
    RectificationOrder,
    SpotCheck,
    SpotCheckItem,
    SpotResult,
)
from govapp.core.calendar import today_shanghai
from govapp.orgs.models import Unit, UnitKind, User
from govapp.registry.models import (
    App,
    Application,
    ApplicationState,
    AppStatus,
    Holder,
    LegacyInventoryItem,
)
from tests import factories as f
from tests.public import factories as pf

_seq = itertools.count(1)


@dataclass
class World:
    gz: Unit
    sz: Unit
    cd: Unit
    central: Unit
    cac: User
    gd: User
    sc: User
    auditor: User
    gz_member: User
    cd_member: User
    apps: dict[str, App]


def application(
    app: App, state: str, *, holder: str, deadline_days: int = 5, **kw: Any
) -> Application:
    now = timezone.now()
    return Application.objects.create(
        app=app,
        state=state,
        holder=holder,
        submitted_at=kw.pop("submitted_at", now - dt.timedelta(days=3)),
        deadline=today_shanghai() + dt.timedelta(days=deadline_days),
        **kw,
    )


def finding(app: App, rule: str, severity: str, status: str = "open") -> Finding:
    return Finding.objects.create(
        app=app,
        rule_id=rule,
        requirement="R-20",
        severity=severity,
        status=status,
        closed_at=timezone.now() if status == "closed" else None,
    )


def complaint(app: App, category: str = "forced_use", **kw: Any) -> Complaint:
    n = next(_seq)
    today = today_shanghai()
    regulator = kw.pop("routed_to")
    return Complaint.objects.create(
        app=app,
        hosting_unit=app.hosting_unit,
        scope_code=app.hosting_unit.scope_code,
        routed_to=regulator,
        channel=Channel.WEB,
        category=category,
        description="测试举报内容",
        receipt_hash=f"{n:064x}",
        received_on=kw.pop("received_on", today - dt.timedelta(days=10)),
        ack_due=kw.pop("ack_due", today + dt.timedelta(days=2)),
        answer_due=kw.pop("answer_due", today + dt.timedelta(days=10)),
        **kw,
    )


def legacy(unit: Unit, name: str) -> LegacyInventoryItem:
    return LegacyInventoryItem.objects.create(
        name=name,
        normalised_name=name,
        kind="app",
        unit_name=unit.name,
        hosting_unit=unit,
        division=unit.division,
        scope_code=unit.scope_code,
    )


def world() -> World:
    cac_unit = f.unit("11", UnitKind.CAC, name="国家互联网信息办公室")
    gd_office = f.unit("44", UnitKind.PROVINCIAL_CAC, name="广东省互联网信息办公室")
    sc_office = f.unit("51", UnitKind.PROVINCIAL_CAC, name="四川省互联网信息办公室")
    gz = f.unit("440106", name="广州市测试局")
    sz = f.unit("440304", name="深圳市测试局")
    cd = f.unit("510104", name="成都市测试中心")
    central = f.unit("11", UnitKind.STATE_COUNCIL_DEPT, name="测试部")
    cac = f.user(f.Role.NATIONAL_REGULATOR, unit_obj=cac_unit)
    gd = f.user(f.Role.PROVINCIAL_CAC_REVIEWER, unit_obj=gd_office, division_code="44")
    sc = f.user(f.Role.PROVINCIAL_CAC_REVIEWER, unit_obj=sc_office, division_code="51")
    auditor = f.user(f.Role.AUDITOR, unit_obj=cac_unit)
    apps = {
        "gz_filed": pf.app(unit=gz, name="穗测试通"),
        "gz_filed2": pf.app(unit=gz, name="穗测试办", platform="ios"),
        "gz_unfiled": pf.app(unit=gz, status=AppStatus.UNFILED, name="穗草稿"),
        "sz_filed": pf.app(unit=sz, name="深测试通"),
        "sz_revoked": pf.app(unit=sz, status=AppStatus.REVOKED, name="深已撤销"),
        "cd_filed": pf.app(unit=cd, name="蓉测试通"),
        "cd_dereg": pf.app(unit=cd, status=AppStatus.DEREGISTERED, name="蓉已注销"),
        "central_filed": pf.app(unit=central, name="部测试通"),
    }
    a = apps
    application(a["gz_unfiled"], ApplicationState.SUBMITTED, holder=Holder.PROVINCE)
    application(
        a["gz_filed2"], ApplicationState.SUBMITTED, holder=Holder.PROVINCE, deadline_days=-2
    )
    application(a["cd_filed"], ApplicationState.FORWARDED, holder=Holder.CAC, deadline_days=-1)
    application(a["central_filed"], ApplicationState.FEEDBACK, holder=Holder.UNIT)
    now = timezone.now()
    for key, days in (("gz_filed", 12), ("sz_filed", 20), ("cd_filed", 8)):
        application(
            a[key],
            ApplicationState.FILED,
            holder=Holder.UNIT,
            submitted_at=now - dt.timedelta(days=days),
            decided_at=now - dt.timedelta(days=1),
        )
    finding(a["gz_filed"], "R-20.clock_in", "high")
    finding(a["gz_filed2"], "R-20.ranking", "critical")
    finding(a["sz_filed"], "R-20.clock_in", "low")
    finding(a["cd_filed"], "R-20.clock_in", "high")
    finding(a["cd_filed"], "R-21.forced_download", "medium", status="exempted")
    finding(a["central_filed"], "R-20.clock_in", "high", status="closed")
    for app, state, days in (
        (a["gz_filed"], OrderState.OPEN, -3),
        (a["cd_filed"], OrderState.RESPONDED, 5),
        (a["sz_revoked"], OrderState.FAILED, -30),
    ):
        RectificationOrder.objects.create(
            app=app,
            instructions="整改",
            state=state,
            working_days=10,
            deadline=today_shanghai() + dt.timedelta(days=days),
        )
    PenaltyCase.objects.create(
        app=a["sz_revoked"],
        order=RectificationOrder.objects.get(app=a["sz_revoked"]),
        state=PenaltyState.REVOKED,
        reason="整改不合格",
    )
    complaint(a["gz_filed"], "forced_use", routed_to=gd_office)
    complaint(
        a["gz_filed"],
        "ranking_abuse",
        routed_to=gd_office,
        status=Status.ANSWERED,
        closed_at=now - dt.timedelta(days=2),
    )
    complaint(
        a["sz_filed"],
        "forced_use",
        routed_to=gd_office,
        answer_due=today_shanghai() - dt.timedelta(days=1),
    )
    complaint(a["cd_filed"], "zombie_app", routed_to=sc_office)
    complaint(a["central_filed"], "other", routed_to=cac_unit)
    legacy(gz, "穗旧应用")
    legacy(cd, "蓉旧应用")
    legacy(cd, "蓉旧应用二")
    check = SpotCheck.objects.create(name="测试抽查", sample_size=3, seed=1)
    SpotCheckItem.objects.create(
        spot_check=check, app=a["gz_filed"], stratum="44", result=SpotResult.PASSED, tested_at=now
    )
    SpotCheckItem.objects.create(
        spot_check=check, app=a["cd_filed"], stratum="51", result=SpotResult.FAILED, tested_at=now
    )
    SpotCheckItem.objects.create(spot_check=check, app=a["central_filed"], stratum="central")
    oversight(apps, cac=cac, cac_unit=cac_unit, gd_office=gd_office, gz=gz, sz=sz, cd=cd)
    return World(
        gz=gz,
        sz=sz,
        cd=cd,
        central=central,
        cac=cac,
        gd=gd,
        sc=sc,
        auditor=auditor,
        gz_member=f.unit_member(gz),
        cd_member=f.unit_member(cd),
        apps=apps,
    )


def oversight(
    a: dict[str, App], *, cac: User, cac_unit: Unit, gd_office: Unit, gz: Unit, sz: Unit, cd: Unit
) -> None:
    """Rows of the four oversight areas (counted by govapp.reports.oversight_figures):

    - usage: low-use flags (candidates gz_filed, cd_filed, central_filed; gz_filed2 has a live
      case; sz_filed is exempt) and retirement cases (open and overdue, appealed, retired,
      withdrawn);
    - overlap: one run with duplicate groups undecided (4401, 51), decided consolidate (44,
      after an earlier "distinct"; 5101) and distinct (5101), a same-app group that is not
      counted, and consolidation cases open (44), escalated and done (5101);
    - ledger: listed demands in force, ended and not yet begun, fields asked again in the same
      county, city or province, one pending and one sent back;
    - campaigns: a national and a Guangdong campaign open, one closed, with host tasks in
      every state, a using unit's task and an external evaluation (neither counted).
    """
    from govapp.oversight.campaigns.models import (
        Campaign,
        CampaignState,
        Checklist,
        InspectionTask,
        TaskKind,
        TaskState,
    )
    from govapp.oversight.ledger.models import Demand, DemandField, DemandStatus
    from govapp.oversight.overlap.models import (
        CaseState,
        ConsolidationCase,
        Decision,
        GroupDecision,
        OverlapGroup,
        OverlapRun,
        Relation,
    )
    from govapp.oversight.usage.models import CaseState as RetireState
    from govapp.oversight.usage.models import LowUseFlag, RetirementCase

    today = today_shanghai()
    now = timezone.now()
    month = today.replace(day=1)
    reason = [{"code": "few_users", "values": [12]}]
    for key, exempt in (
        ("gz_filed", False),
        ("gz_filed2", False),
        ("sz_filed", True),
        ("cd_filed", False),
        ("central_filed", False),
    ):
        LowUseFlag.objects.create(app=a[key], month=month, reasons=reason, exempt=exempt)
    for key, state, days in (
        ("gz_filed2", RetireState.OPEN, -2),  # open and overdue
        ("sz_revoked", RetireState.APPEALED, 5),
        ("cd_dereg", RetireState.RETIRING, -20),  # retired: the app is deregistered
        ("central_filed", RetireState.WITHDRAWN, 3),  # withdrawn: still a candidate
    ):
        RetirementCase.objects.create(
            app=a[key],
            state=state,
            reason="使用率长期偏低",
            working_days=20,
            deadline=today + dt.timedelta(days=days),
            opened_by=cac,
        )

    run = OverlapRun.objects.create(finished_at=now, app_count=8, duplicate_count=5)

    def group(scope: str, *keys: str, relation: str = Relation.DUPLICATE) -> OverlapGroup:
        apps = [a[k] for k in keys]
        g = OverlapGroup.objects.create(
            run=run,
            relation=relation,
            score=0.9,
            signature="-".join(str(x.pk) for x in sorted(apps, key=lambda x: x.pk)),
            scope_code=scope,
        )
        g.apps.set(apps)
        return g

    def decide(g: OverlapGroup, decision: str, days_ago: int) -> None:
        GroupDecision.objects.create(
            signature=g.signature,
            scope_code=g.scope_code,
            decision=decision,
            reason="测试认定",
            decided_by=cac,
            decided_at=now - dt.timedelta(days=days_ago),
        )

    group("4401", "gz_filed", "gz_filed2")  # undecided
    group("4401", "gz_filed", "gz_unfiled", relation=Relation.SAME_APP)  # not counted
    g44 = group("44", "gz_filed", "sz_filed")
    decide(g44, Decision.DISTINCT, 10)
    decide(g44, Decision.CONSOLIDATE, 1)  # the latest decision counts
    group("51", "cd_filed", "cd_dereg", "sz_filed")  # undecided
    g5101 = group("5101", "cd_filed", "cd_dereg")
    decide(g5101, Decision.CONSOLIDATE, 3)
    g5101b = group("5101", "cd_dereg", "central_filed")
    decide(g5101b, Decision.DISTINCT, 2)
    for g, state, staying in (
        (g44, CaseState.OPEN, a["gz_filed"]),
        (g5101, CaseState.ESCALATED, a["cd_filed"]),
        (g5101, CaseState.DONE, a["cd_filed"]),
    ):
        ConsolidationCase.objects.create(
            group=g, staying=staying, state=state, scope_code=g.scope_code, opened_by=cac
        )

    def demand(unit: Unit, code: str, status: str, items: list[str], **kw: Any) -> Demand:
        d = Demand.objects.create(
            title=f"测试填报事项{next(_seq)}",
            unit=unit,
            division=f.division(code),
            status=status,
            ledger_number=f"QD{next(_seq):06d}" if status == DemandStatus.LISTED else "",
            **kw,
        )
        for i, item in enumerate(items):
            DemandField.objects.create(  # "" : a field the dictionary does not know
                demand=d, position=i, label=item or "其他情况", item=item, item_scope="person"
            )
        return d

    listed = DemandStatus.LISTED

    def at(days: int) -> dt.datetime:
        return now - dt.timedelta(days=days)

    demand(sz, "4401", listed, ["address"], listed_at=at(40))  # the city's, earliest
    demand(gz, "440106", listed, ["name", "phone"], listed_at=at(30))
    demand(gz, "440106", listed, ["name", "address"], listed_at=at(20))  # asks name, address again
    demand(
        sz, "440304", listed, ["name"], listed_at=at(50), ends_on=today - dt.timedelta(days=1)
    )  # ended
    demand(gz, "440106", DemandStatus.PENDING, ["name"])
    demand(cd, "51", listed, ["phone"], listed_at=at(60))  # the province's
    demand(cd, "510104", listed, ["name"], listed_at=at(30))
    demand(cd, "510104", listed, ["phone", "income"], listed_at=at(10))  # phone again
    demand(
        cd, "510104", listed, ["name"], listed_at=at(5), starts_on=today + dt.timedelta(days=5)
    )  # not yet begun
    demand(cd, "510104", DemandStatus.SENT_BACK, ["name"])
    demand(gz, "440106", listed, [""], listed_at=at(3))  # no datum known: never a duplicate

    checklist = Checklist.objects.create(name="测试自查清单", version=1)

    def campaign(title: str, owner: Unit, scope: str, **kw: Any) -> Campaign:
        return Campaign.objects.create(
            title=title,
            owner_unit=owner,
            scope_code=scope,
            checklist=checklist,
            working_days=20,
            deadline=kw.pop("deadline", today + dt.timedelta(days=10)),
            created_by=cac,
            **kw,
        )

    national = campaign("全国测试专项", cac_unit, "")
    guangdong = campaign("广东测试专项", gd_office, "44", deadline=today + dt.timedelta(days=5))
    closed = campaign("已结束的测试专项", cac_unit, "", state=CampaignState.CLOSED)

    def task(c: Campaign, key: str, state: str, due_days: int, **kw: Any) -> None:
        app = a[key]
        InspectionTask.objects.create(
            campaign=c,
            app=app,
            kind=kw.pop("kind", TaskKind.HOST),
            unit=kw.pop("unit", app.hosting_unit),
            state=state,
            due=today + dt.timedelta(days=due_days),
            submitted_at=now if state in (TaskState.SUBMITTED, TaskState.ACCEPTED) else None,
            **kw,
        )

    task(national, "gz_filed", TaskState.SUBMITTED, -1)
    task(national, "gz_filed2", TaskState.PENDING, -1)  # overdue
    task(national, "sz_filed", TaskState.ACCEPTED, 5)
    task(national, "cd_filed", TaskState.RETURNED, 5)
    task(national, "central_filed", TaskState.DRAFT, -3)  # overdue
    task(national, "gz_filed", TaskState.PENDING, -1, kind=TaskKind.USER, unit=cd)  # not counted
    task(national, "cd_filed", TaskState.PENDING, -1, kind=TaskKind.EXTERNAL, unit=None)
    task(guangdong, "gz_filed", TaskState.PENDING, 5)
    task(guangdong, "sz_filed", TaskState.SUBMITTED, 5)
    task(closed, "gz_filed", TaskState.PENDING, -5)  # a closed campaign: not counted
