"""Fault: the Redis server stops while an approver approves in the admin; the sweep catches up once it is back.

The web application runs under gunicorn and the worker as a real Celery process, both on this test's own PostgreSQL
and Redis (tests/support/faults.py), so stopping Redis disturbs nothing else. The weaker in-process version with a
closed port is test_projection_jobs.test_broker_unreachable_leaves_the_commitment_stale_until_the_sweep.
"""

from __future__ import annotations

import json
import time

from django.conf import settings

from devtools.servers import port_is_free
from tests.support.faults import SETUP_ORG, Browser, FaultStack, fault_stack, stack, wait_for

__all__ = ["fault_stack", "stack"]

CHANGELIST = "/admin/commitments/commitment/"
STALE_PAGE = "推計を更新中です：1 件の債務負担行為は最新の変更がまだ反映されていません"
STALE_DETAIL = "推計を更新中です：この債務負担行為の最新の変更はまだ下の表に反映されていません。"
# 12,000,000 yen over FY2017–2019 equally, nothing contracted; authority of FY2017 long past: nothing uncontracted.
EXPECTED_ROWS = [(2017, 4_000_000, 0, 0, 0), (2018, 4_000_000, 0, 0, 0), (2019, 4_000_000, 0, 0, 0)]


def _approve(browser: Browser, commitment_id: int) -> tuple[int, str, float]:
    started = time.monotonic()
    response = browser.post(
        CHANGELIST,
        {
            "action": "approve_selected",
            "_selected_action": [commitment_id],
            "confirm": "1",
            "resolution": "令和8年第4回定例会 議案第12号",
        },
    )
    return response.status, response.headers.get("location", ""), time.monotonic() - started


def _state(stack: FaultStack, db: str, commitment_id: int) -> tuple[str, bool, list[tuple[int, ...]]]:
    [(status, stale)] = stack.sql(
        db, "SELECT status, needs_projection FROM commitments_commitment WHERE id = %s", [commitment_id]
    )
    rows = stack.sql(
        db,
        "SELECT fiscal_year, planned_yen, paid_yen, contracted_yen, uncontracted_yen FROM commitments_projectionyear"
        " WHERE commitment_id = %s ORDER BY fiscal_year",
        [commitment_id],
    )
    return status, stale, rows


def test_redis_stopped_while_an_approver_approves_then_the_sweep_catches_up(stack: FaultStack) -> None:
    db = stack.new_database("faults_broker")
    env = stack.env(db)
    first, second = stack.shell(env, SETUP_ORG.format(name="ブローカー停止市", count=2))["submitted"]
    stack.worker(env, "projector")
    web, port = stack.web(env)
    approver = Browser(port)
    approver.login("/admin/login/", "approver", "pw-approver")

    # Redis up: the approval is projected by the worker (the web process now holds a broker connection).
    assert _approve(approver, first)[:2] == (302, CHANGELIST)
    wait_for(lambda: _state(stack, db, first) == ("approved", False, EXPECTED_ROWS), timeout=30, what="first projected")

    stack.redis.stop()
    assert port_is_free(stack.redis.port)  # the server process is gone, not just unreachable

    status, location, seconds = _approve(approver, second)
    assert (status, location) == (302, CHANGELIST)  # no error page: the approval went through
    assert seconds < 10, f"the approval waited {seconds:.1f} s for the broker"
    listing = approver.get(CHANGELIST)
    assert listing.status == 200
    assert "1 件を承認しました。" in listing.text
    assert _state(stack, db, second) == ("approved", True, [])  # committed, flagged stale, not projected
    assert f"could not queue project_commitment({second}); left for the sweep" in web.text()
    print(f"approval with Redis stopped answered in {seconds:.2f} s")

    auditor = Browser(port)
    auditor.login("/accounts/login/", "auditor", "pw-auditor")
    exposure = auditor.get("/exposure/")
    assert exposure.status == 200 and STALE_PAGE in exposure.text
    detail = auditor.get(f"/commitments/{second}/")
    assert detail.status == 200 and STALE_DETAIL in detail.text
    assert STALE_DETAIL not in auditor.get(f"/commitments/{first}/").text
    health = Browser(port).get("/healthz")
    body = json.loads(health.text)
    assert health.status == 503
    assert (body["ok"], body["database"]["ok"], body["broker"]["ok"]) == (False, True, False)

    # Redis back (empty: it keeps nothing on disk here). The beat's sweep, run by the same worker, catches up.
    stack.redis.start()
    assert settings.CELERY_BEAT_SCHEDULE["projections-sweep"]["task"] == "commitments.tasks.projections_sweep"
    swept = stack.publisher().send_task("commitments.tasks.projections_sweep")
    assert swept.get(timeout=60) == 1  # one stale commitment brought up to date
    assert _state(stack, db, second) == ("approved", False, EXPECTED_ROWS)
    assert _state(stack, db, first) == ("approved", False, EXPECTED_ROWS)
    assert "推計を更新中です" not in auditor.get("/exposure/").text
    assert "推計を更新中です" not in auditor.get(f"/commitments/{second}/").text
    health = Browser(port).get("/healthz")
    assert health.status == 200 and json.loads(health.text)["broker"]["ok"] is True
