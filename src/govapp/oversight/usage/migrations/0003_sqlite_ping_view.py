"""SQLite only: the ping as one statement.

``INSERT INTO usage_countingping (day, target, hash, epoch)`` runs the trigger below, which
checks that the salt of that epoch still exists (else the whole statement fails with
``govapp-usage-salt-gone`` and writes nothing), adds one to the target's tally and adds the
device hash if it is new.  One autocommit statement holds SQLite's write lock only while SQLite
itself runs it, never across Python code, so pings from many threads and processes do not
queue behind each other (counting.py; measured in docs/performance.md).  PostgreSQL does the
same in one ``WITH`` statement and needs none of this.
"""

from django.db import migrations

CREATE = [
    'CREATE VIEW "usage_countingping" (day, target, hash, epoch) AS '
    'SELECT day, target, hash, epoch FROM "usage_countingdevice" WHERE 0',
    """CREATE TRIGGER "usage_countingping_insert" INSTEAD OF INSERT ON "usage_countingping"
BEGIN
  SELECT RAISE(ABORT, 'govapp-usage-salt-gone') WHERE NOT EXISTS (
    SELECT 1 FROM "usage_countingsalt" WHERE day = NEW.day AND epoch = NEW.epoch);
  INSERT INTO "usage_countingtally" (day, target, epoch, pings)
    VALUES (NEW.day, NEW.target, NEW.epoch, 1)
    ON CONFLICT (day, target) DO UPDATE SET pings = pings + 1;
  INSERT INTO "usage_countingdevice" (day, target, hash, epoch)
    VALUES (NEW.day, NEW.target, NEW.hash, NEW.epoch)
    ON CONFLICT DO NOTHING;
END""",
]
DROP = [
    'DROP TRIGGER IF EXISTS "usage_countingping_insert"',
    'DROP VIEW IF EXISTS "usage_countingping"',
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("usage", "0002_counting_tables"),
    ]

    operations = [
        migrations.RunPython(_run(CREATE), _run(DROP), elidable=False),
    ]
