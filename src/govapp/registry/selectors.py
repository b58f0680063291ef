"""Reads of the registry; every queryset a person reaches goes through ``restrict``."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from govapp.core.actor import Actor
from govapp.core.calendar import today_shanghai
from govapp.core.permissions import has_role, restrict
from govapp.orgs.models import Division, Role, Unit
from govapp.registry.models import (
    App,
    Application,
    ApplicationState,
    AppStatus,
    ExceptionDecision,
    Holder,
    Notification,
    PlatformIdentity,
    ShutdownOrder,
)
from govapp.registry.schemas import SECTION_KEYS, field_label, parse_sections

S = ApplicationState

# Wide columns that list pages and list APIs do not show: ``.defer()`` them so a page of rows
# does not read and parse megabytes of JSON (issue 16).
APP_WIDE_FIELDS = (
    "filed_sections",
    "description",
    "target_users",
    "shutdown_notice",
)
APPLICATION_WIDE_FIELDS = (
    "base_sections",
    "app__filed_sections",
    "app__description",
    "app__target_users",
    "app__shutdown_notice",
)


M = TypeVar("M", bound=Model)


def lean(qs: QuerySet[M]) -> QuerySet[M]:
    """``qs`` without the wide columns that list pages do not show."""
    if qs.model is App:
        return qs.defer(*APP_WIDE_FIELDS)
    if qs.model is Application:
        return qs.defer("sections", "decision_note", *APPLICATION_WIDE_FIELDS)
    return qs


def application_list_rows(qs: QuerySet[Application]) -> QuerySet[Application]:
    """``qs`` as the list API reads it: without the filing form's ``sections`` and the other
    wide columns, with the one value of ``sections`` the technical-testing check compares (the
    declared version, as ``declared_version``) and the app's identities prefetched, so a page
    of rows is a fixed number of narrow queries (issue 16)."""
    return (
        lean(qs)
        .annotate(declared_version=KT("sections__basic__version"))
        .prefetch_related("app__identities")
    )


def apps_for(user: Actor, *, q: str = "", status: str = "", kind: str = "") -> QuerySet[App]:
    qs = restrict(
        App.objects.select_related("hosting_unit", "hosting_unit__division"), user, "view"
    )
    if q:
        qs = qs.filter(pk__in=app_ids_matching(q))
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("name", "pk")


def applications_for(
    user: Actor, *, state: str = "", kind: str = "", q: str = "", app: App | None = None
) -> QuerySet[Application]:
    qs = restrict(Application.objects.select_related("app", "app__hosting_unit"), user, "view")
    if app is not None:
        qs = qs.filter(app=app)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(app_id__in=app_ids_matching(q, identities=False, numbers=False))
    return qs.order_by("-updated_at", "-pk")


def name_contains(qs: QuerySet[Any], q: str) -> QuerySet[Any]:
    """``qs`` (apps or units) whose name contains ``q``, case-insensitive.

    On PostgreSQL a two-character search without letter case (Chinese, digits), which a
    trigram index cannot serve, asks the bigram index of migration 0009 instead:
    ``govapp_bigrams(UPPER(name)) @> [q]``.  For two characters that is the same condition
    (a two-character text is in a name exactly when it is one of the name's two-character
    substrings), and PostgreSQL estimates it from the index's statistics, where a ``LIKE``
    beside it would make it guess a fiftieth of the rows and plan for too few."""
    if len(q) == 2 and q.upper() == q.lower() and connection.vendor == "postgresql":
        from django.contrib.postgres.fields import ArrayField
        from django.db.models import Func, TextField
        from django.db.models.functions import Upper

        bigrams = Func(
            Upper("name"), function="govapp_bigrams", output_field=ArrayField(TextField())
        )
        found: QuerySet[Any] = qs.alias(name_bigrams=bigrams).filter(name_bigrams__contains=[q])
        return found
    return qs.filter(name__icontains=q)


def app_ids_matching(q: str, *, identities: bool = True, numbers: bool = True) -> QuerySet[Any]:
    """The ids of the apps whose name, hosting unit's name, filing number or platform
    identifier contains ``q`` (case-insensitive), as a subquery for ``pk__in``.

    One ``UNION`` of one narrow query per searched column instead of an ``OR`` over a join
    (issue 16): each branch is answered by its own index (on PostgreSQL the trigram indexes
    of migration 0006, for three characters or more; the hosting units' apps through the
    index on ``hosting_unit_id``), no ``DISTINCT`` over a join is counted, and the outer list
    keeps its own index for the sort.  SQLite runs the same statement with ordinary scans."""
    branches: list[QuerySet[Any, Any]] = [
        name_contains(App.objects.all(), q).order_by().values("pk"),
        App.objects.filter(
            hosting_unit_id__in=name_contains(Unit.objects.all(), q).order_by().values("pk")
        )
        .order_by()
        .values("pk"),
    ]
    if numbers:
        branches.append(App.objects.filter(filing_number__icontains=q).order_by().values("pk"))
    if identities:
        branches.append(
            PlatformIdentity.objects.filter(identifier__icontains=q).order_by().values("app_id")
        )
    return branches[0].union(*branches[1:])


def review_queue(
    user: Actor,
    *,
    q: str = "",
    region: str = "",
    kind: str = "",
    state: str = "",
    overdue: bool = False,
) -> QuerySet[Application]:
    """What waits for this reviewer, earliest deadline first (overdue on top); filtered by
    app or unit name, region (division code prefix or "central"), kind, state, overdue."""
    qs = _review_queue(user)
    if q:
        qs = qs.filter(
            Q(app__name__icontains=q)
            | Q(app__hosting_unit__name__icontains=q)
            | Q(app__filing_number__icontains=q)
        )
    if region == "central":
        qs = qs.filter(app__hosting_unit__scope_code="central")
    elif region.isdigit():
        qs = qs.filter(app__hosting_unit__scope_code__startswith=region)
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if overdue:
        qs = qs.filter(
            deadline__lt=today_shanghai(), state__in=[S.SUBMITTED, S.FORWARDED, S.FEEDBACK]
        )
    return qs


def queue_regions(user: Actor) -> list[tuple[str, str]]:
    """Region choices for the queue filter: the provinces (or, for a provincial reviewer,
    the cities) that have something waiting, plus central departments."""
    national = has_role(user, Role.NATIONAL_REGULATOR)
    width = 2 if national else 4
    # the distinct prefixes in the database (a few dozen rows), not every queued row's code
    codes = set(
        _review_queue(user)
        .order_by()
        .annotate(prefix=Substr("app__hosting_unit__scope_code", 1, width))
        .values_list("prefix", flat=True)
        .distinct()
    )
    prefixes = sorted({c for c in codes if c and c != "central"[:width]})
    names = dict(Division.objects.filter(code__in=prefixes).values_list("code", "name"))
    out = [(p, names.get(p, p)) for p in prefixes]
    if "central"[:width] in codes:
        out.append(("central", str(_("中央国家机关"))))
    return out


def offline_overdue(user: Actor) -> list[App]:
    """Apps in reach that announced a shutdown and owe an overdue offline report (R-14)."""
    from govapp.registry.services.shutdown import offline_report_overdue

    qs = restrict(App.objects.select_related("hosting_unit"), user, "review").filter(
        status=AppStatus.SHUTDOWN_NOTICE, shutdown_date__lt=today_shanghai()
    )
    return [a for a in qs.order_by("shutdown_date", "pk")[:200] if offline_report_overdue(a)]


def shutdown_orders_open(user: Actor) -> QuerySet[ShutdownOrder]:
    """Shutdown orders in reach not yet followed through to deregistration."""
    return (
        restrict(ShutdownOrder.objects.select_related("app", "app__hosting_unit"), user, "view")
        .filter(closed_at__isnull=True)
        .order_by("deadline", "pk")
    )


def _review_queue(user: Actor) -> QuerySet[Application]:
    qs = restrict(Application.objects.select_related("app", "app__hosting_unit"), user, "review")
    cond = Q(pk__in=[])
    if has_role(user, Role.PROVINCIAL_CAC_REVIEWER, Role.PROVINCIAL_GSA_REVIEWER):
        cond |= Q(state=S.SUBMITTED, holder=Holder.PROVINCE)
        cond |= Q(exception_decision=ExceptionDecision.REQUESTED) & ~Q(
            app__hosting_unit__scope_code="central"
        )
    if has_role(user, Role.NATIONAL_REGULATOR):
        cond |= Q(state=S.FORWARDED, holder=Holder.CAC)
        cond |= Q(exception_decision=ExceptionDecision.REQUESTED)
    return qs.filter(cond).order_by("deadline", "submitted_at", "pk")


def unit_todo(user: Actor) -> QuerySet[Application]:
    qs = restrict(Application.objects.select_related("app", "app__hosting_unit"), user, "submit")
    return qs.filter(state__in=[S.DRAFT, S.RETURNED, S.FEEDBACK]).order_by(
        "deadline", "-updated_at"
    )


def is_overdue(application: Application) -> bool:
    return bool(
        application.deadline
        and application.state in {S.SUBMITTED, S.FORWARDED, S.FEEDBACK}
        and application.deadline < today_shanghai()
    )


def notifications_for(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


def _flatten(value: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(value, list):
        if value and all(not isinstance(v, dict | list) for v in value):
            out[prefix] = "、".join(str(v) for v in value)
        else:
            for i, v in enumerate(value):
                _flatten(v, f"{prefix}.{i + 1}", out)
    else:
        out[prefix] = (
            ""
            if value is None or value is False
            else (str(_("是")) if value is True else str(value))
        )


def sections_diff(base: Any, current: Any) -> list[dict[str, str]]:
    """The fields that differ between the filed version and this application (R-13)."""
    a: dict[str, str] = {}
    b: dict[str, str] = {}
    _flatten(parse_sections(base).model_dump() if base else {}, "", a)
    _flatten(parse_sections(current).model_dump(), "", b)
    order = {k: i for i, k in enumerate([*SECTION_KEYS, "similar_apps", "no_similar_apps"])}
    rows = [
        {"field": k, "label": field_label(k), "before": a.get(k, ""), "after": b.get(k, "")}
        for k in sorted(a.keys() | b.keys(), key=lambda k: (order.get(k.split(".")[0], 99), k))
        if a.get(k, "") != b.get(k, "")
    ]
    return rows
