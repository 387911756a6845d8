"""Fixtures shared by the integration and browser tests: the session's one real Celery worker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import setup_logging

from tests.support.worker import RUNNING


@setup_logging.connect
def _keep_pytest_logging(**kwargs: Any) -> None:
    """Stop the embedded worker from replacing pytest's log handlers."""


@pytest.fixture(scope="session")
def celery_worker(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    """A Celery worker thread consuming from the real Redis broker, against the test database (one per session:
    tests.support.worker says why)."""
    import celery.contrib.testing.tasks  # noqa: F401  (registers the ping task)

    from jlis_commitments.celery import app

    if RUNNING.is_set():
        raise RuntimeError("an embedded Celery worker already runs in this process; use the session's celery_worker")
    with django_db_blocker.unblock():
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=True, shutdown_timeout=60) as worker:
            RUNNING.set()
            try:
                yield worker
            finally:
                RUNNING.clear()
