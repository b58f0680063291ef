"""Demo compliance data (demo only, never production), loaded after the registry's demo data.

What the demo world contains is data, in the tables beside this module; the code below is one
short step per kind of row, each calling the real, audited service:

* ``packages.json``: the package variants built with :mod:`govapp.scanner.testkit`, uploaded
  through the real upload service (``scanning.package_scan_create``) and REALLY scanned
  (``scanning.package_scan_run``) once (stored by content hash, so a second build finds them
  again); the variant of each fixed demo app, the weighted draw for the others and the variant
  by app kind.  A fixed-seed share of the filed apps gets a stored scan whose facts are a copy
  of one of those real scans, and the engine evaluates every one of them, so findings exist.
* ``scenario.json``: the compliance story, as rows run in order: ``script`` (exemptions
  requested, refused, approved, expired; rectification orders answered, sent back, accepted),
  ``overdue`` (orders issued in rounds per region, backdated, escalated; two failed, one of them
  revoked, the other waiting for the CAC), ``spot_check`` (a draw with a recorded seed and the
  results of its first items) and ``bulletin`` (a published bulletin of resolved cases).

The demo accounts each have compliance work waiting: gz-unit an order to answer, gd-cac an
exemption to decide, sc-cac an order to accept, cac a penalty to decide.  Idempotent (a
sentinel audit event; a second run changes nothing) and the random seed is fixed.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from collections.abc import Callable
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
    PenaltyCase,
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
DOC = "安保任务通知（演示材料）\n".encode()
SERIOUS = ("high", "critical")


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
SCENARIO: dict[str, Any] = demo_table(__name__, "scenario")


@dataclass
class World:
    """What the steps share: the demo accounts, the fixed apps, the real scans, the seeded
    draw of scanned apps, and what earlier steps left for later ones."""

    rng: random.Random
    today: dt.date
    now: dt.datetime
    users: dict[str, User]
    fixed: dict[str, App]
    base: dict[str, PackageScan] = field(default_factory=dict)
    chosen: list[App] = field(default_factory=list)
    overdue: list[tuple[RectificationOrder, User]] = field(default_factory=list)


# --- packages: build, upload and scan each variant once; attach copies to apps -------------


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


def _attach(
    app: App, base: PackageScan, created_at: dt.datetime, uploader: User | None
) -> PackageScan:
    return PackageScan(
        hosting_unit=app.hosting_unit,
        app=app,
        file_name=base.file_name,
        sha256=base.sha256,
        size=base.size,
        status=ScanStatus.DONE,
        facts=dict(base.facts or {}),
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


def _drawn_variant(w: World, app: App) -> str:
    """The variant of a drawn app: by its kind, else the weighted draw (with its swaps)."""
    key = KIND_VARIANTS.get(str(app.kind)) or w.rng.choice(WEIGHTED)
    swap = SCENARIO["swaps"].get(key)
    if swap is not None and w.rng.random() < swap["share"]:
        key = swap["variant"]
    return key


def _scan_and_evaluate(w: World) -> list[App]:
    """Stored scans for the fixed apps and a seeded share of the other filed apps, evaluated."""
    others = list(
        App.objects.filter(status=AppStatus.FILED)
        .exclude(pk__in=[a.pk for a in w.fixed.values()])
        .select_related("hosting_unit")
        .prefetch_related("identities")
        .order_by("pk")
    )
    share = int(len(others) * SCENARIO["scanned_share"])
    w.chosen = sorted(w.rng.sample(others, share), key=lambda a: a.pk)
    rows = [
        _attach(a, w.base[FIXED[name]], w.now - dt.timedelta(days=3), None)
        for name, a in sorted(w.fixed.items())
    ]
    for a in w.chosen:
        key = _drawn_variant(w, a)
        age = w.rng.randint(5, 420)
        rows.append(_attach(a, w.base[key], w.now - dt.timedelta(days=age), None))
    PackageScan.objects.bulk_create(rows)
    evaluated = list(w.fixed.values()) + w.chosen
    for a in evaluated:
        engine.evaluate_app(app=a, actor=None)
    return evaluated


# --- scenario.json "script": one function per kind of row ----------------------------------


def _days(w: World, row: dict[str, Any], key: str) -> dt.date | None:
    return w.today + dt.timedelta(days=row[key]) if key in row else None


def _exemption(w: World, row: dict[str, Any]) -> None:
    app = w.fixed[row["app"]]
    ex = svc.exemption_request(
        actor=w.users[row["by"]],
        app=app,
        rule_id=row["rule"],
        scenario=row["scenario"],
        reason=row["reason"],
        document_name=row["document_name"],
        document=DOC,
        requested_expiry=_days(w, row, "requested_expiry_days"),
    )
    if "decide" in row:
        decide = row["decide"]
        svc.exemption_decide(
            actor=w.users[decide["by"]],
            exemption=ex,
            approve=decide["approve"],
            expires_on=_days(w, decide, "expires_in_days"),
            note=decide.get("note", ""),
        )
    if "expired_days_ago" in row:  # a past emergency: the exemption has run out
        expired = w.today - dt.timedelta(days=row["expired_days_ago"])
        Exemption.objects.filter(pk=ex.pk).update(expires_on=expired)


def _exemptions_expire(w: World, row: dict[str, Any]) -> None:
    svc.exemptions_expire(today=w.today)


def _open_finding(app: App, rule: str) -> Finding:
    return Finding.objects.get(app=app, rule_id=rule, status=FindingStatus.OPEN)


def _rescan(w: World, app: App, spec: dict[str, Any] | None, uploader: User) -> PackageScan | None:
    if spec is None:
        return None
    created = w.now - dt.timedelta(days=spec["days_ago"])
    scan = _attach(app, w.base[spec["variant"]], created, uploader)
    scan.save()
    return scan


def _order(w: World, row: dict[str, Any]) -> None:
    app = w.fixed[row["app"]]
    order = svc.order_issue(
        actor=w.users[row["by"]],
        app=app,
        findings=[_open_finding(app, row["rule"])],
        instructions=row["instructions"],
        working_days=row["working_days"],
    )
    if "respond" in row:
        respond = row["respond"]
        unit = w.users[respond["by"]]
        scan = _rescan(w, app, respond.get("rescan"), unit)
        svc.order_respond(actor=unit, order=order, response=respond["response"], scan=scan)
    if "send_back" in row:
        back = row["send_back"]
        svc.order_send_back(
            actor=w.users[back["by"]],
            order=order,
            note=back["note"],
            working_days=back["working_days"],
        )
    if "accept" in row:
        accept = row["accept"]
        svc.order_accept(actor=w.users[accept["by"]], order=order, note=accept["note"])


SCRIPT_STEPS: dict[str, Callable[[World, dict[str, Any]], None]] = {
    "exemption": _exemption,
    "exemptions_expire": _exemptions_expire,
    "order": _order,
}


# --- scenario.json "overdue", "spot_check", "bulletin" -------------------------------------


def _serious_findings(app: App) -> Any:
    return Finding.objects.filter(app=app, status=FindingStatus.OPEN, severity__in=SERIOUS)


def _overdue_target(w: World, prefix: str, used: set[int]) -> App | None:
    """The first drawn app of the region with a serious open finding not already ordered."""
    for a in w.chosen:
        if a.pk in used or not a.hosting_unit.scope_code.startswith(prefix):
            continue
        if _serious_findings(a).exists():
            return a
    return None


def _backdate(order: RectificationOrder, today: dt.date, days_overdue: int) -> None:
    RectificationOrder.objects.filter(pk=order.pk).update(
        deadline=today - dt.timedelta(days=days_overdue),
        issued_at=timezone.now() - dt.timedelta(days=days_overdue + 21),
    )
    order.refresh_from_db()


def _overdue_orders(w: World, spec: dict[str, Any]) -> None:
    """Orders issued round by round per region, backdated past their deadline, escalated."""
    used: set[int] = set()
    for row in spec["rounds"]:
        hit = _overdue_target(w, row["scope"], used)
        if hit is None:
            continue
        used.add(hit.pk)
        actor = w.users[row["by"]]
        order = svc.order_issue(
            actor=actor,
            app=hit,
            findings=list(_serious_findings(hit)),
            instructions=spec["instructions"],
            working_days=spec["working_days"],
        )
        _backdate(order, w.today, row["days_overdue"])
        w.overdue.append((order, actor))
    svc.orders_escalate(today=w.today)


def _failed_orders(w: World, spec: dict[str, Any]) -> None:
    """Two overdue orders failed (a later round's, so each regulator keeps an overdue order
    when there are enough); the first is revoked, the other waits for the CAC's decision."""
    overdue = w.overdue
    to_fail = overdue[3:5] if len(overdue) >= 5 else overdue[-2:]
    failed: list[PenaltyCase] = [
        svc.order_fail(actor=actor, order=order, reason=spec["fail_reason"])
        for order, actor in to_fail
    ]
    if len(failed) == 2:
        revoke = spec["revoke"]
        svc.penalty_revoke(actor=w.users[revoke["by"]], case=failed[0], note=revoke["note"])


