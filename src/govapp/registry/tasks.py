"""Background tasks of the registry (django-tasks; run by the worker or a periodic call)."""

from __future__ import annotations

from django_tasks import task

from govapp.registry.services.applications import abandon_lapsed


@task()
def abandon_lapsed_applications() -> int:
    """Marks applications whose feedback deadline has lapsed as abandoned (R-10)."""
    return abandon_lapsed()
