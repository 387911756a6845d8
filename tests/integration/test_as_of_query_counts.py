"""The pages as of a past day rebuild the books row by row, but never query per row: the same number of queries with
few and with many commitments, contracts, payments and amendments (books with history, and generated books without)."""

from __future__ import annotations

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Commitment, Organization
from commitments.services import payments
from tests.support.factories import make_amendment, make_commitment, make_contract, make_org, make_user

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=TOKYO)
DAY = "2026-10-01"
PAGES = [
    f"/exposure/?as_of={DAY}&basis=total",
    f"/exposure/?as_of={DAY}&matter=業務",
    f"/exposure/summary/?as_of={DAY}",
    f"/exposure/export.csv?as_of={DAY}&basis=total",
    f"/exposure/export.xlsx?as_of={DAY}&basis=planned",
    f"/reports/chousho/?fy=2026&as_of={DAY}",
    f"/reports/chousho/export.csv?fy=2026&as_of={DAY}",
    "/reports/chousho/?fy=2026",  # the budget's own view
    "/reports/chousho/?fy=2027",  # the coming year's draft
    f"/reports/exceptions/?as_of={DAY}&days=3660",
]


def _travel(year: int, month: int, day: int) -> time_machine.travel:
    return time_machine.travel(datetime.datetime(year, month, day, 10, 0, tzinfo=TOKYO), tick=False)


def _add(o, start: int, count: int, payments_each: int = 2) -> list[Commitment]:
    """`count` commitments of FY2026 with a monthly contract, some payments, and every other one amended."""
    made = []
    for n in range(start, start + count):
        with _travel(2026, 5, 1):
            c = make_commitment(
                o, matter=f"業務{n:03d}", seq=n, limit_yen=12_000_000, authorized_fy=2026, first_burden_fy=2026,
                last_burden_fy=2027,
            )  # fmt: skip
        with _travel(2026, 6, 1):
            k = make_contract(
                o, c, f"K-{n:03d}", 6_000_000, signed_on=datetime.date(2026, 6, 1), start_on=datetime.date(2026, 6, 1),
                end_on=datetime.date(2027, 5, 31), payment_terms="monthly",
            )  # fmt: skip
        for month in range(payments_each):
            day = datetime.date(2026, 6 + month + 1, 1) - datetime.timedelta(days=1)
            with _travel(day.year, day.month, day.day):
                payments.payment_record(actor=o.officer2, contract=k, paid_on=day, amount_yen=500_000)
        if n % 2:
            with _travel(2026, 9, 15):
                make_amendment(o, c, new_limit_yen=13_000_000)
        made.append(c)
    return made


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


@pytest.fixture
def org(db):
    with _travel(2026, 4, 1):
        return make_org()


def test_as_of_pages_do_not_query_per_commitment(client, org):
    _add(org, 1, 3)
    client.force_login(org.auditor)
    with time_machine.travel(NOW, tick=False):
        few = {url: _queries(client, url) for url in PAGES}
    _add(org, 4, 22)
    with time_machine.travel(NOW, tick=False):
        many = {url: _queries(client, url) for url in PAGES}
        assert "業務025" in client.get(f"/exposure/?as_of={DAY}&per_page=100").content.decode()
    assert many == few


def test_commitment_page_as_of_does_not_query_per_contract_or_payment(client, org):
    small = _add(org, 1, 1, payments_each=1)[0]
    large = _add(org, 3, 1, payments_each=4)[0]  # amended too, like the small one
    with _travel(2026, 6, 2):
        make_contract(
            org, large, "K-extra", 1_000_000, signed_on=datetime.date(2026, 6, 2), start_on=datetime.date(2026, 7, 1),
            end_on=datetime.date(2027, 3, 31), payment_terms="quarterly",
        )  # fmt: skip
    client.force_login(org.auditor)
    with time_machine.travel(NOW, tick=False):
        assert _queries(client, f"/commitments/{large.pk}/?as_of={DAY}") == _queries(
            client, f"/commitments/{small.pk}/?as_of={DAY}"
        )


def test_generated_books_without_history_as_of_a_day(client, db):
    """Generated books have no history rows: each commitment is taken as it is, from its approval date on."""
    as_of = datetime.date(2025, 9, 30)
    call_command("generate_commitments", 8, seed=11, organization="件数確認市", as_of=as_of, stdout=io.StringIO())
    auditor = make_user("gen-auditor", Organization.objects.get(name="件数確認市"), "auditor")
    client.force_login(auditor)
    urls = [u.replace(DAY, "2025-06-30").replace("fy=2026", "fy=2025").replace("fy=2027", "fy=2026") for u in PAGES]
    few = {url: _queries(client, url) for url in urls}
    call_command("generate_commitments", 120, seed=12, organization="件数確認市", as_of=as_of, stdout=io.StringIO())
    many = {url: _queries(client, url) for url in urls}
    assert many == few
    table = client.get("/exposure/", {"as_of": "2025-06-30"}).context["table"]
    approved_by_then = Commitment.objects.filter(
        approved_at__lt=datetime.datetime(2025, 7, 1, tzinfo=TOKYO),
        status__in=["approved", "active", "completed", "lapsed", "abolished"],
    ).count()
    assert table.paginator.count == approved_by_then > 50
