"""``govapp generate-national``: a national-size synthetic dataset for load measurement.

    govapp generate-national --apps 100000 --units 50000 --applications 200000 \\
        --audit 1000000 --findings 100000 --complaints 50000

Loads the divisions and the demo data first (so the demo accounts exist and each demo unit
gets its share of rows), then adds units, apps with one platform identity each, filing
applications with realistic section JSON, findings, rectification orders, complaints and
audit events in bulk (``bulk_create`` in batches; audit events chained with the same hash
function as :func:`govapp.core.audit.audit_record`, so ``govapp audit verify`` passes).
Deterministic for a given ``--seed``.  NEVER run it against a production database: it
refuses unless ``--yes`` is given, and it is meant for a scratch database
(``DATABASE_URL=postgres://.../national``).

This module lives in the public app because it writes every layer below it (complaints,
compliance, registry, orgs, core) and bumps the public registry's cache version; no layer may
import upwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

BATCH = 5000
AUDIT_COMMIT = 50_000
TOPICS = [
    "政务服务",
    "智慧党建",
    "掌上社保",
    "移动办公",
    "医保服务",
    "住房公积金",
    "不动产登记",
    "税务服务",
    "12345热线",
    "健康服务",
    "智慧教育",
    "交通出行",
    "市场监管",
    "应急管理",
    "网格管理",
    "民政服务",
    "人才服务",
    "文化旅游",
    "生态环境",
    "农业农村",
    "退役军人服务",
    "残联服务",
    "工会服务",
    "志愿服务",
    "基层治理",
    "企业服务",
    "公共资源交易",
    "数字乡村",
    "智慧城管",
    "平安建设",
]
SUFFIXES = ["", "APP", "通", "掌上办", "e家", "一网通办", "服务平台", "小助手", "云"]
UNIT_KINDS = ["行政审批局", "人力资源和社会保障局", "卫生健康委员会", "教育局", "公安局",
              "民政局", "医疗保障局", "住房和城乡建设局", "自然资源局", "交通运输局",
              "市场监督管理局", "应急管理局", "政务服务中心", "大数据中心", "司法局",
              "农业农村局", "文化广电旅游局", "生态环境局", "退役军人事务局", "总工会"]  # fmt: skip
FEATURES = ["在线办事", "通知公告", "政策查询", "预约挂号", "业务办理进度查询", "投诉建议",
            "信息填报", "统计报表", "学习专栏", "签到打卡", "位置上报", "照片上传"]  # fmt: skip


def _chunks(it: Iterator[Any], n: int) -> Iterator[list[Any]]:
    buf: list[Any] = []
    for x in it:
        buf.append(x)
        if len(buf) >= n:
            yield buf
            buf = []
    if buf:
        yield buf


def _sections(rng: random.Random, name: str, unit_name: str) -> dict[str, Any]:
    feats = rng.sample(FEATURES, k=rng.randint(2, 6))
    return {
        "basic": {
            "app_name": name,
            "version": f"{rng.randint(1, 5)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}",
            "target_levels": rng.sample(["province", "prefecture", "county", "township"], k=2),
            "target_users": "公务人员及办事群众",
            "intended_users": rng.randint(100, 500_000),
        },
        "features": [
            {
                "name": feat,
                "description": f"{unit_name}提供的{feat}功能，面向本地区群众和企业。",
                "reason": "便民利企，减少跑动次数。",
                "grassroots_facing": rng.random() < 0.2,
                "sensitive_kind": "",
                "scenario": "",
                "scenario_explanation": "",
            }
            for feat in feats
        ],
        "operations": {
            "mlps_level": str(rng.choice([2, 3])),
            "mlps_test_date": "2026-03-01",
            "tech_plan": "采用政务云部署，数据加密存储，按等级保护要求开展测评和运维。" * 3,
            "security_testing": "已完成上线前安全检测。",
            "om_rules": "运维管理制度已建立，设专人负责。",
        },
        "contacts": {"owner": "张三", "phone": "020-00000000", "email": "ops@example.gov.cn"},
        "other": {"notes": ""},
        "similar_apps": [],
        "no_similar_apps": True,
    }


class Command(BaseCommand):
    help = "Generate a national-size synthetic dataset (scratch databases only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--apps", type=int, default=100_000)
        parser.add_argument("--units", type=int, default=50_000)
        parser.add_argument("--applications", type=int, default=200_000)
        parser.add_argument("--audit", type=int, default=1_000_000)
        parser.add_argument("--findings", type=int, default=100_000)
        parser.add_argument("--complaints", type=int, default=50_000)
        parser.add_argument("--orders", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=16)
        parser.add_argument("--no-demo", action="store_true", help="skip loading the demo data")
        parser.add_argument(
            "--yes", action="store_true", help="confirm: this database is a scratch copy"
        )

    def handle(self, *args: Any, **o: Any) -> None:
        if not o["yes"]:
            raise CommandError(
                "generate-national fills the database with synthetic rows; run it only on a "
                "scratch database and confirm with --yes."
            )
        self.rng = random.Random(o["seed"])
        self.now = timezone.now()
        t0 = time.monotonic()
        if not o["no_demo"]:
            from django.core.management import call_command

            call_command("demo", "--load-only", stdout=self.stdout)
        self.step("units", lambda: self.units(o["units"]))
        self.step("apps", lambda: self.apps(o["apps"]))
        self.step("applications", lambda: self.applications(o["applications"]))
        self.step("findings", lambda: self.findings(o["findings"]))
        self.step("orders", lambda: self.orders(o["orders"]))
        self.step("complaints", lambda: self.complaints(o["complaints"]))
        self.step("audit events", lambda: self.audit(o["audit"]), atomic=False)
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                # VACUUM as well: the visibility map it sets is what a production database
                # has from autovacuum, and without it counts cannot be read from the indexes
                # alone (a freshly loaded table reads every wide row to count them).
                cur.execute("VACUUM ANALYZE")
        from govapp.public.selectors import registry_changed

        registry_changed()
        self.stdout.write(f"national dataset ready in {time.monotonic() - t0:.0f} s")

    def step(self, name: str, fn: Any, *, atomic: bool = True) -> None:
        t = time.monotonic()
        if atomic:
            with transaction.atomic():
                n = fn()
        else:
            n = fn()
        self.stdout.write(f"{name}: +{n} in {time.monotonic() - t:.1f} s")

    # --- orgs -----------------------------------------------------------------------------

    def units(self, n: int) -> int:
        from govapp.orgs.models import Division, Unit, UnitKind

        rng = self.rng
        local = list(Division.objects.filter(level__in=[2, 3]).values_list("code", "name"))
        if not local:
            raise CommandError("no divisions loaded: run `govapp demo --load-only` first")
        provinces = dict(Division.objects.filter(level=1).values_list("code", "name"))
        # A provincial cyberspace office per province (complaints are routed to it).
        have = set(
            Unit.objects.filter(kind=UnitKind.PROVINCIAL_CAC).values_list("division_id", flat=True)
        )
        Unit.objects.bulk_create(
            [
                Unit(
                    name=f"{name}网信办",
                    kind=UnitKind.PROVINCIAL_CAC,
                    division_id=code,
                    scope_code=code,
                )
                for code, name in provinces.items()
                if code not in have
            ],
            ignore_conflicts=True,
        )
        existing = set(Unit.objects.values_list("name", "division_id"))
        made = 0

        def gen() -> Iterator[Unit]:
            nonlocal made
            i = 0
            while made < n:
                i += 1
                if rng.random() < 0.02:
                    name, code, kind = f"国务院部门{i}", "11", UnitKind.STATE_COUNCIL_DEPT
                    scope = "central"
                else:
                    code, dname = rng.choice(local)
                    name = f"{dname}{rng.choice(UNIT_KINDS)}{'' if i % 3 else i}"
                    kind = rng.choice(
                        [UnitKind.ADMIN_ORGAN, UnitKind.PUBLIC_INSTITUTION, UnitKind.MASS_ORG]
                    )
                    scope = code
                if (name, code) in existing:
                    continue
                existing.add((name, code))
                made += 1
                yield Unit(name=name, kind=kind, division_id=code, scope_code=scope,
                           created_at=self.now)  # fmt: skip

        for chunk in _chunks(gen(), BATCH):
            Unit.objects.bulk_create(chunk)
        return made

    # --- registry -------------------------------------------------------------------------

    def _hosting_units(self) -> list[tuple[int, str, str]]:
        from govapp.orgs.models import REGULATOR_KINDS, Unit

        return list(
            Unit.objects.exclude(kind__in=REGULATOR_KINDS).values_list("pk", "name", "scope_code")
        )

    def _demo_units(self) -> list[int]:
        from govapp.orgs.models import Grant, Role

        return sorted(
            set(
                Grant.objects.filter(
                    role__in=[Role.UNIT_MANAGER, Role.UNIT_FILER], unit__isnull=False
                ).values_list("unit_id", flat=True)
            )
        )

    def apps(self, n: int) -> int:
        from govapp.registry.models import App, AppKind, AppStatus, Platform, PlatformIdentity

        rng = self.rng
        units = self._hosting_units()
        demo = set(self._demo_units())
        demo_units = [u for u in units if u[0] in demo]
        statuses = [AppStatus.FILED] * 60 + [AppStatus.UNFILED] * 25 + [
            AppStatus.REVOKED, AppStatus.SHUTDOWN_NOTICE, AppStatus.OFFLINE
        ] * 3 + [AppStatus.DEREGISTERED] * 6  # fmt: skip
        year = self.now.year
        start = App.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        base_seq = 900_000
        made = 0
        for chunk_start in range(0, n, BATCH):
            rows = []
            for i in range(chunk_start, min(n, chunk_start + BATCH)):
                # Each demo unit gets a realistic share so unit roles see full pages too.
                unit = demo_units[i % len(demo_units)] if demo_units and i % 250 == 0 else None
                unit = unit or rng.choice(units)
                status = rng.choice(statuses)
                topic = rng.choice(TOPICS)
                short = next((unit[1].split(k)[0] for k in UNIT_KINDS if k in unit[1]), "")
                short = short or unit[1][:4]
                name = f"{short}{topic}{rng.choice(SUFFIXES)}"[:128]
                filed = status != AppStatus.UNFILED
                filed_at = self.now - dt.timedelta(days=rng.randint(1, 900)) if filed else None
                kind = rng.choice(
                    [AppKind.APP] * 6 + [AppKind.MINI_PROGRAM] * 3 + [AppKind.QUICK_APP]
                )
                rows.append(
                    App(
                        name=name,
                        kind=kind,
                        public_facing=rng.random() < 0.7,
                        hosting_unit_id=unit[0],
                        target_users="办事群众",
                        target_levels=["county"],
                        description=f"{unit[1]}的{topic}应用",
                        status=status,
                        filing_number=(
                            f"{unit[2][:2] if unit[2] != 'central' else '国'}政务应用备"
                            f"{year}{base_seq + start + i:07d}号"
                            if filed
                            else None
                        ),
                        filed_at=filed_at,
                        filed_sections=_sections(rng, name, unit[1]) if filed else {},
                        created_at=self.now - dt.timedelta(days=rng.randint(0, 1000)),
                    )
                )
            App.objects.bulk_create(rows)
            made += len(rows)
        apps = list(
            App.objects.filter(pk__gt=start).values_list("pk", "kind", "status").order_by("pk")
        )
        for chunk in _chunks(iter(apps), BATCH):
            PlatformIdentity.objects.bulk_create(
                [
                    PlatformIdentity(
                        app_id=pk,
                        platform=(
                            Platform.ANDROID
                            if kind == AppKind.APP
                            else (
                                Platform.WECHAT
                                if kind == AppKind.MINI_PROGRAM
                                else Platform.QUICKAPP
                            )
                        ),
                        identifier=f"cn.gov.nat.a{pk}",
                        cert_sha256=hashlib.sha256(f"cert{pk}".encode()).hexdigest(),
                        live=status == AppStatus.FILED,
                    )
                    for pk, kind, status in chunk
                ]
            )
        return made

    def applications(self, n: int) -> int:
        from govapp.registry.models import (
            App,
            Application,
            ApplicationKind,
            ApplicationState,
            Holder,
        )

        rng = self.rng
        S = ApplicationState
        apps = list(App.objects.values_list("pk", "name", "status", "hosting_unit__name"))
        open_states = [
            (S.DRAFT, Holder.UNIT), (S.SUBMITTED, Holder.PROVINCE), (S.RETURNED, Holder.UNIT),
            (S.FORWARDED, Holder.CAC), (S.FEEDBACK, Holder.UNIT),
        ]  # fmt: skip
        closed = [(S.FILED, Holder.CAC),
                  (S.REJECTED, Holder.CAC), (S.WITHDRAWN, Holder.UNIT),
                  (S.ABANDONED, Holder.UNIT)]  # fmt: skip
        start = Application.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        # A few hundred section documents reused (building one per row costs more than the
        # insert); same size and shape as a real filing's.
        variants = [_sections(rng, a[1], a[3]) for a in rng.sample(apps, k=min(300, len(apps)))]
        made = 0
        for chunk_start in range(0, n, BATCH):
            rows = []
            for _i in range(chunk_start, min(n, chunk_start + BATCH)):
                pk, _name, _status, _unit = rng.choice(apps)
                state, holder = (
                    rng.choice(open_states) if rng.random() < 0.3 else rng.choice(closed)
                )
                created = self.now - dt.timedelta(
                    days=rng.randint(0, 700), minutes=rng.randint(0, 1440)
                )
                submitted = created + dt.timedelta(days=1) if state != S.DRAFT else None
                deadline = (
                    (created + dt.timedelta(days=rng.randint(-20, 40))).date()
                    if state in {S.SUBMITTED, S.FORWARDED, S.FEEDBACK}
                    else None
                )
                sections = variants[_i % len(variants)]
                rows.append(
                    Application(
                        app_id=pk,
                        kind=rng.choice([ApplicationKind.NEW] * 3 + [ApplicationKind.CHANGE]),
                        state=state,
                        holder=holder,
                        sections=sections,
                        pledge_accepted=state != S.DRAFT,
                        submitted_at=submitted,
                        deadline=deadline,
                        missing_items=["features"] if state == S.RETURNED else [],
                        created_at=created,
                        updated_at=created + dt.timedelta(days=rng.randint(0, 30)),
                    )
                )
            Application.objects.bulk_create(rows)
            made += len(rows)
        # auto_now overwrote updated_at on insert: spread it again so the sort is realistic.
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(
                    "UPDATE registry_application SET updated_at = created_at "
                    "+ (id %% 30) * interval '1 day' WHERE id > %s",
                    [start],
                )
        return made

    # --- compliance -------------------------------------------------------------------------

    def findings(self, n: int) -> int:
        from govapp.compliance.models import Finding, FindingStatus
        from govapp.compliance.rules import RULES
        from govapp.registry.models import App

        rng = self.rng
        app_ids = list(App.objects.values_list("pk", flat=True))
        seen: set[tuple[int, str]] = set(Finding.objects.values_list("app_id", "rule_id"))
        made = 0

        def gen() -> Iterator[Finding]:
            nonlocal made
            while made < n:
                app_id = rng.choice(app_ids)
                rule = rng.choice(RULES)
                if (app_id, rule.id) in seen:
                    continue
                seen.add((app_id, rule.id))
                made += 1
                when = self.now - dt.timedelta(days=rng.randint(0, 400))
                status = rng.choice(
                    [FindingStatus.OPEN] * 5 + [FindingStatus.CLOSED] * 4 + [FindingStatus.EXEMPTED]
                )
                yield Finding(
                    app_id=app_id,
                    rule_id=rule.id,
                    requirement=rule.requirement,
                    severity=rule.severity,
                    status=status,
                    evidence=[{"source": "declared", "value": "签到打卡", "where": "features.1"}],
                    app_version="1.0.0",
                    fact_sources={"declared": "filed", "scan": "", "inspection": ""},
                    first_seen=when,
                    last_seen=when + dt.timedelta(days=rng.randint(0, 30)),
                    closed_at=when if status == FindingStatus.CLOSED else None,
                )

        for chunk in _chunks(gen(), BATCH):
            Finding.objects.bulk_create(chunk)
        return made

    def orders(self, n: int) -> int:
        from govapp.compliance.models import Finding, FindingStatus, OrderState, RectificationOrder

        rng = self.rng
        open_findings = list(
            Finding.objects.filter(status=FindingStatus.OPEN).values_list("pk", "app_id")[: n * 2]
        )
        rng.shuffle(open_findings)
        picked = open_findings[:n]
        rows = [
            RectificationOrder(
                app_id=app_id,
                instructions="请在期限内整改并提交整改报告。",
                state=rng.choice(list(OrderState.values)),
                working_days=15,
                deadline=(self.now + dt.timedelta(days=rng.randint(-30, 30))).date(),
                issued_at=self.now - dt.timedelta(days=rng.randint(0, 200)),
            )
            for _pk, app_id in picked
        ]
        RectificationOrder.objects.bulk_create(rows, batch_size=BATCH)
        through = RectificationOrder.findings.through
        through.objects.bulk_create(
            [
                through(rectificationorder_id=o.pk, finding_id=f_pk)
                for o, (f_pk, _a) in zip(rows, picked, strict=True)
            ],
            batch_size=BATCH,
        )
        return len(rows)

    # --- complaints ---------------------------------------------------------------------------

    def complaints(self, n: int) -> int:
        from govapp.complaints.models import Category, Channel, Complaint, Status
        from govapp.orgs.models import Unit, UnitKind
        from govapp.registry.models import App

        rng = self.rng
        cac = Unit.objects.filter(kind=UnitKind.CAC).values_list("pk", flat=True).first()
        offices = dict(
            Unit.objects.filter(kind=UnitKind.PROVINCIAL_CAC).values_list("division_id", "pk")
        )
        apps = list(
            App.objects.values_list("pk", "hosting_unit_id", "hosting_unit__scope_code")[: n * 2]
        )
        statuses = list(Status.values)
        made = 0
        for chunk_start in range(0, n, BATCH):
            rows = []
            for i in range(chunk_start, min(n, chunk_start + BATCH)):
                app_id, unit_id, scope = rng.choice(apps)
                routed = offices.get(scope[:2]) or cac
                if routed is None:
                    continue
                received = (self.now - dt.timedelta(days=rng.randint(0, 500))).date()
                status = rng.choice(statuses)
                if status == Status.MERGED:
                    status = Status.ANSWERED
                rows.append(
                    Complaint(
                        app_id=app_id,
                        hosting_unit_id=unit_id,
                        scope_code=scope,
                        routed_to_id=routed,
                        channel=rng.choice(list(Channel.values)),
                        category=rng.choice(list(Category.values)),
                        description="单位要求每天在应用里签到打卡并截图上报，否则通报批评。",
                        receipt_hash=hashlib.sha256(
                            f"nat-receipt-{self.rng.random()}-{i}".encode()
                        ).hexdigest(),
                        status=status,
                        received_on=received,
                        ack_due=received + dt.timedelta(days=7),
                        answer_due=received + dt.timedelta(days=30),
                    )
                )
            Complaint.objects.bulk_create(rows)
            made += len(rows)
        return made

    # --- core: the audit chain ----------------------------------------------------------------

    def audit(self, n: int) -> int:
        """Appends ``n`` events to the chain, committing every ``AUDIT_COMMIT`` events (each
        commit locks the head, continues from it and moves it: the chain stays valid at every
        commit, and an interrupted run keeps what it committed)."""
        done = 0
        while done < n:
            k = min(AUDIT_COMMIT, n - done)
            with transaction.atomic():
                self._audit_chunk(k, offset=done, total=n)
            done += k
            self.stdout.write(f"  audit events: {done}/{n}")
            self.stdout.flush()
        return n

    def _audit_chunk(self, n: int, *, offset: int, total: int) -> None:
        from govapp.core.audit import GENESIS, event_hash
        from govapp.core.models import AuditEvent, AuditHead
        from govapp.registry.models import App

        rng = self.rng
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        seq, prev = head.last_seq, head.last_hash or GENESIS
        if not hasattr(self, "_audit_apps"):
            self._audit_apps = list(
                App.objects.values_list(
                    "pk", "name", "hosting_unit_id", "hosting_unit__scope_code"
                )[:20000]
            )
        apps = self._audit_apps
        actions = ["app.create", "application.save_draft", "application.submit",
                   "application.forward", "finding.open", "finding.close", "application.read",
                   "complaint.acknowledge"]  # fmt: skip
        start = self.now - dt.timedelta(days=700)
        step = dt.timedelta(days=699) / max(total, 1)
        for chunk_start in range(0, n, BATCH):
            rows = []
            for i in range(chunk_start, min(n, chunk_start + BATCH)):
                seq += 1
                pk, name, unit_id, scope = rng.choice(apps)
                e = AuditEvent(
                    seq=seq,
                    time=start + step * (offset + i),
                    actor_name="system",
                    action=rng.choice(actions),
                    object_type="registry.app",
                    object_id=str(pk),
                    object_repr=name,
                    before=None,
                    after={"status": "filed", "note": "批量生成"},
                    request_id="",
                    scope_code=scope,
                    unit_pk=unit_id,
                    prev_hash=prev,
                )
                e.hash = event_hash(e)
                prev = e.hash
                rows.append(e)
            AuditEvent.objects.bulk_create(rows)
        head.last_seq, head.last_hash = seq, prev
        head.save(update_fields=["last_seq", "last_hash"])
