"""The first build into an empty projection table: its secondary indexes and foreign keys dropped around one bulk
INSERT and rebuilt after it, as a bulk load does (a sorted index build and one validating join per foreign key,
instead of an index entry and a queued deferred check per row)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from psycopg import sql

from commitments.models import ProjectionYear

_TABLE = ProjectionYear._meta.db_table

# Constraints (foreign keys, unique keys) and the indexes no constraint owns; the primary key stays (ids are
# appended in order, cheap to index as they come).
_CONSTRAINTS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
 WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC, conname"""
_INDEXES = """
SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
 WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid AND c.conrelid = x.indrelid)
 ORDER BY i.relname"""


@contextmanager
def without_indexes(cursor: Any) -> Iterator[None]:
    """Drop the projection table's foreign keys, unique keys and secondary indexes for the block, then rebuild them
    with the same names and definitions (in the caller's transaction: an error rolls the drops back too). Takes the
    table in ACCESS EXCLUSIVE mode until commit: only for the build into an empty table."""
    cursor.execute(_CONSTRAINTS, [_TABLE])
    constraints = cursor.fetchall()
    cursor.execute(_INDEXES, [_TABLE])
    indexes = cursor.fetchall()
    table = sql.Identifier(_TABLE)
    for name, _definition in constraints:
        cursor.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(table, sql.Identifier(name)))
    for name, _definition in indexes:
        cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    yield
    for _name, definition in indexes:
        cursor.execute(definition)
    # Unique keys before foreign keys (ORDER BY contype DESC: 'u' then 'f').
    for name, definition in constraints:
        cursor.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(table, sql.Identifier(name), sql.SQL(definition))
        )
