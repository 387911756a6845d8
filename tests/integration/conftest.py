"""Fixtures for integration tests: a real Celery worker over the session's Redis, a real SMTP server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from celery.signals import setup_logging

from devtools.servers import free_port
from tests.support.polling import wait_for


@setup_logging.connect
def _keep_pytest_logging(**kwargs: Any) -> None:
    """Stop the embedded worker from replacing pytest's log handlers."""


_worker_running = False


def _worker_idle() -> bool:
    """No task waiting in the broker and none being run by this process's worker."""
    import redis
    from celery.worker import state
    from django.conf import settings

    queued = redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("celery")
    return queued == 0 and not state.active_requests and not state.reserved_requests


@pytest.fixture(autouse=True)
def _settle_worker(request: pytest.FixtureRequest) -> Iterator[None]:
    """Let the worker finish the tasks a transactional test queued before the database is flushed.

    A projection task still writing while the flush truncates the tables deadlocks with it. Requesting
    transactional_db from here makes its flush run after this fixture's teardown.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
    yield
    if _worker_running:
        wait_for(_worker_idle, timeout=30)


@pytest.fixture(scope="session")
def celery_worker(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    """A Celery worker thread consuming from the real Redis broker, against the test database."""
    import celery.contrib.testing.tasks  # noqa: F401  (registers the ping task)

    from jlis_commitments.celery import app

    global _worker_running
    with django_db_blocker.unblock():
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=True, shutdown_timeout=60) as worker:
            _worker_running = True
            try:
                yield worker
            finally:
                _worker_running = False


class _Inbox:
    """Messages received by the SMTP server."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[_Inbox]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; Django's SMTP backend is pointed at it."""
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def org(db: None) -> Any:
    """One organization with segments and role users."""
    from tests.support.factories import make_org

    return make_org()


@pytest.fixture(autouse=True)
def _roles(request: pytest.FixtureRequest) -> None:
    """Transactional tests flush the database, migration data included: put the role groups back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        if "db" not in request.fixturenames:
            return
        request.getfixturevalue("db")
    elif marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
    else:
        request.getfixturevalue("db")
    from django.apps import apps

    from commitments.roles import roles_ensure

    roles_ensure(apps)
