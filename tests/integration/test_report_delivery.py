"""Exactly once against PostgreSQL and a real SMTP server: duplicate tasks, racing threads, refusals and retries."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django_scopes import scopes_disabled

from commitments.models import ReportDelivery, ReportSubscription
from commitments.reporting.period import period_parse
from commitments.services import projection
from commitments.services import reports as report_services
from commitments.tasks import report_send
from devtools.servers import free_port
from tests.integration.conftest import _Inbox
from tests.support.factories import make_commitment, make_org
from tests.support.polling import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
APRIL = period_parse("monthly", "2026-04")


class RefusingInbox(_Inbox):
    """Answers 451 (try again later) to the first `refuse` messages, then accepts."""

    def __init__(self, refuse: int) -> None:
        super().__init__()
        self.refuse = refuse
        self.refused = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.refused < self.refuse:
                self.refused += 1
                return "451 4.3.0 Mail server temporarily busy, try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def refusing_smtp(settings: Any) -> Iterator[Any]:
    """Start a refusing SMTP server on 127.0.0.1: `start(refuse=n)` returns its inbox."""
    controllers: list[Controller] = []

    def start(refuse: int) -> RefusingInbox:
        inbox = RefusingInbox(refuse)
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        return inbox

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def subscription(celery_worker: Any) -> ReportSubscription:
    """A monthly summary of a small organization to its management group (the worker runs for queued tasks)."""
    o = make_org()
    commitment = make_commitment(o)
    projection.projection_refresh(commitment_id=commitment.pk)
    subscription = ReportSubscription(name="月次報告", organization=o.organization, first_business_day_only=False)
    report_services.subscription_save(subscription=subscription, actor=o.officer)
    subscription.recipient_groups.set([Group.objects.get(name="management")])
    return subscription


def test_two_threads_racing_for_one_period_send_one_message(subscription, smtp_server):
    outcomes: list[report_services.SendOutcome] = []
    errors: list[BaseException] = []
    for period in ("2026-04", "2026-05", "2026-06"):
        barrier = threading.Barrier(2)

        def run(key: str = period, gate: threading.Barrier = barrier) -> None:
            try:
                gate.wait(timeout=10)
                with scopes_disabled():  # a new thread starts with no scope: run as the tests' own thread does
                    outcomes.append(
                        report_services.subscription_send_sync(
                            subscription=subscription, period=period_parse("monthly", key)
                        )
                    )
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == []
    assert len(smtp_server.messages) == 3
    assert sorted(o.sent for o in outcomes) == [False, False, False, True, True, True]
    assert {o.note for o in outcomes if not o.sent} <= {"already sent", "being sent by another worker"}
    deliveries = ReportDelivery.objects.filter(subscription=subscription)
    assert sorted(deliveries.values_list("period", "status", "attempts")) == [
        ("2026-04", "sent", 1),
        ("2026-05", "sent", 1),
        ("2026-06", "sent", 1),
    ]


def test_the_send_task_run_twice_through_the_worker_sends_once(subscription, smtp_server):
    delivery, _ = report_services.delivery_claim(subscription=subscription, period=APRIL, trigger="schedule")
    first, second = report_send.delay(delivery.pk), report_send.delay(delivery.pk)
    results = [first.get(timeout=30), second.get(timeout=30)]
    assert sorted(r["sent"] for r in results) == [False, True]
    assert len(smtp_server.messages) == 1
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["manager@example.jp"]
    assert str(message["Subject"]).strip() == "【債務負担行為】令和8年4月 月次報告（テスト市）"


def test_smtp_refusing_the_first_attempt_is_retried_by_the_worker(subscription, refusing_smtp, settings):
    settings.REPORT_RETRY_BACKOFF = 0  # no wait between attempts in the test; production backs off 60 s, 120 s …
    inbox = refusing_smtp(refuse=1)
    delivery, _ = report_services.delivery_claim(subscription=subscription, period=APRIL, trigger="schedule")
    report_send.delay(delivery.pk)
    wait_for(lambda: inbox.messages, timeout=30)
    delivery.refresh_from_db()
    wait_for(lambda: ReportDelivery.objects.get(pk=delivery.pk).status == "sent", timeout=10)
    delivery.refresh_from_db()
    assert inbox.refused == 1 and len(inbox.messages) == 1
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert "試行1: SMTPDataError: (451" in delivery.error  # the delivery log shows the retry


def test_smtp_refusing_every_attempt_ends_failed_after_the_maximum(subscription, refusing_smtp, settings):
    settings.REPORT_RETRY_BACKOFF = 0
    settings.REPORT_MAX_ATTEMPTS = 3
    inbox = refusing_smtp(refuse=99)
    delivery, _ = report_services.delivery_claim(subscription=subscription, period=APRIL, trigger="schedule")
    report_send.delay(delivery.pk)
    wait_for(lambda: ReportDelivery.objects.get(pk=delivery.pk).status == "failed", timeout=30)
    delivery.refresh_from_db()
    assert inbox.refused == 3 and inbox.messages == []
    assert delivery.attempts == 3
    assert delivery.error.count("SMTPDataError") == 3
    # A failed delivery stays failed: another run of the task does not try again (resend is explicit).
    assert report_send.delay(delivery.pk).get(timeout=30)["note"] == "failed; use resend"
    assert inbox.refused == 3


def test_send_report_command_retries_after_a_refused_connection_and_then_says_it_was_sent(
    subscription, smtp_server, settings
):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there: connection refused
    with pytest.raises(CommandError, match="送信に失敗しました（試行 1 回目"):
        call_command("send_report", "--subscription", "月次報告", "--period", "2026-04", stdout=io.StringIO())
    delivery = ReportDelivery.objects.get()
    assert delivery.status == "retrying" and "ConnectionRefusedError" in delivery.error

    settings.EMAIL_PORT = port
    out = io.StringIO()
    call_command("send_report", "--subscription", "月次報告", "--period", "2026-04", stdout=out)
    assert "manager@example.jp に送信しました" in out.getvalue()
    out = io.StringIO()
    call_command("send_report", "--subscription", "月次報告", "--period", "2026-04", stdout=out)
    assert "送信済みのため、送信しませんでした" in out.getvalue()
    assert len(smtp_server.messages) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.trigger) == ("sent", 2, "command")
