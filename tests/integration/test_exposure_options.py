"""The exposure matrix's filters and toggles, the segment summary with its chart data, and the XLSX download."""

from __future__ import annotations

import datetime
import io
import json
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from commitments.models import Commitment, User
from commitments.services import approval, contracts, projection
from tests.support.factories import make_commitment, make_org


@pytest.fixture
def auditor_client(client, db):
    call_command("load_demo", stdout=io.StringIO())
    client.force_login(User.objects.get(username="auditor"))
    return client


def _cells(html: str, table_id: str = "exposure-table") -> str:
    table = html[html.index(f'id="{table_id}"') :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table[: table.index("</table>")]))


def test_unit_toggle_yen_thousand_million(auditor_client):
    assert "5,465,241,000" in _cells(auditor_client.get("/exposure/", {"unit": "円"}).content.decode())
    millions = _cells(auditor_client.get("/exposure/", {"unit": "百万円"}).content.decode())
    # Footer: FY2017 5,465,241,000 yen → 5,465 百万円; limit total 25,395,623,000 → 25,396 (四捨五入, cell by cell).
    assert "合計" in millions and " 5,465 " in millions and " 25,396 " in millions and " 25,395 " not in millions


def test_era_toggle_and_fiscal_year_range(auditor_client):
    html = auditor_client.get("/exposure/", {"era": "seireki", "fy_from": "令和元年度", "fy_to": "2020"}).content
    cells = _cells(html.decode())
    head = cells[: cells.index("合計")]
    assert "FY2019" in head and "FY2020" in head
    assert "FY2018" not in head and "FY2021" not in head and "令和元年度" not in cells
    assert "FY2017～FY2023" in cells  # spans follow the era toggle too
    # Totals over FY2019–2020 only: 5,327,575 + 5,315,933 = 10,643,508 千円.
    assert " 5,327,575 5,315,933 10,643,508" in cells


def test_status_kind_year_and_text_filters(auditor_client):
    # load_demo brings FY2017 authority to today's state: all 32 have lapsed.
    assert auditor_client.get("/exposure/", {"status": "lapsed"}).context["table"].paginator.count == 32
    assert auditor_client.get("/exposure/", {"status": "approved"}).context["table"].paginator.count == 0
    assert auditor_client.get("/exposure/", {"authorized_fy": "平成29年度"}).context["table"].paginator.count == 32
    assert auditor_client.get("/exposure/", {"authorized_fy": "H30"}).context["table"].paginator.count == 0
    assert auditor_client.get("/exposure/", {"kind": "lease"}).context["table"].paginator.count == 0
    assert auditor_client.get("/exposure/", {"matter": "リース"}).context["table"].paginator.count == 17


def test_query_count_is_the_same_for_10_and_100_rows(client, db):
    o = make_org()
    for i in range(100):
        make_commitment(o, matter=f"保守業務{i:03d}", limit_yen=1_000_000 + i * 1_000)
    projection.projection_refresh_all(as_of=datetime.date(2017, 6, 1))
    client.force_login(o.auditor)
    with CaptureQueriesContext(connection) as ten:
        response = client.get("/exposure/", {"matter": "保守業務00"})
    assert response.context["table"].paginator.count == 10
    with CaptureQueriesContext(connection) as hundred:
        response = client.get("/exposure/", {"matter": "保守業務"})
    assert response.context["table"].paginator.count == 100
    assert len(ten) == len(hundred)


def test_text_limit_marked_with_its_estimate_and_remaining_basis(client, db):
    o = make_org()
    make_commitment(
        o,
        matter="寄附金関連経費",
        limit_yen=None,
        limit_text="寄附金額に応じた諸経費にかかる金額",
        estimated_limit_yen=2_000_000,
        last_burden_fy=2018,
    )
    leased = make_commitment(o, matter="庁舎リース", limit_yen=3_000_000, last_burden_fy=2019)
    contracts.contract_register(
        actor=o.officer2,
        commitment=leased,
        contract_no="L-1",
        counterparty="リース株式会社",
        signed_on=datetime.date(2017, 4, 3),
        start_on=datetime.date(2017, 4, 1),
        end_on=datetime.date(2020, 3, 31),
        amount_yen=3_000_000,
        payment_terms="annual",
    )
    projection.projection_refresh_all(as_of=datetime.date(2018, 6, 1))
    client.force_login(o.auditor)
    cells = _cells(client.get("/exposure/").content.decode())
    assert "寄附金関連経費 ※文言" in cells and "（見込 2,000）" in cells
    # Remaining from FY2018 as of FY2018: the lease's 1,000,000 in FY2018 and FY2019 (annual, 12 months each);
    # the text-limit authority of FY2017 has lapsed (nothing remains).
    cells = _cells(client.get("/exposure/", {"basis": "remaining", "fy_from": "2018"}).content.decode())
    assert "庁舎リース" in cells and " 1,000 1,000 2,000" in cells


