"""Reads of the complaint channel.

Complaint content is read only by the cyberspace regulators above the hosting unit (the
national regulator, and the provincial office for its province's units) through
:func:`govapp.core.permissions.restrict` with the ``review`` action, which hosting-unit roles
never hold.  Hosting units read only the redacted explanation requests addressed to them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncMonth

from govapp.complaints import privacy
from govapp.complaints.models import (
    CLOSED_STATUSES,
    AppComplaintKey,
    Category,
    Complaint,
    ExplanationRequest,
    ExplanationState,
    Status,
)
from govapp.core.actor import Actor
from govapp.core.calendar import today_shanghai
from govapp.core.permissions import Action, active_grants, restrict
from govapp.registry.models import App, AppStatus

HANDLER_ROLES = frozenset({"national_regulator", "provincial_cac_reviewer"})
OVERSIGHT_ROLES = HANDLER_ROLES | {"provincial_gsa_reviewer", "auditor"}


def _by_roles(qs: QuerySet[Complaint], user: Actor, roles: frozenset[str]) -> QuerySet[Complaint]:
    if getattr(user, "is_superuser", False):
        return qs
    q = Q(pk__in=[])
    for g in active_grants(user):
        if g.role not in roles:
            continue
        if g.division_id is None:
            return qs
        q |= Q(scope_code__startswith=g.division_id)
    return qs.filter(q)


def complaints_for(user: Actor, *, action: Action = "review") -> QuerySet[Complaint]:
    """Reports this user may read and handle: cyberspace regulators over the app's unit."""
    qs = restrict(Complaint.objects.all(), user, action)
    return _by_roles(qs, user, HANDLER_ROLES).select_related(
        "app", "hosting_unit", "routed_to", "merged_into"
    )


def complaints_for_stats(user: Actor) -> QuerySet[Complaint]:
    """Reports that count in this user's aggregates (no content is shown from these)."""
    qs = restrict(Complaint.objects.all(), user, "view")
    return _by_roles(qs, user, OVERSIGHT_ROLES)


def complaints_version(user: Actor) -> str:
    """A value that changes whenever a report in ``user``'s statistics is added, closed,
    merged, dismissed, acknowledged or re-opened: one aggregate over the reports in reach."""
    v = complaints_for_stats(user).aggregate(
        n=Count("pk"),
        last=Max("pk"),
        closed=Count("pk", filter=Q(status__in=CLOSED_STATUSES)),
        closed_at=Max("closed_at"),
        acknowledged=Count("acknowledged_at"),
        acknowledged_at=Max("acknowledged_at"),
    )
    return "-".join(str(v[k]) for k in sorted(v)).replace(" ", "T").replace(":", "")


# Statistics at national scale (tens of thousands of reports, a row per app and unit in
# reach) take from a second to many seconds to aggregate and write: they are kept in the
# shared cache per reader and period for this long, and only while the reports they count are
# unchanged (complaints_version).  An app or unit renamed meanwhile shows its new name at
# most this much later.
STATS_CACHE_SECONDS = 120


def cached_stats(kind: str, user: Actor, parts: tuple[Any, ...], compute: Any) -> Any:
    """``compute()``, or its value for the same reader, ``parts``, day, language and
    :func:`complaints_version` from the shared cache."""
    from django.core.cache import cache
    from django.utils.translation import get_language

    joined = getattr(user, "date_joined", None)  # a re-used primary key is another person
    key = ":".join(
        str(p)
        for p in (
            "govapp:complaint-stats",
            kind,
            getattr(user, "pk", ""),
            joined.timestamp() if joined else "",
            *parts,
            today_shanghai(),  # "overdue" and the export date are of today
            get_language(),
            complaints_version(user),
        )
    )
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, STATS_CACHE_SECONDS)
    return value


def complaint_aggregates_cached(
    user: Actor,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    top: int | None = 50,
) -> dict[str, Any]:
    """:func:`complaint_aggregates` through :func:`cached_stats` (the statistics page)."""
    return dict(
        cached_stats(
            "aggregates",
            user,
            (since, until, top),
            lambda: complaint_aggregates(user, since=since, until=until, top=top),
        )
    )


def can_handle_complaints(user: Actor) -> bool:
    return getattr(user, "is_superuser", False) or any(
        g.role in HANDLER_ROLES for g in active_grants(user)
    )


