"""Run the queued tasks inside a test's own transaction.

``db_worker --batch`` closes the database connection when it finishes, which on PostgreSQL ends
the transaction a non-transactional test runs in; tests that only need the queued follow-ups to
happen call :func:`run_queued_tasks` instead (the same task functions, in queue order)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.module_loading import import_string


def run_queued_tasks(rounds: int = 5) -> int:
    from django_tasks_db.models import DBTaskResult

    done = 0
    for _ in range(rounds):  # a task may enqueue follow-ups of its own
        rows = list(DBTaskResult.objects.ready().order_by("enqueued_at", "pk"))
        if not rows:
            break
        for row in rows:
            task = import_string(row.task_path)
            task.func(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
            DBTaskResult.objects.filter(pk=row.pk).update(
                status="SUCCESSFUL", finished_at=timezone.now()
            )
            done += 1
    return done
