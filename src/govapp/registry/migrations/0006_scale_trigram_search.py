"""Trigram indexes for the registry's substring searches (issue 16), PostgreSQL only.

``icontains`` compiles to ``UPPER(col::text) LIKE UPPER('%q%')`` on PostgreSQL; a GIN index with
``gin_trgm_ops`` on that same expression serves it (pg_trgm hashes CJK trigrams, so Chinese
names of three characters or more are found through the index).  SQLite keeps the ordinary
scan: nothing is created there.
"""

from django.db import migrations

INDEXES = [
    ("app_name_trgm_scale", "registry_app", 'UPPER(("name")::text)'),
    ("app_filing_number_trgm_scale", "registry_app", 'UPPER(("filing_number")::text)'),
    ("identity_identifier_trgm_scale", "registry_platformidentity", 'UPPER(("identifier")::text)'),
    ("unit_name_trgm_scale", "orgs_unit", 'UPPER(("name")::text)'),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expr in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expr} gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expr in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_scale_indexes"), ("orgs", "0003_scale_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
