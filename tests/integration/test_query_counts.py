"""No page runs a query per row: the query count of every list, page and export is the same with few and with many
commitments, contracts, installments and payments (generated books, the admin lists a finance officer works in,
the auditor's pages and their downloads)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Commitment, Contract, Organization, Payment
from commitments.services.projection import projection_refresh_all
from tests.support.factories import make_user

AS_OF = datetime.date(2025, 9, 30)
NAME = "件数確認市"

# Pages whose work must not follow the number of rows. The admin lists show a full page (50) of the larger books.
ADMIN_LISTS = [
    "/admin/commitments/commitment/",
    "/admin/commitments/contract/",
    "/admin/commitments/payment/",
    "/admin/commitments/amendment/",
]
AUDITOR_PAGES = [
    "/exposure/?basis=total&fy_from=2024&fy_to=2033",
    "/exposure/summary/",
    "/exposure/export.csv?basis=total&fy_from=2024&fy_to=2033",
    "/exposure/export.xlsx?basis=total&fy_from=2024&fy_to=2033",
    "/reports/chousho/?fy=2025",
    "/reports/chousho/export.csv?fy=2025",
    "/reports/exceptions/",
]


def _generate(count: int, seed: int) -> None:
    call_command("generate_commitments", count, seed=seed, organization=NAME, as_of=AS_OF, stdout=io.StringIO())
    projection_refresh_all(as_of=AS_OF)


def _queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200, (url, response.status_code)
    return [q["sql"] for q in captured.captured_queries]


@pytest.fixture
def books(db):
    _generate(8, seed=11)
    organization = Organization.objects.get(name=NAME)
    return {
        "officer": make_user("qc-officer", organization, "finance_officer", staff=True),
        "auditor": make_user("qc-auditor", organization, "auditor"),
    }


def test_admin_lists_do_not_query_per_row(client, books):
    client.force_login(books["officer"])
    few = {url: _queries(client, url) for url in ADMIN_LISTS}
    _generate(150, seed=12)
    assert Contract.objects.count() >= 60 and Payment.objects.count() >= 60  # larger than one page of each
    many = {url: _queries(client, url) for url in ADMIN_LISTS}
    for url in ADMIN_LISTS:
        assert len(many[url]) == len(few[url]), (url, [sql[:100] for sql in many[url]])


def test_auditor_pages_and_exports_do_not_query_per_row(client, books):
    client.force_login(books["auditor"])
    few = {url: _queries(client, url) for url in AUDITOR_PAGES}
    _generate(150, seed=12)
    assert Commitment.objects.count() == 158
    many = {url: _queries(client, url) for url in AUDITOR_PAGES}
    for url in AUDITOR_PAGES:
        assert len(many[url]) == len(few[url]), (url, [sql[:100] for sql in many[url]])


def test_commitment_page_does_not_query_per_contract_or_payment(client, books):
    """The auditor's page of one commitment: one contract with few payments, then the one with the most."""
    client.force_login(books["auditor"])
    _generate(150, seed=12)
    by_contracts = sorted(
        Commitment.objects.filter(contracts__isnull=False).distinct(),
        key=lambda c: (c.contracts.count(), Payment.objects.filter(contract__commitment=c).count()),
    )
    small, large = by_contracts[0], by_contracts[-1]
    assert (
        Payment.objects.filter(contract__commitment=large).count()
        > Payment.objects.filter(contract__commitment=small).count()
    )
    assert len(_queries(client, f"/commitments/{large.pk}/")) == len(_queries(client, f"/commitments/{small.pk}/"))


def test_unfiltered_page_counts_from_the_footer_scan_and_pages_right(client, books):
    """Without a filter the paginator takes the number of approved commitments from the footer's query: the same
    number a count gives, and the last page holds the remainder."""
    from commitments.models import APPROVED_STATES

    client.force_login(books["auditor"])
    _generate(150, seed=12)
    approved = Commitment.objects.filter(organization__name=NAME, status__in=APPROVED_STATES).count()
    assert approved > 100  # more than two pages of 50
    first = client.get("/exposure/")
    table = first.context["table"]
    assert table.paginator.count == approved
    assert table.paginator.num_pages == -(-approved // 50)
    last = client.get("/exposure/", {"page": table.paginator.num_pages})
    assert len(last.context["table"].page.object_list) == approved - 50 * (table.paginator.num_pages - 1)
    # With a filter the page counts what the filter selects.
    filtered = client.get("/exposure/", {"matter": "保守"}).context["table"].paginator.count
    assert (
        filtered
        == Commitment.objects.filter(
            organization__name=NAME, status__in=APPROVED_STATES, matter__contains="保守"
        ).count()
    )
