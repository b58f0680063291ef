"""Background tasks of the complaint channel (django-tasks; run by the worker)."""

from __future__ import annotations

from django_tasks import task

from govapp.complaints.services import app_complaint_keys_ensure_all


@task()
def complaint_keys_ensure() -> int:
    """Gives every filed app its in-app complaint key (R-24)."""
    return app_complaint_keys_ensure_all()


def _enqueue_keys() -> None:
    complaint_keys_ensure.enqueue()


from govapp.core.periodic import periodic  # noqa: E402

periodic("complaints.keys_ensure", 3600, _enqueue_keys)