def can_see_stats(user: Actor) -> bool:
    return getattr(user, "is_superuser", False) or any(
        g.role in OVERSIGHT_ROLES for g in active_grants(user)
    )


def complaint_by_receipt(receipt: str) -> Complaint | None:
    """The report a receipt opens, or None (constant-time comparison of the stored hash)."""
    if not privacy.receipt_plausible(receipt):
        return None
    digest = privacy.receipt_hash(receipt)
    found = (
        Complaint.objects.select_related("app", "merged_into").filter(receipt_hash=digest).first()
    )
    if found is None or not privacy.receipt_matches(receipt, found.receipt_hash):
        return None
    return found


def overdue_q(today: dt.date | None = None) -> Q:
    today = today or today_shanghai()
    return (Q(status=Status.RECEIVED) & Q(ack_due__lt=today)) | (
        ~Q(status__in=CLOSED_STATUSES) & Q(answer_due__lt=today)
    )


def complaint_filter(
    qs: QuerySet[Complaint],
    *,
    status: str = "",
    category: str = "",
    overdue: bool = False,
    q: str = "",
) -> QuerySet[Complaint]:
    if status == "open":
        qs = qs.exclude(status__in=CLOSED_STATUSES)
    elif status in Status.values:
        qs = qs.filter(status=status)
    if category in Category.values:
        qs = qs.filter(category=category)
    if overdue:
        qs = qs.filter(overdue_q())
    if q:
        ref = q.upper().removeprefix("JB-").lstrip("0")
        cond = (
            Q(app__name__icontains=q)
            | Q(app__filing_number__iexact=q)
            | Q(app_name_given__icontains=q)
        )
        if ref.isascii() and ref.isdigit():
            cond |= Q(pk=int(ref))
        qs = qs.filter(cond)
    return qs


def is_overdue(c: Complaint, today: dt.date | None = None) -> dict[str, bool]:
    today = today or today_shanghai()
    return {
        "ack": c.status == Status.RECEIVED and c.ack_due < today,
        "answer": not c.is_closed and c.answer_due < today,
    }


def related_complaints(c: Complaint, user: Actor) -> QuerySet[Complaint]:
    """Other open reports about the same app (candidates for merging)."""
    qs = complaints_for(user).exclude(pk=c.pk).filter(merged_into__isnull=True)
    if c.app_id is not None:
        return qs.filter(app_id=c.app_id)[:20]
    return qs.filter(app_name_given__iexact=c.app_name_given)[:20]


def explanation_requests_for(user: Actor) -> QuerySet[ExplanationRequest]:
    """Redacted requests addressed to the user's unit (the ``submit`` action: unit roles)."""
    return restrict(ExplanationRequest.objects.all(), user, "submit").select_related(
        "app", "hosting_unit"
    )


def open_explanations_for(user: Actor) -> QuerySet[ExplanationRequest]:
    return explanation_requests_for(user).filter(state=ExplanationState.OPEN)


def unit_apps_with_keys(user: Actor) -> list[tuple[App, AppComplaintKey | None]]:
    apps = restrict(App.objects.all(), user, "submit").filter(status=AppStatus.FILED)
    keys = {k.app_id: k for k in AppComplaintKey.objects.filter(app__in=apps)}
    return [(a, keys.get(a.pk)) for a in apps.select_related("hosting_unit")]


def app_by_key(key: str) -> App | None:
    if not key or len(key) > 32:
        return None
    found = AppComplaintKey.objects.select_related("app", "app__hosting_unit").filter(key=key)
    k = found.first()
    if k is None or k.app.status != AppStatus.FILED:
        return None
    return k.app


def app_find(*, filing_number: str = "", name: str = "") -> tuple[App | None, str]:
    """The filed app a reporter means, by filing number or exact name.  Returns (app, error):
    an unmatched name is accepted (app None) and routed to the national regulator."""
    filing_number = (filing_number or "").strip()
    name = (name or "").strip()
    filed = App.objects.select_related("hosting_unit", "hosting_unit__division").exclude(
        status=AppStatus.UNFILED
    )
    if filing_number:
        app = filed.filter(filing_number__iexact=filing_number).first()
        if app is None:
            return None, "unknown_filing_number"
        return app, ""
    if name:
        matches = list(filed.filter(name=name)[:2])
        if len(matches) == 1:
            return matches[0], ""
    return None, ""


