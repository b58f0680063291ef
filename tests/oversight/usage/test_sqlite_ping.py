"""SQLite's one-statement ping (govapp.oversight.usage.sqlite_ping): its view and trigger get
out of the way of a migration that rebuilds a counting table, come back after ``migrate``, and
are made again by a ping that finds them missing."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models
from django.db.models.signals import post_migrate, pre_migrate

from govapp.core.calendar import today_shanghai
from govapp.oversight.usage import counting, sqlite_ping
from govapp.oversight.usage.models import CountingTally
from tests.oversight.usage import factories as uf

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL counts a ping in one WITH statement"
)


def _present() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE name LIKE %s", [f"{sqlite_ping.VIEW}%"]
        )
        return {str(row[0]) for row in cursor.fetchall()}


def _pings_field(big: bool) -> models.Field[int, int]:
    field: models.Field[int, int] = (
        models.PositiveBigIntegerField(default=0) if big else models.PositiveIntegerField(default=0)
    )
    field.set_attributes_from_name("pings")
    field.model = CountingTally
    return field


def _rebuild(big: bool) -> None:
    """What a migration changing the tally's field does on SQLite: rebuild the table."""
    with connection.schema_editor() as editor:
        editor.alter_field(CountingTally, _pings_field(not big), _pings_field(big))


@pytest.mark.django_db(transaction=True)
def test_migrate_takes_the_view_out_of_a_table_rebuild_and_puts_it_back():
    usage = apps.get_app_config("usage")
    assert _present() == {sqlite_ping.VIEW, f"{sqlite_ping.VIEW}_insert"}
    with pytest.raises(Exception, match="usage_counting"):
        _rebuild(big=True)  # what SQLite does to a rebuild while the view names the table
    assert _present() == {sqlite_ping.VIEW, f"{sqlite_ping.VIEW}_insert"}
    pre_migrate.send(
        sender=usage, app_config=usage, verbosity=0, interactive=False, using="default"
    )
    assert _present() == set()
    try:
        _rebuild(big=True)
    finally:
        post_migrate.send(
            sender=usage, app_config=usage, verbosity=0, interactive=False, using="default"
        )
    assert _present() == {sqlite_ping.VIEW, f"{sqlite_ping.VIEW}_insert"}
    w = uf.world()
    assert counting.ping_count(target=f"a{w.app.pk}", address="1.1.1.1", user_agent="A")
    assert counting.days_close().counts == {(today_shanghai(), f"a{w.app.pk}"): [1, 1]}
    # and back to the real schema, the same way
    pre_migrate.send(
        sender=usage, app_config=usage, verbosity=0, interactive=False, using="default"
    )
    _rebuild(big=False)
    call_command("migrate", verbosity=0)  # a real migrate ends with the view in place
    assert _present() == {sqlite_ping.VIEW, f"{sqlite_ping.VIEW}_insert"}


@pytest.mark.django_db(transaction=True)
def test_a_ping_that_finds_the_view_missing_makes_it():
    sqlite_ping.drop(connection)
    assert _present() == set()
    w = uf.world()
    target = f"a{w.app.pk}"
    assert counting.ping_count(target=target, address="1.1.1.1", user_agent="A")
    assert not counting.ping_count(target=target, address="1.1.1.1", user_agent="A")
    assert _present() == {sqlite_ping.VIEW, f"{sqlite_ping.VIEW}_insert"}
    assert counting.days_close().counts == {(today_shanghai(), target): [1, 2]}
