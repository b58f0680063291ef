"""Writing many rows at once for batch jobs (``govapp compliance evaluate``, issue 16).

On PostgreSQL :func:`copy_insert` streams the rows with ``COPY … FROM STDIN``: the rows are
sent as data, not as a statement with a parameter per value.  A 1,000-row ``INSERT`` of a
16-column model is a statement with 16,000 placeholders, and converting that statement and
adapting its parameters one by one in the client took more CPU than everything else a
first national evaluation did.  Each value is still prepared by its field
(``get_db_prep_save``), so the stored values are those ``bulk_create`` would store.
Elsewhere (SQLite) it is ``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def copy_insert(
    model: type[models.Model], objs: Sequence[models.Model], *, assign_ids: bool = False
) -> None:
    """Insert the unsaved ``objs`` of ``model``.  With ``assign_ids`` each object gets its
    primary key, as ``bulk_create`` gives it on PostgreSQL: the ids are drawn from the table's
    sequence first (one query) and written with the rows."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=1000)
        return
    meta = model._meta
    pk: Any = meta.pk
    qn = connection.ops.quote_name
    table = meta.db_table
    fields: list[Any] = [f for f in meta.concrete_fields if f is not pk]
    with connection.cursor() as cur:
        if assign_ids:
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, len(objs)],
            )
            for obj, (new_id,) in zip(objs, cur.fetchall(), strict=True):
                obj.pk = new_id
            fields = [pk, *fields]
        columns = ", ".join(qn(f.column) for f in fields)
        raw = cur.cursor  # the driver's cursor: Django's wrapper has no COPY
        with raw.copy(f"COPY {qn(table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
