"""Line 5: approve one commitment and wait until a real Celery worker has written its projection rows.

The bench's database is a scratch one, so a worker already running elsewhere (reading the real database) cannot
take part: the bench starts a worker thread in this process, consuming from a queue of its own on the configured
broker, and checks with `app.control.ping` that it answers before measuring.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery.signals import setup_logging

from commitments.models import Commitment, ProjectionYear
from commitments.services import approval
from devtools.benchmarks.data import BenchData
from devtools.benchmarks.measure import Line, median, seconds, skipped

TARGET = "< 1 s"
WHAT = "approve → projection visible (real worker)"


def _quiet_logging(**kwargs: Any) -> None:
    """Keep the embedded worker from reconfiguring this process's logging."""


def _broker_problem(app: Any) -> str | None:
    """None when the broker accepts a connection, else why not."""
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # reported as the reason for skipping
        return f"the configured broker is unreachable ({type(exc).__name__}: {exc})"
    return None


@contextmanager
def _worker(app: Any) -> Iterator[Any]:
    """A solo-pool worker thread on a private queue; tasks published meanwhile go to that queue."""
    from celery.contrib.testing.worker import start_worker

    queue = f"bench-{secrets.token_hex(4)}"
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    setup_logging.connect(_quiet_logging, weak=False)
    try:
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, queues=[queue]) as worker:
            yield worker
    finally:
        setup_logging.disconnect(_quiet_logging)
        app.conf.task_default_queue = default_queue


def _submitted(data: BenchData, n: int) -> list[Commitment]:
    """`n` commitments entered and submitted by the officer, through the services."""
    first = data.as_of_fy
    made = []
    for i in range(n):
        commitment = approval.commitment_create(
            actor=data.officer,
            organization=data.organization,
            segment=data.segment,
            matter=f"ベンチマーク承認 {i + 1}",
            limit_yen=12_000_000,
            limit_text="",
            authorized_fy=first,
            first_burden_fy=first,
            last_burden_fy=first + 3,
        )
        made.append(approval.commitment_submit(actor=data.officer, commitment=commitment))
    return made


def _approve_and_wait(data: BenchData, commitment: Commitment, timeout: float = 30.0) -> float:
    started = time.perf_counter()
    approval.commitment_approve(actor=data.approver, commitment=commitment, resolution="ベンチマーク")
    while not ProjectionYear.objects.filter(commitment_id=commitment.pk).exists():
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"no projection rows {timeout:.0f} s after the approval")
        time.sleep(0.002)
    return time.perf_counter() - started


def measure_approval(data: BenchData, *, times: int = 5, use_worker: bool = True) -> Line:
    """5: the time from the approval call to the first projection row read back, median of `times`."""
    if not use_worker:
        return skipped("5", WHAT, TARGET, "--no-worker given")
    from jlis_commitments.celery import app

    problem = _broker_problem(app)
    if problem:
        return skipped("5", WHAT, TARGET, problem)
    commitments = _submitted(data, times)
    with _worker(app) as worker:
        replies = app.control.ping(destination=[worker.hostname], timeout=2.0)
        if not replies:
            return skipped("5", WHAT, TARGET, f"the worker {worker.hostname} did not answer app.control.ping")
        samples = [_approve_and_wait(data, c) for c in commitments]
    mid = median(samples)
    return Line(
        key="5",
        what=WHAT,
        figure=f"median {seconds(mid)}, max {seconds(max(samples))}",
        target=TARGET,
        met=mid < 1.0,
        note=(
            f"{times} approvals; commitment_approve → on_commit → the configured broker → worker thread "
            "(solo pool, private queue) → projection_refresh → row read back by polling every 2 ms"
        ),
        values={"median": mid, "samples": samples},
    )
