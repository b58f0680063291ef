"""Writes of the overlap area: runs, decisions, proposal checks (R-16) and consolidation cases
(R-26). Each service is one transaction with its own audit event."""

from __future__ import annotations

import datetime as dt
import gc
import threading
from collections import Counter, defaultdict
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from govapp.core.actor import Actor
from govapp.core.audit import audit_record, snapshot
from govapp.core.calendar import add_working_days, today_shanghai
from govapp.core.errors import Conflict, InvalidInput, NotAllowed
from govapp.core.permissions import can, has_role, is_regulator, restrict
from govapp.orgs.models import Unit, User
from govapp.oversight.overlap import engine
from govapp.oversight.overlap.models import (
    CaseItem,
    CaseState,
    ConsolidationCase,
    Decision,
    GroupDecision,
    OverlapGroup,
    OverlapRun,
    ProposalCheck,
    Relation,
)
from govapp.registry.models import App, AppStatus
from govapp.registry.version import registry_version

APPROVAL_ROLE = "project_approval_authority"
STRONG_MATCH = 0.8  # a match scoring at least this, of the same function, is "strong"
IN_FILING = ("submitted", "returned", "forwarded", "feedback")
USERS_WORDS = {
    "staff": ("工作人员", "干部", "执法人员", "机关", "staff"),
    "grassroots": ("基层", "网格员", "村", "社区工作者", "grassroots"),
    "business": ("企业", "经营主体", "business"),
    "public": ("群众", "公众", "居民", "市民", "public"),
}


# -- apps as engine records ---------------------------------------------------------------------


def _users_of(text: str) -> str:
    for code, words in USERS_WORDS.items():
        if any(w in (text or "") for w in words):
            return code
    return ""


def app_record(app: App) -> engine.Record:
    sections = app.filed_sections or {}
    features = [str(f.get("name", "")).strip() for f in sections.get("features", []) or []]
    return engine.Record(
        id=str(app.pk),
        name=app.name,
        kind=app.kind,
        division=app.hosting_unit.division_id,
        unit=app.hosting_unit.name,
        users=_users_of(app.target_users),
        description=app.description,
        features=[f for f in features if f],
    )


def apps_in_scope() -> Any:
    """Filed apps and apps in filing (an application under review)."""
    return (
        App.objects.filter(
            Q(status__in=[AppStatus.FILED, AppStatus.SHUTDOWN_NOTICE])
            | Q(status=AppStatus.UNFILED, applications__state__in=IN_FILING)
        )
        .exclude(hosting_unit__scope_code="central")
        .select_related("hosting_unit")
        .distinct()
    )


def scope_of(divisions: list[str]) -> str:
    """The consolidation jurisdiction of apps: a province's 2 digits when a province-level unit
    is among them or they span cities, else the city (4 digits; a municipality's 2)."""
    codes = [engine._division(d) for d in divisions if d]
    if not codes:
        return ""
    cities = {engine.city_of(c) for c in codes}
    if any(engine.is_province_level(c) for c in codes) or len(cities) > 1:
        return codes[0][:2]
    return cities.pop()


def signature_of(app_ids: list[int]) -> str:
    return ",".join(str(i) for i in sorted(set(app_ids)))


# -- runs ----------------------------------------------------------------------------------------


