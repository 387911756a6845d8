"""The nightly projection in proportion to what changed, and the weekly check that it equals a full recomputation."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from commitments import fiscal
from commitments.models import ProjectionChange, ProjectionState, ProjectionYear
from commitments.services.projection import engine, marks
from commitments.services.projection.refresh import _params, projection_refresh_all

logger = logging.getLogger(__name__)

# Commitments per statement of the incremental run: each batch is the engine restricted to these ids (their books
# read through the commitment and contract indexes), small enough for its sorts and hashes to stay in work_mem.
NIGHT_BATCH = 20_000
# Stale-flagged commitments (their task lost) taken by one night at most; the sweep takes any others.
FLAGGED_MAX = 100_000


@dataclass(frozen=True)
class NightResult:
    """What a night did: `rows` the projection rows afterwards (the snapshot's count), `projected` the commitments
    re-projected (None: a full recomputation, when there were no stored rows or no state yet)."""

    rows: int
    projected: int | None


def projection_night(*, as_of: date | None = None) -> NightResult:
    """Bring the stored rows up to date as of `as_of` (today): re-project only the commitments marked changed
    (models.changes' triggers), those still flagged stale, and — when the fiscal year moved since the last run —
    those whose spread depends on the year (marks.YEAR_DEPENDENT); then keep the day's totals as a snapshot.

    Without a stored state or stored rows (a new database, a bulk load) it is the full recomputation
    (`projection_refresh_all`, also `project_outflows --all --full`, the repair path). READ COMMITTED: the marks
    are taken first and each batch's statement reads the books as committed after that (marks.TAKE_ALL); the
    projection table is held in EXCLUSIVE mode, so no refresh writes rows meanwhile (readers are not blocked).
    """
    as_of = as_of or timezone.localdate()
    as_of_fy = fiscal.fiscal_year_of(as_of)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(engine.LOCK_FOR_NIGHTLY)
        cursor.execute(engine.WORK_MEM, [settings.PROJECTION_WORK_MEM])
        stored_fy = marks.state_fy(cursor)
        cursor.execute(engine.ANY_ROW)
        if stored_fy is not None and cursor.fetchone()[0]:
            params = _params(as_of, as_of=as_of, limit=FLAGGED_MAX)
            cursor.execute(marks.TAKE_ALL)
            ids = set(marks.ids_of(cursor))
            cursor.execute(marks.FLAGGED, params)
            ids.update(marks.ids_of(cursor))
            if stored_fy != as_of_fy:
                cursor.execute(marks.YEAR_DEPENDENT, {**params, "a": stored_fy, "b": as_of_fy})
                ids.update(marks.ids_of(cursor))
            ordered = sorted(ids)
            for start in range(0, len(ordered), NIGHT_BATCH):
                cursor.execute(engine.merge(engine.BY_IDS), {**params, "ids": ordered[start : start + NIGHT_BATCH]})
            marks.state_write(cursor, as_of=as_of, as_of_fy=as_of_fy, full=False)
            cursor.execute(engine.SNAPSHOT_DELETE, params)
            cursor.execute(engine.SNAPSHOT, params)
            rows = int(cursor.fetchone()[0])
            # Last, as in the full run: a commitment row held by a writer delays only the commit.
            cursor.execute(marks.UNFLAG_IDS, {"ids": ordered})
            return NightResult(rows=rows, projected=len(ordered))
    rows = projection_refresh_all(as_of=as_of)
    return NightResult(rows=rows, projected=None)


# The weekly check: per organization, the number of rows and a sum of 64-bit hashes of every row, computed from the
# books (the engine's `fresh`, as of the stored state's date) and read from the stored rows; commitments marked
# changed are left out on both sides (the next night redoes them).
def _checksum(source: sql.Composable) -> sql.Composed:
    return sql.SQL(
        """SELECT r.organization_id, count(*) AS n,
                  sum(hashtextextended(concat_ws(',', r.commitment_id, r.segment_id, r.fiscal_year, r.planned_yen,
                                                 r.paid_yen, r.contracted_yen, r.uncontracted_yen), 0)::numeric) AS h
             FROM {} AS r
            WHERE NOT EXISTS (SELECT 1 FROM {} AS m WHERE m.commitment_id = r.commitment_id)
            GROUP BY r.organization_id"""
    ).format(source, sql.Identifier(ProjectionChange._meta.db_table))


def _verify_statement() -> sql.Composed:
    parts = [
        *engine.computation(engine.EVERY),
        engine.Cte("fresh_sums", _checksum(sql.Identifier("fresh"))),
        engine.Cte("stored_sums", _checksum(sql.Identifier(ProjectionYear._meta.db_table))),
    ]
    final = sql.SQL(
        """SELECT COALESCE(f.organization_id, s.organization_id), COALESCE(f.n, 0), COALESCE(s.n, 0)
             FROM fresh_sums f FULL JOIN stored_sums s ON s.organization_id = f.organization_id
            WHERE (f.n, f.h) IS DISTINCT FROM (s.n, s.h)
            ORDER BY 1"""
    )
    return engine._with(parts, final)


@dataclass(frozen=True)
class Difference:
    """An organization whose stored rows differ from a recomputation: its fresh and stored row counts."""

    organization_id: int
    fresh_rows: int
    stored_rows: int


def projection_verify() -> list[Difference]:
    """Compare, per organization, the stored rows with a full recomputation as of the stored state's date (the
    commitments marked changed left out); log an error for each organization that differs and return them. Reads
    only (one REPEATABLE READ snapshot); the repair is `project_outflows --all --full`."""
    state = ProjectionState.objects.filter(pk=1).first()
    if state is None:
        return []
    params: dict[str, Any] = _params(state.as_of, as_of=state.as_of)
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute(engine.WORK_MEM, [settings.PROJECTION_WORK_MEM])
        cursor.execute(_verify_statement(), params)
        differences = [Difference(int(o), int(f), int(s)) for o, f, s in cursor.fetchall()]
    for d in differences:
        logger.error(
            "projection differs from a recomputation as of %s for organization %s: %s rows computed, %s stored",
            state.as_of,
            d.organization_id,
            d.fresh_rows,
            d.stored_rows,
        )
    return differences
