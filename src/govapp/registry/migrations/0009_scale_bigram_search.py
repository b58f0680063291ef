"""Two-character searches at national scale (issue 16, round 3), PostgreSQL only.

A trigram index (0006) cannot serve a pattern shorter than three characters, and Chinese
searches are very often two characters (社保, 医保, 税务, 公安): such a search read every
app's and unit's name (hundreds of milliseconds over 100,000 apps and 50,000 units).
``govapp_bigrams(text)`` is the set of two-character substrings of a text; a GIN index on
``govapp_bigrams(UPPER(name))`` finds the names holding the two searched characters, and the
ordinary ``UPPER(name) LIKE`` condition beside it keeps the answer exact.  SQLite keeps the
ordinary scan: nothing is created there.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION govapp_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}'::text[])
    FROM generate_series(1, char_length(t) - 1) AS i
$$
"""
INDEXES = [
    ("app_name_bigram_scale", "registry_app"),
    ("unit_name_bigram_scale", "orgs_unit"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for name, table in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            'USING gin (govapp_bigrams(UPPER(("name")::text)))'
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS govapp_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [("registry", "0008_scale_queue"), ("orgs", "0003_scale_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