def app_suggestions(q: str, limit: int = 8) -> list[App]:
    q = (q or "").strip()
    if len(q) < 2:
        return []
    return list(
        App.objects.filter(status=AppStatus.FILED)
        .filter(Q(name__icontains=q) | Q(filing_number__iexact=q))
        .select_related("hosting_unit")[:limit]
    )


def complaint_counts_for_app(app: App) -> dict[str, int]:
    """The public figure for an app: reports received and resolved (no content)."""
    rows = Complaint.objects.filter(app=app).aggregate(
        received=Count("pk"),
        resolved=Count("pk", filter=Q(status__in=CLOSED_STATUSES)),
    )
    return {"received": int(rows["received"] or 0), "resolved": int(rows["resolved"] or 0)}


def complaint_counts_for_apps(app_ids: list[int]) -> dict[int, dict[str, int]]:
    """:func:`complaint_counts_for_app` for many apps in one query."""
    out = {pk: {"received": 0, "resolved": 0} for pk in app_ids}
    rows = (
        Complaint.objects.filter(app_id__in=app_ids)
        .values("app_id")
        .annotate(received=Count("pk"), resolved=Count("pk", filter=Q(status__in=CLOSED_STATUSES)))
        .order_by()
    )
    for r in rows:
        out[r["app_id"]] = {"received": int(r["received"]), "resolved": int(r["resolved"])}
    return out


def _region(scope: str) -> str:
    if scope == "central":
        return "central"
    return scope[:2] if scope else "unknown"


def _names_by_id(model: Any, ids: list[Any], *fields: str) -> dict[Any, tuple[Any, ...]]:
    """``{pk: (field, ...)}`` for the given ids, read 5,000 keys at a time."""
    wanted = sorted({i for i in ids if i is not None})
    out: dict[Any, tuple[Any, ...]] = {}
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        for pk, *values in model.objects.filter(pk__in=chunk).values_list("pk", *fields):
            out[pk] = tuple(values)
    return out


def complaint_aggregates(
    user: Actor,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    top: int | None = 50,
) -> dict[str, Any]:
    """Counts by category, app, hosting unit, region (province) and month, within reach
    (apps and units: the ``top`` largest, or all with ``top=None``)."""
    qs = complaints_for_stats(user)
    if since is not None:
        qs = qs.filter(received_on__gte=since)
    if until is not None:
        qs = qs.filter(received_on__lte=until)
    resolved = Count("pk", filter=Q(status__in=CLOSED_STATUSES))
    by_category = {
        r["category"]: (r["n"], r["resolved"])
        for r in qs.values("category").annotate(n=Count("pk"), resolved=resolved)
    }
    categories = [
        {
            "key": k,
            "label": str(label),
            "count": by_category.get(k, (0, 0))[0],
            "resolved": by_category.get(k, (0, 0))[1],
        }
        for k, label in Category.choices
    ]
    if top is None:  # the export: every group, names joined in one pass
        return _aggregates_rest(qs, resolved, categories, *_all_groups(qs, resolved))
    # grouped on the reports alone, then the names of the top groups read by key: a join to
    # the apps' and units' wide rows for every report in reach cost most of the page at
    # national scale (issue 16)
    by_app = list(
        qs.values("app_id", "app_name_given")
        .annotate(n=Count("pk"), resolved=resolved)
        .order_by("-n", "app_id")[:top]
    )
    app_names = _names_by_id(App, [r["app_id"] for r in by_app], "name", "filing_number")
    apps = [
        {
            "app_id": r["app_id"],
            "name": app_names.get(r["app_id"], ("", ""))[0] or r["app_name_given"] or "—",
            "filing_number": app_names.get(r["app_id"], ("", ""))[1] or "",
            "count": r["n"],
            "resolved": r["resolved"],
        }
        for r in by_app
    ]
    by_unit = list(
        qs.values("hosting_unit_id")
        .annotate(n=Count("pk"), resolved=resolved)
        .order_by("-n", "hosting_unit_id")[:top]
    )
    from govapp.orgs.models import Unit

    unit_names = _names_by_id(Unit, [r["hosting_unit_id"] for r in by_unit], "name")
    units = [
        {
            "unit_id": r["hosting_unit_id"],
            "name": unit_names.get(r["hosting_unit_id"], ("",))[0] or "—",
            "count": r["n"],
            "resolved": r["resolved"],
        }
        for r in by_unit
    ]
    return _aggregates_rest(qs, resolved, categories, apps, units)


