"""Every page and command as of a day: the books as they stood at the end of that day, rebuilt from the dated records.

テスト市's 庁舎清掃業務委託 (authorised 2026-06-01, FY2026–2028, limit 10,000,000 spread equally: 3,334,000 /
3,333,000 / 3,333,000). Contract K-1 signed 2026-07-01: 9,000,000 monthly July 2026–June 2027, 750,000 a month
(FY2026: 9 months = 6,750,000; FY2027: 3 months = 2,250,000); July to October paid on each month's last day
(3,000,000). Today, 2 December 2026: an approved 補正 raises the limit to 12,000,000 over FY2026–2029 with 年割額
3,000,000 a year, November is paid (750,000) and K-2 is signed (500,000, one payment on 31 March 2027).

As of yesterday (1 December 2026, FY2026): contracted unpaid FY2026 6,750,000 − 3,000,000 = 3,750,000, FY2027
2,250,000; uncontracted 10,000,000 − 9,000,000 = 1,000,000 spread equally from FY2026 (334,000 / 333,000 / 333,000).
Total by year: FY2026 3,000,000 + 3,750,000 + 334,000 = 7,084,000; FY2027 2,583,000; FY2028 333,000.

As of today: paid 3,750,000; contracted unpaid FY2026 (6,750,000 − 3,750,000) + 500,000 = 3,500,000, FY2027
2,250,000; uncontracted 12,000,000 − 9,500,000 = 2,500,000 over FY2026–2029, 625,000 a year. Total by year: FY2026
7,875,000; FY2027 2,875,000; FY2028 625,000; FY2029 625,000.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from openpyxl import load_workbook

from commitments.models import Commitment, Contract
from commitments.services import contracts, payment_reversals, payments
from commitments.services.projection import projection_refresh_all
from tests.support.factories import make_amendment, make_commitment, make_contract, make_org

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=TOKYO)
TODAY = NOW.date()
YESTERDAY = "2026-12-01"


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    html = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _month_ends(first: datetime.date, count: int) -> list[datetime.date]:
    days = []
    year, month = first.year, first.month
    for _ in range(count):
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        days.append(following - datetime.timedelta(days=1))
        year, month = following.year, following.month
    return days


@pytest.fixture
def books(db):
    with time_machine.travel(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=TOKYO), tick=False):
        o = make_org()
        cleaning = make_commitment(
            o, matter="庁舎清掃業務委託", seq=1, limit_yen=10_000_000, authorized_fy=2026, first_burden_fy=2026,
            last_burden_fy=2028,
        )  # fmt: skip
        other = make_org("別の市", prefix="x_")
        make_commitment(other, matter="別の市の業務", authorized_fy=2026, first_burden_fy=2026, last_burden_fy=2027)
    with time_machine.travel(datetime.datetime(2026, 7, 1, 10, 0, tzinfo=TOKYO), tick=False):
        k1 = make_contract(
            o, cleaning, "K-1", 9_000_000, signed_on=datetime.date(2026, 7, 1), start_on=datetime.date(2026, 7, 1),
            end_on=datetime.date(2027, 6, 30), payment_terms="monthly",
        )  # fmt: skip
    for day in _month_ends(datetime.date(2026, 7, 1), 4):
        with time_machine.travel(datetime.datetime.combine(day, datetime.time(15), TOKYO), tick=False):
            payments.payment_record(actor=o.officer2, contract=k1, paid_on=day, amount_yen=750_000)
    with time_machine.travel(NOW, tick=False):
        make_amendment(
            o, cleaning, new_limit_yen=12_000_000, new_last_burden_fy=2029,
            new_planned={"2026": 3_000_000, "2027": 3_000_000, "2028": 3_000_000, "2029": 3_000_000},
        )  # fmt: skip
        payments.payment_record(actor=o.officer2, contract=k1, paid_on=TODAY, amount_yen=750_000)
        make_contract(
            o, cleaning, "K-2", 500_000, signed_on=TODAY, start_on=TODAY, end_on=datetime.date(2027, 3, 31),
            payment_terms="lump_sum",
        )  # fmt: skip
        projection_refresh_all(as_of=TODAY)
    o.cleaning = Commitment.objects.get(pk=cleaning.pk)
    return o


@pytest.fixture
def reader(client, books):
    client.force_login(books.auditor)
    with time_machine.travel(NOW, tick=False):
        yield client


def _cells(html: str, table_id: str) -> str:
    table = html[html.index(f'id="{table_id}"') :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table[: table.index("</table>")]))


def test_exposure_matrix_as_of_yesterday_and_today(reader, books):
    html = reader.get("/exposure/", {"as_of": YESTERDAY, "basis": "planned"}).content.decode()
    assert "基準日：令和8年12月1日" in html and "その日の終了時点の記録から計算" in html
    cells = _cells(html, "exposure-table")
    assert "庁舎清掃業務委託 一般会計 10,000 令和8年度から令和10年度まで 3,334 3,333 3,333 10,000" in cells
    assert "令和11年度" not in cells and "別の市" not in cells
    assert f'href="/commitments/{books.cleaning.pk}/?as_of={YESTERDAY}"' in html  # the record of that day
    cells = _cells(reader.get("/exposure/", {"as_of": YESTERDAY, "basis": "total"}).content.decode(), "exposure-table")
    assert "3,334 3,333 3,333" not in cells and " 7,084 2,583 333 10,000 " in cells
    html = reader.get("/exposure/", {"basis": "planned"}).content.decode()
    assert "基準日：令和8年12月2日" in html
    cells = _cells(html, "exposure-table")
    assert "12,000 令和8年度から令和11年度まで 3,000 3,000 3,000 3,000 12,000" in cells
    today = reader.get("/exposure/", {"as_of": TODAY.isoformat(), "basis": "total"}).content.decode()
    assert " 7,875 2,875 625 625 12,000 " in _cells(today, "exposure-table")


def test_exposure_downloads_as_of_yesterday(reader):
    csv_text = reader.get("/exposure/export.csv", {"as_of": YESTERDAY, "basis": "total", "unit": "円"}).getvalue()
    lines = csv_text.decode("utf-8-sig").splitlines()
    assert "7084000" in lines[1] and "2583000" in lines[1] and "333000" in lines[1]
    response = reader.get("/exposure/export.xlsx", {"as_of": YESTERDAY, "basis": "planned", "unit": "円"})
    assert "exposure_20261201.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert "基準日：令和8年12月1日" in values[0][0]
    assert [1, "庁舎清掃業務委託", "一般会計", 10_000_000, 3_334_000, 3_333_000, 3_333_000, 10_000_000] in values


def test_summary_as_of_yesterday_and_today(reader):
    old = reader.get("/exposure/summary/", {"as_of": YESTERDAY, "basis": "total"})
    assert "基準日：令和8年12月1日" in old.content.decode()
    assert "一般会計 7,084 2,583 333 10,000" in _cells(old.content.decode(), "summary-table")
    new = reader.get("/exposure/summary/", {"basis": "total"})
    assert "基準日：令和8年12月2日" in new.content.decode()
    assert "一般会計 7,875 2,875 625 625 12,000" in _cells(new.content.decode(), "summary-table")


def test_chousho_as_of_yesterday_today_and_in_its_own_view(reader):
    text = _text(reader.get("/reports/chousho/", {"fy": "2026", "as_of": YESTERDAY}))
    assert "基準日：令和8年12月1日" in text
    assert "庁舎清掃業務委託 10,000 ８年度から10年度まで 10,000 10,000 ✓" in text
    text = _text(reader.get("/reports/chousho/", {"fy": "2026", "as_of": TODAY.isoformat()}))
    assert "庁舎清掃業務委託 12,000 ８年度から11年度まで 12,000 12,000 ✓" in text and "（現在の推計）" in text
    # The budget's own view (1 April 2026): the authority as first approved, whatever was amended since.
    text = _text(reader.get("/reports/chousho/", {"fy": "2026"}))
    assert "基準日：令和8年4月1日" in text
    assert "庁舎清掃業務委託 10,000 ８年度から10年度まで 10,000 10,000 ✓" in text
    assert "別の市の業務" not in text


def test_exceptions_as_of_yesterday_and_today(reader):
    old = reader.get("/reports/exceptions/", {"as_of": YESTERDAY, "days": "3660"})
    assert "基準日：令和8年12月1日" in _text(old)
    near = old.context["report"].section("near_limit")
    assert [(r.matter, r.cells[4:7]) for r in near.rows] == [("庁舎清掃業務委託", [10_000_000, 9_000_000, 90])]
    ending = old.context["report"].section("contracts_ending")
    assert [r.cells[0] for r in ending.rows] == ["K-1"]
    new = reader.get("/reports/exceptions/", {"days": "3660"})
    assert new.context["report"].section("near_limit").rows == []  # 9,500,000 of 12,000,000: 79.1 %
    assert [r.cells[0] for r in new.context["report"].section("contracts_ending").rows] == ["K-2", "K-1"]
    assert "基準日：令和8年12月2日" in _text(new)


def test_commitment_page_as_of_yesterday_and_today(reader, books):
    url = f"/commitments/{books.cleaning.pk}/"
    text = _text(reader.get(url, {"as_of": YESTERDAY}))
    assert "基準日：令和8年12月1日" in text
    assert "限度額 10,000 千円" in text and "令和10年度（2028）" in text and "令和11年度" not in text
    assert "令和8年度（2026） 3,334,000 3,000,000 3,750,000 334,000" in text
    assert "K-1" in text and "K-2" not in text and "2026-12-02" not in text and "令和8年12月2日" not in text
    assert "支払予定 12 件" in text and "補正はありません。" in text
    text = _text(reader.get(url))
    assert "基準日：令和8年12月2日" in text
    assert "限度額 12,000 千円" in text and "令和11年度（2029）" in text
    assert "令和8年度（2026） 3,000,000 3,750,000 3,500,000 625,000" in text
    assert "K-2" in text and "締結 令和8年12月2日" in text and "補正第1号" in text
    # Before the commitment was recorded there is no page of it.
    assert reader.get(url, {"as_of": "2026-05-31"}).status_code == 404


def test_commands_as_of_yesterday_and_today(books):
    def run(*args: str) -> dict:
        out = io.StringIO()
        with time_machine.travel(NOW, tick=False):
            call_command(*args, "--json", stdout=out)
        return json.loads(out.getvalue())

    old = run("exposure", "--organization", "テスト市", "--as-of", YESTERDAY)
    assert (old["as_of"], old["commitments"], old["limit_total"]) == (YESTERDAY, 1, 10_000_000)
    assert old["rows"][0]["years"] == {"2026": 3_334_000, "2027": 3_333_000, "2028": 3_333_000}
    old = run("exposure", "--organization", "テスト市", "--as-of", YESTERDAY, "--basis", "total", "--by", "segment")
    assert old["totals"]["years"] == {"2026": 7_084_000, "2027": 2_583_000, "2028": 333_000}
    new = run("exposure", "--organization", "テスト市", "--as-of", TODAY.isoformat())
    assert (new["commitments"], new["limit_total"]) == (1, 12_000_000)
    assert new["rows"][0]["years"] == {"2026": 3_000_000, "2027": 3_000_000, "2028": 3_000_000, "2029": 3_000_000}
    chousho = run("chousho", "--organization", "テスト市", "--fy", "2026", "--as-of", YESTERDAY)
    assert (chousho["as_of"], chousho["point_of_view"]) == (YESTERDAY, "day")
    assert chousho["totals"]["limit_yen"] == 10_000_000 and chousho["totals"]["planned_yen"] == 10_000_000
    chousho = run("chousho", "--organization", "テスト市", "--fy", "2026", "--as-of", TODAY.isoformat())
    assert chousho["point_of_view"] == "current" and chousho["totals"]["limit_yen"] == 12_000_000


def test_a_reversal_and_a_contract_change_after_the_day_are_undone_as_of_it(books):
    """K-1's September payment reversed today and K-1 cut to 8,250,000 (July–May) today: as of yesterday, neither."""
    k1 = Contract.objects.get(contract_no="K-1")
    september = k1.payments.get(paid_on=datetime.date(2026, 9, 30))
    with time_machine.travel(NOW, tick=False):
        payment_reversals.payment_reverse(
            actor=books.officer2, payment=september, amount_yen=750_000, reason="二重払の戻入"
        )
        contracts.contract_update(
            actor=books.officer2, contract=k1, expected_version=Contract.objects.get(pk=k1.pk).version,
            reason="業務量の見直し", amount_yen=8_250_000, end_on=datetime.date(2027, 5, 31),
        )  # fmt: skip
        projection_refresh_all(as_of=TODAY)
        old = _exposure_total(YESTERDAY)
        new = _exposure_total(TODAY.isoformat())
    # Yesterday: as before (paid 3,000,000, K-1 9,000,000).
    assert old == {"2026": 7_084_000, "2027": 2_583_000, "2028": 333_000}
    # Today: paid 3,750,000 − 750,000 = 3,000,000; K-1 8,250,000 in 11 months of 750,000 (July–May): FY2026 unpaid
    # 6,750,000 − 3,000,000 = 3,750,000 + K-2 500,000, FY2027 1,500,000; uncontracted 12,000,000 − 8,750,000 =
    # 3,250,000 over four years (812,000 × 3, 814,000 first). FY2026: 3,000,000 + 4,250,000 + 814,000.
    assert new == {"2026": 8_064_000, "2027": 2_312_000, "2028": 812_000, "2029": 812_000}


