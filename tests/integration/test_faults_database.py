"""Fault: PostgreSQL stops under a running worker and web server, then starts again on the same port and data.

Tasks queued during the outage fail with OperationalError, are retried with back-off by the real worker, and succeed
once the server is back; meanwhile the web answers 503 with the Japanese maintenance page and /healthz says so.
"""

from __future__ import annotations

import json
import re
import time

from commitments import tasks
from devtools.servers import port_is_free
from tests.support.faults import Browser, FaultStack, fault_stack, stack, wait_for

__all__ = ["fault_stack", "stack"]

# Approved through the services; their projection tasks are dropped (Redis flushed) so only this test's tasks run.
SETUP = """
import json
from tests.support.factories import make_org, make_commitment
o = make_org("データベース停止市")
ids = [make_commitment(o, matter=f"停止中に推計する事項{i + 1}", limit_yen=9_000_000, last_burden_fy=2019).pk
       for i in range(3)]
print(json.dumps(ids))
"""
MAINTENANCE = "データベースに接続できないため、ただいま処理できません。"


def test_database_tasks_wait_out_an_outage_of_minutes_not_seconds() -> None:
    """The back-off of every database task spans a restart or failover (it gave up after 31 s at most)."""
    for task in (
        tasks.project_commitment,
        tasks.project_all,
        tasks.projections_sweep,
        tasks.close_fiscal_years,
        tasks.report_due,
        tasks.reports_sweep,
    ):
        caps = [min(task.retry_backoff * 2**n, task.retry_backoff_max) for n in range(task.max_retries)]
        assert task.retry_jitter and sum(caps) == 1710, task.name  # 28.5 minutes at most, about 14 on average


def test_postgres_restarted_under_a_running_worker(stack: FaultStack) -> None:
    db = stack.new_database("faults_database")
    env = stack.env(db)
    ids = stack.shell(env, SETUP)
    stack.reset()  # drops the approvals' queued tasks: nothing projected them
    assert stack.sql(db, "SELECT count(*) FROM commitments_projectionyear") == [(0,)]
    worker = stack.worker(env, "projector")
    web, port = stack.web(env)
    auditor = Browser(port)
    auditor.login("/accounts/login/", "auditor", "pw-auditor")
    assert auditor.get("/exposure/").status == 200  # the web and the worker hold live connections now

    stack.pg.stop()
    assert port_is_free(stack.pg.port)
    outage_started = time.monotonic()
    app = stack.publisher()
    results = [app.send_task("commitments.tasks.project_commitment", args=[pk]) for pk in ids]
    results.append(app.send_task("commitments.tasks.project_all"))

    # Every task has failed on the database twice and is waiting for its next retry (back-off 2 then 4 s, jittered).
    def retried() -> bool:
        log = worker.text()
        return all(len(re.findall(rf"\[{r.id}\] retry: Retry in \d+s: OperationalError", log)) >= 2 for r in results)

    wait_for(retried, timeout=30, interval=0.1, what="two retries of every task")

    page = auditor.get("/exposure/")
    assert page.status == 503
    assert page.headers["retry-after"] == "30"
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert MAINTENANCE in page.text and "Traceback" not in page.text
    admin = Browser(port)
    login = admin.get("/admin/login/")
    assert login.status == 200  # the login form needs no database
    refused = admin.post("/admin/login/", {"username": "approver", "password": "pw-approver"})
    assert refused.status == 503 and MAINTENANCE in refused.text
    health = Browser(port).get("/healthz")
    body = json.loads(health.text)
    assert health.status == 503
    assert (body["ok"], body["database"]["ok"], body["broker"]["ok"]) == (False, False, True)
    assert body["database"]["error"] == "OperationalError"

    stack.pg.start()  # same port, same data directory
    outage = time.monotonic() - outage_started
    assert [r.get(timeout=90) for r in results[:-1]] == [3, 3, 3]
    assert results[-1].get(timeout=90) == 9  # project_all: every projection row (3 commitments × 3 years)
    rows = stack.sql(
        db,
        "SELECT commitment_id, count(*), sum(planned_yen) FROM commitments_projectionyear GROUP BY 1 ORDER BY 1",
    )
    assert rows == [(pk, 3, 9_000_000) for pk in ids]
    assert stack.sql(db, "SELECT count(*) FROM commitments_commitment WHERE needs_projection") == [(0,)]
    log = worker.text()
    retries = {r.id: len(re.findall(rf"\[{r.id}\] retry: Retry in", log)) for r in results}
    assert all(n >= 2 for n in retries.values())
    assert "Traceback" not in web.text()
    page = auditor.get("/exposure/")
    assert page.status == 200 and "推計を更新中です" not in page.text
    health = Browser(port).get("/healthz")
    assert health.status == 200 and json.loads(health.text)["database"]["ok"] is True
    print(f"outage {outage:.1f} s; retries per task {sorted(retries.values())}")
