"""``govapp periodic --once`` enqueues every registered job on the real task queue."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from govapp.core.periodic import jobs

pytestmark = pytest.mark.django_db(transaction=True)


def test_periodic_once_enqueues_every_job(capsys: pytest.CaptureFixture[str]) -> None:
    assert {
        "registry.abandon_lapsed",
        "scans.requeue_stale",
        "compliance.tick",
        "complaints.keys_ensure",
    } <= {job.name for job in jobs()}
    call_command("periodic", "--once")
    out = capsys.readouterr().out
    assert "registry.abandon_lapsed" in out
    paths = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert "govapp.registry.tasks.abandon_lapsed_applications" in paths
    assert "govapp.scans.tasks.requeue_stale_scans_task" in paths
    assert "govapp.compliance.tasks.compliance_tick" in paths
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
