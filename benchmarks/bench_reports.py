"""Dashboards and scorecards at national scale (issue 14 item 6): p95 < 300 ms on 100,000 apps.

    .venv/bin/python benchmarks/bench_reports.py [--apps 100000] [--requests 30] [--var DIR]
                                                 [--write-docs]

1. Builds (or reuses, with ``--var``) a scratch SQLite database with the real divisions, the demo
   accounts and a national-size registry written in bulk: ``--apps`` apps over every county of
   the country (plus central departments) in every status, their identities, one application
   each (filed, or waiting at a tier with a deadline, some overdue), findings, rectification
   orders, penalty cases, complaints, a legacy inventory and a spot check.
2. Measures each page as the demo accounts see it, in-process through Django's test client
   (the whole view: middleware, every home panel of the other apps, templates):
   - **baseline** (same run): every figure computed live for the request
     (``GOVAPP_REPORTS_LIVE_MS`` set out of reach, so no precomputed figures are used);
   - **precomputed**: after one ``reports.refresh_snapshots`` run (the periodic job), as served
     in production.
   and prints p50 / p95 / max per page, the refresh time and the load average.

``--write-docs`` replaces the "Reports" section of docs/performance.md with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    ("cac", "/", "national dashboard (cac)"),
    ("gd-cac", "/", "provincial dashboard (gd-cac)"),
    ("auditor", "/", "auditor dashboard (national)"),
    ("gz-unit", "/", "unit dashboard (gz-unit, always live)"),
    ("cac", "/reports/scorecard/", "national scorecard"),
    ("cac", "/reports/scorecard/?region=44", "province scorecard (44)"),
    ("cac", "/reports/map/", "map and trends (national)"),
    ("cac", "/api/v1/reports/dashboard", "dashboard API (national)"),
    # lists behind the oversight figures (always live)
    ("cac", "/oversight/ledger/?area=1&active=1&duplicated=1", "ledger list: datum asked again"),
    ("cac", "/oversight/usage/low-use/?show=candidates", "low-use list: candidates"),
]


def setup(var: Path) -> None:
    os.environ["GOVAPP_VAR_DIR"] = str(var)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govapp.settings")
    os.environ["CACHE_URL"] = "locmem://"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(n_apps: int, seed: int = 14) -> None:
    """A national-size registry written in bulk (idempotent: does nothing when it is there)."""
    from django.utils import timezone

    from govapp.complaints.models import Category, Channel, Complaint, Status
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
    from govapp.compliance.rules import RULES
    from govapp.core.calendar import today_shanghai
    from govapp.orgs.demo import demo_orgs_load
    from govapp.orgs.divisions import divisions_load
    from govapp.orgs.models import Division, Unit, UnitKind
    from govapp.registry.models import (
        App,
        Application,
        ApplicationState,
        AppStatus,
        Holder,
        LegacyInventoryItem,
        PlatformIdentity,
    )

    if App.objects.count() >= n_apps:
        return
    t0 = time.perf_counter()
    if not Division.objects.exists():
        divisions_load()
    demo_orgs_load()
    rng = random.Random(seed)
    now = timezone.now()
    today = today_shanghai()
    counties = list(Division.objects.filter(level=3).values_list("code", flat=True))
    units = [
        Unit(name=f"基准单位{c}", kind=UnitKind.ADMIN_ORGAN, division_id=c, scope_code=c)
        for c in counties
    ]
    central_div = "11"
    units += [
        Unit(
            name=f"基准部委{i}",
            kind=UnitKind.STATE_COUNCIL_DEPT,
            division_id=central_div,
            scope_code="central",
        )
        for i in range(60)
    ]
    Unit.objects.bulk_create(units, batch_size=2000, ignore_conflicts=True)
    unit_ids = list(Unit.objects.filter(name__startswith="基准").values_list("id", "scope_code"))
    statuses = (
        [AppStatus.FILED] * 45
        + [AppStatus.UNFILED] * 40
        + [AppStatus.REVOKED] * 3
        + [AppStatus.SHUTDOWN_NOTICE] * 3
        + [AppStatus.OFFLINE] * 3
        + [AppStatus.DEREGISTERED] * 6
    )
    apps = []
    for i in range(n_apps - App.objects.count()):
        unit_id, _scope = rng.choice(unit_ids)
        status = rng.choice(statuses)
        filed = status != AppStatus.UNFILED
        filed_at = now - dt.timedelta(days=rng.randint(1, 420)) if filed else None
        apps.append(
            App(
                name=f"基准应用{i}",
                kind=rng.choice(["app", "mini_program", "quick_app"]),
                hosting_unit_id=unit_id,
                status=status,
                filing_number=f"基准备{i:07d}号" if filed else None,
                filed_at=filed_at,
                revoked_at=now if status == AppStatus.REVOKED else None,
                deregistered_at=now if status == AppStatus.DEREGISTERED else None,
            )
        )
    App.objects.bulk_create(apps, batch_size=2000)
    rows = list(App.objects.filter(name__startswith="基准").values_list("id", "status", "filed_at"))
    idents = []
    for app_id, status, _f in rows:
        for platform_ in rng.sample(["android", "ios", "harmony", "wechat"], rng.randint(1, 2)):
            idents.append(
                PlatformIdentity(
                    app_id=app_id,
                    platform=platform_,
                    identifier=f"cn.gov.bench.a{app_id}.{platform_}",
                    cert_sha256=f"{rng.getrandbits(256):064x}",
                    live=status in (AppStatus.FILED, AppStatus.SHUTDOWN_NOTICE, AppStatus.OFFLINE),
                )
            )
    PlatformIdentity.objects.bulk_create(idents, batch_size=2000)
    applications = []
    for app_id, _status, filed_at in rows:
        if filed_at is not None:
            applications.append(
                Application(
                    app_id=app_id,
                    state=ApplicationState.FILED,
                    holder=Holder.UNIT,
                    submitted_at=filed_at - dt.timedelta(days=rng.randint(8, 40)),
                    decided_at=filed_at,
                )
            )
        else:
            state, holder = rng.choice(
                [
                    (ApplicationState.DRAFT, Holder.UNIT),
                    (ApplicationState.SUBMITTED, Holder.PROVINCE),
                    (ApplicationState.FORWARDED, Holder.CAC),
                    (ApplicationState.FEEDBACK, Holder.UNIT),
                ]
            )
            applications.append(
                Application(
                    app_id=app_id,
                    state=state,
                    holder=holder,
                    submitted_at=None
                    if state == ApplicationState.DRAFT
                    else now - dt.timedelta(days=rng.randint(1, 30)),
                    deadline=today + dt.timedelta(days=rng.randint(-10, 20)),
                )
            )
    Application.objects.bulk_create(applications, batch_size=2000)
    rules = [r.id for r in RULES]
    findings = []
    for app_id, _s, _f in rng.sample(rows, len(rows) * 3 // 10):
        for rule in rng.sample(rules, rng.randint(1, 2)):
            status = rng.choice(["open", "open", "exempted", "closed"])
            findings.append(
                Finding(
                    app_id=app_id,
                    rule_id=rule,
                    requirement="R-20",
                    severity=rng.choice(["low", "medium", "high", "critical"]),
                    status=status,
                    first_seen=now - dt.timedelta(days=rng.randint(0, 360)),
                    closed_at=now if status == "closed" else None,
                )
            )
    Finding.objects.bulk_create(findings, batch_size=2000)
    orders = [
        RectificationOrder(
            app_id=app_id,
            instructions="整改",
            state=rng.choice(list(OrderState.values)),
            working_days=10,
            deadline=today + dt.timedelta(days=rng.randint(-20, 20)),
            issued_at=now - dt.timedelta(days=rng.randint(0, 300)),
        )
        for app_id, _s, _f in rng.sample(rows, len(rows) // 50)
    ]
    RectificationOrder.objects.bulk_create(orders, batch_size=2000)
    order_rows = list(RectificationOrder.objects.values_list("id", "app_id")[: len(orders) // 5])
    PenaltyCase.objects.bulk_create(
        [
            PenaltyCase(
                app_id=app_id, order_id=oid, state=rng.choice(list(PenaltyState.values)), reason="x"
            )
            for oid, app_id in order_rows
        ],
        batch_size=2000,
    )
    cac_unit = Unit.objects.filter(kind=UnitKind.CAC).first()
    app_scope = dict(
        App.objects.filter(name__startswith="基准").values_list("id", "hosting_unit__scope_code")
    )
    complaints = []
    for k, (app_id, _s, _f) in enumerate(rng.sample(rows, len(rows) // 20)):
        received = today - dt.timedelta(days=rng.randint(0, 360))
        closed = rng.random() < 0.7
        complaints.append(
            Complaint(
                app_id=app_id,
                scope_code=app_scope[app_id],
                routed_to=cac_unit,
                channel=Channel.WEB,
                category=rng.choice(list(Category.values)),
                description="基准",
                receipt_hash=f"bench{k:059d}",
                received_on=received,
                ack_due=received + dt.timedelta(days=3),
                answer_due=received + dt.timedelta(days=20),
                status=Status.ANSWERED if closed else Status.ACKNOWLEDGED,
                closed_at=now - dt.timedelta(days=rng.randint(0, 10)) if closed else None,
            )
        )
    Complaint.objects.bulk_create(complaints, batch_size=2000)
    legacy = []
    for k in range(n_apps // 5):
        unit_id, scope = rng.choice(unit_ids)
        matched = rng.choice(rows)[0] if rng.random() < 0.7 else None
        legacy.append(
            LegacyInventoryItem(
                name=f"基准存量{k}",
                normalised_name=f"基准存量{k}",
                kind="app",
                unit_name=f"基准单位{scope}",
                hosting_unit_id=unit_id,
                scope_code=scope,
                app_id=matched,
            )
        )
    LegacyInventoryItem.objects.bulk_create(legacy, batch_size=2000)
    check = SpotCheck.objects.create(name="基准抽查", sample_size=500, seed=seed)
    SpotCheckItem.objects.bulk_create(
        [
            SpotCheckItem(
                spot_check=check,
                app_id=app_id,
                stratum="x",
                result=rng.choice(list(SpotResult.values)),
                tested_at=now,
            )
            for app_id, _s, _f in rng.sample(rows, 500)
        ]
    )
    print(
        f"generated {len(apps)} apps, {len(idents)} identities, {len(applications)} applications, "
        f"{len(findings)} findings, {len(complaints)} complaints, {len(legacy)} legacy items "
        f"in {time.perf_counter() - t0:.0f}s",
        flush=True,
    )


def generate_oversight(seed: int = 14) -> None:
    """Rows of the four oversight areas over the generated registry, in proportion to it
    (idempotent): low-use flags on 5 % of the filed apps and retirement cases on a third of
    them; an overlap run with duplicate groups of 2-3 apps of one city on 2 % of the apps,
    half of them decided, cases on a third of the consolidated ones; ledger demands (one per
    two apps, 3-8 fields each over 12 populations x 40 data items, most listed, some ended,
    pending or sent back) on every county; a national self-inspection campaign with a host
    task for 30 % of the filed apps and a Guangdong one, tasks in every state."""
    from django.utils import timezone

    from govapp.core.calendar import today_shanghai
    from govapp.orgs.models import Unit, UnitKind, User
    from govapp.oversight.campaigns.models import (
        Campaign,
        Checklist,
        InspectionTask,
        TaskKind,
        TaskState,
    )
    from govapp.oversight.ledger.models import Demand, DemandField, DemandStatus, Frequency
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
    from govapp.registry.models import App, AppStatus

    if LowUseFlag.objects.exists():
        return
    t0 = time.perf_counter()
    rng = random.Random(seed)
    now = timezone.now()
    today = today_shanghai()
    cac = User.objects.get(username="cac")
    apps = list(
        App.objects.filter(name__startswith="基准").values_list(
            "id", "status", "hosting_unit_id", "hosting_unit__scope_code"
        )
    )
    filed = [a for a in apps if a[1] == AppStatus.FILED]
    # usage
    flagged = rng.sample(filed, len(filed) // 20)
    LowUseFlag.objects.bulk_create(
        [
            LowUseFlag(
                app_id=a[0],
                month=today.replace(day=1),
                reasons=[{"code": "few_users", "values": [rng.randint(1, 49)]}],
                exempt=rng.random() < 0.2,
            )
            for a in flagged
        ],
        batch_size=2000,
    )
    RetirementCase.objects.bulk_create(
        [
            RetirementCase(
                app_id=a[0],
                state=rng.choice(list(RetireState.values)),
                reason="使用率长期偏低",
                working_days=20,
                deadline=today + dt.timedelta(days=rng.randint(-30, 30)),
                opened_at=now - dt.timedelta(days=rng.randint(0, 300)),
                opened_by=cac,
            )
            for a in flagged[: len(flagged) // 3]
        ],
        batch_size=2000,
    )
    # overlap
    run = OverlapRun.objects.create(finished_at=now, app_count=len(apps))
    by_city: dict[str, list[int]] = {}
    for a in apps:
        if a[3][:2].isdigit():
            by_city.setdefault(a[3][:4], []).append(a[0])
    groups: list[tuple[OverlapGroup, list[int]]] = []
    budget = len(apps) // 50
    cities = [c for c, ids in by_city.items() if len(ids) >= 3]
    while budget > 0 and cities:
        city = rng.choice(cities)
        ids = sorted(rng.sample(by_city[city], rng.randint(2, 3)))
        budget -= len(ids)
        g = OverlapGroup(
            run=run,
            relation=Relation.DUPLICATE if rng.random() < 0.8 else Relation.SAME_APP,
            score=rng.random(),
            signature="-".join(map(str, ids)),
            scope_code=city,
        )
        groups.append((g, ids))
    OverlapGroup.objects.bulk_create([g for g, _ids in groups], batch_size=2000)
    through = OverlapGroup.apps.through
    through.objects.bulk_create(
        [through(overlapgroup_id=g.pk, app_id=i) for g, ids in groups for i in ids],
        batch_size=2000,
        ignore_conflicts=True,
    )
    decided = [g for g, _ids in groups if rng.random() < 0.5]
    GroupDecision.objects.bulk_create(
        [
            GroupDecision(
                signature=g.signature,
                scope_code=g.scope_code,
                decision=rng.choice([Decision.CONSOLIDATE, Decision.DISTINCT]),
                decided_by=cac,
            )
            for g in decided
        ],
        batch_size=2000,
    )
    first_app = {g.pk: ids[0] for g, ids in groups}
    ConsolidationCase.objects.bulk_create(
        [
            ConsolidationCase(
                group=g,
                staying_id=first_app[g.pk],
                state=rng.choice(list(CaseState.values)),
                scope_code=g.scope_code,
                opened_by=cac,
                opened_at=now - dt.timedelta(days=rng.randint(0, 300)),
            )
            for g in decided[: len(decided) // 3]
        ],
        batch_size=2000,
    )
    # ledger
    units = list(Unit.objects.filter(name__startswith="基准单位").values_list("id", "division_id"))
    populations = [f"pop{i}" for i in range(12)]
    data_items = [f"attr{i}" for i in range(40)]
    weights = [1 / (i + 1) for i in range(len(data_items))]  # a few data asked everywhere
    demands = []
    for k in range(len(apps) // 2):
        unit_id, code = rng.choice(units)
        r = rng.random()
        status = (
            DemandStatus.LISTED
            if r < 0.85
            else DemandStatus.PENDING
            if r < 0.93
            else DemandStatus.SENT_BACK
        )
        listed = status == DemandStatus.LISTED
        demands.append(
            Demand(
                title=f"基准填报事项{k}",
                ledger_number=f"JZ{k:07d}" if listed else "",
                unit_id=unit_id,
                division_id=code,
                scope_code=code,
                frequency=rng.choice(list(Frequency.values)),
                units_targeted=rng.randint(5, 200),
                status=status,
                listed_at=now - dt.timedelta(days=rng.randint(1, 400)) if listed else None,
                ends_on=today - dt.timedelta(days=rng.randint(1, 90)) if r < 0.1 else None,
            )
        )
    Demand.objects.bulk_create(demands, batch_size=2000)
    fields = []
    for d in demands:
        population = rng.choice(populations)
        for pos, item in enumerate(
            sorted(set(rng.choices(data_items, weights=weights, k=rng.randint(3, 8))))
        ):
            fields.append(
                DemandField(
                    demand_id=d.pk, position=pos, label=item, item=item, item_scope=population
                )
            )
    DemandField.objects.bulk_create(fields, batch_size=5000)
    # campaigns
    checklist = Checklist.objects.create(name="基准自查清单", version=1)
    cac_unit = Unit.objects.filter(kind=UnitKind.CAC).first()
    gd_office = Unit.objects.filter(kind=UnitKind.PROVINCIAL_CAC, division_id="44").first()
    tasks = []
    for title, owner, scope, pool in (
        ("基准全国专项", cac_unit, "", filed),
        ("基准广东专项", gd_office or cac_unit, "44", [a for a in filed if a[3][:2] == "44"]),
    ):
        campaign = Campaign.objects.create(
            title=title,
            owner_unit=owner,
            scope_code=scope,
            checklist=checklist,
            working_days=20,
            deadline=today + dt.timedelta(days=10),
            created_by=cac,
        )
        for a in rng.sample(pool, len(pool) * 3 // 10):
            state = rng.choice(list(TaskState.values))
            tasks.append(
                InspectionTask(
                    campaign=campaign,
                    app_id=a[0],
                    kind=TaskKind.HOST,
                    unit_id=a[2],
                    state=state,
                    due=today + dt.timedelta(days=rng.randint(-10, 10)),
                    submitted_at=now - dt.timedelta(days=rng.randint(0, 20))
                    if state in (TaskState.SUBMITTED, TaskState.ACCEPTED)
                    else None,
                )
            )
    InspectionTask.objects.bulk_create(tasks, batch_size=2000)
    print(
        f"generated oversight rows: {len(flagged)} low-use flags, {len(groups)} overlap groups, "
        f"{len(demands)} demands with {len(fields)} fields, {len(tasks)} campaign tasks "
        f"in {time.perf_counter() - t0:.0f}s",
        flush=True,
    )


def measure(requests: int, live_requests: int) -> tuple[list[dict[str, object]], float, float]:
    from django.conf import settings
    from django.test import Client

    from govapp.orgs.models import User
    from govapp.reports.models import Snapshot
    from govapp.reports.services import snapshots_refresh

    clients: dict[str, Client] = {}
    for username, _path, _label in PAGES:
        if username not in clients:
            c = Client()
            c.force_login(User.objects.get(username=username))
            clients[username] = c

    cpu: dict[str, list[float]] = {}

    def run(username: str, path: str, n: int) -> list[float]:
        times = []
        for _ in range(n):
            t, c = time.perf_counter(), time.process_time()
            resp = clients[username].get(path)
            times.append((time.perf_counter() - t) * 1000)
            cpu.setdefault(path + username, []).append((time.process_time() - c) * 1000)
            assert resp.status_code == 200, (path, resp.status_code)
        return times

    results: list[dict[str, object]] = []
    Snapshot.objects.all().delete()
    settings.GOVAPP_REPORTS_LIVE_MS = 10**9  # baseline: nothing precomputed is used
    base: dict[str, list[float]] = {}
    for username, path, label in PAGES:
        run(username, path, 1)  # warm-up
        base[label] = run(username, path, live_requests)
    settings.GOVAPP_REPORTS_LIVE_MS = 120
    Snapshot.objects.all().delete()
    t, c = time.perf_counter(), time.process_time()
    snapshots_refresh(scopes=["", "44"])
    refresh_s = time.perf_counter() - t
    refresh_cpu_s = time.process_time() - c
    for username, path, label in PAGES:
        run(username, path, 2)  # warm-up (also keeps a snapshot a page computed itself)
        cpu.pop(path + username, None)
        fast = run(username, path, requests)
        results.append(
            {
                "label": label,
                "baseline": base[label],
                "precomputed": fast,
                "cpu": cpu.pop(path + username),
            }
        )
    return results, refresh_s, refresh_cpu_s


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--apps", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--live-requests", type=int, default=5)
    ap.add_argument("--var", type=Path)
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()
    var = args.var or Path(tempfile.mkdtemp(prefix="bench-reports-"))
    var.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "src"))
    setup(var)
    generate(args.apps)
    generate_oversight()
    from govapp.registry.models import App

    load_before = os.getloadavg()
    results, refresh_s, refresh_cpu_s = measure(args.requests, args.live_requests)
    load_after = os.getloadavg()
    lines = [
        f"{App.objects.count():,} apps, SQLite ({var}), Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {load_before[0]:.1f} -> {load_after[0]:.1f}; "
        f"snapshot refresh (country + one province): {refresh_s:.1f} s wall, "
        f"{refresh_cpu_s:.1f} s CPU",
        "",
        "| page | baseline: live p50 / p95 ms | precomputed p50 / p95 / max ms "
        "| precomputed CPU p50 / p95 ms | baseline ÷ precomputed (p50) | p95 < 300 ms |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        b, f, c = r["baseline"], r["precomputed"], r["cpu"]
        assert isinstance(b, list) and isinstance(f, list) and isinstance(c, list)
        lines.append(
            f"| {r['label']} | {statistics.median(b):.0f} / {pct(b, 95):.0f} | "
            f"{statistics.median(f):.0f} / {pct(f, 95):.0f} / {max(f):.0f} | "
            f"{statistics.median(c):.0f} / {pct(c, 95):.0f} | "
            f"{statistics.median(b) / statistics.median(f):.0f}x | "
            f"{'yes' if pct(f, 95) < 300 else 'NO'} |"
        )
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        doc = ROOT / "docs" / "performance.md"
        body = doc.read_text() if doc.exists() else "# Performance\n"
        section = (
            "## Reports (dashboards and scorecards)\n\n"
            "`benchmarks/bench_reports.py` "
            f"(`--apps {args.apps} --requests {args.requests}`), {dt.date.today()}:\n\n"
            f"{text}\n"
        )
        pattern = re.compile(r"## Reports \(dashboards and scorecards\)\n.*?(?=\n## |\Z)", re.S)
        body = (
            pattern.sub(section, body) if pattern.search(body) else body.rstrip() + "\n\n" + section
        )
        doc.write_text(body)


if __name__ == "__main__":
    main()
