"""The marks of commitments to re-project (ProjectionChange, kept by triggers) and the as-of state of the stored rows
(ProjectionState), as statements the projection services run on their own cursor inside their transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from psycopg import sql

from commitments.models import Commitment, Contract, ProjectionChange, ProjectionState

_CHANGES = sql.Identifier(ProjectionChange._meta.db_table)
_STATE = sql.Identifier(ProjectionState._meta.db_table)
_COMMITMENT = sql.Identifier(Commitment._meta.db_table)

# Taking the marks deletes them first, then the caller projects in a later statement: a writer still in progress
# holds its mark's row lock (the triggers upsert), so the DELETE waits for it to commit and the projection's own
# snapshot, taken after, reads its books; a mark committed after the DELETE's snapshot stays for the next run.
TAKE_ALL = sql.SQL("DELETE FROM {} RETURNING commitment_id").format(_CHANGES)
# A refresh takes its commitments' marks and reads the stored rows' fiscal year in one round trip (a data-modifying
# WITH runs whether or not it is read).
TAKE_IDS = sql.SQL(
    """WITH taken AS (DELETE FROM {} WHERE commitment_id = ANY(%(ids)s::bigint[]))
       SELECT (SELECT as_of_fy FROM {} WHERE id = 1)"""
).format(_CHANGES, _STATE)
MARK_IDS = sql.SQL(
    """INSERT INTO {} (commitment_id, changed_at) SELECT i, now() FROM unnest(%(ids)s::bigint[]) AS i ORDER BY i
       ON CONFLICT (commitment_id) DO UPDATE SET changed_at = EXCLUDED.changed_at"""
).format(_CHANGES)
# The full run clears the marks its snapshot saw (REPEATABLE READ: later ones stay).
CLEAR_SEEN = sql.SQL("DELETE FROM {}").format(_CHANGES)

STATE_READ = sql.SQL("SELECT as_of_fy FROM {} WHERE id = 1").format(_STATE)
STATE_WRITE = sql.SQL(
    """INSERT INTO {} AS s (id, as_of, as_of_fy, full_at, updated_at) VALUES (1, %(as_of)s, %(as_of_fy)s,
              CASE WHEN %(full)s THEN %(now)s END, %(now)s)
       ON CONFLICT (id) DO UPDATE SET as_of = EXCLUDED.as_of, as_of_fy = EXCLUDED.as_of_fy,
              full_at = COALESCE(EXCLUDED.full_at, s.full_at), updated_at = EXCLUDED.updated_at"""
).format(_STATE)

# Commitments still flagged stale (their own task lost) among the projected ones: the night takes them too.
FLAGGED = sql.SQL(
    "SELECT id FROM {} WHERE needs_projection AND status = ANY(%(projected)s) ORDER BY id LIMIT %(limit)s"
).format(_COMMITMENT)
UNFLAG_IDS = sql.SQL(
    'UPDATE {} SET "needs_projection" = false WHERE id = ANY(%(ids)s::bigint[]) AND needs_projection'
).format(_COMMITMENT)

# The commitments whose rows depend on the as-of fiscal year and differ between years a and b: live authority
# (engine.commitments_part: a live state, the year not past the contract deadline year) whose liveness changes, or
# that is live in b and whose spread starts in another year (the as-of year clamped into the span). Authority not
# live in either year is spread over no year in both, and authority its contracts take whole leaves nothing to
# spread (its contracts' total read last, for the few commitments the other conditions leave).
YEAR_DEPENDENT = sql.SQL(
    """SELECT id FROM (
           SELECT id, COALESCE(contract_until_fy, authorized_fy)::int AS deadline,
                  first_burden_fy::int AS first_fy, last_burden_fy::int AS last_fy,
                  COALESCE(limit_yen, estimated_limit_yen, 0)::bigint AS amount
             FROM {commitment}
            WHERE status = ANY(%(live)s) AND COALESCE(limit_yen, estimated_limit_yen, 0) > 0) AS c
        WHERE ((%(a)s::int <= deadline) <> (%(b)s::int <= deadline)
               OR (%(b)s::int <= deadline
                   AND GREATEST(first_fy, LEAST(%(a)s::int, last_fy))
                       <> GREATEST(first_fy, LEAST(%(b)s::int, last_fy))))
          AND amount > COALESCE((SELECT SUM(k.amount_yen) FROM {contract} k WHERE k.commitment_id = c.id), 0)
        ORDER BY id"""
).format(commitment=_COMMITMENT, contract=sql.Identifier(Contract._meta.db_table))


def state_fy(cursor: Any) -> int | None:
    """The fiscal year the stored rows were last brought up to date for, or None before any run (only the runs,
    which hold the projection table in EXCLUSIVE mode, write it)."""
    cursor.execute(STATE_READ)
    row = cursor.fetchone()
    return None if row is None else int(row[0])


def state_write(cursor: Any, *, as_of: date, as_of_fy: int, full: bool) -> None:
    """Record that the rows not marked now equal a recomputation as of `as_of`."""
    cursor.execute(STATE_WRITE, {"as_of": as_of, "as_of_fy": as_of_fy, "full": full, "now": timezone.now()})


def ids_of(cursor: Any) -> list[int]:
    """The first column of the rows the cursor's last statement returned, as ints."""
    return [int(pk) for (pk,) in cursor.fetchall()]
