"""Demo registry data (demo only, never production): about 2,100 apps across the 31 provinces
and the central level, in every state of the workflow, plus the legacy inventory.

What the demo world contains is data, in the tables beside this module; the code below is a
few short steps, one per kind of row or transition:

* ``units.json``: hosting units per level {name pattern, kind, topic} ({p}: province, {c}:
  city, {x}: county) and the central departments {name, topic};
* ``topics.json``: topic -> [{stem, slug, function}] of the generated apps;
* ``fixed.json``: the work waiting for the demo accounts, per unit [{name, state, overdue}];
* ``states.json``: per demo state its weight in the draw, what the app looks like
  (``app``: status and the marks that set its dates), and the scripted history of its
  application (``application``: state, kind and the named ``steps`` it went through, each step
  with its parameters in ``steps``; ``central_application`` where a State Council department's
  differs); the text of change and deregistration applications, the shutdown notice and the
  platform identities per app kind;
* ``sections.json``: the six material sections of a filing (pools for the random parts);
* ``legacy.json``: the legacy inventory's share, words and the unregistered apps' stems.

Idempotent (a second run finds the data and changes nothing) and fast: hosting units are
created through ``orgs.services.unit_create``, filing numbers through the registry's own
``filing_number_issue`` (so later numbers never collide), the legacy inventory through
``legacy_import``, and the apps, applications and their timelines are written in bulk, with
one audit event per app.  The random seed is fixed, and the random draws happen in a fixed
order, so the same tables give the same world.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

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
    PlatformIdentity,
)

S = ApplicationState
SEED = 20260125
SENTINEL = "demo.registry_loaded"
PLACEHOLDER = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
MUNICIPALITIES = {"11", "12", "31", "50"}
LIVE_STATUSES = {AppStatus.FILED, AppStatus.SHUTDOWN_NOTICE, AppStatus.OFFLINE}

_UNITS = demo_table(__name__, "units")
PROVINCE_UNITS = [(r["name"], r["kind"], r["topic"]) for r in _UNITS["province"]]
CITY_UNITS = [(r["name"], r["kind"], r["topic"]) for r in _UNITS["city"]]
COUNTY_UNITS = [(r["name"], r["kind"], r["topic"]) for r in _UNITS["county"]]
CENTRAL_UNITS = [(r["name"], r["topic"]) for r in _UNITS["central"]]
TOPICS: dict[str, list[tuple[str, str, str]]] = {
    topic: [(r["stem"], r["slug"], r["function"]) for r in rows]
    for topic, rows in demo_table(__name__, "topics").items()
}
_STATES = demo_table(__name__, "states")
STATE_ROWS: dict[str, dict[str, Any]] = {r["state"]: r for r in _STATES["states"]}
STATES: list[tuple[str, int]] = [(r["state"], r["weight"]) for r in _STATES["states"]]
STEPS: dict[str, dict[str, Any]] = _STATES["steps"]
FIXED: list[tuple[str, list[tuple[str, str, bool]]]] = [
    (u["unit"], [(a["name"], a["state"], a["overdue"]) for a in u["apps"]])
    for u in demo_table(__name__, "fixed")
]
SECTIONS: dict[str, Any] = demo_table(__name__, "sections")
LEGACY: dict[str, Any] = demo_table(__name__, "legacy")

Event = tuple[str, str, str, str, str, dt.datetime, User | None]


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


def _target_users(p: Plan) -> str:
    return "企业和群众" if "服务" in p.function else "本系统工作人员"


def _target_levels(p: Plan) -> list[str]:
    return ["national"] if p.unit.scope_code == "central" else ["province", "prefecture"]


# --- the six material sections (sections.json; the random parts drawn in a fixed order) ----


def _basic(p: Plan, rng: random.Random) -> dict[str, Any]:
    surname = rng.choice(SECTIONS["surnames"])
    given = rng.choice(SECTIONS["given"])
    return {
        "app_name": p.name,
        "version": f"{rng.randint(1, 5)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}",
        "target_users": _target_users(p),
        "target_levels": _target_levels(p),
        "handler_name": surname + given,
        "handler_post": rng.choice(SECTIONS["posts"]),
        "handler_phone": f"0{rng.randint(10, 999)}-{rng.randint(10000000, 99999999)}",
        "handler_email": f"it{rng.randint(100, 999)}@demo.gov.invalid",
    }


def _features(p: Plan, rng: random.Random) -> list[dict[str, Any]]:
    template = SECTIONS["feature"]
    basis = template["basis"].format(region=_short(p.unit.name[:3]), n=rng.randint(1, 60))
    feature = {
        **template,
        "name": p.function.split("、")[0][:20],
        "description": p.function,
        "basis": basis,
        "grassroots_facing": "基层" in p.function,
    }
    if "签到" in p.function:
        return [feature, dict(SECTIONS["clock_in_feature"])]
    return [feature]


def _sections(p: Plan, rng: random.Random, complete: bool = True) -> dict[str, Any]:
    basic = _basic(p, rng)
    if not complete:
        return {"basic": basic}
    features = _features(p, rng)
    approval = SECTIONS["approval"]
    operations = SECTIONS["operations"]
    return {
        "basic": basic,
        "approval": {
            **approval,
            "content": p.function,
            "document_no": approval["document_no"].format(n=rng.randint(1, 300)),
        },
        "features": features,
        "acceptance": dict(SECTIONS["acceptance"]),
        "operations": {
            **operations,
            "om_team": operations["om_team"].format(n=rng.randint(3, 12)),
            "mlps_level": rng.choice(SECTIONS["mlps_levels"]),
        },
        "other": dict(SECTIONS["other"]),
        "similar_apps": [],
        "no_similar_apps": True,
    }


# --- hosting units on real divisions (units.json) -------------------------------------------


class _HostingUnits:
    """Finds or creates (through ``unit_create``) the hosting unit of a name and division."""

    def __init__(self) -> None:
        self.existing = {(u.name, u.division_id): u for u in Unit.objects.all()}

    def get(self, name: str, kind: str, division: Division) -> Unit:
        unit = self.existing.get((name, division.code))
        if unit is not None and unit.kind in REGULATOR_KINDS:
            # a regulator (the demo's provincial government-services administration) hosts no
            # apps of its own here: its apps are run by its operations centre, a public institution
            name, kind = f"{division.name}数字政府运营中心", UnitKind.PUBLIC_INSTITUTION
            unit = self.existing.get((name, division.code))
        if unit is None:
            unit = unit_create(actor=None, name=name, kind=kind, division=division)
            self.existing[(name, division.code)] = unit
        return unit


def _children(divisions: dict[str, Division], code: str, level: int) -> list[str]:
    return sorted(
        c
        for c, d in divisions.items()
        if d.level == level and c.startswith(code) and d.name not in PLACEHOLDER
    )


def _province_units(
    divisions: dict[str, Division], code: str, rng: random.Random, units: _HostingUnits
) -> list[tuple[Unit, str]]:
    """7 provincial units, 3 units in each of two cities and a county media centre."""
    prov = divisions[code]
    out: list[tuple[Unit, str]] = []
    for pattern, kind, topic in PROVINCE_UNITS:
        name = pattern.format(p=prov.name)
        if code in MUNICIPALITIES:
            name = name.replace("厅", "局")
        out.append((units.get(name, kind, prov), topic))
    cities = _children(divisions, code, DivisionLevel.PREFECTURE)
    counties = _children(divisions, code, DivisionLevel.COUNTY)
    if code in MUNICIPALITIES:  # districts play the role of cities
        cities, counties = counties[:2], counties[2:]
    for city_code in cities[:2]:
        city = divisions[city_code]
        for pattern, kind, topic in CITY_UNITS:
            out.append((units.get(pattern.format(c=city.name), kind, city), topic))
    if counties:
        county = divisions[rng.choice(counties[:20])]
        for pattern, kind, topic in COUNTY_UNITS:
            out.append((units.get(pattern.format(x=county.name), kind, county), topic))
    return out


def _units(rng: random.Random) -> list[tuple[Unit, str]]:
    """Hosting units per province, then 12 State Council departments (+ the demo ones),
    interleaved by region so that even a small demo covers every province."""
    units = _HostingUnits()
    divisions = {
        d.code: d
        for d in Division.objects.filter(level__lte=DivisionLevel.COUNTY, is_functional_zone=False)
    }
    out: list[tuple[Unit, str]] = []
    for code in sorted(c for c, d in divisions.items() if d.level == DivisionLevel.PROVINCE):
        out += _province_units(divisions, code, rng, units)
    beijing = divisions["11"]
    for name, topic in CENTRAL_UNITS:
        out.append((units.get(name, UnitKind.STATE_COUNCIL_DEPT, beijing), topic))
    groups: dict[str, list[tuple[Unit, str]]] = {}
    for unit, topic in out:
        region = unit.scope_code[:2] if unit.scope_code != "central" else "zz"
        groups.setdefault(region, []).append((unit, topic))
    return [pair for row in itertools.zip_longest(*groups.values()) for pair in row if pair]


# --- the plan: which app, of which unit, in which state (fixed.json, topics.json) -----------


def _fixed_plans() -> list[Plan]:
    plans: list[Plan] = []
    units = {u.name: u for u in Unit.objects.filter(name__in=[n for n, _ in FIXED])}
    for unit_name, apps in FIXED:
        for name, state, overdue in apps:
            n = len(plans)
            kind = AppKind.MINI_PROGRAM if n % 3 == 2 else AppKind.APP
            plans.append(
                Plan(
                    units[unit_name],
                    name,
                    "gov",
                    f"demo{n}",
                    "政务服务事项掌上办理",
                    state,
                    overdue,
                    kind,
                )
            )
    return plans


def _app_name(unit: Unit, stem: str) -> str:
    if unit.scope_code == "central":
        return f"{unit.name[:2] if len(unit.name) > 4 else ''}{stem}".strip()
    region = _short(unit.division.name)
    return stem.replace("{x}", region) if "{x}" in stem else f"{region}{stem}"


def _unique_name(unit: Unit, base: str, used: set[tuple[int, str]]) -> str:
    variants = ["掌上" + base, base + "企业版", "智慧" + base, base + "工作台", base + "（二期）"]
    name, n = base, 2
    while (unit.pk, name) in used:
        name = variants[n - 2] if n - 2 < len(variants) else f"{base}（{n}期）"
        n += 1
    used.add((unit.pk, name))
    return name


def _generated_plan(
    i: int, units: list[tuple[Unit, str]], used: set[tuple[int, str]], rng: random.Random
) -> Plan:
    """The i-th generated app: every unit and every state at least once, then drawn."""
    unit, topic = units[i % len(units)] if i < len(units) else rng.choice(units)
    stem, slug, function = rng.choice(TOPICS[topic])
    name = _unique_name(unit, _app_name(unit, stem), used)
    states, weights = zip(*STATES, strict=True)
    state = states[i] if i < len(states) else rng.choices(states, weights)[0]
    if unit.scope_code == "central" and state in {"submitted", "returned"}:
        state = "forwarded"
    kind = rng.choices([AppKind.APP, AppKind.MINI_PROGRAM, AppKind.QUICK_APP], [45, 47, 8])[0]
    return Plan(unit, name, topic, f"{slug}{i}", function, state, rng.random() < 0.35, kind)


def _plans(units: list[tuple[Unit, str]], total: int, rng: random.Random) -> list[Plan]:
    plans = _fixed_plans()
    used: set[tuple[int, str]] = {(p.unit.pk, p.name) for p in plans}
    plans += [_generated_plan(i, units, used, rng) for i in range(total)]
    return plans


# --- apps: their status and the marks of their state (states.json "app") --------------------


def _days_ago(today: dt.date, n: int) -> dt.datetime:
    day = today - dt.timedelta(days=n)
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=SHANGHAI)


def _shutdown(app: App, day: dt.date) -> None:
    app.shutdown_date = day
    app.shutdown_notice = _STATES["shutdown_notice"].format(name=app.name, date=day)


def _mark_filed(app: App, p: Plan, age: int, rng: random.Random, today: dt.date) -> None:
    app.filed_at = _days_ago(today, age)
    app.filed_sections = _sections(p, rng)


def _mark_revoked(app: App, p: Plan, age: int, rng: random.Random, today: dt.date) -> None:
    app.revoked_at = _days_ago(today, max(1, age - 60))


def _mark_shutdown_ahead(app: App, p: Plan, age: int, rng: random.Random, today: dt.date) -> None:
    _shutdown(app, today + dt.timedelta(days=30))


def _mark_shutdown_past(app: App, p: Plan, age: int, rng: random.Random, today: dt.date) -> None:
    _shutdown(app, today - dt.timedelta(days=max(2, age // 3)))


def _mark_offline(app: App, p: Plan, age: int, rng: random.Random, today: dt.date) -> None:
    app.offline_at = _days_ago(today, max(1, age // 3 - 1))


def _mark_deregistered(app: App, p: Plan, age: int, rng: random.Random, today: dt.date) -> None:
    app.deregistered_at = _days_ago(today, max(1, age // 4))


APP_MARKS: dict[str, Callable[[App, Plan, int, random.Random, dt.date], None]] = {
    "filed": _mark_filed,
    "revoked": _mark_revoked,
    "shutdown_ahead": _mark_shutdown_ahead,
    "shutdown_past": _mark_shutdown_past,
    "offline": _mark_offline,
    "deregistered": _mark_deregistered,
}


def _app(p: Plan, rng: random.Random, today: dt.date) -> App:
    spec = STATE_ROWS[p.state]["app"]
    age = rng.randint(20, 280)
    app = App(
        name=p.name,
        kind=p.kind,
        hosting_unit=p.unit,
        public_facing="服务" in p.function or "查询" in p.function,
        target_users=_target_users(p),
        target_levels=_target_levels(p),
        description=p.function,
        status=spec["status"],
        created_at=_days_ago(today, age + 30),
    )
    for mark in spec["marks"]:
        APP_MARKS[mark](app, p, age, rng, today)
    return app


def _create_apps(plans: list[Plan], rng: random.Random, today: dt.date) -> list[App]:
    from govapp.registry.services.filing_numbers import filing_number_issue

    apps = [_app(p, rng, today) for p in plans]
    App.objects.bulk_create(apps, batch_size=500)
    for app in apps:
        if app.status != AppStatus.UNFILED:
            app.filing_number = filing_number_issue(app=app)
    App.objects.bulk_update([a for a in apps if a.filing_number], ["filing_number"], batch_size=500)
    return apps


# --- platform identities (states.json "identities") -----------------------------------------


def _hex(seed: str, n: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def _cert(unit: Unit) -> dict[str, str]:
    raw = f"demo-signing-cert-{unit.name}".encode()
    return {
        "cert_sha256": hashlib.sha256(raw).hexdigest(),
        "cert_sha1": hashlib.sha1(raw, usedforsecurity=False).hexdigest(),
        "cert_md5": hashlib.md5(raw, usedforsecurity=False).hexdigest(),
    }


def _app_identities(i: int, app: App, p: Plan, live: bool, area: str) -> list[PlatformIdentity]:
    cert = _cert(p.unit)
    certs = {"all": cert, "sha1": {"cert_sha1": cert["cert_sha1"]}}
    pkg = f"cn.gov.a{area}.{p.slug}"
    return [
        PlatformIdentity(
            app=app, platform=row["platform"], identifier=pkg, live=live, **certs[row["cert"]]
        )
        for row in _STATES["identities"]["app"]
    ]


def _mini_program_identities(
    i: int, app: App, p: Plan, live: bool, area: str
) -> list[PlatformIdentity]:
    hosts = _STATES["identities"]["mini_program_hosts"]
    host = hosts[i % len(hosts)]
    return [
        PlatformIdentity(
            app=app,
            platform=host["platform"],
            identifier=host["prefix"] + _hex(f"mp{i}{p.slug}", 16),
            host_platform=host["host"],
            live=live,
        )
    ]


def _quick_app_identities(
    i: int, app: App, p: Plan, live: bool, area: str
) -> list[PlatformIdentity]:
    pkg = f"cn.gov.q{area}.{p.slug}"
    return [
        PlatformIdentity(app=app, platform="quickapp", identifier=pkg, live=live, **_cert(p.unit))
    ]


IDENTITIES = {
    AppKind.APP: _app_identities,
    AppKind.MINI_PROGRAM: _mini_program_identities,
    AppKind.QUICK_APP: _quick_app_identities,
}


def _identities(apps: list[App], plans: list[Plan]) -> list[PlatformIdentity]:
    out: list[PlatformIdentity] = []
    for i, (app, p) in enumerate(zip(apps, plans, strict=True)):
        live = app.status in LIVE_STATUSES
        area = p.unit.scope_code if p.unit.scope_code != "central" else "zy"
        out += IDENTITIES[AppKind(p.kind)](i, app, p, live, area)
    return out


# --- applications: the scripted history of each state (states.json "application") ----------


def _back(today: dt.date, working_days: int) -> dt.date:
    """The date ``working_days`` working days before today (approximate: weekdays)."""
    day = today
    left = working_days
    while left > 0:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


@dataclass
class Filing:
    """One application being scripted: its row, its events so far and what the steps share."""

    a: Application
    app: App
    plan: Plan
    central: bool
    province: User | None  # the provincial reviewer (gd-cac, sc-cac) where there is one
    cac: User | None
    rng: random.Random
    today: dt.date
    events: list[Event]
    fwd_at: dt.datetime | None = None  # when it reached the CAC
    asked: dt.datetime | None = None  # when the CAC asked for feedback
    begun: dt.date | None = None  # when the province's clock started


def _deadline(a: Application, start: dt.date, working_days: int) -> None:
    d = add_working_days(start, working_days)
    a.deadline, a.deadline_provisional = d.date, d.provisional
    a.deadline_start, a.deadline_working_days = start, working_days


def _clock(f: Filing, spec: dict[str, Any]) -> dt.date:
    """A start some working days ago: further back (past the deadline) for an overdue plan."""
    low, high = spec["overdue_days"] if f.plan.overdue and "overdue_days" in spec else spec["days"]
    return _back(f.today, f.rng.randint(low, high))


def _submit_event(f: Filing) -> Event:
    assert f.a.submitted_at is not None
    return ("submit", S.DRAFT, S.SUBMITTED, Holder.PROVINCE, "", f.a.submitted_at, None)


def _at(f: Filing) -> dt.datetime:
    assert f.fwd_at is not None
    return f.fwd_at


def _step_create(f: Filing, spec: dict[str, Any]) -> None:
    f.events.append(("create", "", S.DRAFT, Holder.UNIT, "", f.a.created_at, None))


def _step_submit(f: Filing, spec: dict[str, Any]) -> None:
    f.a.submitted_at = f.a.created_at + dt.timedelta(days=2)
    if not f.central:  # a State Council department's goes straight to the CAC (forward)
        f.events.append(_submit_event(f))


def _step_province_clock(f: Filing, spec: dict[str, Any]) -> None:
    f.begun = _clock(f, spec)
    f.a.submitted_at = dt.datetime.combine(f.begun, dt.time(9, 30), tzinfo=SHANGHAI)
    f.events[-1] = _submit_event(f)


def _step_wait_province(f: Filing, spec: dict[str, Any]) -> None:
    assert f.begun is not None
    f.a.holder = Holder.PROVINCE
    _deadline(f.a, f.begun, spec["working_days"])


def _step_return(f: Filing, spec: dict[str, Any]) -> None:
    assert f.a.submitted_at is not None
    f.a.missing_items = list(spec["missing_items"])
    note = "；".join(f.a.missing_items)
    at = f.a.submitted_at + dt.timedelta(days=3)
    f.events.append(("return", S.SUBMITTED, S.RETURNED, Holder.UNIT, note, at, f.province))


def _step_cac_clock(f: Filing, spec: dict[str, Any]) -> None:
    forwarded = dt.datetime.combine(_clock(f, spec), dt.time(15, 0), tzinfo=SHANGHAI)
    f.a.submitted_at = forwarded - dt.timedelta(days=4)
    if not f.central:
        f.events[-1] = _submit_event(f)


def _step_forward(f: Filing, spec: dict[str, Any]) -> None:
    f.fwd_at = (f.a.submitted_at or f.a.created_at) + dt.timedelta(days=4)
    if f.central:
        f.events.append(("submit", S.DRAFT, S.FORWARDED, Holder.CAC, "", f.fwd_at, None))
    else:
        event = ("forward", S.SUBMITTED, S.FORWARDED, Holder.CAC, spec["note"], f.fwd_at)
        f.events.append((*event, f.province))


def _step_wait_cac(f: Filing, spec: dict[str, Any]) -> None:
    f.a.holder = Holder.CAC
    _deadline(f.a, _at(f).date(), spec["working_days"])


def _step_feedback_clock(f: Filing, spec: dict[str, Any]) -> None:
    begun = _back(f.today, f.rng.randint(*spec["days"]))
    f.asked = dt.datetime.combine(begun, dt.time(11, 0), tzinfo=SHANGHAI)
    _deadline(f.a, begun, spec["working_days"])


def _step_request_feedback(f: Filing, spec: dict[str, Any]) -> None:
    if f.asked is None:
        f.asked = _at(f) + dt.timedelta(days=5)
    f.a.missing_items = list(spec["missing_items"])
    note = "；".join(f.a.missing_items)
    f.events.append(
        ("request_feedback", S.FORWARDED, S.FEEDBACK, Holder.UNIT, note, f.asked, f.cac)
    )


def _step_abandon(f: Filing, spec: dict[str, Any]) -> None:
    assert f.asked is not None
    at = f.asked + dt.timedelta(days=spec["after_days"])
    f.events.append(("abandon", S.FEEDBACK, S.ABANDONED, Holder.UNIT, spec["note"], at, None))


def _step_approve(f: Filing, spec: dict[str, Any]) -> None:
    new = f.a.kind == ApplicationKind.NEW
    f.a.decided_at = f.app.filed_at if new else f.app.deregistered_at
    note = spec["note"].format(filing_number=f.app.filing_number)
    at = f.a.decided_at or _at(f)
    f.events.append(("approve", S.FORWARDED, S.FILED, Holder.UNIT, note, at, f.cac))


def _step_reject(f: Filing, spec: dict[str, Any]) -> None:
    f.a.decided_at = _at(f) + dt.timedelta(days=spec["after_days"])
    f.a.decision_note = spec["note"]
    event = ("reject", S.FORWARDED, S.REJECTED, Holder.UNIT, spec["note"], f.a.decided_at)
    f.events.append((*event, f.cac))


def _step_withdraw(f: Filing, spec: dict[str, Any]) -> None:
    at = _at(f) + dt.timedelta(days=spec["after_days"])
    f.events.append(("withdraw", S.FORWARDED, S.WITHDRAWN, Holder.UNIT, spec["note"], at, None))


APPLICATION_STEPS: dict[str, Callable[[Filing, dict[str, Any]], None]] = {
    "create": _step_create,
    "submit": _step_submit,
    "province_clock": _step_province_clock,
    "wait_province": _step_wait_province,
    "return": _step_return,
    "cac_clock": _step_cac_clock,
    "cac_clock_overdue": _step_cac_clock,
    "forward": _step_forward,
    "wait_cac": _step_wait_cac,
    "feedback_clock": _step_feedback_clock,
    "request_feedback": _step_request_feedback,
    "abandon": _step_abandon,
    "approve": _step_approve,
    "reject": _step_reject,
    "withdraw": _step_withdraw,
}


def _history(p: Plan) -> dict[str, Any] | None:
    row = STATE_ROWS[p.state]
    if p.unit.scope_code == "central" and "central_application" in row:
        return cast("dict[str, Any] | None", row["central_application"])
    return cast("dict[str, Any] | None", row["application"])


def _change_text(a: Application, app: App, today: dt.date) -> None:
    """A change or deregistration application says what changes and when (states.json)."""
    spec = _STATES["changes"].get(str(a.kind))
    if spec is None:
        return
    a.change_description = spec["description"].format(
        name=app.name, shutdown_date=app.shutdown_date
    )
    if spec.get("planned") == "shutdown_date":
        a.planned_date = app.shutdown_date
    else:
        a.planned_date = add_working_days(today, spec["planned_working_days"]).date


def _application(app: App, p: Plan, spec: dict[str, Any], rng: random.Random) -> Application:
    kind, state = spec["kind"], spec["state"]
    complete = p.state != "draft" or rng.random() < 0.5  # half the drafts are incomplete
    return Application(
        app=app,
        kind=kind,
        state=state,
        sections=app.filed_sections or _sections(p, rng, complete=complete),
        base_sections=app.filed_sections if kind != ApplicationKind.NEW else {},
        pledge_accepted=state != S.DRAFT,
        created_at=app.created_at + dt.timedelta(days=3),
        holder=Holder.UNIT,
    )


def _filing(
    app: App,
    p: Plan,
    spec: dict[str, Any],
    users: dict[str, User],
    rng: random.Random,
    today: dt.date,
) -> Filing:
    """The application of one app, scripted through the steps of its state's history."""
    province = {"44": "gd-cac", "51": "sc-cac"}.get(p.unit.scope_code[:2], "")
    a = _application(app, p, spec, rng)
    _change_text(a, app, today)
    f = Filing(
        a,
        app,
        p,
        p.unit.scope_code == "central",
        users.get(province),
        users.get("cac"),
        rng,
        today,
        [],
    )
    for step in spec["steps"]:
        APPLICATION_STEPS[step](f, STEPS[step])
    a.version = len(f.events)
    return f