def _spot_check(w: World, spec: dict[str, Any]) -> None:
    """A spot check with a recorded seed; the results of its first items."""
    actor = w.users[spec["by"]]
    check = svc.spotcheck_draw(
        actor=actor, name=spec["name"], sample_size=spec["sample_size"], seed=SEED
    )
    items = check.items.select_related("app").order_by("pk")[: len(spec["results"])]
    for item, checks in zip(items, spec["results"], strict=False):
        svc.spotcheck_record(actor=actor, item=item, checks=checks, note=spec["note"])


def _bulletin(w: World, spec: dict[str, Any]) -> None:
    """A published bulletin of the resolved cases."""
    resolved = RectificationOrder.objects.filter(
        state__in=[OrderState.ACCEPTED, OrderState.FAILED]
    ).order_by("pk")
    svc.bulletin_publish(
        actor=w.users[spec["by"]],
        title=spec["title"],
        summary=spec["summary"],
        orders=list(resolved),
        anonymised=spec["anonymised"],
    )


# --- the loader ----------------------------------------------------------------------------


def _world() -> World:
    fixed = App.objects.filter(name__in=FIXED, status=AppStatus.FILED)
    world = World(
        rng=random.Random(SEED),
        today=today_shanghai(),
        now=timezone.now(),
        users={u.username: u for u in User.objects.all()},
        fixed={a.name: a for a in fixed},
    )
    world.base = _real_scans(world.users["gz-unit"], world.fixed["穗好办"])
    return world


def demo_compliance_load() -> dict[str, Any]:
    if AuditEvent.objects.filter(action=SENTINEL).exists():
        return {"scans": PackageScan.objects.count(), "created": 0}
    if not App.objects.filter(name="穗好办").exists():
        raise RuntimeError("load the registry demo data first (registry.demo)")
    w = _world()
    evaluated = _scan_and_evaluate(w)
    for row in SCENARIO["script"]:
        SCRIPT_STEPS[row["step"]](w, row)
    _overdue_orders(w, SCENARIO["overdue"])
    _failed_orders(w, SCENARIO["overdue"])
    _spot_check(w, SCENARIO["spot_check"])
    _bulletin(w, SCENARIO["bulletin"])
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
