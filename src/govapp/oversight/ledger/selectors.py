"""Reads of the burden ledger: what a person may see, the gateway check, burden accounting."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from govapp.core.actor import Actor
from govapp.core.calendar import today_shanghai
from govapp.core.permissions import active_grants, has_role, is_national, restrict
from govapp.oversight.ledger.burden import burden_of, q
from govapp.oversight.ledger.matcher import Dictionary, Matcher
from govapp.oversight.ledger.models import (
    BurdenBudget,
    BurdenOffice,
    Demand,
    DemandField,
    DemandStatus,
    DictionaryVersion,
    Proposal,
    ProposalState,
)
from govapp.registry.models import App, AppStatus

REVIEW_ROLES = ("national_regulator", "provincial_cac_reviewer", "provincial_gsa_reviewer")
EDITOR_ROLES = ("national_regulator", "provincial_cac_reviewer")

# --- the dictionary in force ----------------------------------------------------------------

_MATCHER: dict[str, Any] = {}


def matcher_current() -> Matcher:
    """The matcher with the newest regulator-edited dictionary, else the shipped one."""
    latest = (
        DictionaryVersion.objects.order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    key = str(latest or "shipped")
    if _MATCHER.get("key") != key:
        if latest is None:
            dictionary = Dictionary.load()
        else:
            dictionary = Dictionary(DictionaryVersion.objects.get(pk=latest).data)
        _MATCHER.update(key=key, matcher=Matcher(dictionary))
    matcher: Matcher = _MATCHER["matcher"]
    return matcher


def matcher_reset() -> None:
    _MATCHER.clear()


def dictionary_data() -> dict[str, Any]:
    return matcher_current().dictionary.data


def is_dictionary_editor(user: Actor) -> bool:
    return has_role(user, *EDITOR_ROLES)


# --- areas and reach ------------------------------------------------------------------------


def area_codes(code: str) -> list[str]:
    """The division and every division above it (440113 -> 440113, 4401, 44)."""
    out = [code]
    if len(code) > 4:
        out.append(code[:4])
    if len(code) > 2:
        out.append(code[:2])
    return out


def _office_prefixes(user: Actor) -> list[str]:
    unit_ids = [g.unit_id for g in active_grants(user) if g.role == "unit_manager" and g.unit_id]
    if not unit_ids:
        return []
    return list(
        BurdenOffice.objects.filter(unit_id__in=unit_ids).values_list("division_id", flat=True)
    )


def can_review_area(user: Actor, code: str, *, regulators_only: bool = False) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    for g in active_grants(user):
        if g.role in REVIEW_ROLES and (g.division_id is None or code.startswith(g.division_id)):
            return True
    if regulators_only:
        return False
    return any(code.startswith(p) for p in _office_prefixes(user))


def can_review(user: Actor, demand: Demand) -> bool:
    return can_review_area(user, demand.scope_code)


def is_reviewer(user: Actor) -> bool:
    return has_role(user, *REVIEW_ROLES) or bool(_office_prefixes(user))


def _review_q(user: Actor, prefix: str = "") -> Q | None:
    """None = everything; else the divisions the user reviews."""
    if getattr(user, "is_superuser", False):
        return None
    q_ = Q(pk__in=[])
    for g in active_grants(user):
        if g.role in REVIEW_ROLES:
            if g.division_id is None:
                return None
            q_ |= Q(**{f"{prefix}scope_code__startswith": g.division_id})
    for p in _office_prefixes(user):
        q_ |= Q(**{f"{prefix}scope_code__startswith": p})
    return q_


def visible_demands(user: Actor) -> QuerySet[Demand]:
    """Demands a person may see: within their jurisdiction (own unit's, or their regions'),
    those they review, plus every listed demand (the ledger is public)."""
    mine = restrict(Demand.objects.all(), user, "view").values("pk")
    cond = Q(pk__in=mine) | Q(status=DemandStatus.LISTED)
    review = _review_q(user)
    if review is None:
        return Demand.objects.all().select_related("unit", "division", "app")
    return Demand.objects.filter(cond | review).select_related("unit", "division", "app")


def active_q(today: dt.date) -> Q:
    """Listed demands in force on ``today`` (begun, not ended): what grassroots units are asked
    for in the current period (the burden page counts the same ones)."""
    return (
        Q(status=DemandStatus.LISTED)
        & (Q(starts_on__isnull=True) | Q(starts_on__lte=today))
        & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    )


def duplicated_ids(demands: QuerySet[Demand]) -> set[int]:
    """The listed demands among ``demands`` with at least one field whose datum (dictionary
    item) an earlier listed demand of the same area (the same division or one above it,
    :func:`area_codes`) already asks for: the datum is asked twice.  The burden page's rule
    (the later demand carries the duplicated hours), in one pass over the fields of the areas
    concerned (a correlated query per field is quadratic in a county's fields)."""
    candidates = dict(
        demands.filter(status=DemandStatus.LISTED).order_by().values_list("pk", "scope_code")
    )
    if not candidates:
        return set()
    codes = {c for scope in set(candidates.values()) for c in area_codes(scope)}
    rows = list(
        DemandField.objects.filter(demand__status=DemandStatus.LISTED, demand__scope_code__in=codes)
        .exclude(item="")
        .order_by()
        .values_list("demand_id", "demand__scope_code", "demand__listed_at", "item_scope", "item")
    )
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    first: dict[tuple[str, str, str], tuple[dt.datetime, int]] = {}
    for demand_id, scope, listed_at, item_scope, item in rows:
        key, rank = (scope, item_scope, item), (listed_at or never, demand_id)
        if key not in first or rank < first[key]:
            first[key] = rank
    out: set[int] = set()
    for demand_id, scope, listed_at, item_scope, item in rows:
        if demand_id in out or demand_id not in candidates:
            continue
        rank = (listed_at or never, demand_id)
        for code in area_codes(scope):
            src = first.get((code, item_scope, item))
            if src is not None and src < rank:
                out.add(demand_id)
                break
    return out


def in_jurisdiction(qs: QuerySet[Demand], user: Any) -> QuerySet[Demand]:
    """Only the demands of the user's own jurisdiction (their unit's, or their regions'),
    without the rest of the public ledger."""
    return qs.filter(pk__in=restrict(Demand.objects.all(), user, "view").values("pk"))


def demand_or_404(user: Actor, pk: int) -> Demand:
    try:
        return visible_demands(user).get(pk=pk)
    except Demand.DoesNotExist as exc:
        raise Http404 from exc


def editable_demand_or_404(user: Actor, pk: int) -> Demand:
    try:
        return restrict(Demand.objects.all(), user, "change").get(pk=pk)
    except Demand.DoesNotExist as exc:
        raise Http404 from exc


def review_queue(user: Actor) -> QuerySet[Proposal]:
    qs = Proposal.objects.filter(state=ProposalState.PENDING).select_related(
        "demand", "demand__unit", "demand__division"
    )
    review = _review_q(user, "demand__")
    if review is None:
        return qs
    return qs.filter(review)


def proposals_visible(user: Actor) -> QuerySet[Proposal]:
    mine = restrict(Proposal.objects.all(), user, "view").values("pk")
    review = _review_q(user, "demand__")
    qs = Proposal.objects.select_related("demand", "demand__unit", "reuse_source")
    if review is None:
        return qs
    return qs.filter(Q(pk__in=mine) | review)


def proposal_or_404(user: Actor, pk: int) -> Proposal:
    try:
        return proposals_visible(user).get(pk=pk)
    except Proposal.DoesNotExist as exc:
        raise Http404 from exc


# --- public check ---------------------------------------------------------------------------


def public_check(number: str) -> dict[str, Any]:
    """Is a request with this ledger number legitimate? (no login; listed data only)."""
    number = (number or "").strip().upper()[:32]
    today = today_shanghai()
    demand = (
        Demand.objects.filter(ledger_number=number)
        .exclude(
            status__in=[
                DemandStatus.DRAFT,
                DemandStatus.PENDING,
                DemandStatus.REFUSED,
                DemandStatus.SENT_BACK,
            ]
        )
        .select_related("unit", "division")
        .order_by("-listed_at", "-pk")
        .first()
        if number
        else None
    )
    if demand is None:
        return {"status": "not_listed", "ledger_number": number}
    status = "listed"
    if demand.status in (DemandStatus.WITHDRAWN,):
        status = "withdrawn"
    elif demand.status == DemandStatus.REPLACED:
        status = "replaced"
    elif demand.ends_on and demand.ends_on < today:
        status = "expired"
    elif demand.starts_on and demand.starts_on > today:
        status = "not_yet_valid"
    return {
        "status": status,
        "ledger_number": demand.ledger_number,
        "title": demand.title,
        "department": demand.department_name,
        "division": demand.division.name,
        "division_code": demand.division_id,
        "frequency": demand.frequency,
        "frequency_display": str(demand.get_frequency_display()),
        "target_level": demand.target_level,
        "target_display": str(demand.get_target_level_display()),
        "starts_on": demand.starts_on.isoformat() if demand.starts_on else None,
        "ends_on": demand.ends_on.isoformat() if demand.ends_on else None,
        "fields": [f.label for f in demand.fields.all()] if status == "listed" else [],
    }


# --- the gateway check ----------------------------------------------------------------------


def _area_listed(demand: Demand) -> QuerySet[Demand]:
    qs = Demand.objects.filter(
        status=DemandStatus.LISTED, scope_code__in=area_codes(demand.scope_code)
    )
    qs = qs.exclude(pk=demand.pk)
    if demand.supersedes_id:
        qs = qs.exclude(pk=demand.supersedes_id)
    return qs.select_related("unit", "app").prefetch_related("fields")


def gateway_check(demand: Demand) -> dict[str, Any]:
    """Each field against the listed demands of the same area (the county and above) and the
    data filed apps already hold; and the county's burden budget."""
    index: dict[tuple[str, str], list[tuple[Demand, str]]] = defaultdict(list)
    for other in _area_listed(demand):
        for f in other.fields.all():
            if f.item:
                index[(f.item_scope, f.item)].append((other, f.label))
    fields = []
    duplicated = 0
    for f in demand.fields.all():
        matches = []
        for other, label in index.get((f.item_scope, f.item), []) if f.item else []:
            app = other.app
            matches.append(
                {
                    "demand": other.pk,
                    "ledger_number": other.ledger_number,
                    "title": other.title,
                    "department": other.department_name,
                    "label": label,
                    "app": app.name if app else "",
                    "filing_number": app.filing_number if app else "",
                    "app_filed": bool(app and app.status == AppStatus.FILED),
                }
            )
        duplicated += bool(matches)
        fields.append(
            {"label": f.label, "item": f.item, "item_name": f.item_name, "matches": matches}
        )
    b = burden_of(
        frequency=demand.frequency,
        minutes_per_field=demand.minutes_per_field,
        fields=len(fields),
        units=demand.units_targeted,
        duplicated_fields=duplicated,
    )
    budget = BurdenBudget.objects.filter(division_id=demand.scope_code).first()
    current = county_total_hours(demand.scope_code, exclude=demand.supersedes_id)
    budget_info: dict[str, Any] = {"hours_per_month": None}
    if budget is not None:
        after = current + b.total_hours
        budget_info = {
            "hours_per_month": str(budget.hours_per_month),
            "current": str(q(current)),
            "after": str(q(after)),
            "exceeded": after > budget.hours_per_month,
        }
    return {
        "fields": fields,
        "duplicated": duplicated,
        "hours_per_unit": str(q(b.per_unit_hours)),
        "hours_total": str(q(b.total_hours)),
        "hours_duplicated": str(q(b.duplicated_hours)),
        "budget": budget_info,
        "dictionary": matcher_current().dictionary.data.get("schema", ""),
    }


def reuse_candidates(proposal: Proposal) -> list[Demand]:
    ids = {
        m["demand"] for f in proposal.field_check.get("fields", []) for m in f.get("matches", [])
    }
    return list(
        Demand.objects.filter(pk__in=ids, status=DemandStatus.LISTED).select_related("unit")
    )


# --- burden accounting ----------------------------------------------------------------------


@dataclass
class DemandBurden:
    demand: Demand
    fields: int
    duplicated: list[tuple[str, Demand, str]]  # (label, source demand, source label)
    per_unit: Decimal
    total: Decimal
    duplicated_hours: Decimal


@dataclass
class BurdenReport:
    rows: list[DemandBurden] = field(default_factory=list)
    by_department: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)
    by_app: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)
    by_region: list[tuple[str, str, Decimal, Decimal, Decimal | None]] = field(default_factory=list)
    trend: list[tuple[str, Decimal]] = field(default_factory=list)
    total: Decimal = Decimal(0)
    duplicated: Decimal = Decimal(0)