def overlap_run_execute(*, actor: Actor | None) -> OverlapRun:
    """Run the engine over the database's apps and store the groups. Decisions of earlier runs
    stay valid: they are found again by the group's apps (its signature)."""
    if actor is not None and not is_regulator(actor):
        raise NotAllowed(_("只有监管人员可以运行重复应用检测。"))
    apps = list(apps_in_scope())
    by_id = {str(a.pk): a for a in apps}
    records = [app_record(a) for a in apps]
    groups = engine.find_groups(records) if records else []
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    if records:
        prep_classes = [engine.classify(r) for r in records]
        for rec, cls in zip(records, prep_classes, strict=True):
            code = cls.code or "unclassified"
            d = engine._division(rec.division)
            counts[d[:2]][code] += 1
            counts[engine.city_of(d)][code] += 1
    with transaction.atomic():
        run = OverlapRun.objects.create(
            app_count=len(apps),
            function_counts={k: dict(v) for k, v in counts.items()},
        )
        seen: set[tuple[str, str]] = set()
        for g in groups:
            ids = sorted(int(i) for i in g.ids)
            sig = signature_of(ids)
            if (g.relation, sig) in seen:
                continue
            seen.add((g.relation, sig))
            members = [by_id[str(i)] for i in ids]
            group = OverlapGroup.objects.create(
                run=run,
                relation=g.relation,
                score=g.score,
                function=g.function or "",
                reasons=_readable_reasons(g.reasons, by_id),
                signature=sig,
                scope_code=scope_of([a.hosting_unit.division_id for a in members]),
            )
            group.apps.set(members)
        run.duplicate_count = run.groups.filter(relation=Relation.DUPLICATE).count()
        run.same_app_count = run.groups.filter(relation=Relation.SAME_APP).count()
        run.finished_at = timezone.now()
        run.save()
        audit_record(
            actor=actor,
            action="overlap.run",
            obj=run,
            after={"apps": run.app_count, "duplicates": run.duplicate_count},
        )
    return run


def _readable_reasons(reasons: list[str], by_id: dict[str, App]) -> list[str]:
    out = []
    for r in reasons:
        head, sep, tail = r.partition(" ")
        if "~" in head and sep:
            a, _x, b = head.partition("~")
            if a in by_id and b in by_id:
                r = f"{by_id[a].name}~{by_id[b].name} {tail}"
        out.append(r)
    return out


# -- decisions -----------------------------------------------------------------------------------


def group_decide(*, actor: User, group: OverlapGroup, decision: str, reason: str) -> GroupDecision:
    """A regulator decides on a group: consolidate, or accept as distinct (with a reason)."""
    if not restrict(OverlapGroup.objects.filter(pk=group.pk), actor, "change").exists():
        raise NotAllowed(_("您无权对该重复应用组作出认定。"))
    if decision not in (Decision.CONSOLIDATE, Decision.DISTINCT):
        raise InvalidInput(_("请选择整合或认定为不重复。"), {"decision": _("请选择。")})
    if decision == Decision.DISTINCT and not reason.strip():
        raise InvalidInput(
            _("认定为不重复时请说明理由。"), {"reason": _("请说明为什么这些应用不重复。")}
        )
    with transaction.atomic():
        d = GroupDecision.objects.create(
            signature=group.signature,
            scope_code=group.scope_code,
            decision=decision,
            reason=reason.strip(),
            decided_by=actor,
        )
        audit_record(
            actor=actor, action="overlap.decide", obj=d, after=snapshot(d), scope_code=d.scope_code
        )
    return d


# -- check before you build (R-16) -------------------------------------------------------------

_INDEX_LOCK = threading.Lock()
_INDEX: dict[str, Any] = {}
# An index of at least this many apps is rebuilt in a background thread when the registry
# changes, the previous one answering the checks meanwhile (at 100,000 apps a rebuild costs tens of
# seconds of CPU: rebuilding inside a request made that request, and every check queued behind the
# lock, wait for it). Smaller indexes are rebuilt at once, so a check sees every change.
BACKGROUND_REBUILD_APPS = 5000


def _build_index(version: str) -> dict[str, Any]:
    apps = list(apps_in_scope())
    records = [app_record(a) for a in apps]
    built = {
        "version": version,
        "index": engine.Index(records) if records else None,
        "apps": {str(a.pk): a for a in apps},
    }
    # the index lives as long as the process: out of the collector's sight, a full collection no
    # longer walks its hundreds of thousands of objects in the middle of a check
    gc.freeze()
    return built


def _rebuild_in_background(version: str) -> None:
    try:
        built = _build_index(version)
        with _INDEX_LOCK:
            _INDEX.update(built)
    finally:
        with _INDEX_LOCK:
            _INDEX["building"] = None
        connection.close()  # this thread's own database connection


