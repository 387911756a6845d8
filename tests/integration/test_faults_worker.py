"""Fault: the worker running the nightly project_all is SIGKILLed (its whole process group); a new worker finishes it.

The message was never acknowledged (CELERY_TASK_ACKS_LATE): Redis hands it out again after the visibility timeout,
set to 5 s for this test. project_all is one transaction, so readers see the previous complete projection until the
new run commits, and the result equals a clean run from an empty table.
"""

from __future__ import annotations

import signal
import time

import psycopg
import redis

from tests.support.faults import CHECKSUM, DUPLICATES, FaultStack, fault_stack, stack, wait_for

__all__ = ["fault_stack", "stack"]

VISIBILITY = 5
# The run's last statement: clearing the stale flags, after the merge and the snapshot were written.
FLAG_UPDATE = 'UPDATE "commitments_commitment" SET "needs_projection" = false%'


def _running_project_all(stack: FaultStack, db: str) -> tuple[int, ...] | None:
    rows = stack.sql(
        db,
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND state = 'active' AND wait_event_type = 'Lock'"
        " AND backend_xid IS NOT NULL AND query LIKE %s",
        [db, FLAG_UPDATE],
    )
    return rows[0] if rows else None


def test_worker_killed_in_the_middle_of_project_all_and_the_task_redelivered(stack: FaultStack) -> None:
    db = stack.new_database("faults_worker")
    env = stack.env(db, CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY))
    stack.manage(env, "generate_commitments", "20000", "--seed", "11", "--organization", "障害試験団体")
    # Yesterday's complete set as of an earlier date: today's run changes part of it.
    stack.manage(env, "project_outflows", "--all", "--as-of", "2025-06-01")
    before = stack.sql(db, CHECKSUM)[0]
    assert before[0] > 90_000
    [(changed,)] = stack.sql(
        db,
        "UPDATE commitments_commitment SET needs_projection = true WHERE id = (SELECT min(id) FROM"
        " commitments_commitment WHERE status = 'active') RETURNING id",
    )

    # A clerk's transaction holds the changed commitment: the run will wait there after writing everything else.
    holder = psycopg.connect(stack.url(db))
    try:
        holder.execute("SELECT id FROM commitments_commitment WHERE id = %s FOR NO KEY UPDATE", [changed])
        first = stack.worker(env, "nightly-1", pool="prefork")
        task = stack.publisher(VISIBILITY).send_task("commitments.tasks.project_all")
        [backend] = wait_for(lambda: _running_project_all(stack, db), timeout=60, what="project_all writing")
        assert stack.sql(db, CHECKSUM)[0] == before  # a reader in the middle of the run: the old complete set
        assert stack.sql(db, "SELECT count(*) FROM commitments_projectionsnapshot WHERE as_of = current_date") == [(0,)]

        first.kill(signal.SIGKILL)
        killed_at = time.monotonic()
        wait_for(first.group_gone, timeout=10, what="every process of the killed worker gone")
        broker = redis.Redis.from_url(stack.redis.url)
        assert broker.hlen("unacked") == 1 and broker.llen("celery") == 0  # not acknowledged, not lost
    finally:
        holder.rollback()
        holder.close()
    # Without its client the backend's transaction cannot commit: it ends when it notices, rolled back.
    wait_for(
        lambda: not stack.sql(db, "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend]),
        timeout=30,
        what="the killed run's backend gone",
    )
    assert stack.sql(db, CHECKSUM)[0] == before
    assert not task.ready()

    # A new worker started once the message is older than the visibility timeout takes it back at start-up.
    [(_, delivered_at)] = broker.zrange("unacked_index", 0, -1, withscores=True)
    wait_for(lambda: time.time() - delivered_at > VISIBILITY + 0.5, timeout=VISIBILITY + 5, what="visibility timeout")
    second = stack.worker(env, "nightly-2", pool="prefork")
    rows = task.get(timeout=90)
    redelivered = time.monotonic() - killed_at
    assert f"commitments.tasks.project_all[{task.id}] received" in second.text()

    after = stack.sql(db, CHECKSUM)[0]
    assert after[0] == rows and after != before
    assert stack.sql(db, DUPLICATES) == [(0,)]
    assert stack.sql(db, "SELECT count(*) FROM commitments_commitment WHERE needs_projection") == [(0,)]
    # The killed run left no snapshot: yesterday's and the redelivered run's, each cell once.
    snapshots = "SELECT count(DISTINCT as_of), count(*) = count(DISTINCT (as_of, organization_id, fiscal_year,"
    assert stack.sql(db, snapshots + " segment_id)) FROM commitments_projectionsnapshot") == [(2, True)]
    assert broker.hlen("unacked") == 0

    # A clean run from an empty table gives the same rows.
    stack.sql(db, "TRUNCATE commitments_projectionyear")
    stack.manage(env, "project_outflows", "--all")
    assert stack.sql(db, CHECKSUM)[0] == after
    print(f"{rows} rows; task redelivered and finished {redelivered:.1f} s after the kill")
