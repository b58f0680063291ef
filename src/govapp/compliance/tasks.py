"""Background tasks of the compliance engine (run by the worker; enqueued by govapp periodic)."""

from __future__ import annotations

from django_tasks import task

from govapp.compliance import services


@task()
def compliance_tick() -> str:
    """Expire exemptions past their date (their findings reopen); escalate overdue orders."""
    expired = services.exemptions_expire()
    escalated = services.orders_escalate()
    offline = services.offline_reports_evaluate()
    return (
        f"exemptions expired: {expired}; orders escalated: {escalated}; "
        f"shutdown apps re-evaluated: {offline}"
    )


@task()
def app_evaluate_task(app_id: int) -> str:
    """Evaluate one app (enqueued when it is filed or re-filed: a revoked penalty case becomes
    "re-filed" at once)."""
    from govapp.registry.models import App

    app = App.objects.select_related("hosting_unit").get(pk=app_id)
    outcome = services.compliance_evaluate(app=app, actor=None)
    return f"app {app_id}: {outcome}"


@task()
def scan_evaluate_task(scan_id: int) -> str:
    """Evaluate the app of a finished scan with its facts (enqueued when the scan is stored)."""
    from govapp.scans.models import PackageScan

    scan = PackageScan.objects.get(pk=scan_id)
    services.scan_evaluate(scan=scan)
    return f"scan {scan_id} evaluated"