def _applications(
    apps: list[App], plans: list[Plan], users: dict[str, User], rng: random.Random, today: dt.date
) -> tuple[int, int]:
    filings = []
    for app, p in zip(apps, plans, strict=True):
        spec = _history(p)
        if spec is not None:
            filings.append(_filing(app, p, spec, users, rng, today))
    Application.objects.bulk_create([f.a for f in filings], batch_size=500)
    events = [
        ApplicationEvent(
            application=f.a,
            action=e[0],
            from_state=e[1],
            to_state=e[2],
            holder=e[3],
            note=e[4],
            at=e[5],
            actor=e[6],
        )
        for f in filings
        for e in f.events
    ]
    ApplicationEvent.objects.bulk_create(events, batch_size=1000)
    return len(filings), len(events)


# --- the legacy inventory (legacy.json), imported through the real legacy import ------------


def _division(p: Plan) -> str:
    return "中央" if p.unit.scope_code == "central" else p.unit.division_id


def _legacy_listed(w: Any, apps: list[App], plans: list[Plan], rng: random.Random) -> int:
    """Apps live before 2026-01-25 that the inventory lists (some filed since, some not)."""
    rows = 0
    for app, p in zip(apps, plans, strict=True):
        if rng.random() > LEGACY["listed_share"] and p.state not in {"unfiled"}:
            continue
        launched = dt.date(rng.randint(2016, 2025), rng.randint(1, 12), rng.randint(1, 28))
        ident = app.identities.first() if rng.random() < 0.5 else None
        suffix = "APP" if rng.random() < 0.2 and p.kind == AppKind.APP else ""
        w.writerow(
            [
                app.name + suffix,
                LEGACY["kind_words"][p.kind],
                p.unit.name,
                _division(p),
                "",
                ident.identifier if ident else "",
                launched.isoformat(),
                "已停用" if rng.random() < 0.05 else "在用",
                "",
            ]
        )
        rows += 1
    return rows