def _active_in(demand: Demand, start: dt.date, end: dt.date) -> bool:
    begin = demand.starts_on or (demand.listed_at.date() if demand.listed_at else start)
    return begin <= end and (demand.ends_on is None or demand.ends_on >= start)


def burden_report(user: Actor, *, prefix: str = "", today: dt.date | None = None) -> BurdenReport:
    """Listed demands visible to the user under ``prefix`` (a division code), heaviest first,
    with their duplicated fields, per department / app / region, and a 12-month trend."""
    today = today or today_shanghai()
    qs = Demand.objects.filter(status=DemandStatus.LISTED).select_related("unit", "app", "division")
    if prefix:
        qs = qs.filter(scope_code__startswith=prefix)
    demands = list(qs.prefetch_related("fields"))
    # sources: every listed demand of the areas concerned (including divisions above them)
    codes = {c for d in demands for c in area_codes(d.scope_code)}
    history = list(
        Demand.objects.filter(status=DemandStatus.LISTED, scope_code__in=codes).prefetch_related(
            "fields"
        )
    )
    first: dict[tuple[str, str, str], tuple[Any, int, str, Demand]] = {}
    for d in history:
        for f in d.fields.all():
            if not f.item:
                continue
            key = (d.scope_code, f.item_scope, f.item)
            rank = (d.listed_at, d.pk, f.label, d)
            if key not in first or (rank[0], rank[1]) < (first[key][0], first[key][1]):
                first[key] = rank
    report = BurdenReport()
    for d in demands:
        dups: list[tuple[str, Demand, str]] = []
        fs = list(d.fields.all())
        for f in fs:
            if not f.item:
                continue
            best = None
            for code in area_codes(d.scope_code):
                src = first.get((code, f.item_scope, f.item))
                earlier = src and src[3].pk != d.pk and (src[0], src[1]) < (d.listed_at, d.pk)
                if src and earlier and (best is None or (src[0], src[1]) < (best[0], best[1])):
                    best = src
            if best is not None:
                dups.append((f.label, best[3], best[2]))
        b = burden_of(
            frequency=d.frequency,
            minutes_per_field=d.minutes_per_field,
            fields=len(fs),
            units=d.units_targeted,
            duplicated_fields=len(dups),
        )
        report.rows.append(
            DemandBurden(d, len(fs), dups, b.per_unit_hours, b.total_hours, b.duplicated_hours)
        )
    active = [r for r in report.rows if _active_in(r.demand, today, today)]
    report.rows.sort(key=lambda r: (-r.total, r.demand.pk))
    report.total = sum((r.total for r in active), Decimal(0))
    report.duplicated = sum((r.duplicated_hours for r in active), Decimal(0))
    dept: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    apps: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    regions: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for r in active:
        dept[r.demand.department_name][0] += r.total
        dept[r.demand.department_name][1] += r.duplicated_hours
        app_name = r.demand.app.name if r.demand.app else "—"
        apps[app_name][0] += r.total
        apps[app_name][1] += r.duplicated_hours
        rkey = (r.demand.scope_code, r.demand.division.name)
        regions[rkey][0] += r.total
        regions[rkey][1] += r.duplicated_hours
    report.by_department = sorted(((k, v[0], v[1]) for k, v in dept.items()), key=lambda x: -x[1])
    report.by_app = sorted(((k, v[0], v[1]) for k, v in apps.items()), key=lambda x: -x[1])
    budgets = dict(
        BurdenBudget.objects.filter(division_id__in=[k[0] for k in regions]).values_list(
            "division_id", "hours_per_month"
        )
    )
    report.by_region = sorted(
        ((k[0], k[1], v[0], v[1], budgets.get(k[0])) for k, v in regions.items()),
        key=lambda x: -x[2],
    )
    month = today.replace(day=1)
    for _i in range(12):
        nxt = (month + dt.timedelta(days=32)).replace(day=1)
        end = nxt - dt.timedelta(days=1)
        hours = sum((r.total for r in report.rows if _active_in(r.demand, month, end)), Decimal(0))
        report.trend.append((month.strftime("%Y-%m"), hours))
        month = (month - dt.timedelta(days=1)).replace(day=1)
    report.trend.reverse()
    return report