def _exposure_total(as_of: str) -> dict:
    out = io.StringIO()
    call_command(
        "exposure", "--organization", "テスト市", "--as-of", as_of, "--basis", "total", "--by", "segment", "--json",
        stdout=out,
    )  # fmt: skip
    return json.loads(out.getvalue())["totals"]["years"]


def test_another_organization_sees_none_of_it_as_of_any_day(client, books):
    other = make_org("隣の町", prefix="n_")
    client.force_login(other.auditor)
    with time_machine.travel(NOW, tick=False):
        for url in ["/exposure/", "/exposure/summary/", "/reports/chousho/", "/reports/exceptions/"]:
            text = _text(client.get(url, {"as_of": YESTERDAY, "fy": "2026", "days": "3660"}))
            assert "庁舎清掃業務委託" not in text and "別の市の業務" not in text, url
        assert client.get(f"/commitments/{books.cleaning.pk}/", {"as_of": YESTERDAY}).status_code == 404


def test_an_unreadable_day_is_reported(reader):
    assert "基準日を読み取れません" in reader.get("/reports/chousho/", {"as_of": "きのう"}).content.decode()
    assert reader.get("/reports/chousho/export.csv", {"as_of": "2026-13-01"}).status_code == 400
    assert reader.get("/reports/exceptions/export.csv", {"as_of": "x"}).status_code == 400


