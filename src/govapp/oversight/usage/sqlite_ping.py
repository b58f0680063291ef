"""SQLite only: the usage ping as one statement.

``INSERT INTO usage_countingping (day, target, hash, epoch)`` runs an ``INSTEAD OF`` trigger
that checks that the salt of that epoch still exists (else the whole statement fails with
:data:`SALT_GONE` and writes nothing), adds one to the target's tally and adds the device hash
if it is new.  One autocommit statement holds SQLite's write lock only while SQLite itself runs
it, never across Python code (counting.py; measured in docs/performance.md).  PostgreSQL does
the same in one ``WITH`` statement and needs none of this.

The view and the trigger are not made by a migration: they name the counting tables, and
SQLite (with ``legacy_alter_table`` off, as Django sets it) refuses to rebuild a table that a
view or trigger names, while Django rebuilds a SQLite table for most changes of a field.  So
they are dropped before every ``migrate`` (``pre_migrate``), created after it
(``post_migrate``, also after a test database's ``flush``), and created on first use if
missing (a ping during a migration).
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

VIEW = "usage_countingping"
SALT_GONE = "govapp-usage-salt-gone"  # what the trigger aborts with
TABLES = ("usage_countingsalt", "usage_countingtally", "usage_countingdevice")

CREATE = (
    'CREATE VIEW IF NOT EXISTS "usage_countingping" (day, target, hash, epoch) AS '
    'SELECT day, target, hash, epoch FROM "usage_countingdevice" WHERE 0',
    """CREATE TRIGGER IF NOT EXISTS "usage_countingping_insert"
INSTEAD OF INSERT ON "usage_countingping"
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
)
DROP = (
    'DROP TRIGGER IF EXISTS "usage_countingping_insert"',
    'DROP VIEW IF EXISTS "usage_countingping"',
)

INSERT = 'INSERT INTO "usage_countingping" (day, target, hash, epoch) VALUES (%s, %s, %s, %s)'


def create(connection: BaseDatabaseWrapper) -> bool:
    """Create the view and its trigger when the counting tables exist; True when they do."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        if not set(TABLES) <= set(connection.introspection.table_names(cursor)):
            return False  # migrated back before the counting tables
        for sql in CREATE:
            cursor.execute(sql)
    return True


def drop(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for sql in DROP:
            cursor.execute(sql)


def before_migrate(using: str = "default", **_kwargs: Any) -> None:
    """``pre_migrate``: out of the way of the table rebuilds a migration may do."""
    drop(connections[using])


def after_migrate(using: str = "default", **_kwargs: Any) -> None:
    """``post_migrate``: back again."""
    create(connections[using])
