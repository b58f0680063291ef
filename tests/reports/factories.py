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