def county_total_hours(code: str, *, exclude: int | None = None) -> Decimal:
    today = today_shanghai()
    total = Decimal(0)
    qs = Demand.objects.filter(status=DemandStatus.LISTED, scope_code=code).prefetch_related(
        "fields"
    )
    for d in qs:
        if d.pk == exclude or not _active_in(d, today, today):
            continue
        total += burden_of(
            frequency=d.frequency,
            minutes_per_field=d.minutes_per_field,
            fields=len(d.fields.all()),
            units=d.units_targeted,
        ).total_hours
    return total


# --- links to the rest of govapp ------------------------------------------------------------


def app_demands(app: App) -> QuerySet[Demand]:
    """The demands an app carries (shown on its filing application)."""
    return app.ledger_demands.exclude(status__in=[DemandStatus.REPLACED]).order_by(
        "status", "ledger_number"
    )


def app_ledger_facts(app: App) -> dict[str, Any]:
    """The R-19 facts pushed to compliance: demands the app carries that are not on the ledger,
    and fields of its listed demands that duplicate data already listed elsewhere."""
    carried = list(app_demands(app).prefetch_related("fields"))
    unlisted = [
        {
            "demand": d.pk,
            "title": d.title,
            "status": d.status,
            "fields": [f.label for f in d.fields.all()],
        }
        for d in carried
        if d.status
        in (DemandStatus.DRAFT, DemandStatus.PENDING, DemandStatus.SENT_BACK, DemandStatus.REFUSED)
    ]
    duplicated = []
    for d in carried:
        if d.status != DemandStatus.LISTED:
            continue
        check = gateway_check(d)
        ids = {m["demand"] for f in check["fields"] for m in f["matches"]}
        before = set(
            Demand.objects.filter(pk__in=ids)
            .filter(Q(listed_at__lt=d.listed_at) | Q(listed_at=d.listed_at, pk__lt=d.pk))
            .values_list("pk", flat=True)
        )
        for f in check["fields"]:
            earlier = [m for m in f["matches"] if m["demand"] in before]
            if earlier:
                m = earlier[0]
                duplicated.append(
                    {
                        "ledger_number": d.ledger_number,
                        "field": f["label"],
                        "item": f["item_name"],
                        "source_ledger_number": m["ledger_number"],
                        "source_department": m["department"],
                        "source_field": m["label"],
                    }
                )
    return {
        "listed": [d.ledger_number for d in carried if d.status == DemandStatus.LISTED],
        "unlisted_demands": unlisted,
        "duplicated_fields": duplicated,
        # short forms read by self-inspection campaigns (facts "ledger.duplicated" / "ledger.unlisted")
        "duplicated": [
            {"field": x["field"], "demand": x["ledger_number"], "source": x["source_ledger_number"]}
            for x in duplicated
        ],
        "unlisted": [x["title"] for x in unlisted],
    }


def duplicate_complaints(user: Actor, demand: Demand) -> QuerySet[Any]:
    """Complaints of category duplicate_reporting that cite this demand's ledger number."""
    from govapp.complaints.models import Complaint

    if not demand.ledger_number:
        return Complaint.objects.none()
    qs = Complaint.objects.filter(
        category="duplicate_reporting", description__contains=demand.ledger_number
    )
    return restrict(qs, user, "review")


def national_or_region_prefixes(user: Actor) -> list[str] | None:
    """None = national; else the division prefixes the user oversees."""
    if is_national(user):
        return None
    return [g.division_id for g in active_grants(user) if g.division_id]