def _legacy_unregistered(w: Any, plans: list[Plan], rng: random.Random, count: int) -> int:
    """Apps known from the inventory but never registered in the system: overdue."""
    for i in range(count):
        p = rng.choice(plans)
        division = _division(p)
        stem = rng.choice(LEGACY["unregistered_stems"])
        region = _short(p.unit.division.name) if division != "中央" else ""
        w.writerow(
            [
                f"{region}{stem}{i + 1}",
                "APP" if i % 2 else "小程序",
                p.unit.name,
                division,
                "",
                "",
                dt.date(rng.randint(2018, 2025), rng.randint(1, 12), 1).isoformat(),
                "在用",
                LEGACY["unregistered_note"],
            ]
        )
    return count


def _legacy(apps: list[App], plans: list[Plan], rng: random.Random) -> int:
    from govapp.registry.legacy.parser import TEMPLATE_HEADER
    from govapp.registry.legacy.services import legacy_import

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(TEMPLATE_HEADER)
    rows = _legacy_listed(w, apps, plans, rng)
    rows += _legacy_unregistered(w, plans, rng, max(10, rows // 4))
    if LegacyInventoryItem.objects.exists():
        return LegacyInventoryItem.objects.count()
    result = legacy_import(data=out.getvalue().encode(), file_name=LEGACY["file_name"], actor=None)
    return result.rows


# --- the loader ------------------------------------------------------------------------------


def _audit_apps(apps: list[App]) -> None:
    for app in apps:
        after = {"name": app.name, "status": app.status, "filing_number": app.filing_number}
        audit_record(actor=None, action="demo.app_load", obj=app, after=after)


@transaction.atomic
def demo_registry_load(*, scale: float = 1.0) -> dict[str, int]:
    """Load the demo registry; ``scale`` 1.0 = about 2,100 apps (tests use a small one)."""
    if not Unit.objects.filter(name="广州市政务服务和数据管理局").exists():
        raise RuntimeError("load the orgs demo data first (orgs.demo.demo_orgs_load)")
    if AuditEvent.objects.filter(action=SENTINEL).exists():
        return {"apps": App.objects.count(), "created": 0}
    rng = random.Random(SEED)
    today = today_shanghai()
    users = {u.username: u for u in User.objects.filter(username__in=["cac", "gd-cac", "sc-cac"])}
    units = _units(rng)
    plans = _plans(units, max(40, int(2060 * scale)), rng)
    apps = _create_apps(plans, rng, today)
    PlatformIdentity.objects.bulk_create(_identities(apps, plans), batch_size=1000)
    applications, events = _applications(apps, plans, users, rng, today)
    _audit_apps(apps)
    legacy = _legacy(apps, plans, rng)
    summary = {"apps": len(apps), "scale": scale}
    audit_record(
        actor=None,
        action=SENTINEL,
        object_type="registry.app",
        object_id="*",
        object_repr="演示数据",
        after=summary,
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
