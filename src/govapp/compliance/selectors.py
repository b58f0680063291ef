"""Reads of the compliance engine, all through the jurisdiction filter."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from govapp.compliance.models import (
    SEVERITY_CHOICES,
    Bulletin,
    Exemption,
    ExemptionStatus,
    Finding,
    FindingStatus,
    OrderState,
    PenaltyCase,
    PenaltyState,
    RectificationOrder,
    SpotCheck,
)
from govapp.compliance.rules import RULES_BY_ID
from govapp.core.actor import Actor
from govapp.core.calendar import today_shanghai
from govapp.core.permissions import restrict

# The app's wide columns (the filed sections, texts) that the compliance lists never show: a
# list joined to the apps reads and sorts narrow rows (issue 16).
APP_WIDE = ("app__filed_sections", "app__description", "app__target_users", "app__shutdown_notice")


def findings_for(
    user: Actor,
    *,
    app: int | None = None,
    rule: str = "",
    status: str = "",
    severity: str = "",
    region: str = "",
) -> QuerySet[Finding]:
    qs = (
        restrict(Finding.objects.all(), user, "view")
        .select_related("app__hosting_unit", "exemption")
        .defer(*APP_WIDE)
    )
    if app:
        qs = qs.filter(app_id=app)
    if rule:
        qs = qs.filter(rule_id=rule)
    if status in FindingStatus.values:
        qs = qs.filter(status=status)
    elif not status:
        # the live statuses named (not "not closed"): the list's index is read from the
        # first live row on instead of past every closed one (issue 16)
        live = [s for s in FindingStatus.values if s != FindingStatus.CLOSED]
        qs = qs.filter(status__in=live)
    if severity:
        qs = qs.filter(severity=severity)
    if region.isdigit() or region == "central":
        qs = qs.filter(app__hosting_unit__scope_code__startswith=region)
    return qs.order_by("status", "-last_seen", "pk")


def dashboard(user: Actor) -> dict[str, Any]:
    """Counts of live findings by rule, region (province) and status, for the user's reach:
    aggregates over every finding in reach (100,000 at national scale), kept per reader
    until the next audited change (core.selectors.cached_until_changed)."""
    from govapp.core.selectors import cached_until_changed

    return dict(cached_until_changed("compliance-dashboard", user, lambda: _dashboard(user)))


def _dashboard(user: Actor) -> dict[str, Any]:
    qs = restrict(Finding.objects.all(), user, "view")
    by_status = dict(qs.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    live = qs.exclude(status=FindingStatus.CLOSED)
    by_rule = [
        {"rule": r, "title": RULES_BY_ID[r].title_zh if r in RULES_BY_ID else r, "n": n}
        for r, n in live.values_list("rule_id").annotate(n=Count("pk")).order_by("-n", "rule_id")
    ]
    regions: dict[str, int] = {}
    for scope, n in live.values_list("app__hosting_unit__scope_code").annotate(n=Count("pk")):
        key = "central" if scope == "central" else (scope or "")[:2]
        regions[key] = regions.get(key, 0) + n
    from govapp.orgs.models import Division

    names = dict(Division.objects.filter(code__in=list(regions)).values_list("code", "name"))
    by_region = [
        {"region": k, "name": names.get(k, _("中央") if k == "central" else k), "n": n}
        for k, n in sorted(regions.items(), key=lambda t: (-t[1], t[0]))
    ]
    return {
        "by_status": by_status,
        "by_rule": by_rule,
        "by_region": by_region,
        "open": by_status.get(FindingStatus.OPEN, 0),
        "exempted": by_status.get(FindingStatus.EXEMPTED, 0),
        "closed": by_status.get(FindingStatus.CLOSED, 0),
        "orders_overdue": overdue_orders(user).count(),
        "exemptions_pending": restrict(
            Exemption.objects.filter(status=ExemptionStatus.REQUESTED), user, "review"
        ).count(),
        "penalties_proposed": restrict(
            PenaltyCase.objects.filter(state=PenaltyState.PROPOSED), user, "view"
        ).count(),
    }


def orders_for(
    user: Actor, *, state: str = "", overdue: bool = False
) -> QuerySet[RectificationOrder]:
    qs = (
        restrict(RectificationOrder.objects.all(), user, "view")
        .select_related("app__hosting_unit")
        .defer(*APP_WIDE)
    )
    if state:
        qs = qs.filter(state=state)
    if overdue:
        qs = qs.filter(
            state__in=[OrderState.OPEN, OrderState.SENT_BACK], deadline__lt=today_shanghai()
        )
    return qs


def overdue_orders(user: Actor) -> QuerySet[RectificationOrder]:
    return orders_for(user, overdue=True)


def exemptions_for(user: Actor, *, status: str = "") -> QuerySet[Exemption]:
    qs = (
        restrict(Exemption.objects.all(), user, "view")
        .select_related("app__hosting_unit")
        .defer(*APP_WIDE)
    )
    return qs.filter(status=status) if status else qs


def penalties_for(user: Actor) -> QuerySet[PenaltyCase]:
    return (
        restrict(PenaltyCase.objects.all(), user, "view")
        .select_related("app__hosting_unit")
        .defer(*APP_WIDE)
    )


def spotchecks_for(user: Actor) -> QuerySet[SpotCheck]:
    return (
        restrict(SpotCheck.objects.all(), user, "view")
        .annotate(n=Count("items"), failed=Count("items", filter=Q(items__result="failed")))
        .order_by("-created_at", "-pk")
    )


def resolved_orders(user: Actor) -> QuerySet[RectificationOrder]:
    return restrict(
        RectificationOrder.objects.filter(state__in=[OrderState.ACCEPTED, OrderState.FAILED]),
        user,
        "review",
    ).select_related("app__hosting_unit")


def public_bulletins() -> QuerySet[Bulletin]:
    """Published bulletins: public, no jurisdiction filter (they are published)."""
    return Bulletin.objects.all()


def verified_report_finding_ref(app_id: int) -> str:
    """The reference of an app's R33 finding (opened from a verified complaint), or of the one
    the engine is about to open."""
    existing = Finding.objects.filter(app_id=app_id, rule_id="R33_VERIFIED_REPORT").first()
    return f"R33_VERIFIED_REPORT@{app_id}" if existing is None else f"finding #{existing.pk}"


def package_findings_display(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A package scan's stored findings with the rule's title and the severity in the reader's
    language (the rule id goes to a details line); the scans' facts page asks for it through
    ``core.wiring.CHECKS["scan.findings_display"]``."""
    from django.utils.translation import get_language

    lang = get_language() or "zh-hans"
    severities = dict(SEVERITY_CHOICES)
    out = []
    for x in raw:
        rule = RULES_BY_ID.get(str(x.get("rule", "")))
        out.append(
            {
                **x,
                "title": rule.title(lang) if rule else x.get("title", ""),
                "severity_label": severities.get(x.get("severity", ""), x.get("severity", "")),
                "high": x.get("severity") in {"high", "critical"},
            }
        )
    return out
