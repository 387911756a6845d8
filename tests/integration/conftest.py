"""Fixtures for integration tests: the worker settled after each test (the worker itself: tests/conftest.py), a
real SMTP server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from devtools.servers import free_port
from tests.support.polling import wait_for
from tests.support.worker import RUNNING, worker_idle


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
    if RUNNING.is_set():
        wait_for(worker_idle, timeout=30)


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
