"""Re-evaluating many apps at once (``govapp compliance evaluate``, issue 16).

:func:`govapp.compliance.engine.evaluate_app` reads the facts of one app with a dozen queries
and writes each finding with its own statement; fine for one app, 47 apps a second for the whole
registry.  Here the same facts are loaded for a batch of apps with one query per kind of fact,
the rules run in memory, and findings are written in bulk: ``bulk_create`` for new ones,
``bulk_update`` for the rest.  Audit events are still one per change, written per batch by
:func:`govapp.core.audit.audit_record_many` (the same chain as one ``audit_record`` each, with
one lock of the head; a re-evaluation that changes nothing writes none).

The facts and the findings are the same as ``evaluate_app``'s (a test compares them).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from govapp.compliance import engine
from govapp.compliance.facts import AppFacts, Inspection, Operation, PlatformId
from govapp.compliance.models import (
    Exemption,
    ExemptionStatus,
    Finding,
    FindingStatus,
    OperationFacts,
    SpotCheckItem,
    SpotResult,
)
from govapp.compliance.rules import RULES_BY_ID, evaluate
from govapp.core.actor import Actor
from govapp.core.audit import audit_record_many
from govapp.core.bulk import copy_insert
from govapp.core.calendar import calendar_pinned, today_shanghai
from govapp.registry.models import (
    OPEN_STATES,
    App,
    Application,
    ExceptionDecision,
    LegacyInventoryItem,
    PlatformIdentity,
)
from govapp.scans.models import PackageScan, ScanStatus

BATCH_SIZE = 2000
_UPDATE_FIELDS = [
    "status",
    "evidence",
    "severity",
    "app_version",
    "fact_sources",
    "scan",
    "application",
    "exemption",
    "last_seen",
    "closed_at",
    "close_reason",
]
_APP_COLUMNS = (
    "name",
    "kind",
    "status",
    "filing_number",
    "public_facing",
    "shutdown_date",
    "hosting_unit__kind",
    "hosting_unit__scope_code",
    "hosting_unit__division__level",
)
_COMPARED: list[Any] = [
    Finding._meta.get_field(name) for name in _UPDATE_FIELDS if name != "last_seen"
]


@dataclass
class BatchResult:
    apps: int = 0
    opened: int = 0
    updated: int = 0
    closed: int = 0
    unchanged: int = 0


@dataclass
class _Loaded:
    """Every fact source of a batch of apps, keyed by app id."""

    applications: dict[int, Application] = field(default_factory=dict)
    scans_by_app: dict[int, int] = field(default_factory=dict)
    scans_by_application: dict[int, int] = field(default_factory=dict)
    scans: dict[int, PackageScan] = field(default_factory=dict)
    inspections: dict[int, SpotCheckItem] = field(default_factory=dict)
    legacy: dict[int, LegacyInventoryItem] = field(default_factory=dict)
    exception: set[int] = field(default_factory=set)
    identities: dict[int, list[PlatformId]] = field(default_factory=dict)
    exemptions: dict[int, dict[str, Exemption]] = field(default_factory=dict)
    live: dict[int, dict[str, Finding]] = field(default_factory=dict)
    operations: dict[int, dict[str, Any]] = field(default_factory=dict)
    filed_sections: dict[int, Any] = field(default_factory=dict)


def _first_per(rows: Iterable[Any], key: str) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for row in rows:
        out.setdefault(getattr(row, key), row)
    return out


def _operation_facts(span: dict[str, int]) -> dict[int, dict[str, Any]]:
    """The operation facts that higher apps pushed (``app_operation_facts_put``), merged per app
    in source order like :func:`govapp.compliance.engine._operation`, in one query."""
    out: dict[int, dict[str, Any]] = defaultdict(dict)
    for app_id, data in (
        OperationFacts.objects.filter(**span)
        .order_by("app_id", "source")
        .values_list("app_id", "data")
    ):
        out[app_id].update(data)
    return out


def _load(apps: list[App], today: dt.date) -> _Loaded:
    ids = [a.pk for a in apps]
    # The facts are read for the span of ids (the batch is a keyset range: ``apps`` is in pk
    # order) instead of ``app_id IN (2,000 ids)``: building, sending and planning that list
    # ten times a batch cost more than the rows.  Rows of apps in the span but not in the
    # batch (other states) are read and ignored: every fact is looked up by the app's id.
    # The live findings, which are locked, are still read for exactly the batch's apps.
    span = {"app_id__gte": ids[0], "app_id__lte": ids[-1]}
    got = _Loaded()
    got.applications = _first_per(
        Application.objects.filter(**span, state__in=OPEN_STATES)
        .only("pk", "app_id", "sections", "created_at")
        .order_by("app_id", "-created_at", "-pk"),
        "app_id",
    )
    done = PackageScan.objects.filter(status=ScanStatus.DONE, facts__isnull=False)
    for pk, app_id in (
        done.filter(**span).order_by("app_id", "-created_at", "-pk").values_list("pk", "app_id")
    ):
        got.scans_by_app.setdefault(app_id, pk)
    for pk, application_id in (
        done.filter(
            application__state__in=OPEN_STATES,
            application__app_id__gte=ids[0],
            application__app_id__lte=ids[-1],
        )
        .order_by("application_id", "-created_at", "-pk")
        .values_list("pk", "application_id")
    ):
        got.scans_by_application.setdefault(application_id, pk)
    wanted = set(got.scans_by_app.values()) | set(got.scans_by_application.values())
    if wanted:
        got.scans = {s.pk: s for s in PackageScan.objects.filter(pk__in=wanted)}
    got.inspections = _first_per(
        SpotCheckItem.objects.filter(**span)
        .exclude(result=SpotResult.PENDING)
        .order_by("app_id", "-tested_at", "-pk"),
        "app_id",
    )
    got.legacy = _first_per(
        LegacyInventoryItem.objects.filter(**span, retired=False)
        .only("pk", "app_id", "name")
        .order_by("app_id", "scope_code", "unit_name", "name", "pk"),
        "app_id",
    )
    got.exception = set(
        Application.objects.filter(
            **span, exception_decision=ExceptionDecision.APPROVED
        ).values_list("app_id", flat=True)
    )
    idents: dict[int, list[PlatformId]] = defaultdict(list)
    for app_id, platform, identifier, cert in (
        PlatformIdentity.objects.filter(**span)
        .order_by("app_id", "platform", "identifier")
        .values_list("app_id", "platform", "identifier", "cert_sha256")
    ):
        idents[app_id].append(
            PlatformId(platform=platform, identifier=identifier, cert_sha256=cert)
        )
    got.identities = idents
    exemptions: dict[int, dict[str, Exemption]] = defaultdict(dict)
    for e in Exemption.objects.filter(
        **span, status=ExemptionStatus.APPROVED, expires_on__gte=today
    ).order_by("app_id", "expires_on"):
        exemptions[e.app_id][e.rule_id] = e
    got.exemptions = exemptions
    live: dict[int, dict[str, Finding]] = defaultdict(dict)
    by_id = {a.pk: a for a in apps}
    for finding in (
        Finding.objects.select_for_update()
        .filter(app_id__in=ids)
        .exclude(status=FindingStatus.CLOSED)
        .order_by("pk")
    ):
        # the app already loaded (with its unit): the audit event's scope reads it without a
        # query per finding
        finding.app = by_id[finding.app_id]
        live[finding.app_id][finding.rule_id] = finding
    got.live = live
    got.operations = _operation_facts(span)
    # the filed form only where no open application declares (the apps are read without it)
    need = [
        a.pk for a in apps if not (a.pk in got.applications and got.applications[a.pk].sections)
    ]
    if need:
        got.filed_sections = dict(
            App.objects.filter(pk__in=need).values_list("pk", "filed_sections")
        )
    return got


def _built(app: App, got: _Loaded) -> engine.Built:
    application = got.applications.get(app.pk)
    if application is not None and application.sections:
        declared = engine.declared_from_sections(
            application.sections, f"application:{application.pk}"
        )
        used = application
    else:
        filed = got.filed_sections.get(app.pk)
        declared, used = engine.declared_from_sections(filed, "filed"), None
    scan_pk = got.scans_by_application.get(used.pk) if used is not None else None
    scan = got.scans.get(scan_pk or got.scans_by_app.get(app.pk, 0))
    result, scan_source = engine.scan_facts(scan)
    data: dict[str, Any] = {}
    legacy = got.legacy.get(app.pk)
    if legacy is not None:
        data["in_use"] = True
        data["in_use_source"] = f"存量应用清单（{legacy.name}）"
    data.update(got.operations.get(app.pk, {}))
    op = Operation.model_validate(data)
    item = got.inspections.get(app.pk)
    if item is not None:
        checks = {k: v for k, v in (item.checks or {}).items() if k in Inspection.model_fields}
        op.inspection = Inspection(
            source=f"spotcheck:{item.spot_check_id}", note=item.note, **checks
        )
    facts = AppFacts(
        app_id=app.pk,
        app_name=app.name,
        kind=app.kind,
        status=app.status,
        filing_number=app.filing_number or "",
        public_facing=app.public_facing,
        unit_level=app.hosting_unit.level,
        below_county_exception_approved=app.pk in got.exception,
        identities=got.identities.get(app.pk, []),
        declared=declared,
        scan=result,
        scan_source=scan_source,
        operation=op,
    )
    engine.shutdown_facts(app, facts)
    return engine.Built(facts, scan, used)


def _evaluate_batch(apps: list[App], actor: Actor | None, out: BatchResult) -> None:
    now = timezone.now()
    got = _load(apps, today_shanghai())
    new: list[tuple[Finding, App, Any]] = []
    changed: list[Finding] = []
    touched: list[int] = []
    events: list[dict[str, Any]] = []
    for app in apps:
        built = _built(app, got)
        sources = engine._sources(built)
        version = built.facts.version
        live = got.live.get(app.pk, {})
        exemptions = got.exemptions.get(app.pk, {})
        for hit in evaluate(built.facts):
            rule = hit.rule
            evidence = [e.model_dump(mode="json") for e in hit.evidence]
            exemption = exemptions.get(rule.id) if rule.exemptible else None
            status = FindingStatus.EXEMPTED if exemption else FindingStatus.OPEN
            finding = live.pop(rule.id, None)
            if finding is None:
                new.append(
                    (
                        engine.new_finding(
                            app, rule, built, status, evidence, version, sources, exemption, now
                        ),
                        app,
                        rule,
                    )
                )
                continue
            columns = _written(finding)
            before, was_changed = engine.refresh_finding(
                finding, rule, built, status, evidence, version, sources, exemption, now
            )
            if was_changed or _written(finding) != columns:
                changed.append(finding)
            else:
                touched.append(finding.pk)  # only last_seen moves
            if was_changed:
                out.updated += 1
                events.append(
                    {
                        "action": "finding.update",
                        "obj": finding,
                        "object_repr": f"{app.name} · {rule.title_zh}",
                        "before": before,
                        "after": {"status": status, "evidence": evidence},
                    }
                )
            else:
                out.unchanged += 1
        for finding in live.values():
            title = RULES_BY_ID[finding.rule_id].title_zh if finding.rule_id in RULES_BY_ID else ""
            src = "；".join(f"{k}={v}" for k, v in sources.items() if v) or "无"
            finding.status = FindingStatus.CLOSED
            finding.closed_at = now
            finding.exemption = None
            finding.close_reason = f"重新检测不再违反该规则（依据：{src}）。"
            changed.append(finding)
            out.closed += 1
            events.append(
                {
                    "action": "finding.close",
                    "obj": finding,
                    "object_repr": f"{app.name} · {title}",
                    "before": {"status": "open"},
                    "after": {"status": "closed", "reason": finding.close_reason},
                }
            )
    if changed:
        _update_findings(changed)
    if touched:
        _touch_findings(touched, now)
    if new:
        copy_insert(Finding, [f for f, _a, _r in new], assign_ids=True)
        for finding, app, rule in new:
            out.opened += 1
            events.append(
                {
                    "action": "finding.open",
                    "obj": finding,
                    "object_repr": f"{app.name} · {rule.title_zh}",
                    "after": {
                        "rule": rule.id,
                        "status": finding.status,
                        "evidence": finding.evidence,
                    },
                }
            )
    # One event per finding opened, changed or closed (house style: every change is audited),
    # chained in one go: the head is locked and moved once per batch, not once per event.
    audit_record_many(actor=actor, events=events)


def _written(finding: Finding) -> tuple[Any, ...]:
    """The values of ``_UPDATE_FIELDS`` but ``last_seen``, to tell a finding that only was seen
    again from one whose row changes."""
    return tuple(getattr(finding, f.attname) for f in _COMPARED)


def _touch_findings(ids: list[int], now: dt.datetime) -> None:
    """Move ``last_seen`` of the findings that were seen again unchanged: on PostgreSQL one
    ``UPDATE … WHERE id = ANY(…)`` with the ids as one array value (a re-evaluation of the
    national registry sees about 200,000 findings again and changes almost none)."""
    if connection.vendor != "postgresql":
        for start in range(0, len(ids), 500):
            Finding.objects.filter(pk__in=ids[start : start + 500]).update(last_seen=now)
        return
    table = connection.ops.quote_name(Finding._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} SET last_seen = %s WHERE id = ANY(%s::bigint[])",  # noqa: S608
            [now, "{" + ",".join(str(int(i)) for i in ids) + "}"],
        )


def _update_findings(changed: list[Finding]) -> None:
    """Write the changed findings' ``_UPDATE_FIELDS``.  On PostgreSQL one
    ``UPDATE … FROM (VALUES …)`` per 1,000 rows: Django's ``bulk_update`` builds a
    ``CASE WHEN id = … THEN …`` expression for every field of every row, which was the largest
    cost of a national re-evaluation (issue 16).  Elsewhere ``bulk_update``."""
    if connection.vendor != "postgresql":
        Finding.objects.bulk_update(changed, _UPDATE_FIELDS, batch_size=1000)
        return
    fields: list[Any] = [Finding._meta.get_field(name) for name in _UPDATE_FIELDS]
    pk: Any = Finding._meta.pk
    qn = connection.ops.quote_name
    casts = [pk.db_type(connection)] + [f.db_type(connection) for f in fields]
    row_sql = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    names = [qn(pk.column)] + [qn(f.column) for f in fields]
    sets = ", ".join(f"{n} = v.{n}" for n in names[1:])
    table = qn(Finding._meta.db_table)
    with connection.cursor() as cur:
        for start in range(0, len(changed), 1000):
            chunk = changed[start : start + 1000]
            params: list[Any] = []
            for finding in chunk:
                params.append(finding.pk)
                params += [
                    f.get_db_prep_save(getattr(finding, f.attname), connection) for f in fields
                ]
            cur.execute(
                # names and casts from the model's metadata; every value is a parameter
                f"UPDATE {table} AS t SET {sets} FROM (VALUES "  # noqa: S608
                + ", ".join([row_sql] * len(chunk))
                + f") AS v({', '.join(names)}) WHERE t.{names[0]} = v.{names[0]}",
                params,
            )


def evaluate_apps(
    qs: QuerySet[App],
    *,
    actor: Actor | None,
    batch_size: int = BATCH_SIZE,
    workers: int = 1,
) -> BatchResult:
    """Evaluate every rule for each app of ``qs`` and write the findings, one transaction per
    batch of ``batch_size`` apps (keyset over the primary key, so memory stays flat).

    With ``workers`` > 1 on PostgreSQL the batches are shared among that many processes
    (forked from this one, each with its own connection): one process loads and evaluates a
    batch while another's is being written.  The batches are disjoint ranges of apps, so the
    processes lock different rows; their audit events go to the one chain (each batch's
    events together, under the head's lock).  Elsewhere, and inside a transaction (a rolled
    back run, a test), the batches run in this process."""
    if workers > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        return _evaluate_parallel(qs, actor=actor, batch_size=batch_size, workers=workers)
    out = BatchResult()
    last = 0
    # only the columns the facts and the audit events read: not the wide filed form
    # (``filed_sections``, read by ``_load`` for the apps that need it)
    base = qs.select_related("hosting_unit__division").only(*_APP_COLUMNS).order_by("pk")
    while True:
        with transaction.atomic(), calendar_pinned():
            apps = list(base.filter(pk__gt=last).select_for_update(of=("self",))[:batch_size])
            if not apps:
                break
            _evaluate_batch(apps, actor, out)
        out.apps += len(apps)
        last = apps[-1].pk
        if len(apps) < batch_size:
            break
    return out


def _evaluate_range(task: tuple[Any, int, int, int | None, int]) -> BatchResult:
    """One batch in a worker process: the apps of the query with ``lo <= pk <= hi``."""
    query, lo, hi, actor_pk, batch_size = task
    qs = App.objects.all()
    qs.query = query
    actor = None
    if actor_pk is not None:
        from govapp.orgs.models import User

        actor = User.objects.get(pk=actor_pk)
    return evaluate_apps(qs.filter(pk__gte=lo, pk__lte=hi), actor=actor, batch_size=batch_size)


def _evaluate_parallel(
    qs: QuerySet[App], *, actor: Actor | None, batch_size: int, workers: int
) -> BatchResult:
    import multiprocessing

    from django.db import connections

    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    query = qs.order_by().query
    actor_pk = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    tasks = [
        (query, ids[i], ids[min(i + batch_size, len(ids)) - 1], actor_pk, batch_size)
        for i in range(0, len(ids), batch_size)
    ]
    out = BatchResult()
    if not tasks:
        return out
    # the children must not share this process's connection: close it before forking
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(min(workers, len(tasks))) as pool:
        for part in pool.imap_unordered(_evaluate_range, tasks):
            out.apps += part.apps
            out.opened += part.opened
            out.updated += part.updated
            out.closed += part.closed
            out.unchanged += part.unchanged
    return out
