"""Fault: Redis (broker and result backend) stops under a web process that has used it; no request waits for it.

Before, each task a request queued waited ≈19 s for Celery's Redis result backend to give up reconnecting its result
subscription (a 3-item bulk approval took 57 s, and gunicorn's 30 s timeout turned a payment CSV that had committed
into a 500). The bound below is a dead-server wait, not a speed figure: an answer within a few seconds, not minutes.
"""

from __future__ import annotations

import time
from pathlib import Path

from devtools.servers import port_is_free
from tests.support.faults import Browser, FaultStack, fault_stack, stack, wait_for

__all__ = ["fault_stack", "stack"]

ROOT = Path(__file__).resolve().parents[2]
R8 = ROOT / "commitments" / "data" / "fuji" / "fuji_R08_2026_dai2hyo_saimufutankoui.csv"
CHANGELIST = "/admin/commitments/commitment/"
IMPORT_ADD = "/admin/commitments/importjob/add/"
PAYMENT_UPLOAD = "/admin/commitments/payment/upload/"
BOUND_SECONDS = 5.0

# Nine submitted commitments (12,000,000 yen, FY2017–2019) and one approved with three contracts signed 2017-06-01.
SETUP = """
import json
from datetime import date
from tests.support.factories import make_org, make_commitment, make_contract
from commitments.services import approval
o = make_org("ブローカー停止町")
ids = []
for i in range(9):
    c = make_commitment(o, approve=False, matter=f"停止試験の事項{i + 1}", limit_yen=12_000_000, last_burden_fy=2019)
    approval.commitment_submit(actor=o.officer2, commitment=c)
    ids.append(c.pk)
paid = make_commitment(o, matter="支出試験の事項", limit_yen=9_000_000, last_burden_fy=2019)
for no in ("K-1", "K-2", "K-3"):
    make_contract(o, paid, no, 3_000_000, end_on=date(2019, 3, 31), payment_terms="annual")
print(json.dumps({"submitted": ids, "paid": paid.pk}))
"""
PAYMENTS_CSV = (
    "支出日,契約番号,支出額,支出命令番号\n"
    "2018-03-30,K-1,1500000,R1-0001\n"
    "2018-03-30,K-2,1500000,R1-0002\n"
    "2018-03-30,K-3,1500000,R1-0003\n"
).encode()


def _bulk_approve(browser: Browser, ids: list[int]) -> tuple[int, str, float]:
    started = time.monotonic()
    response = browser.post(
        CHANGELIST,
        {"action": "approve_selected", "_selected_action": ids, "confirm": "1", "resolution": "第4回定例会 議案第12号"},
    )
    return response.status, response.headers.get("location", ""), time.monotonic() - started


def _import(officer: Browser, approver: Browser) -> float:
    """Upload the 富士市 R8 第２表 as the officer, ask for approval; the approver's go is timed."""
    response = officer.upload(
        IMPORT_ADD, {"budget_year": "令和8年度", "segment": "general"}, {"file": (R8.name, R8.read_bytes())}
    )
    assert response.status == 302, response.text[:2000]
    job_url = response.headers["location"]
    assert officer.post(job_url, {"_submit": "1"}).status == 302
    started = time.monotonic()
    response = approver.post(job_url, {"_approve": "1"})
    seconds = time.monotonic() - started
    assert response.status == 302, response.text[:2000]
    return seconds


def test_no_request_waits_for_a_stopped_redis(stack: FaultStack) -> None:
    db = stack.new_database("faults_broker_requests")
    env = stack.env(db)
    made = stack.shell(env, SETUP)
    first, *others = made["submitted"]
    stack.worker(env, "projector")
    web, port = stack.web(env)
    approver = Browser(port)
    approver.login("/admin/login/", "approver", "pw-approver")
    officer = Browser(port)
    officer.login("/admin/login/", "officer2", "pw-officer2")

    # Redis up: the web process queues tasks (an approval, an import's projections) and the worker runs them.
    assert _bulk_approve(approver, [first])[:2] == (302, CHANGELIST)
    wait_for(
        lambda: (
            stack.sql(db, "SELECT needs_projection FROM commitments_commitment WHERE id = %s", [first]) == [(False,)]
        ),
        timeout=30,
        what="first approval projected",
    )
    _import(officer, approver)

    stack.redis.stop()
    assert port_is_free(stack.redis.port)  # the server process is gone

    status, location, approve_seconds = _bulk_approve(approver, others[:7])
    assert (status, location) == (302, CHANGELIST)
    assert "7 件を承認しました。" in approver.get(CHANGELIST).text
    approved = stack.sql(
        db, "SELECT count(*) FROM commitments_commitment WHERE id = ANY(%s) AND status = 'approved'", [others[:7]]
    )
    assert approved == [(7,)]

    started = time.monotonic()
    response = officer.upload(PAYMENT_UPLOAD, {}, {"file": ("payments.csv", PAYMENTS_CSV)})
    csv_seconds = time.monotonic() - started
    assert response.status == 302, response.text[:2000]
    paid = stack.sql(db, "SELECT count(*), sum(amount_yen) FROM commitments_payment WHERE reference LIKE 'R1-%%'")
    assert paid == [(3, 4_500_000)]

    import_seconds = _import(officer, approver)
    imported = stack.sql(db, "SELECT count(*) FROM commitments_importjob WHERE status = 'done'")
    assert imported == [(2,)]

    seconds = f"7 approvals {approve_seconds:.2f} s, 3-row CSV {csv_seconds:.2f} s, import {import_seconds:.2f} s"
    print(f"Redis stopped: {seconds}")
    assert approve_seconds < BOUND_SECONDS, f"bulk approval waited {approve_seconds:.1f} s for Redis"
    assert csv_seconds < BOUND_SECONDS, f"payment CSV waited {csv_seconds:.1f} s for Redis"
    assert import_seconds < BOUND_SECONDS, f"import waited {import_seconds:.1f} s for Redis"
    assert "left for the sweep" in web.text()
