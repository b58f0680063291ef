"""How complaints feed the compliance engine (R-29, R-33).

* complaint counts by category (dismissed and merged reports left out) become operation facts,
  read by R29_COMPLAINTS;
* a report that a regulator opened for checking becomes a verified-report fact, read by
  R33_VERIFIED_REPORT, so that the finding follows the usual exemption and rectification path;
  it stops holding once the regulator closes the report.

Only counts, categories and the regulator's own note cross over: nothing the reporter wrote.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from govapp.registry.models import App


def complaint_operation_facts(app: App) -> dict[str, Any]:
    from govapp.complaints.models import Complaint, Status

    rows = (
        Complaint.objects.filter(app=app)
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
        for c in Complaint.objects.filter(app=app, status=Status.FINDING_OPENED).order_by("pk")
    ]
    return {"complaints": {r["category"]: r["n"] for r in rows}, "verified_reports": verified}


def complaint_operation_facts_batch(app_ids: list[int]) -> dict[int, dict[str, Any]]:
    """:func:`complaint_operation_facts` for many apps in two queries (bulk re-evaluation)."""
    from govapp.complaints.models import Complaint, Status

    out: dict[int, dict[str, Any]] = {
        pk: {"complaints": {}, "verified_reports": []} for pk in app_ids
    }
    rows = (
        Complaint.objects.filter(app_id__in=app_ids)
        .exclude(status__in=[Status.DISMISSED, Status.MERGED])
        .values("app_id", "category")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in rows:
        out[r["app_id"]]["complaints"][r["category"]] = r["n"]
    for c in Complaint.objects.filter(app_id__in=app_ids, status=Status.FINDING_OPENED).order_by(
        "pk"
    ):
        out[c.app_id]["verified_reports"].append(
            {
                "ref": f"举报 #{c.pk}",
                "category": c.category,
                "banned_practice": c.banned_practice,
                "note": c.finding_note,
            }
        )
    return out


complaint_operation_facts.batch = complaint_operation_facts_batch  # type: ignore[attr-defined]


def open_finding_for_complaint(*, complaint: Any, note: str, actor: Any) -> str:
    """FINDING_OPENERS hook: re-evaluate the app once the complaint is marked for checking
    (after the complaint's own transaction commits) and return the finding's reference."""
    from django.db import transaction

    from govapp.compliance.models import Finding

    app_id = complaint.app_id

    def evaluate() -> None:
        from govapp.compliance.services import compliance_evaluate

        compliance_evaluate(app=App.objects.get(pk=app_id), actor=None)

    transaction.on_commit(evaluate)
    existing = Finding.objects.filter(app_id=app_id, rule_id="R33_VERIFIED_REPORT").first()
    return f"R33_VERIFIED_REPORT@{app_id}" if existing is None else f"finding #{existing.pk}"


def register() -> None:
    from govapp.complaints import services as complaint_services
    from govapp.compliance import engine

    if complaint_operation_facts not in engine.OPERATION_PROVIDERS:
        engine.OPERATION_PROVIDERS.append(complaint_operation_facts)
    if open_finding_for_complaint not in complaint_services.FINDING_OPENERS:
        complaint_services.FINDING_OPENERS.append(open_finding_for_complaint)