def test_summary_by_segment_with_chart_data_and_vendored_chart(auditor_client):
    response = auditor_client.get("/exposure/summary/", {"basis": "planned"})
    html = response.content.decode()
    cells = _cells(html, "summary-table")
    # Planned totals of the segments (seed limits assigned to them, 千円).
    assert "個人番号カード発行等事業" in cells and " 15,684,765" in cells
    assert "合計 5,465,241 5,709,370 5,327,575 5,315,933 1,213,133 1,212,076 1,152,295 25,395,623" in cells
    data = json.loads(re.search(r'id="summary-chart-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    # The chart's figures are the table's: in 千円 already, rounded as its cells are.
    assert data["labels"][0] == "平成29年度" and data["unit"] == "千円" and "divisor" not in data
    assert sum(sum(d["data"]) for d in data["datasets"]) == 25_395_623
    assert "/static/vendor/chartjs/chart.umd.js" in html
    script = auditor_client.get("/static/vendor/chartjs/chart.umd.js")
    assert script.status_code == 200
    assert b"Chart.js v4.0.1" in b"".join(script.streaming_content)[:200]


def test_summary_as_of_a_day(client, db):
    """The summary as of a past day reads the books of that day (no nightly snapshot needed)."""
    with time_machine.travel(datetime.datetime(2017, 5, 1, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False):
        o = make_org()
        commitment = make_commitment(o, limit_yen=4_000_000, last_burden_fy=2018)
    client.force_login(o.auditor)
    early = client.get("/exposure/summary/", {"as_of": "2017-12-31", "basis": "total"})
    assert early.context["as_of"] == datetime.date(2017, 12, 31)
    assert "基準日：平成29年12月31日" in early.content.decode()
    assert " 2,000 2,000 4,000" in _cells(early.content.decode(), "summary-table")  # live: 2,000,000 + 2,000,000
    late = client.get("/exposure/summary/", {"as_of": "2018-06-01", "basis": "total"})
    assert late.context["as_of"] == datetime.date(2018, 6, 1)
    assert "合計 0 0 0" in _cells(late.content.decode(), "summary-table")  # lapsed: nothing remains
    before = client.get("/exposure/summary/", {"as_of": "2017-04-30", "basis": "total"})
    assert "表示する負担額がありません。" in before.content.decode()  # not yet approved
    assert Commitment.objects.get(pk=commitment.pk)


def test_xlsx_download_matches_the_page(auditor_client):
    response = auditor_client.get("/exposure/export.xlsx", {"matter": "複合機", "unit": "円"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if r and r[0] == "番号")
    assert header[1:4] == ["事項", "事業区分", "限度額"] and header[4:7] == ["平成29年度", "平成30年度", "令和元年度"]
    # The filter's two leases burden FY2017–FY2022: the years they burden, not FY2023's empty column.
    assert header[-2:] == ["令和4年度", "合計"]
    assert [18, "複合機リース(オペ室)", "一般事業", 576000, 116000, 115000, 115000, 115000, 115000, 0, 576000] in rows
    assert rows[-1][1] == "合計" and rows[-1][-1] == 1_716_000  # in 円: nothing rounded, no rounding note
    assert sheet.freeze_panes is not None
    # In 千円 (the page's default) the same row reads 576 and 116.
    response = auditor_client.get("/exposure/export.xlsx", {"matter": "複合機"})
    rows = [
        list(r)
        for r in load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True)
    ]
    assert [18, "複合機リース(オペ室)", "一般事業", 576, 116, 115, 115, 115, 115, 0, 576] in rows
    assert rows[-3][1] == "合計" and rows[-1][0] == "※単位未満四捨五入のため、合計と内訳が一致しない場合があります。"


def test_auditor_cannot_write(auditor_client):
    assert auditor_client.post("/exposure/", {}).status_code in (403, 405)
    assert auditor_client.get("/admin/commitments/commitment/add/").status_code == 302  # not staff: to admin login
    assert approval  # the services are the only write path (see test_admin_permissions)