def _all_groups(qs: Any, resolved: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every app and unit group of ``qs`` with its name (the export: one pass with joins)."""
    apps = [
        {
            "app_id": r["app_id"],
            "name": r["app__name"] or r["app_name_given"] or "—",
            "filing_number": r["app__filing_number"] or "",
            "count": r["n"],
            "resolved": r["resolved"],
        }
        for r in qs.values("app_id", "app__name", "app__filing_number", "app_name_given")
        .annotate(n=Count("pk"), resolved=resolved)
        .order_by("-n")
    ]
    units = [
        {
            "unit_id": r["hosting_unit_id"],
            "name": r["hosting_unit__name"] or "—",
            "count": r["n"],
            "resolved": r["resolved"],
        }
        for r in qs.values("hosting_unit_id", "hosting_unit__name")
        .annotate(n=Count("pk"), resolved=resolved)
        .order_by("-n")
    ]
    return apps, units


def _aggregates_rest(
    qs: Any,
    resolved: Any,
    categories: list[dict[str, Any]],
    apps: list[dict[str, Any]],
    units: list[dict[str, Any]],
) -> dict[str, Any]:
    regions: dict[str, list[int]] = {}
    for r in qs.values("scope_code").annotate(n=Count("pk"), resolved=resolved):
        slot = regions.setdefault(_region(r["scope_code"]), [0, 0])
        slot[0] += r["n"]
        slot[1] += r["resolved"]
    from govapp.orgs.models import Division

    names = dict(
        Division.objects.filter(code__in=[k for k in regions if k.isdigit()]).values_list(
            "code", "name"
        )
    )
    region_rows = [
        {"code": k, "name": names.get(k, k), "count": v[0], "resolved": v[1]}
        for k, v in sorted(regions.items(), key=lambda kv: -kv[1][0])
    ]
    months = [
        {
            "month": r["m"].strftime("%Y-%m") if r["m"] else "",
            "count": r["n"],
            "resolved": r["resolved"],
        }
        for r in qs.annotate(m=TruncMonth("received_on"))
        .values("m")
        .annotate(n=Count("pk"), resolved=resolved)
        .order_by("m")
    ]
    total = qs.count()
    return {
        "total": total,
        "resolved": qs.filter(status__in=CLOSED_STATUSES).count(),
        "overdue": qs.filter(overdue_q()).count(),
        "categories": categories,
        "apps": apps,
        "units": units,
        "regions": region_rows,
        "months": months,
    }


def operation_facts(app_id: int) -> dict[str, Any]:
    """What the compliance engine may know of an app's complaints: counts by category
    (dismissed and merged reports left out) and the reports a regulator opened for checking,
    with the regulator's note only."""
    rows = (
        Complaint.objects.filter(app_id=app_id)
        .exclude(status__in=[Status.DISMISSED, Status.MERGED])
        .values("category")
        .annotate(n=Count("id"))
    )
    verified = [
        {
            "ref": f"举报 #{c.pk}",
            "category": c.category,
            "banned_practice": c.banned_practice,
            "note": c.finding_note,
        }
        for c in Complaint.objects.filter(app_id=app_id, status=Status.FINDING_OPENED).order_by(
            "pk"
        )
    ]
    return {"complaints": {r["category"]: r["n"] for r in rows}, "verified_reports": verified}


def frame_ancestors_for_key(key: str) -> list[str]:
    """The origins registered for the complaint page ``key`` (validated when saved)."""
    from django.conf import settings

    from govapp.complaints.models import AppComplaintKey

    text = AppComplaintKey.objects.filter(key=key).values_list("frame_ancestors", flat=True).first()
    # plain-http origins only where an intranet without TLS is allowed explicitly
    schemes = (
        ("https://", "http://") if settings.GOVAPP_FRAME_ANCESTORS_ALLOW_HTTP else ("https://",)
    )
    return [o for o in (text or "").split() if o.startswith(schemes)]