def test_books_rebuilt_as_of_the_projection_day_equal_the_stored_projection(db):
    """One rule, two paths: generated books (contracts, payments, lapsed and completed ones) rebuilt row by row as of
    the day the nightly projection ran give, commitment by commitment and year by year, its stored rows."""
    from commitments.models import ProjectionYear
    from commitments.selectors import PointOfView, books_as_of

    as_of = datetime.date(2025, 9, 30)
    call_command("generate_commitments", 60, seed=5, organization="照合市", as_of=as_of, stdout=io.StringIO())
    projection_refresh_all(as_of=as_of)
    stored: dict[int, list[tuple[int, int, int, int, int]]] = {}
    for row in ProjectionYear.objects.order_by("commitment_id", "fiscal_year"):
        stored.setdefault(row.commitment_id, []).append(
            (row.fiscal_year, row.planned_yen, row.paid_yen, row.contracted_yen, row.uncontracted_yen)
        )
    books = books_as_of(view=PointOfView.day(as_of), commitments=Commitment.objects.all())
    rebuilt = {
        b.commitment.pk: [(y.fiscal_year, y.planned, y.paid, y.contracted, y.uncontracted) for y in b.years]
        for b in books
    }
    assert len(rebuilt) == len(stored) > 40
    assert rebuilt == stored


def test_the_as_of_day_is_stated_in_english_too(reader):
    from django.conf import settings

    reader.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = _text(reader.get("/exposure/", {"as_of": YESTERDAY}))
    assert "As of 1 December 2026 (computed from the records as they stood at the end of that day)" in text
    assert "基準日" not in text
