"""The database cache table (``CACHE_URL`` unset or ``db://``), so that ``migrate`` alone sets it up."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_seed_calendar")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
