"""Deployment: two worker processes on one Redis and one PostgreSQL take duplicated work without duplicating anything.

project_all twice, every projection task three times for the same commitments, the report's beat tick twice: the
projection table equals a clean run, one row per commitment and year, and the report reaches the SMTP server once.
"""

from __future__ import annotations

import re

import redis
from aiosmtpd.controller import Controller

from devtools.servers import free_port
from tests.integration.conftest import _Inbox
from tests.support.faults import CHECKSUM, DUPLICATES, FaultStack, fault_stack, stack, wait_for

__all__ = ["fault_stack", "stack"]

SETUP = """
import json
from django.contrib.auth.models import Group
from tests.support.factories import make_org, make_commitment
from commitments.models import ReportSubscription
from commitments.services import reports
o = make_org("二台構成市")
make_commitment(o, limit_yen=30_000_000, last_burden_fy=2028)
s = ReportSubscription(name="月次報告（二台構成市）", organization=o.organization, first_business_day_only=False)
reports.subscription_save(subscription=s, actor=o.officer)
s.recipient_groups.set([Group.objects.get(name="management")])
print(json.dumps(s.pk))
"""


def _count(logs: str, task: str, outcome: str) -> int:
    return len(re.findall(rf"commitments\.tasks\.{task}\[[0-9a-f-]+\] {outcome}", logs))


def test_two_workers_share_duplicated_tasks_without_duplicates(stack: FaultStack) -> None:
    db = stack.new_database("faults_deployment")
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        env = stack.env(db, EMAIL_URL=f"smtp://127.0.0.1:{controller.port}")
        stack.manage(env, "generate_commitments", "3000", "--seed", "5", "--organization", "二台構成の合成団体")
        subscription = stack.shell(env, SETUP)
        stack.reset()  # only this test's tasks
        workers = [stack.worker(env, f"node{n}", pool="prefork", ready=False) for n in (1, 2)]
        for worker in workers:
            stack.wait_ready(worker)
        ids = [
            pk
            for (pk,) in stack.sql(
                db,
                "SELECT id FROM commitments_commitment c WHERE status IN ('approved', 'active')"
                " AND EXISTS (SELECT 1 FROM commitments_contract k WHERE k.commitment_id = c.id) ORDER BY id LIMIT 20",
            )
        ]
        assert len(ids) == 20

        app = stack.publisher()
        sent: list[tuple[str, object]] = []

        def send(task: str, *args: int) -> None:
            sent.append((task, app.send_task(f"commitments.tasks.{task}", args=list(args))))

        send("project_all")
        send("report_due", subscription)
        for round_ in range(3):
            for pk in ids:
                send("project_commitment", pk)
            if round_ == 0:
                send("project_all")
                send("report_due", subscription)
        values = [(task, result.get(timeout=120)) for task, result in sent]

        [(total, _)] = stack.sql(db, CHECKSUM)
        assert [v for task, v in values if task == "project_all"] == [total, total]
        assert {v for task, v in values if task == "project_commitment"} == {
            n
            for (n,) in stack.sql(
                db,
                "SELECT count(*) FROM commitments_projectionyear WHERE commitment_id = ANY(%s) GROUP BY commitment_id",
                [ids],
            )
        }
        [delivery] = {v for task, v in values if task == "report_due"}

        broker = redis.Redis.from_url(stack.redis.url)

        def sends_done() -> bool:
            """Every message taken and acknowledged (acks late: after the task), each report_send received done."""
            logs = "".join(w.text() for w in workers)
            received = _count(logs, "report_send", "received")
            idle = broker.llen("celery") == 0 and broker.hlen("unacked") == 0
            return idle and received >= 1 and received == _count(logs, "report_send", "succeeded")

        wait_for(sends_done, timeout=60, what="every report_send task done")
        logs = [w.text() for w in workers]
        assert all(_count(log, r"\w+", "succeeded") for log in logs), "both workers took tasks"
        assert "raised unexpected" not in "".join(logs)
        # No task had to be retried: a projection task and project_all take their locks in one order (no deadlock).
        assert [line for log in logs for line in log.splitlines() if " retry: " in line] == []

        after = stack.sql(db, CHECKSUM)[0]
        assert stack.sql(db, DUPLICATES) == [(0,)]
        assert stack.sql(db, "SELECT count(*) FROM commitments_commitment WHERE needs_projection") == [(0,)]
        assert stack.sql(
            db, "SELECT status, attempts FROM commitments_reportdelivery WHERE subscription_id = %s", [subscription]
        ) == [("sent", 1)]
        assert stack.sql(db, "SELECT id FROM commitments_reportdelivery") == [(delivery,)]
        [(recipients, message)] = inbox.messages
        assert recipients == ["manager@example.jp"]
        assert str(message["Subject"]).strip().endswith("月次報告（二台構成市）")
    finally:
        controller.stop()

    stack.sql(db, "TRUNCATE commitments_projectionyear")
    stack.manage(env, "project_outflows", "--all")
    assert stack.sql(db, CHECKSUM)[0] == after
    per_worker = [_count(log, r"\w+", "succeeded") for log in logs]
    print(f"{total} rows; tasks per worker {per_worker}; one e-mail")
