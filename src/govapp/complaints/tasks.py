"""Background tasks of the complaint channel (django-tasks; run by the worker)."""

from __future__ import annotations

from django_tasks import task

from govapp.complaints.services import app_complaint_keys_ensure_all


@task()
def complaint_keys_ensure() -> int:
    """Gives every filed app its in-app complaint key (R-24)."""
    return app_complaint_keys_ensure_all()
