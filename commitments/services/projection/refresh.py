"""Writes of projection rows, all through the one SQL engine: one commitment after a change, a set of ids, or all."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from commitments import fiscal
from commitments.models import Commitment, ProjectionYear
from commitments.selectors.projection_inputs import LIVE_STATES, PROJECTED_STATES
from commitments.services.enqueue import enqueue
from commitments.services.projection import bulk, engine, marks

logger = logging.getLogger(__name__)

# Past this many stale commitments one set-based run is cheaper than refreshing them one by one.
SWEEP_BATCH = 500
# Up to this many commitments are refreshed set-based by id (their own inputs only); beyond, the nightly run.
MANY_MAX = 100_000


_COMMITMENTS = Commitment._meta.db_table
_LOCK_IDS = f"SELECT id FROM {_COMMITMENTS} WHERE id = ANY(%(ids)s::bigint[]) ORDER BY id FOR UPDATE"
_CLEAR_IDS = (
    f"UPDATE {_COMMITMENTS} SET needs_projection = false WHERE id = ANY(%(ids)s::bigint[]) AND needs_projection"
)
_COUNT_IDS = f"SELECT count(*) FROM {ProjectionYear._meta.db_table} WHERE commitment_id = ANY(%(ids)s::bigint[])"


def projection_request(*, commitment_id: int) -> None:
    """Queue the commitment's projection once the current transaction commits (its stale flag covers a lost send)."""
    enqueue("commitments.tasks.project_commitment", commitment_id)


def _params(day: date, **extra: Any) -> dict[str, Any]:
    """What every projection statement binds: the as-of year, the states, the time of the writes."""
    return {
        "as_of_fy": fiscal.fiscal_year_of(day),
        "live": LIVE_STATES,
        "projected": PROJECTED_STATES,
        "now": timezone.now(),
        **extra,
    }


def projection_refresh(*, commitment_id: int, as_of: date | None = None) -> int:
    """Rebuild one commitment's rows: the engine restricted to its id (projection_refresh_many of one).

    Idempotent, serialised by the commitment's row lock. Returns the rows the commitment has afterwards (none when
    it does not exist or is not projected)."""
    return projection_refresh_many(commitment_ids=[commitment_id], as_of=as_of)


def projection_refresh_many(*, commitment_ids: Iterable[int], as_of: date | None = None) -> int:
    """Rebuild the rows of these commitments set-based: the engine restricted to their ids, writing only what changed.

    The table is locked before the rows, in projection_refresh_all's order. The other way round a refresh holding a
    commitment's row lock waited for the nightly run's table lock while the nightly run waited for that row (its
    foreign-key check or the stale-flag update): a deadlock PostgreSQL broke after a second by aborting one of them,
    possibly the whole run. ROW EXCLUSIVE is what the writes take anyway: refreshes of other commitments still run
    together. The commitments are then row-locked in id order; other commitments' rows are not read or written, so
    this costs what the commitments have, not what the table has. Returns the rows the commitments have afterwards.
    """
    ids = sorted(set(commitment_ids))
    params = _params(as_of or timezone.localdate(), ids=ids)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(engine.LOCK_FOR_REFRESH)
        cursor.execute(engine.WORK_MEM, [settings.PROJECTION_WORK_MEM])
        # The ids are bound as one array (an IN list of thousands of parameters costs more to send and plan).
        cursor.execute(_LOCK_IDS, params)
        locked = [pk for (pk,) in cursor.fetchall()]
        # Their marks are taken before their books are read (marks.TAKE_ALL says why); rows written for another
        # fiscal year than the stored rows' are marked again, for the next night to bring back in step.
        cursor.execute(marks.TAKE_IDS, params)
        stored_fy = cursor.fetchone()[0]
        if not locked:
            return 0
        cursor.execute(engine.merge(engine.BY_IDS), params)
        if stored_fy is not None and stored_fy != params["as_of_fy"]:
            cursor.execute(marks.MARK_IDS, params)
        cursor.execute(_CLEAR_IDS, params)
        cursor.execute(_COUNT_IDS, params)
        return int(cursor.fetchone()[0])


def projection_sweep() -> int:
    """Bring up to date the commitments still flagged stale: their own task was lost (broker down, dead worker).

    Returns how many were stale. Each one is refreshed on its own (row lock, idempotent); a backlog larger than
    SWEEP_BATCH is refreshed set-based by id, and one larger than MANY_MAX (a bulk load) takes the nightly run.
    """
    stale = list(
        Commitment.objects.filter(needs_projection=True).order_by("pk").values_list("pk", flat=True)[: SWEEP_BATCH + 1]
    )
    if len(stale) > SWEEP_BATCH:
        backlog = list(
            Commitment.objects.filter(needs_projection=True).order_by("pk").values_list("pk", flat=True)[: MANY_MAX + 1]
        )
        if len(backlog) > MANY_MAX:
            count = Commitment.objects.filter(needs_projection=True).count()
            projection_refresh_all()
            return count
        projection_refresh_many(commitment_ids=backlog)
        return len(backlog)
    for commitment_id in stale:
        projection_refresh(commitment_id=commitment_id)
    return len(stale)


def projection_refresh_all(*, as_of: date | None = None) -> int:
    """Bring every commitment's rows up to date in one set-based statement, keep the day's totals as a snapshot.

    Returns the number of projection rows. Only rows whose numbers changed are written (engine.merge); an empty
    table takes every row as it comes (engine.insert_all).

    One REPEATABLE READ transaction: readers see the old rows or the new ones, never half; the stale flags are
    cleared only for rows this run saw (a commitment changed meanwhile keeps its flag for the next run).
    """
    as_of = as_of or timezone.localdate()
    params = _params(as_of, as_of=as_of)
    outermost = not connection.in_atomic_block  # (inside a caller's transaction its isolation level applies)
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        # Locked before the first query takes the snapshot: a single-commitment refresh either committed before
        # it (and is seen) or waits for this run.
        cursor.execute(engine.LOCK_FOR_NIGHTLY)
        # Memory per sort and hash of this run (several are alive at once); LOCAL ends with this transaction.
        cursor.execute(engine.WORK_MEM, [settings.PROJECTION_WORK_MEM])
        cursor.execute(engine.ANY_ROW)
        if cursor.fetchone()[0]:
            cursor.execute(engine.merge(engine.EVERY), params)
        elif outermost:  # (a caller's transaction may hold deferred checks on the table: no ALTER then)
            with bulk.without_indexes(cursor):
                cursor.execute(engine.insert_all(), params)
        else:
            cursor.execute(engine.insert_all(), params)
        cursor.execute(engine.SNAPSHOT_DELETE, params)
        cursor.execute(engine.SNAPSHOT, params)
        rows = int(cursor.fetchone()[0])
        marks.state_write(cursor, as_of=as_of, as_of_fy=params["as_of_fy"], full=True)
        try:
            with transaction.atomic(), connection.cursor() as clearing:
                clearing.execute(marks.CLEAR_SEEN)
                Commitment.objects.filter(needs_projection=True).update(needs_projection=False)
        except OperationalError:  # changed since this run's snapshot: stale until its own task or the next run
            logger.info("marks and stale flags left for commitments changed during the run")
    return rows
