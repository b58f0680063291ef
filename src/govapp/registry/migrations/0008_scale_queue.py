"""The review queue and the provincial lists at national scale (issue 16, round 3).

* ``app_unit_id_scale``: apps by (hosting unit, id), so a province's apps are found from its
  units' ids without reading the apps' rows.
* PostgreSQL only (SQLite has no covering indexes or extended statistics and keeps its plans):
  - ``application_queue_scale``: the open applications a reviewer's queue is made of, in the
    queue's order (deadline, submission, id) with the columns its conditions and joins read
    (``INCLUDE``), partial on ``state IN (submitted, forwarded) OR exception requested``.  Both
    arms of the queue's ``OR`` imply that predicate, so PostgreSQL reads the whole queue from
    this one small index (no bitmap ``OR`` over the table, no reads of the wide rows for the
    count);
  - ``application_state_holder_scale``: extended statistics on (state, holder,
    exception_decision).  The columns are dependent (a submitted application is always held
    by the province); without them PostgreSQL multiplies the selectivities, estimates the
    provincial queue at a sixteenth of its size and reads every row of it before the region
    filter.
"""

from django.db import migrations, models

QUEUE_INDEX = (
    "CREATE INDEX IF NOT EXISTS application_queue_scale ON registry_application "
    "(deadline, submitted_at, id) INCLUDE (app_id, state, holder, exception_decision) "
    "WHERE state IN ('submitted', 'forwarded') OR exception_decision = 'requested'"
)
STATISTICS = (
    "CREATE STATISTICS IF NOT EXISTS application_state_holder_scale (dependencies, mcv) "
    "ON state, holder, exception_decision FROM registry_application"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(QUEUE_INDEX)
    schema_editor.execute(STATISTICS)
    schema_editor.execute("ANALYZE registry_application")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP STATISTICS IF EXISTS application_state_holder_scale")
    schema_editor.execute("DROP INDEX IF EXISTS application_queue_scale")


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_merge_session8")]

    operations = [
        migrations.AddIndex(
            model_name="app",
            index=models.Index(fields=["hosting_unit", "id"], name="app_unit_id_scale"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
