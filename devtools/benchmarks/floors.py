"""The floors line 1 is held against: INSERT … SELECT generate_series of as many rows as a run wrote, into a copy of
the projection table — bare (no index, no key), or indexed: its primary key, unique key, indexes, checks and its
three foreign keys (deferred, as Django declares them), which every real write pays for too."""

from __future__ import annotations

import time

from django.db import connection, transaction

from commitments.models import APPROVED_STATES

_FLOOR_TABLE = "bench_floor_projection"
_BARE = f"CREATE TABLE {_FLOOR_TABLE} (LIKE commitments_projectionyear INCLUDING DEFAULTS INCLUDING IDENTITY)"
_INDEXED = [
    f"CREATE TABLE {_FLOOR_TABLE} (LIKE commitments_projectionyear INCLUDING ALL)",
    *(
        f"ALTER TABLE {_FLOOR_TABLE} ADD FOREIGN KEY ({column}) REFERENCES {table} (id) DEFERRABLE INITIALLY DEFERRED"
        for column, table in (
            ("commitment_id", "commitments_commitment"),
            ("organization_id", "commitments_organization"),
            ("segment_id", "commitments_segment"),
        )
    ),
]
# Rows of real commitments (the foreign keys hold), one organization and segment, a year per round over them (the
# unique key holds): the same shape of row, generated instead of computed.
_INSERT = f"""
WITH c AS (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n, min(organization_id) AS org, min(segment_id) AS seg
             FROM commitments_commitment WHERE status = ANY(%(approved)s))
INSERT INTO {_FLOOR_TABLE}
    (commitment_id, organization_id, segment_id, fiscal_year, planned_yen, paid_yen, contracted_yen,
     uncontracted_yen, computed_at)
SELECT c.ids[(g - 1) %% c.n + 1], c.org, c.seg, 2000 + (g - 1) / c.n, g, g, g, g, now()
  FROM c, generate_series(1, %(rows)s) AS g
"""


def floor_seconds(rows: int, *, indexed: bool, times: int = 3, budget_s: float = 60.0) -> list[float]:
    """Seconds of up to `times` INSERTs of `rows` generated rows into an empty floor table, each committed."""
    with connection.cursor() as cursor:
        for statement in _INDEXED if indexed else [_BARE]:
            cursor.execute(statement)
    samples: list[float] = []
    try:
        while len(samples) < times and sum(samples) < budget_s:
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {_FLOOR_TABLE}")
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(_INSERT, {"rows": rows, "approved": list(APPROVED_STATES)})
            samples.append(time.perf_counter() - started)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_FLOOR_TABLE}")
    return samples
