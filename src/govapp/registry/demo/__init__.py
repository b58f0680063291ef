"""Demo registry data (demo only, never production): about 2,100 apps across the 31 provinces
and the central level, in every state of the workflow, plus the legacy inventory.

Idempotent (a second run finds the data and changes nothing) and fast: hosting units are
created through ``orgs.services.unit_create``, filing numbers through the registry's own
``filing_number_issue`` (so later numbers never collide), and the apps, applications and
their timelines are written in bulk, with one audit event per app.  The demo accounts each
get work waiting for them (see ``FIXED``).  The random seed is fixed.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from govapp.core.audit import audit_record
from govapp.core.calendar import SHANGHAI, add_working_days, today_shanghai
from govapp.core.demo import demo_table
from govapp.core.models import AuditEvent
from govapp.orgs.models import REGULATOR_KINDS, Division, DivisionLevel, Unit, UnitKind, User
from govapp.orgs.services import unit_create
from govapp.registry.models import (
    App,
    AppKind,
    Application,
    ApplicationEvent,
    ApplicationKind,
    ApplicationState,
    AppStatus,
    Holder,
    LegacyInventoryItem,
    Platform,
    PlatformIdentity,
)

S = ApplicationState
SEED = 20260125
SENTINEL = "demo.registry_loaded"
PLACEHOLDER = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

# The tables beside this module.  units.json: hosting units per level {name pattern, kind,
# topic} ({p}: province, {c}: city, {x}: county) and the central departments {name, topic};
# topics.json: topic -> [{stem, slug, function}] of the generated apps; states.json: the
# {state, weight} distribution of the generated apps; fixed.json: the work waiting for the demo
# accounts, per unit [{name, state, overdue}].
_UNITS = demo_table(__name__, "units")
PROVINCE_UNITS = [(r["name"], r["kind"], r["topic"]) for r in _UNITS["province"]]
CITY_UNITS = [(r["name"], r["kind"], r["topic"]) for r in _UNITS["city"]]
COUNTY_UNITS = [(r["name"], r["kind"], r["topic"]) for r in _UNITS["county"]]
CENTRAL_UNITS = [(r["name"], r["topic"]) for r in _UNITS["central"]]
TOPICS: dict[str, list[tuple[str, str, str]]] = {
    topic: [(r["stem"], r["slug"], r["function"]) for r in rows]
    for topic, rows in demo_table(__name__, "topics").items()
}
STATES: list[tuple[str, int]] = [(r["state"], r["weight"]) for r in demo_table(__name__, "states")]
FIXED: list[tuple[str, list[tuple[str, str, bool]]]] = [
    (u["unit"], [(a["name"], a["state"], a["overdue"]) for a in u["apps"]])
    for u in demo_table(__name__, "fixed")
]


@dataclass
class Plan:
    unit: Unit
    name: str
    topic: str
    slug: str
    function: str
    state: str
    overdue: bool
    kind: str


def _short(name: str) -> str:
    for suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _sections(p: Plan, rng: random.Random, complete: bool = True) -> dict[str, Any]:
    surname = rng.choice("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高")
    given = rng.choice(["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "军", "杰", "婷", "强"])
    levels = ["national"] if p.unit.scope_code == "central" else ["province", "prefecture"]
    basic = {
        "app_name": p.name,
        "version": f"{rng.randint(1, 5)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}",
        "target_users": "企业和群众" if "服务" in p.function else "本系统工作人员",
        "target_levels": levels,
        "handler_name": surname + given,
        "handler_post": rng.choice(["科长", "副处长", "信息化专员", "主任科员"]),
        "handler_phone": f"0{rng.randint(10, 999)}-{rng.randint(10000000, 99999999)}",
        "handler_email": f"it{rng.randint(100, 999)}@demo.gov.invalid",
    }
    if not complete:
        return {"basic": basic}
    grassroots = "基层" in p.function
    feature = {
        "name": p.function.split("、")[0][:20],
        "description": p.function,
        "reason": "落实“高效办成一件事”要求，减少群众和基层跑动",
        "basis": f"{_short(p.unit.name[:3])}政办发〔2024〕{rng.randint(1, 60)}号",
        "grassroots_facing": grassroots,
    }
    features = [feature]
    if "签到" in p.function:
        features.append(
            {
                "name": "汛期值班签到",
                "description": "汛期应急值守人员到岗确认",
                "reason": "防汛应急值守需确认到岗",
                "basis": "防汛应急预案",
                "sensitive_kind": "clock_in",
                "scenario": "emergency",
                "scenario_explanation": "仅在汛期应急响应期间启用，不用于日常考勤和排名",
            }
        )
    return {
        "basic": basic,
        "approval": {
            "basis": "政务信息化项目建设规划",
            "content": p.function,
            "result": "经审核，不与现有应用重复，同意立项",
            "document_no": f"信审〔2025〕{rng.randint(1, 300)}号",
        },
        "features": features,
        "acceptance": {
            "date": "2025-12-15",
            "completeness": "需求功能全部实现",
            "stability": "压力测试 1000 并发无故障",
            "usability": "组织 30 名用户试用，满意度 92%",
            "conclusion": "验收通过",
        },
        "operations": {
            "om_team": f"信息中心运维组 {rng.randint(3, 12)} 人",
            "om_rules": "运维管理办法（2025 年修订）",
            "tech_plan": "部署于政务云，支持 IPv6",
            "security_testing": "已完成渗透测试和源代码审计，高危问题已整改",
            "mlps_level": rng.choice(["2", "3", "3"]),
            "mlps_test_date": "2025-11-20",
            "mlps_institution": "省级网络安全等级测评中心",
            "security_rules": "数据安全和个人信息保护管理制度",
        },
        "other": {"notes": ""},
        "similar_apps": [],
        "no_similar_apps": True,
    }


def _hex(seed: str, n: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def _cert(unit: Unit) -> dict[str, str]:
    raw = f"demo-signing-cert-{unit.name}".encode()
    return {
        "cert_sha256": hashlib.sha256(raw).hexdigest(),
        "cert_sha1": hashlib.sha1(raw, usedforsecurity=False).hexdigest(),
        "cert_md5": hashlib.md5(raw, usedforsecurity=False).hexdigest(),
    }


def _units(rng: random.Random) -> list[tuple[Unit, str]]:
    """Hosting units on real divisions: per province 7 provincial units, 3 units in two
    cities and a county media centre; 12 State Council departments (+ the demo ones)."""
    out: list[tuple[Unit, str]] = []
    existing = {(u.name, u.division_id): u for u in Unit.objects.all()}

    def get(name: str, kind: str, division: Division) -> Unit:
        unit = existing.get((name, division.code))
        if unit is not None and unit.kind in REGULATOR_KINDS:
            # a regulator (the demo's provincial government-services administration) hosts no
            # apps of its own here: its apps are run by its operations centre, a public institution
            name, kind = f"{division.name}数字政府运营中心", UnitKind.PUBLIC_INSTITUTION
            unit = existing.get((name, division.code))
        if unit is None:
            unit = unit_create(actor=None, name=name, kind=kind, division=division)
            existing[(name, division.code)] = unit
        return unit

    divisions = {
        d.code: d
        for d in Division.objects.filter(level__lte=DivisionLevel.COUNTY, is_functional_zone=False)
    }
    provinces = sorted(c for c, d in divisions.items() if d.level == DivisionLevel.PROVINCE)
    for code in provinces:
        prov = divisions[code]
        municipality = code in {"11", "12", "31", "50"}
        for pattern, kind, topic in PROVINCE_UNITS:
            name = pattern.format(p=prov.name)
            if municipality:
                name = name.replace("厅", "局")
            out.append((get(name, kind, prov), topic))
        cities = sorted(
            c
            for c, d in divisions.items()
            if d.level == DivisionLevel.PREFECTURE
            and c.startswith(code)
            and d.name not in PLACEHOLDER
        )
        counties = sorted(
            c
            for c, d in divisions.items()
            if d.level == DivisionLevel.COUNTY and c.startswith(code) and d.name not in PLACEHOLDER
        )
        if municipality:  # districts play the role of cities
            cities, counties = counties[:2], counties[2:]
        for city_code in cities[:2]:
            for pattern, kind, topic in CITY_UNITS:
                name = pattern.format(c=divisions[city_code].name)
                out.append((get(name, kind, divisions[city_code]), topic))
        if counties:
            county = divisions[rng.choice(counties[:20])]
            for pattern, kind, topic in COUNTY_UNITS:
                out.append((get(pattern.format(x=county.name), kind, county), topic))
    beijing = divisions["11"]
    for name, topic in CENTRAL_UNITS:
        out.append((get(name, UnitKind.STATE_COUNCIL_DEPT, beijing), topic))
    # interleave the regions, so that even a small demo covers every province
    groups: dict[str, list[tuple[Unit, str]]] = {}
    for unit, topic in out:
        groups.setdefault(unit.scope_code[:2] if unit.scope_code != "central" else "zz", []).append(
            (unit, topic)
        )
    return [pair for row in itertools.zip_longest(*groups.values()) for pair in row if pair]


def _plans(units: list[tuple[Unit, str]], total: int, rng: random.Random) -> list[Plan]:
    plans: list[Plan] = []
    fixed_units = {u.name: u for u in Unit.objects.filter(name__in=[n for n, _ in FIXED])}
    for unit_name, apps in FIXED:
        unit = fixed_units[unit_name]
        for name, state, overdue in apps:
            kind = AppKind.MINI_PROGRAM if len(plans) % 3 == 2 else AppKind.APP
            plans.append(
                Plan(
                    unit,
                    name,
                    "gov",
                    f"demo{len(plans)}",
                    "政务服务事项掌上办理",
                    state,
                    overdue,
                    kind,
                )
            )
    states, weights = zip(*STATES, strict=True)
    used: set[tuple[int, str]] = {(p.unit.pk, p.name) for p in plans}
    generated = 0
    while generated < total:
        unit, topic = units[generated % len(units)] if generated < len(units) else rng.choice(units)
        stem, slug, function = rng.choice(TOPICS[topic])
        region = _short(unit.division.name) if unit.scope_code != "central" else ""
        if unit.scope_code != "central" and unit.division.level == DivisionLevel.PROVINCE:
            region = _short(unit.division.name)
        name = stem.replace("{x}", region) if "{x}" in stem else f"{region}{stem}"
        if unit.scope_code == "central":
            name = f"{unit.name[:2] if len(unit.name) > 4 else ''}{stem}".strip()
        n = 2
        base = name
        variants = [
            "掌上" + base,
            base + "企业版",
            "智慧" + base,
            base + "工作台",
            base + "（二期）",
        ]
        while (unit.pk, name) in used:
            name = variants[n - 2] if n - 2 < len(variants) else f"{base}（{n}期）"
            n += 1
        used.add((unit.pk, name))
        # every state at least once, then the weighted distribution
        state = states[generated] if generated < len(states) else rng.choices(states, weights)[0]
        if unit.scope_code == "central" and state in {"submitted", "returned"}:
            state = "forwarded"
        kind = rng.choices([AppKind.APP, AppKind.MINI_PROGRAM, AppKind.QUICK_APP], [45, 47, 8])[0]
        plans.append(
            Plan(
                unit, name, topic, f"{slug}{generated}", function, state, rng.random() < 0.35, kind
            )
        )
        generated += 1
    return plans


def _days_ago(today: dt.date, n: int) -> dt.datetime:
    day = today - dt.timedelta(days=n)
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=SHANGHAI)


def _back(today: dt.date, working_days: int) -> dt.date:
    """The date ``working_days`` working days before today (approximate: weekdays)."""
    day = today
    left = working_days
    while left > 0:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


@transaction.atomic
def demo_registry_load(*, scale: float = 1.0) -> dict[str, int]:
    """Load the demo registry; ``scale`` 1.0 = about 2,100 apps (tests use a small one)."""
    gz = Unit.objects.filter(name="广州市政务服务和数据管理局").first()
    if gz is None:
        raise RuntimeError("load the orgs demo data first (orgs.demo.demo_orgs_load)")
    if AuditEvent.objects.filter(action=SENTINEL).exists():
        return {"apps": App.objects.count(), "created": 0}
    rng = random.Random(SEED)
    today = today_shanghai()
    users = {u.username: u for u in User.objects.filter(username__in=["cac", "gd-cac", "sc-cac"])}
    units = _units(rng)
    plans = _plans(units, max(40, int(2060 * scale)), rng)
    from govapp.registry.services.filing_numbers import filing_number_issue

    apps: list[App] = []
    for p in plans:
        filed_like = p.state in {
            "filed",
            "deregistered",
            "revoked",
            "shutdown_notice",
            "offline",
            "change",
        }
        age = rng.randint(20, 280)
        app = App(
            name=p.name,
            kind=p.kind,
            hosting_unit=p.unit,
            public_facing="服务" in p.function or "查询" in p.function,
            target_users="企业和群众" if "服务" in p.function else "本系统工作人员",
            target_levels=["national"]
            if p.unit.scope_code == "central"
            else ["province", "prefecture"],
            description=p.function,
            status=AppStatus.UNFILED,
            created_at=_days_ago(today, age + 30),
        )
        if filed_like:
            app.status = {
                "change": AppStatus.FILED,
                "filed": AppStatus.FILED,
            }.get(p.state, p.state)
            app.filed_at = _days_ago(today, age)
            app.filed_sections = _sections(p, rng)
        if p.state == "revoked":
            app.revoked_at = _days_ago(today, max(1, age - 60))
        if p.state in {"shutdown_notice", "offline", "deregistered"}:
            app.shutdown_date = (
                today + dt.timedelta(days=30)
                if p.state == "shutdown_notice"
                else (today - dt.timedelta(days=max(2, age // 3)))
            )
            app.shutdown_notice = (
                f"{p.name}将于 {app.shutdown_date} 停止服务，相关业务已迁移至省级统一平台。"
            )
        if p.state in {"offline", "deregistered"}:
            app.offline_at = _days_ago(today, max(1, age // 3 - 1))
        if p.state == "deregistered":
            app.deregistered_at = _days_ago(today, max(1, age // 4))
        apps.append(app)
    App.objects.bulk_create(apps, batch_size=500)
    for app in apps:
        if app.status != AppStatus.UNFILED:
            app.filing_number = filing_number_issue(app=app)
    App.objects.bulk_update([a for a in apps if a.filing_number], ["filing_number"], batch_size=500)

    identities: list[PlatformIdentity] = []
    for i, (app, p) in enumerate(zip(apps, plans, strict=True)):
        live = app.status in {AppStatus.FILED, AppStatus.SHUTDOWN_NOTICE, AppStatus.OFFLINE}
        area = p.unit.scope_code if p.unit.scope_code != "central" else "zy"
        if p.kind == AppKind.APP:
            pkg = f"cn.gov.a{area}.{p.slug}"
            cert = _cert(p.unit)
            identities.append(
                PlatformIdentity(
                    app=app, platform=Platform.ANDROID, identifier=pkg, live=live, **cert
                )
            )
            identities.append(
                PlatformIdentity(
                    app=app, platform=Platform.HARMONY, identifier=pkg, live=live, **cert
                )
            )
            identities.append(
                PlatformIdentity(
                    app=app,
                    platform=Platform.IOS,
                    identifier=pkg,
                    live=live,
                    cert_sha1=cert["cert_sha1"],
                )
            )
        elif p.kind == AppKind.MINI_PROGRAM:
            host = [
                (Platform.WECHAT, "微信", "wx"),
                (Platform.ALIPAY, "支付宝", "20"),
                (Platform.DINGTALK, "钉钉", "ding"),
            ][i % 3]
            identities.append(
                PlatformIdentity(
                    app=app,
                    platform=host[0],
                    identifier=host[2] + _hex(f"mp{i}{p.slug}", 16),
                    host_platform=host[1],
                    live=live,
                )
            )
        else:
            identities.append(
                PlatformIdentity(
                    app=app,
                    platform=Platform.QUICKAPP,
                    identifier=f"cn.gov.q{area}.{p.slug}",
                    live=live,
                    **_cert(p.unit),
                )
            )
    PlatformIdentity.objects.bulk_create(identities, batch_size=1000)

    applications, events = _applications(apps, plans, users, rng, today)
    for app in apps:
        audit_record(
            actor=None,
            action="demo.app_load",
            obj=app,
            after={"name": app.name, "status": app.status, "filing_number": app.filing_number},
        )
    legacy = _legacy(apps, plans, rng)
    audit_record(
        actor=None,
        action=SENTINEL,
        object_type="registry.app",
        object_id="*",
        object_repr="演示数据",
        after={"apps": len(apps), "scale": scale},
    )
    from govapp.registry.version import registry_changed

    registry_changed()
    return {
        "apps": len(apps),
        "applications": applications,
        "events": events,
        "units": len({u.pk for u, _ in units}),
        "legacy_items": legacy,
    }


def _applications(  # noqa: C901 (existing; split when next changed)
    apps: list[App], plans: list[Plan], users: dict[str, User], rng: random.Random, today: dt.date
) -> tuple[int, int]:
    rows: list[Application] = []
    timeline: list[list[tuple[str, str, str, str, str, dt.datetime, Any]]] = []
    cac = users.get("cac")
    for app, p in zip(apps, plans, strict=True):
        if p.state == "unfiled":
            continue
        central = p.unit.scope_code == "central"
        prov_user = users.get({"44": "gd-cac", "51": "sc-cac"}.get(p.unit.scope_code[:2], ""))
        kind = ApplicationKind.NEW
        state = {
            "filed": S.FILED,
            "revoked": S.FILED,
            "shutdown_notice": S.FILED,
            "change": S.FORWARDED,
            "offline": S.SUBMITTED if not central else S.FORWARDED,
            "deregistered": S.FILED,
        }.get(p.state, p.state)
        if p.state == "change":
            kind = ApplicationKind.CHANGE
        if p.state in {"offline", "deregistered"}:
            kind = ApplicationKind.DEREGISTER
        sections = app.filed_sections or _sections(
            p, rng, complete=p.state != "draft" or rng.random() < 0.5
        )
        start = app.created_at + dt.timedelta(days=3)
        a = Application(
            app=app,
            kind=kind,
            state=state,
            sections=sections,
            base_sections=app.filed_sections if kind != ApplicationKind.NEW else {},
            pledge_accepted=state != S.DRAFT,
            created_at=start,
            holder=Holder.UNIT,
        )
        if kind == ApplicationKind.CHANGE:
            a.change_description = "新增“办件进度订阅”功能，调整首页布局"
            a.planned_date = add_working_days(today, 15).date
        if kind == ApplicationKind.DEREGISTER:
            a.change_description = (
                f"{app.name}已于 {app.shutdown_date} 下线，用户数据已按规定移交归档。"
            )
            a.planned_date = app.shutdown_date
        ev: list[tuple[str, str, str, str, str, dt.datetime, Any]] = [
            ("create", "", S.DRAFT, Holder.UNIT, "", start, None)
        ]
        if state != S.DRAFT:
            a.submitted_at = start + dt.timedelta(days=2)
            if not central:
                ev.append(
                    ("submit", S.DRAFT, S.SUBMITTED, Holder.PROVINCE, "", a.submitted_at, None)
                )
        if state in {S.SUBMITTED, S.RETURNED}:
            # waiting for the province: overdue ones started more than 10 working days ago
            begun = _back(today, rng.randint(12, 18) if p.overdue else rng.randint(1, 8))
            a.submitted_at = dt.datetime.combine(begun, dt.time(9, 30), tzinfo=SHANGHAI)
            ev[-1] = ("submit", S.DRAFT, S.SUBMITTED, Holder.PROVINCE, "", a.submitted_at, None)
            if state == S.SUBMITTED:
                a.holder = Holder.PROVINCE
                d = add_working_days(begun, 10)
                a.deadline, a.deadline_provisional, a.deadline_start, a.deadline_working_days = (
                    d.date,
                    d.provisional,
                    begun,
                    10,
                )
            else:
                a.missing_items = ["请补充项目立项批复文件", "请补充等保测评报告的结论页"]
                ev.append(
                    (
                        "return",
                        S.SUBMITTED,
                        S.RETURNED,
                        Holder.UNIT,
                        "；".join(a.missing_items),
                        a.submitted_at + dt.timedelta(days=3),
                        prov_user,
                    )
                )
        if state in {S.FORWARDED, S.FEEDBACK, S.FILED, S.REJECTED, S.ABANDONED, S.WITHDRAWN}:
            fwd_at = (a.submitted_at or start) + dt.timedelta(days=4)
            if state in {S.FORWARDED, S.FEEDBACK}:
                begun = _back(
                    today,
                    rng.randint(22, 30)
                    if p.overdue and state == S.FORWARDED
                    else rng.randint(1, 9),
                )
                fwd_at = dt.datetime.combine(begun, dt.time(15, 0), tzinfo=SHANGHAI)
                a.submitted_at = fwd_at - dt.timedelta(days=4)
                if not central:
                    ev[-1] = (
                        "submit",
                        S.DRAFT,
                        S.SUBMITTED,
                        Holder.PROVINCE,
                        "",
                        a.submitted_at,
                        None,
                    )
            if not central:
                ev.append(
                    (
                        "forward",
                        S.SUBMITTED,
                        S.FORWARDED,
                        Holder.CAC,
                        "材料齐全，转报国家网信办",
                        fwd_at,
                        prov_user,
                    )
                )
            else:
                ev.append(("submit", S.DRAFT, S.FORWARDED, Holder.CAC, "", fwd_at, None))
            if state == S.FORWARDED:
                a.holder = Holder.CAC
                d = add_working_days(fwd_at.date(), 20)
                a.deadline, a.deadline_provisional, a.deadline_start, a.deadline_working_days = (
                    d.date,
                    d.provisional,
                    fwd_at.date(),
                    20,
                )
        if state in {S.FEEDBACK, S.ABANDONED}:
            asked = fwd_at + dt.timedelta(days=5)
            if state == S.FEEDBACK:
                begun = _back(today, rng.randint(1, 6))
                asked = dt.datetime.combine(begun, dt.time(11, 0), tzinfo=SHANGHAI)
                d = add_working_days(begun, 10)
                a.deadline, a.deadline_provisional, a.deadline_start, a.deadline_working_days = (
                    d.date,
                    d.provisional,
                    begun,
                    10,
                )
            a.missing_items = [
                "技术检测发现：隐私政策未说明收集位置信息的目的，请修改后重新提交安装包",
                "请说明“签到”功能的特殊场景",
            ]
            ev.append(
                (
                    "request_feedback",
                    S.FORWARDED,
                    S.FEEDBACK,
                    Holder.UNIT,
                    "；".join(a.missing_items),
                    asked,
                    cac,
                )
            )
            if state == S.ABANDONED:
                ev.append(
                    (
                        "abandon",
                        S.FEEDBACK,
                        S.ABANDONED,
                        Holder.UNIT,
                        "补正反馈期限已过，未收到反馈。",
                        asked + dt.timedelta(days=16),
                        None,
                    )
                )
        if state == S.FILED:
            a.decided_at = app.filed_at if kind == ApplicationKind.NEW else app.deregistered_at
            ev.append(
                (
                    "approve",
                    S.FORWARDED,
                    S.FILED,
                    Holder.UNIT,
                    f"备案编号：{app.filing_number}",
                    a.decided_at or fwd_at,
                    cac,
                )
            )
        if state == S.REJECTED:
            a.decided_at = fwd_at + dt.timedelta(days=12)
            a.decision_note = "功能与本省已备案的统一平台重复，建议作为其模块接入（R-16）"
            ev.append(
                ("reject", S.FORWARDED, S.REJECTED, Holder.UNIT, a.decision_note, a.decided_at, cac)
            )
        if state == S.WITHDRAWN:
            ev.append(
                (
                    "withdraw",
                    S.FORWARDED,
                    S.WITHDRAWN,
                    Holder.UNIT,
                    "项目整合，撤回申请",
                    fwd_at + dt.timedelta(days=2),
                    None,
                )
            )
        a.version = len(ev)
        rows.append(a)
        timeline.append(ev)
    Application.objects.bulk_create(rows, batch_size=500)
    events = [
        ApplicationEvent(
            application=a,
            action=e[0],
            from_state=e[1],
            to_state=e[2],
            holder=e[3],
            note=e[4],
            at=e[5],
            actor=e[6],
        )
        for a, evs in zip(rows, timeline, strict=True)
        for e in evs
    ]
    ApplicationEvent.objects.bulk_create(events, batch_size=1000)
    return len(rows), len(events)


def _legacy(apps: list[App], plans: list[Plan], rng: random.Random) -> int:
    """The legacy inventory: apps live before 2026-01-25 (some filed since, some not)."""
    from govapp.registry.legacy.parser import TEMPLATE_HEADER
    from govapp.registry.legacy.services import legacy_import

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(TEMPLATE_HEADER)
    kind_word = {AppKind.APP: "APP", AppKind.MINI_PROGRAM: "小程序", AppKind.QUICK_APP: "快应用"}
    rows = 0
    for app, p in zip(apps, plans, strict=True):
        if rng.random() > 0.3 and p.state not in {"unfiled"}:
            continue
        division = "中央" if p.unit.scope_code == "central" else p.unit.division_id
        launched = dt.date(rng.randint(2016, 2025), rng.randint(1, 12), rng.randint(1, 28))
        use_id = rng.random() < 0.5
        ident = app.identities.first() if use_id else None
        w.writerow(
            [
                app.name + ("APP" if rng.random() < 0.2 and p.kind == AppKind.APP else ""),
                kind_word[AppKind(p.kind)],
                p.unit.name,
                division,
                "",
                ident.identifier if ident else "",
                launched.isoformat(),
                "已停用" if rng.random() < 0.05 else "在用",
                "",
            ]
        )
        rows += 1
    # apps known from the inventory but never registered in the system: overdue
    for i in range(max(10, rows // 4)):
        p = rng.choice(plans)
        division = "中央" if p.unit.scope_code == "central" else p.unit.division_id
        stem = rng.choice(["移动考勤", "工作台", "学习打卡", "数据填报", "党建云", "巡查通"])
        w.writerow(
            [
                f"{_short(p.unit.division.name) if division != '中央' else ''}{stem}{i + 1}",
                "APP" if i % 2 else "小程序",
                p.unit.name,
                division,
                "",
                "",
                dt.date(rng.randint(2018, 2025), rng.randint(1, 12), 1).isoformat(),
                "在用",
                "群众反映仍在使用，未见备案",
            ]
        )
        rows += 1
    if LegacyInventoryItem.objects.exists():
        return LegacyInventoryItem.objects.count()
    result = legacy_import(
        data=out.getvalue().encode(), file_name="演示存量应用清单.csv", actor=None
    )
    return result.rows