def current_index() -> tuple[engine.Index | None, dict[str, App]]:
    """The engine's index of the database's apps, rebuilt when the registry changes (a large
    index in the background, the previous one answering meanwhile)."""
    version = registry_version()
    with _INDEX_LOCK:
        if _INDEX.get("version") != version:
            index = _INDEX.get("index")
            if index is not None and len(index.records) >= BACKGROUND_REBUILD_APPS:
                if not _INDEX.get("building"):  # one rebuild at a time; a later change waits
                    _INDEX["building"] = version
                    threading.Thread(
                        target=_rebuild_in_background,
                        args=(version,),
                        name="overlap-index",
                        daemon=True,
                    ).start()
            else:
                _INDEX.update(_build_index(version))
        return _INDEX["index"], _INDEX["apps"]


def can_check(actor: User, unit: Unit) -> bool:
    if has_role(actor, APPROVAL_ROLE, "national_regulator", "provincial_cac_reviewer"):
        return can(actor, "view", unit)
    return has_role(actor, "unit_manager", "unit_filer") and actor.unit_id == unit.pk


def suspended_units(actor: Actor) -> Any:
    """R-31: units in the actor's reach whose filings were revoked (no new project approvals)."""
    revoked = App.objects.filter(status=AppStatus.REVOKED).values("hosting_unit_id")
    return restrict(Unit.objects.filter(pk__in=revoked), actor, "view").order_by("scope_code")


def proposal_check_create(
    *,
    actor: User,
    unit: Unit,
    name: str,
    features: list[str],
    users: str = "",
    division: str = "",
    description: str = "",
) -> ProposalCheck:
    """Check a proposed app against the existing ones and keep the check with its result."""
    if not can_check(actor, unit):
        raise NotAllowed(_("您无权为该单位核查拟建应用。"))
    features = [f.strip() for f in features if f and f.strip()]
    errors = {}
    if not name.strip():
        errors["name"] = _("请填写拟建应用名称。")
    if not features:
        errors["features"] = _("请至少填写一项主要功能。")
    if users and users not in engine.USERS:
        errors["users"] = _("服务对象不正确。")
    if errors:
        raise InvalidInput(_("请补全拟建应用的信息。"), errors)
    division = (division or unit.division_id)[:6]
    record = engine.Record(
        id="proposal",
        name=name.strip(),
        division=division,
        unit=unit.name,
        users=users,
        description=description.strip(),
        features=features,
    )
    index, apps = current_index()
    found = index.check(record) if index is not None else []
    cls = engine.classify(record)
    matches: list[dict[str, Any]] = []
    for m in found:
        app = apps[m.id]
        matches.append(
            {
                "app_id": app.pk,
                "name": app.name,
                "unit": app.hosting_unit.name,
                "filing_number": app.filing_number or "",
                "status": app.status,
                "score": m.score,
                "function": m.function or "",
                "same_function": m.same_function,
                "could_be_module": m.could_be_module,
                "reasons": m.reasons,
            }
        )
    strong = any(m.score >= STRONG_MATCH and m.same_function for m in found)
    warnings = []
    if App.objects.filter(hosting_unit=unit, status=AppStatus.REVOKED).exists():
        warnings.append(_("该单位有应用被撤销备案，按规定暂停新的立项审批（R-31）。"))
    if strong:
        warnings.append(_("已有应用承担相同功能，原则上不应重复建设；确需建设请说明理由。"))
    with transaction.atomic():
        check = ProposalCheck.objects.create(
            number="",
            unit=unit,
            name=record.name,
            features=features,
            users=users,
            description=record.description,
            division=division,
            function=cls.code or "",
            matches=matches,
            strong_match=strong,
            warnings=warnings,
            created_by=actor,
        )
        check.number = f"CK{timezone.localdate():%Y%m%d}{check.pk:05d}"
        check.save(update_fields=["number"])
        audit_record(
            actor=actor,
            action="overlap.check",
            obj=check,
            after={"number": check.number, "strong_match": strong, "matches": len(matches)},
        )
    return check


