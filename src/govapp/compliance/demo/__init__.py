"""Demo compliance data (demo only, never production), loaded after the registry's demo data.

* A handful of varied packages (APKs, a HarmonyOS HAP, a WeChat mini-program) is built once
  with :mod:`govapp.scanner.testkit`, uploaded through the real upload service
  (``scanning.package_scan_create``) and REALLY scanned (``scanning.package_scan_run``); the
  files are stored by content hash, so a second build finds them again.
* A fixed-seed subset of filed apps gets a stored scan whose facts are a copy of one of those
  real scans (the identity check is computed honestly for each app), and the engine evaluates
  every one of them, so findings exist (clock-in, ranking, ads SDK, location tracks ...).
* Exemptions (requested, approved, refused, expired), rectification orders in every state
  (some overdue and escalated), a penalty case with revocation and one waiting for the CAC,
  a spot check with a recorded seed and a published bulletin.

The demo accounts each have compliance work waiting: gz-unit an order to answer, gd-cac an
exemption to decide, sc-cac an order to accept, cac a penalty to decide.  Idempotent (a
sentinel audit event; a second run changes nothing) and the random seed is fixed.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from govapp.compliance import engine
from govapp.compliance import services as svc
from govapp.compliance.models import (
    Exemption,
    Finding,
    FindingStatus,
    OrderState,
    RectificationOrder,
    SpotCheck,
)
from govapp.core.audit import audit_record
from govapp.core.calendar import today_shanghai
from govapp.core.demo import demo_table
from govapp.core.models import AuditEvent
from govapp.orgs.models import User
from govapp.registry.models import App, AppStatus
from govapp.scans import services as scanning
from govapp.scans.models import PackageScan, ScanStatus

SEED = 20260401
SENTINEL = "demo.compliance_loaded"
SCANNED_SHARE = 0.25  # of the filed apps outside the fixed ones
DOC = "安保任务通知（演示材料）\n".encode()


@dataclass(frozen=True)
class Variant:
    key: str
    file_name: str
    kind: str  # apk | hap | wechat
    package: str = ""
    permissions: tuple[str, ...] = ("android.permission.INTERNET",)
    strings: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


# packages.json: the package variants built and scanned for real ({key, file_name, kind,
# package, permissions, strings, types, extra}), the variant of each fixed demo app, the
# weighted draw for the others and the variant by app kind.
_TABLE = demo_table(__name__, "packages")
VARIANTS = [
    Variant(
        row["key"],
        row["file_name"],
        row["kind"],
        row["package"],
        tuple(row["permissions"]),
        tuple(row["strings"]),
        tuple(row["types"]),
        row["extra"],
    )
    for row in _TABLE["variants"]
]
FIXED: dict[str, str] = _TABLE["fixed"]
WEIGHTED: list[str] = _TABLE["weighted"]
KIND_VARIANTS: dict[str, str] = _TABLE["kind_variants"]


def _build(v: Variant, folder: Path) -> tuple[str, bytes]:
    from govapp.scanner.testkit import build_apk, make_signing_key
    from govapp.scanner.testkit.builders import (
        build_hap,
        build_miniprogram_zip,
        wechat_miniprogram_files,
    )

    path = folder / v.file_name
    if v.kind == "apk":
        build_apk(
            path,
            package=v.package,
            version_name=v.file_name.rsplit("-", 1)[-1].removesuffix(".apk"),
            label=None,
            permissions=v.permissions,
            dex_strings=v.strings,
            dex_types=v.types,
            key=make_signing_key(common_name=f"{v.package} demo signer"),
            seed=len(v.key),
        )
    elif v.kind == "hap":
        build_hap(path)
    else:
        build_miniprogram_zip(path, wechat_miniprogram_files())
    return v.file_name, path.read_bytes()


def _real_scans(uploader: User, app: App) -> dict[str, PackageScan]:
    """Build, upload and really scan each variant once (reused by content hash)."""
    out: dict[str, PackageScan] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for v in VARIANTS:
            existing = (
                PackageScan.objects.filter(file_name=v.file_name, status=ScanStatus.DONE)
                .order_by("pk")
                .first()
            )
            if existing is None:
                name, data = _build(v, Path(tmp))
                scan = scanning.package_scan_create(
                    actor=uploader,
                    unit=app.hosting_unit,
                    upload=SimpleUploadedFile(name, data),
                    app=None,
                )
                existing = scanning.package_scan_run(scan_id=scan.pk)
            out[v.key] = existing
    return out


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _attach(
    app: App, base: PackageScan, created_at: dt.datetime, uploader: User | None
) -> PackageScan:
    facts = dict(base.facts or {})
    return PackageScan(
        hosting_unit=app.hosting_unit,
        app=app,
        file_name=base.file_name,
        sha256=base.sha256,
        size=base.size,
        status=ScanStatus.DONE,
        facts=facts,
        kind=base.kind,
        package=base.package,
        # The facts come from a sample package, not this app's own: say so instead of
        # reporting a package-name mismatch on every demo app.
        identity_check={
            "package": base.package,
            "certificates": [],
            "declared": [],
            "package_match": None,
            "cert_match": None,
            "message": "演示数据：检测结果取自样例安装包（%s），未与本应用申报的标识核对。"
            % (base.package or base.file_name),
        },
        scanner_version=base.scanner_version,
        uploaded_by=uploader,
        created_at=created_at,
        started_at=created_at,
        finished_at=created_at,
    )


def _finding(app: App, rule: str) -> Finding:
    return Finding.objects.get(app=app, rule_id=rule, status=FindingStatus.OPEN)


def _backdate(order: RectificationOrder, today: dt.date, days_overdue: int) -> None:
    RectificationOrder.objects.filter(pk=order.pk).update(
        deadline=today - dt.timedelta(days=days_overdue),
        issued_at=timezone.now() - dt.timedelta(days=days_overdue + 21),
    )
    order.refresh_from_db()


def demo_compliance_load() -> dict[str, Any]:
    if AuditEvent.objects.filter(action=SENTINEL).exists():
        return {"scans": PackageScan.objects.count(), "created": 0}
    if not App.objects.filter(name="穗好办").exists():
        raise RuntimeError("load the registry demo data first (registry.demo)")
    rng = random.Random(SEED)
    today = today_shanghai()
    now = timezone.now()
    gz, cd, central = _user("gz-unit"), _user("cd-unit"), _user("central-unit")
    cac, gd, sc = _user("cac"), _user("gd-cac"), _user("sc-cac")
    fixed = {a.name: a for a in App.objects.filter(name__in=FIXED, status=AppStatus.FILED)}
    base = _real_scans(gz, fixed["穗好办"])

    # 1. stored scans for the fixed apps and a seeded share of the other filed apps
    others = list(
        App.objects.filter(status=AppStatus.FILED)
        .exclude(pk__in=[a.pk for a in fixed.values()])
        .select_related("hosting_unit")
        .prefetch_related("identities")
        .order_by("pk")
    )
    chosen = sorted(rng.sample(others, int(len(others) * SCANNED_SHARE)), key=lambda a: a.pk)
    rows = [
        _attach(a, base[FIXED[name]], now - dt.timedelta(days=3), None)
        for name, a in sorted(fixed.items())
    ]
    for a in chosen:
        key = KIND_VARIANTS.get(str(a.kind)) or rng.choice(WEIGHTED)
        if key == "clock_in" and rng.random() < 0.3:
            key = "hap_track"
        age = rng.randint(5, 420)
        rows.append(_attach(a, base[key], now - dt.timedelta(days=age), None))
    PackageScan.objects.bulk_create(rows)
    evaluated = list(fixed.values()) + chosen
    for a in evaluated:
        engine.evaluate_app(app=a, actor=None)

    # 2. exemptions: refused, then an order (gz-unit answers it)
    shb, szg = fixed["穗好办"], fixed["穗智管"]
    ex = svc.exemption_request(
        actor=gz,
        app=shb,
        rule_id="R20_CLOCK_IN",
        scenario="other",
        reason="网格员日常考勤需要，申请保留每日定位打卡功能。",
        document_name="说明.txt",
        document=DOC,
    )
    svc.exemption_decide(
        actor=gd,
        exemption=ex,
        approve=False,
        note="日常考勤不属于安保、应急等特殊场景，不予豁免；请取消强制打卡。",
    )
    svc.order_issue(
        actor=gd,
        app=shb,
        findings=[_finding(shb, "R20_CLOCK_IN")],
        instructions="取消强制打卡签到功能，删除未打卡人员通报，报送新版本安装包。",
        working_days=10,
    )
    # gd-cac decides: a pending exemption of 穗智管 (ranking in a flood-season drill)
    svc.exemption_request(
        actor=gz,
        app=szg,
        rule_id="R20_POINTS_RANKING",
        scenario="emergency",
        reason="2026年汛期应急演练期间，需按街道统计响应积分，演练结束后关闭该功能。",
        document_name="汛期应急演练通知.txt",
        document=DOC,
        requested_expiry=today + dt.timedelta(days=90),
    )
    # approved (sc-cac): 天府市民云's track upload during a security task
    tf = fixed["天府市民云"]
    ex = svc.exemption_request(
        actor=cd,
        app=tf,
        rule_id="R22_LOCATION_TRACK",
        scenario="security",
        reason="大型赛事安保期间，安保人员巡逻轨迹需实时回传指挥中心。",
        document_name="赛事安保方案.txt",
        document=DOC,
    )
    svc.exemption_decide(
        actor=sc,
        exemption=ex,
        approve=True,
        expires_on=today + dt.timedelta(days=120),
        note="仅限赛事安保人员使用，到期自动恢复检测。",
    )
    # expired (cac): 应急管理's clock-in for a past emergency; the finding reopens
    yj = fixed["应急管理"]
    ex = svc.exemption_request(
        actor=central,
        app=yj,
        rule_id="R20_CLOCK_IN",
        scenario="emergency",
        reason="防汛救灾期间值守人员定位签到，灾情结束即取消。",
        document_name="应急响应启动通知.txt",
        document=DOC,
    )
    svc.exemption_decide(
        actor=cac, exemption=ex, approve=True, expires_on=today + dt.timedelta(days=1)
    )
    Exemption.objects.filter(pk=ex.pk).update(expires_on=today - dt.timedelta(days=3))
    svc.exemptions_expire(today=today)

    # 3. orders: responded (sc-cac accepts or sends back), sent back, accepted
    order = svc.order_issue(
        actor=sc,
        app=tf,
        findings=[_finding(tf, "R22_PHOTO_UPLOAD")],
        instructions="取消强制拍照上传，改为自愿上传。",
        working_days=15,
    )
    svc.order_respond(actor=cd, order=order, response="已将拍照上传改为可选项，并删除未上传提醒。")
    ryb = fixed["蓉易办"]
    order = svc.order_issue(
        actor=sc,
        app=ryb,
        findings=[_finding(ryb, "R23_ADVERTISING_SDK")],
        instructions="移除广告 SDK（优量汇、穿山甲），不得在政务应用中投放广告。",
        working_days=10,
    )
    svc.order_respond(actor=cd, order=order, response="已关闭开屏广告。")
    svc.order_send_back(
        actor=sc,
        order=order,
        note="重新检测仍发现广告 SDK，请从安装包中移除，而非仅关闭广告位。",
        working_days=10,
    )
    aq = fixed["安全生产举报"]
    order = svc.order_issue(
        actor=cac,
        app=aq,
        findings=[_finding(aq, "R20_ONLINE_DURATION")],
        instructions="取消在线时长统计和排名。",
        working_days=10,
    )
    fixed_scan = _attach(aq, base["clean"], now - dt.timedelta(days=1), central)
    fixed_scan.save()
    svc.order_respond(
        actor=central,
        order=order,
        response="新版本已删除在线时长统计，安装包已上传检测。",
        scan=fixed_scan,
    )
    svc.order_accept(actor=cac, order=order, note="重新检测未再发现问题，验收通过。")

    # 4. overdue orders (escalated), a failed one revoked, one waiting for the CAC
    def target(prefix: str, exclude: set[int]) -> App | None:
        for a in chosen:
            scope = a.hosting_unit.scope_code
            if a.pk in exclude or not scope.startswith(prefix):
                continue
            if Finding.objects.filter(
                app=a, status=FindingStatus.OPEN, severity__in=["high", "critical"]
            ).exists():
                return a
        return None

    used: set[int] = set()
    overdue: list[tuple[RectificationOrder, User]] = []
    for prefix, actor, days in [("44", gd, 6), ("51", sc, 9), ("central", cac, 4)] * 2:
        hit = target(prefix, used)
        if hit is None:
            continue
        used.add(hit.pk)
        live = list(
            Finding.objects.filter(
                app=hit, status=FindingStatus.OPEN, severity__in=["high", "critical"]
            )
        )
        order = svc.order_issue(
            actor=actor,
            app=hit,
            findings=live,
            instructions="按检测报告逐项整改，报送整改情况和新版本安装包。",
            working_days=10,
        )
        _backdate(order, today, days)
        overdue.append((order, actor))
    svc.orders_escalate(today=today)
    failed = []
    # fail two (a later round's, so each regulator keeps an overdue order when there are enough)
    to_fail = overdue[3:5] if len(overdue) >= 5 else overdue[-2:]
    for order, actor in to_fail:
        failed.append(
            svc.order_fail(
                actor=actor,
                order=order,
                reason="整改期限届满，单位未报送整改情况，问题仍然存在。",
            )
        )
    if len(failed) == 2:  # the other one waits for the CAC's decision
        svc.penalty_revoke(actor=cac, case=failed[0], note="逾期未整改，依据《办法》撤销备案。")

    # 5. a spot check with a recorded seed; results for the first items
    check = svc.spotcheck_draw(
        actor=cac, name="2026年第一季度政务应用抽查", sample_size=60, seed=SEED
    )
    for i, item in enumerate(check.items.select_related("app").order_by("pk")[:6]):
        svc.spotcheck_record(
            actor=cac,
            item=item,
            checks={
                "filing_number_displayed": i % 3 != 0,
                "complaint_function_present": i % 4 != 1,
                "clock_in_observed": i == 2,
                "forced_upload_observed": False,
                "ads_observed": False,
            },
            note="真机测试（演示数据）",
        )

    # 6. a published bulletin of resolved cases
    resolved = list(
        RectificationOrder.objects.filter(
            state__in=[OrderState.ACCEPTED, OrderState.FAILED]
        ).order_by("pk")
    )
    svc.bulletin_publish(
        actor=cac,
        title="2026年第一季度政务移动互联网应用典型问题通报",
        summary="抽查和整改中发现强制打卡、积分排名、违规嵌入广告等问题，现将典型案例通报如下。",
        orders=resolved,
        anonymised=True,
    )
    with transaction.atomic():
        audit_record(
            actor=None,
            action=SENTINEL,
            object_type="compliance.finding",
            object_id="*",
            object_repr="演示数据",
            after={"seed": SEED, "apps": len(evaluated)},
        )
    return {
        "scanned_apps": len(evaluated),
        "findings": Finding.objects.exclude(status=FindingStatus.CLOSED).count(),
        "exemptions": Exemption.objects.count(),
        "orders": RectificationOrder.objects.count(),
        "spot_checks": SpotCheck.objects.count(),
    }
