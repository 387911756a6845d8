"""The exposure page renders its body rows itself (ExposureTable.body_rows) for speed: the HTML must be exactly what
django-tables2's generic per-cell path gives, for every kind of row, unit, era and order."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import RequestFactory

from commitments.services import contracts
from commitments.services.projection import projection_refresh_all
from tests.support.factories import make_commitment


def _tbody(html: str) -> str:
    body = re.search(r"<tbody.*?</tbody>", html, re.S).group(0)
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", body)).replace("<td >", "<td>").replace("<tbody >", "<tbody>")


@pytest.fixture
def books(org):
    make_commitment(org, matter="庁舎清掃業務委託 <b>&</b>", limit_yen=12_345_000, last_burden_fy=2019)
    make_commitment(
        org,
        matter="寄附金関連経費",
        limit_yen=None,
        limit_text="寄附金額に応じた諸経費にかかる金額",
        estimated_limit_yen=2_000_000,
        last_burden_fy=2018,
    )
    make_commitment(org, matter="見込なし文言", limit_yen=None, limit_text="=SUM(A1)", last_burden_fy=2018)
    leased = make_commitment(
        org, matter="庁舎リース", limit_yen=3_000_000, last_burden_fy=2019, segment=org.other_segment
    )
    contracts.contract_register(
        actor=org.officer2,
        commitment=leased,
        contract_no="L-1",
        counterparty="株式会社リース",
        amount_yen=3_000_000,
        signed_on=datetime.date(2017, 6, 1),
        start_on=datetime.date(2017, 7, 1),
        end_on=datetime.date(2019, 6, 30),
        payment_terms="monthly",
    )
    for i in range(60):
        make_commitment(org, matter=f"保守業務{i:03d}", limit_yen=1_000_000 + i * 1_000)
    projection_refresh_all(as_of=datetime.date(2017, 6, 1))
    return org


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"page": "2"},
        {"sort": "-seq", "unit": "円", "era": "seireki"},
        {"sort": "matter", "basis": "total", "unit": "百万円"},
        {"sort": "-fy_2018", "basis": "contracted"},
        {"matter": "寄附", "basis": "uncontracted"},
    ],
)
def test_body_rows_equal_the_generic_rendering(client, books, query):
    client.force_login(books.auditor)
    response = client.get("/exposure/", query)
    assert response.status_code == 200
    table = response.context["table"]
    request = RequestFactory().get("/exposure/", query)
    fast = _tbody(table.as_html(request))
    table.template_name = "django_tables2/table.html"
    generic = _tbody(table.as_html(request))
    assert fast.count("<tr") == generic.count("<tr") >= 1
    assert fast == generic
    # The page itself shows the fast body.
    assert _tbody(response.content.decode()) == fast
