"""Fault: no SMTP server listens when a scheduled report is due; retried with back-off by the real worker.

One report gives up after REPORT_MAX_ATTEMPTS and says so in the delivery log; for the other the server starts after
the first refused connection, and it is delivered exactly once. (test_report_delivery covers a server that answers
451, with the in-process worker thread.)
"""

from __future__ import annotations

import re
from typing import Any

from aiosmtpd.controller import Controller

from devtools.servers import free_port
from tests.integration.conftest import _Inbox
from tests.support.faults import Browser, FaultStack, fault_stack, stack, wait_for

__all__ = ["fault_stack", "stack"]

SETUP = """
import json
from tests.support.factories import make_org, make_commitment
from commitments.models import ReportSubscription
from commitments.services import projection, reports
o = make_org("メール停止市")
projection.projection_refresh(commitment_id=make_commitment(o).pk)
ids = []
for name, address in (("月次報告（届かない）", "never@example.jp"), ("月次報告（後で届く）", "later@example.jp")):
    s = ReportSubscription(name=name, organization=o.organization, first_business_day_only=False,
                           extra_addresses=address)
    reports.subscription_save(subscription=s, actor=o.officer)
    ids.append(s.pk)
print(json.dumps(ids))
"""
DELIVERY = "SELECT status, attempts, error, recipients FROM commitments_reportdelivery WHERE id = %s"


def _delivery(stack: FaultStack, db: str, delivery_id: int) -> tuple[Any, ...]:
    return stack.sql(db, DELIVERY, [delivery_id])[0]


def _sends(log: str, outcome: str) -> int:
    return len(re.findall(rf"commitments\.tasks\.report_send\[[0-9a-f-]+\] {outcome}", log))


def test_smtp_down_then_up_for_a_scheduled_report(stack: FaultStack) -> None:
    db = stack.new_database("faults_smtp")
    smtp_port = free_port()  # nothing listens there yet
    env = stack.env(
        db,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}?timeout=5",
        REPORT_MAX_ATTEMPTS="5",
        REPORT_RETRY_BACKOFF="1",  # production: 60 s, doubling up to 30 minutes
        REPORT_RETRY_BACKOFF_MAX="8",
    )
    never, later = stack.shell(env, SETUP)
    stack.reset()  # the approval's projection task is not this test's business
    worker = stack.worker(env, "mailer")
    app = stack.publisher()

    # The server never comes: five attempts, then 失敗, every refused connection in the log.
    given_up = app.send_task("commitments.tasks.report_due", args=[never]).get(timeout=30)
    wait_for(lambda: _delivery(stack, db, given_up)[0] == "failed", timeout=60, what="the delivery failed")
    _, attempts, error, recipients = _delivery(stack, db, given_up)
    assert (attempts, recipients) == (5, "never@example.jp")
    assert [int(n) for n in re.findall(r"試行(\d): ConnectionRefusedError", error)] == [1, 2, 3, 4, 5]
    wait_for(lambda: _sends(worker.text(), "succeeded") == 1, timeout=15, what="the last attempt's task done")
    assert _sends(worker.text(), r"retry: Retry in \d+s") == 4

    # The server starts after the first refused connection: delivered once, on a later attempt.
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    try:
        delivered = app.send_task("commitments.tasks.report_due", args=[later]).get(timeout=30)
        wait_for(lambda: _delivery(stack, db, delivered)[:2] == ("retrying", 1), timeout=30, interval=0.01)
        controller.start()
        wait_for(lambda: _delivery(stack, db, delivered)[0] == "sent", timeout=60, what="the delivery sent")
        _, attempts, error, recipients = _delivery(stack, db, delivered)
        assert recipients == "later@example.jp" and 2 <= attempts <= 5
        assert error.count("ConnectionRefusedError") == attempts - 1
        assert re.search(r"試行1: ConnectionRefusedError", error)
        wait_for(lambda: _sends(worker.text(), "succeeded") == 2, timeout=15, what="the sending task done")

        # The beat tick again, the send task again, the failed one again: nothing more is sent.
        assert app.send_task("commitments.tasks.report_due", args=[later]).get(timeout=30) == delivered
        again = app.send_task("commitments.tasks.report_send", args=[delivered]).get(timeout=30)
        assert (again["sent"], again["note"]) == (False, "already sent")
        failed = app.send_task("commitments.tasks.report_send", args=[given_up]).get(timeout=30)
        assert (failed["sent"], failed["note"]) == (False, "failed; use resend")
        [(rcpt, message)] = inbox.messages
        assert rcpt == ["later@example.jp"]
        assert re.fullmatch(r"【債務負担行為】令和\d+年\d+月 月次報告（メール停止市）", str(message["Subject"]).strip())
        assert _delivery(stack, db, given_up)[:2] == ("failed", 5)
    finally:
        controller.stop()

    # The delivery log in the admin shows the failure and its attempts.
    _, port = stack.web(env)
    officer = Browser(port)
    officer.login("/admin/login/", "officer", "pw-officer")
    page = officer.get(f"/admin/commitments/reportdelivery/{given_up}/change/")
    assert page.status == 200
    assert "失敗" in page.text and "試行5: ConnectionRefusedError" in page.text
    delays = re.findall(r"report_send\[[0-9a-f-]+\] retry: Retry in (\d+)s", worker.text())
    print(f"delivered on attempt {attempts}; the other failed after 5 attempts; retry delays (s) {delays}")