# -- consolidation cases (R-26) ------------------------------------------------------------------


def case_open(
    *,
    actor: User,
    group: OverlapGroup,
    staying: App,
    working_days: int,
    note: str = "",
) -> ConsolidationCase:
    """Open a consolidation case: the other apps of the group merge into ``staying`` within
    ``working_days``; each merged app's successor becomes the staying app."""
    if not restrict(OverlapGroup.objects.filter(pk=group.pk), actor, "change").exists():
        raise NotAllowed(_("您无权对该重复应用组开展整合。"))
    members = list(group.apps.all())
    if staying not in members:
        raise InvalidInput(_("保留应用必须是该组中的应用。"), {"staying": _("请从组内选择。")})
    if not 1 <= working_days <= 250:
        raise InvalidInput(
            _("迁移期限应为 1 至 250 个工作日。"), {"working_days": _("请填写 1 至 250。")}
        )
    if group.cases.exclude(state=CaseState.DONE).exists():
        raise Conflict(_("该组已有进行中的整合案件。"))
    deadline = add_working_days(today_shanghai(), working_days).date
    with transaction.atomic():
        if not GroupDecision.objects.filter(
            signature=group.signature, decision=Decision.CONSOLIDATE
        ).exists():
            group_decide(actor=actor, group=group, decision=Decision.CONSOLIDATE, reason=note)
        case = ConsolidationCase.objects.create(
            group=group,
            staying=staying,
            scope_code=group.scope_code,
            note=note.strip(),
            opened_by=actor,
        )
        for app in members:
            if app.pk == staying.pk:
                continue
            CaseItem.objects.create(
                case=case, app=app, working_days=working_days, deadline=deadline
            )
            _successor_set(actor=actor, app=app, successor=staying)
        audit_record(
            actor=actor,
            action="overlap.case_open",
            obj=case,
            after={"staying": staying.pk, "deadline": deadline.isoformat()},
            scope_code=case.scope_code,
        )
    return case


def _successor_set(*, actor: Actor, app: App, successor: App) -> None:
    before = {"successor": app.successor_id}
    App.objects.filter(pk=app.pk).update(successor=successor)
    audit_record(
        actor=actor,
        action="app.successor_set",
        obj=app,
        before=before,
        after={"successor": successor.pk},
    )


def cases_tick(*, today: dt.date | None = None) -> dict[str, int]:
    """Follow every open case: a merged app that is deregistered is done; one whose deadline
    passed before its shutdown notice is escalated; a case with every app done is closed."""
    today = today or today_shanghai()
    done = escalated = closed = 0
    items = CaseItem.objects.filter(done_at__isnull=True).select_related("app", "case")
    for item in items:
        with transaction.atomic():
            if item.app.status == AppStatus.DEREGISTERED:
                item.done_at = timezone.now()
                item.save(update_fields=["done_at"])
                audit_record(actor=None, action="overlap.item_done", obj=item.case)
                done += 1
            elif (
                item.deadline < today
                and item.escalated_at is None
                and item.app.status in (AppStatus.FILED, AppStatus.UNFILED)
            ):
                item.escalated_at = timezone.now()
                item.save(update_fields=["escalated_at"])
                ConsolidationCase.objects.filter(pk=item.case_id).update(state=CaseState.ESCALATED)
                audit_record(
                    actor=None,
                    action="overlap.case_escalate",
                    obj=item.case,
                    after={"app": item.app_id, "deadline": item.deadline.isoformat()},
                )
                escalated += 1
    for case in ConsolidationCase.objects.exclude(state=CaseState.DONE):
        if not case.items.filter(done_at__isnull=True).exists():
            with transaction.atomic():
                case.state = CaseState.DONE
                case.closed_at = timezone.now()
                case.save(update_fields=["state", "closed_at"])
                audit_record(actor=None, action="overlap.case_done", obj=case)
                closed += 1
    return {"done": done, "escalated": escalated, "closed": closed}
