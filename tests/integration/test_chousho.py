"""The statutory 調書: rows, periods, amounts, funding split, tie-out and totals worked out by hand.

The book of テスト市 for budget year 2026 (令和8年度), projected as of 2026-04-15 (after the 1 April rollover).
Contracts are paid annually (installments due each 31 March); amounts in yen:

- 学校給食調理業務委託: 2024, FY2024–2028, limit 20,000,000; contract 5 × 4,000,000, two paid →
  spent 8,000,000, planned 12,000,000; funding: its 2025 split scaled.
- 庁舎清掃業務委託: 2025, FY2025–2027, limit 9,000,000; contract 3 × 3,000,000, one paid →
  spent 3,000,000, planned 6,000,000; funding: the split stated for 2026.
- 道路照明保守業務: 2025, FY2025–2028, limit 12,000,000; contract 4 × 2,000,000, one paid →
  spent 2,000,000, planned 6,000,000; the uncontracted 4,000,000 lapsed: does not tie.
- 公用車リース: 2026, FY2026–2030, limit 5,000,000, no contract → planned 5,000,000 (一般財源).
- ふるさと納税返礼品等業務: 2026, FY2027–2029, text limit (estimate 3,000,000) → planned 3,000,000, in no total.

Scaling 学校給食's 2025 split (16,000,000: 地方債 6,000,000, その他 1,234,567, 一般財源 8,765,433) to 12,000,000:
地方債 4,500,000; その他 925,925 → 925,000 (down to 1,000 yen); 一般財源 the rest, 6,575,000.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commitments import selectors
from commitments.models import CommitmentFunding, FundingSource, Organization, Status
from commitments.selectors.chousho import book_span, book_year, planned_header, spent_header
from commitments.services import payments
from commitments.services.lifecycle import commitments_rollover
from commitments.services.projection import projection_refresh_all
from tests.support.factories import make_commitment, make_contract, make_org

AS_OF = date(2026, 4, 15)
SOURCES = ["国県支出金", "地方債", "その他", "一般財源"]


def _text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def sources_for(o) -> dict[str, FundingSource]:
    return {
        name: FundingSource.objects.create(
            organization=o.organization, name=name, sort_order=index, is_general=name == "一般財源"
        )
        for index, name in enumerate(SOURCES, start=1)
    }


def fund(commitment, year: int, sources: dict[str, FundingSource], **amounts: int) -> None:
    for name, amount in amounts.items():
        CommitmentFunding.objects.create(
            commitment=commitment, budget_year=year, source=sources[name], amount_yen=amount
        )


def pay(o, contract, paid_on: date, amount: int) -> None:
    payments.payment_record(actor=o.officer2, contract=contract, paid_on=paid_on, amount_yen=amount)


def annual(o, commitment, no: str, amount: int, signed: date, start: date, end: date):
    return make_contract(
        o, commitment, no, amount, signed_on=signed, start_on=start, end_on=end, payment_terms="annual"
    )


@pytest.fixture
def book(org):
    o = org
    src = sources_for(o)
    school = make_commitment(
        o, matter="学校給食調理業務委託", seq=1, limit_yen=20_000_000, authorized_fy=2024, first_burden_fy=2024,
        last_burden_fy=2028,
    )  # fmt: skip
    k = annual(o, school, "K-B", 20_000_000, date(2024, 5, 1), date(2024, 4, 1), date(2029, 3, 31))
    pay(o, k, date(2025, 3, 31), 4_000_000)
    pay(o, k, date(2026, 3, 31), 4_000_000)
    fund(school, 2024, src, 地方債=20_000_000)  # older: ignored
    fund(school, 2025, src, 地方債=6_000_000, その他=1_234_567, 一般財源=8_765_433)  # latest before 2026: scaled
    fund(school, 2027, src, 国県支出金=12_000_000)  # later year: ignored

    cleaning = make_commitment(
        o, matter="庁舎清掃業務委託", seq=1, limit_yen=9_000_000, authorized_fy=2025, first_burden_fy=2025,
        last_burden_fy=2027,
    )  # fmt: skip
    k = annual(o, cleaning, "K-A", 9_000_000, date(2025, 4, 1), date(2025, 4, 1), date(2028, 3, 31))
    pay(o, k, date(2026, 3, 31), 3_000_000)
    fund(cleaning, 2025, src, 地方債=9_000_000)  # superseded by the 2026 split
    fund(cleaning, 2026, src, 国県支出金=2_000_000, 一般財源=4_000_000)

    lights = make_commitment(
        o, matter="道路照明保守業務", seq=2, limit_yen=12_000_000, authorized_fy=2025, first_burden_fy=2025,
        last_burden_fy=2028,
    )  # fmt: skip
    k = annual(o, lights, "K-E", 8_000_000, date(2025, 5, 1), date(2025, 4, 1), date(2029, 3, 31))
    pay(o, k, date(2026, 3, 31), 2_000_000)

    make_commitment(
        o, matter="公用車リース", seq=1, limit_yen=5_000_000, authorized_fy=2026, first_burden_fy=2026,
        last_burden_fy=2030,
    )  # fmt: skip
    make_commitment(
        o, matter="ふるさと納税返礼品等業務", seq=2, limit_yen=None, limit_text="寄附金額に応じた諸経費にかかる金額",
        estimated_limit_yen=3_000_000, authorized_fy=2026, first_burden_fy=2027, last_burden_fy=2029,
    )  # fmt: skip
    # Not in the 2026 book: lapsed without a contract, ended before 2026, a draft, authorised later, another body.
    make_commitment(
        o, matter="旧システム保守", seq=3, limit_yen=2_000_000, authorized_fy=2025, first_burden_fy=2026,
        last_burden_fy=2027,
    )  # fmt: skip
    make_commitment(
        o, matter="前年度終了業務", seq=2, limit_yen=1_000_000, authorized_fy=2024, first_burden_fy=2024,
        last_burden_fy=2025,
    )  # fmt: skip
    make_commitment(
        o, approve=False, matter="起案中の業務", seq=3, authorized_fy=2026, first_burden_fy=2026, last_burden_fy=2027
    )
    make_commitment(o, matter="翌年度の業務", seq=1, authorized_fy=2027, first_burden_fy=2027, last_burden_fy=2028)
    other = make_org("別の市", prefix="x_")
    make_commitment(other, matter="別の市の業務", authorized_fy=2026, first_burden_fy=2026, last_burden_fy=2027)

    commitments_rollover(as_of=date(2026, 4, 1))
    projection_refresh_all(as_of=AS_OF)
    return o


EXPECTED_ROWS = [
    # matter, limit, spent period, spent, planned period, planned, funding, difference, basis
    ("学校給食調理業務委託", 20_000_000, [2024, 2025], 8_000_000, [2026, 2028], 12_000_000,
     {"国県支出金": 0, "地方債": 4_500_000, "その他": 925_000, "一般財源": 6_575_000}, 0, "scaled"),
    ("庁舎清掃業務委託", 9_000_000, [2025, 2025], 3_000_000, [2026, 2027], 6_000_000,
     {"国県支出金": 2_000_000, "地方債": 0, "その他": 0, "一般財源": 4_000_000}, 0, "stated"),
    ("道路照明保守業務", 12_000_000, [2025, 2025], 2_000_000, [2026, 2028], 6_000_000,
     {"国県支出金": 0, "地方債": 0, "その他": 0, "一般財源": 6_000_000}, 4_000_000, "general"),
    ("公用車リース", 5_000_000, None, 0, [2026, 2030], 5_000_000,
     {"国県支出金": 0, "地方債": 0, "その他": 0, "一般財源": 5_000_000}, 0, "general"),
    ("ふるさと納税返礼品等業務", None, None, 0, [2027, 2029], 3_000_000,
     {"国県支出金": 0, "地方債": 0, "その他": 0, "一般財源": 3_000_000}, 0, "general"),
]  # fmt: skip

EXPECTED_TOTALS = {
    "limit_yen": 46_000_000,
    "spent_yen": 13_000_000,
    "planned_yen": 29_000_000,
    "funding_yen": {"国県支出金": 2_000_000, "地方債": 4_500_000, "その他": 925_000, "一般財源": 21_575_000},
}


def test_rows_and_totals_by_hand(book):
    report = selectors.chousho_report(organization=book.organization, budget_year=2026)
    data = report.as_json()
    got = [
        (
            r["matter"],
            r["limit_yen"],
            r["spent_period"],
            r["spent_yen"],
            r["planned_period"],
            r["planned_yen"],
            r["funding_yen"],
            r["difference_yen"],
            r["funding_basis"],
        )
        for r in data["rows"]
    ]
    assert got == EXPECTED_ROWS
    assert data["totals"] == EXPECTED_TOTALS
    assert data["funding_sources"] == SOURCES
    assert data["tie_out"]["difference_yen"] == 4_000_000
    assert [(u["matter"], u["difference_yen"]) for u in data["tie_out"]["untied"]] == [("道路照明保守業務", 4_000_000)]
    assert data["text_limits"][0]["limit_text"] == "寄附金額に応じた諸経費にかかる金額"
    assert data["text_limits"][0]["estimated_limit_yen"] == 3_000_000
    assert data["rows"][0]["funding_year"] == 2025
    assert data["stale_count"] == 0
    # the lapsed-remainder row keeps its state (active, authority closed) and is the only one that does not tie
    lights = report.rows[2]
    assert (lights.status, lights.ties, lights.counted_limit_yen) == (Status.ACTIVE, False, 12_000_000)
    assert all(r.funding_difference_yen == 0 for r in report.rows)


def test_budget_year_2025_as_of_today_reads_the_same_stored_rows(book):
    """Asked as of today, the 2025 調書 is today's books: the stored rows, lapsed authority counting nothing."""
    report = selectors.chousho_report(organization=book.organization, budget_year=2025, as_of=timezone.localdate())
    assert report.view == "current"
    rows = [(r.matter, r.spent_yen, r.planned_yen, r.spent_period, r.planned_period) for r in report.rows]
    assert rows == [
        ("学校給食調理業務委託", 4_000_000, 16_000_000, (2024, 2024), (2025, 2028)),
        ("庁舎清掃業務委託", 0, 9_000_000, None, (2025, 2027)),
        ("道路照明保守業務", 0, 8_000_000, None, (2025, 2028)),
        # 旧システム保守 lapsed without a contract but was authorised in 2025: listed with nothing planned.
        ("旧システム保守", 0, 0, None, (2026, 2027)),
    ]
    school = report.rows[0]
    # the 2025 split is stated for 2025: used as is
    assert (school.funding_basis, school.funding) == (
        "stated",
        {"地方債": 6_000_000, "その他": 1_234_567, "一般財源": 8_765_433},
    )


def test_budget_year_2025_in_its_own_point_of_view(book):
    """The 2025 調書 as its budget saw it on 1 April 2025: 2025's authority whole, what was paid before 2025.

    道路照明保守業務 (authorised 2025, 12,000,000) had no contract yet (K-E was signed on 1 May 2025): all of it
    planned from 2025; 旧システム保守 (2,000,000, FY2026–2027) was live authority, lapsed only a year later.
    学校給食 spent 4,000,000 (paid 31 March 2025, FY2024); the payments of 31 March 2026 are FY2025, planned.
    """
    report = selectors.chousho_report(organization=book.organization, budget_year=2025)
    assert (report.view, report.as_of, report.is_draft) == ("budget", date(2025, 4, 1), False)
    rows = [(r.matter, r.status, r.spent_yen, r.planned_yen, r.ties) for r in report.rows]
    assert rows == [
        ("学校給食調理業務委託", Status.ACTIVE, 4_000_000, 16_000_000, True),
        ("庁舎清掃業務委託", Status.ACTIVE, 0, 9_000_000, True),
        ("道路照明保守業務", Status.APPROVED, 0, 12_000_000, True),
        ("旧システム保守", Status.APPROVED, 0, 2_000_000, True),
    ]
    assert report.totals["planned_yen"] == 39_000_000 and report.totals["difference_yen"] == 0


def test_labels_in_the_books_style():
    assert spent_header(2026) == "７年度末までの支出(見込)額"
    assert planned_header(2026) == "８年度以降の支出予定額"
    assert spent_header(2026, style="seireki") == "2025年度末までの支出(見込)額"
    assert planned_header(2019) == "元年度以降の支出予定額"
    assert spent_header(2019) == "平成30年度末までの支出(見込)額"
    assert book_span(2027, 2031, 2026) == "９年度から13年度まで"
    assert book_span(2025, 2025, 2026) == "７年度"
    assert book_span(2008, 2028, 2026) == "平成20年度から令和10年度まで"
    assert book_span(2019, 2025, 2026) == "元年度から７年度まで"
    assert book_span(2024, 2025, 2026, style="seireki") == "2024年度から2025年度まで"
    assert book_year(2030, 2026) == "12年度"


def test_page_shows_the_statutory_layout_in_thousands(client, book):
    client.force_login(book.auditor)
    response = client.get("/reports/chousho/", {"fy": "2026"})
    assert response.status_code == 200
    html = response.content.decode()
    text = _text(response)
    assert "債務負担行為で翌年度以降にわたるものについての前年度末までの支出額又は支出額の見込み" in text
    assert "７年度末までの支出(見込)額" in html and "８年度以降の支出予定額" in html
    assert "特定財源" in html and "一般財源" in html and "国県支出金" in html
    assert '<link rel="stylesheet" href="/static/css/print.css">' in html
    assert "（単位：千円）" in text
    # one row: 限度額, spent period and amount, planned period and amount, funding, tie-out
    assert (
        "学校給食調理業務委託 20,000 ６年度から７年度まで 8,000 ８年度から10年度まで 12,000 4,500 925 6,575 ✓" in text
    )
    assert "庁舎清掃業務委託 9,000 ７年度 3,000 ８年度から９年度まで 6,000 2,000 4,000 ✓" in text
    assert "道路照明保守業務 9,000" not in text
    assert "道路照明保守業務 12,000 ７年度 2,000 ８年度から10年度まで 6,000 6,000 4,000" in text
    assert "公用車リース 5,000 ８年度から12年度まで 5,000 5,000 ✓" in text
    assert "※文言 寄附金額に応じた諸経費にかかる金額 （見込額 3,000）" in text
    assert "合計 46,000 13,000 29,000 2,000 4,500 925 21,575 4,000" in text
    assert "照合：限度額 46,000 ＝ 支出(見込)額 13,000 ＋ 支出予定額 29,000 ＋ 差額 4,000（千円）" in text
    assert "一致しない行：1件" in text and "道路照明保守業務：差額 4,000" in text
    for excluded in ["旧システム保守", "前年度終了業務", "起案中の業務", "翌年度の業務", "別の市の業務"]:
        assert excluded not in text
    # rows link to the commitment
    assert re.search(r'href="/commitments/\d+/">学校給食調理業務委託</a>', html)
    # download links keep the query
    assert 'href="/reports/chousho/export.xlsx?fy=2026"' in html
    assert 'href="/reports/chousho/export.csv?fy=2026"' in html


def test_units_and_western_headers(client, book):
    client.force_login(book.manager)
    text = _text(client.get("/reports/chousho/", {"fy": "令和8年度", "unit": "円", "era": "seireki"}))
    assert "2025年度末までの支出(見込)額" in text and "2026年度以降の支出予定額" in text
    assert (
        "学校給食調理業務委託 20,000,000 2024年度から2025年度まで 8,000,000 2026年度から2028年度まで 12,000,000" in text
    )
    assert "合計 46,000,000 13,000,000 29,000,000 2,000,000 4,500,000 925,000 21,575,000 4,000,000" in text
    assert "単位未満四捨五入" not in text  # 円 is exact
    text = _text(client.get("/reports/chousho/", {"fy": "2026", "unit": "百万円"}))
    # Each total rounded on its own (四捨五入): 4,500,000 → 5, 925,000 → 1, 21,575,000 → 22 百万円.
    assert "合計 46 13 29 2 5 1 22 4" in text
    assert "※単位未満四捨五入のため、合計と内訳が一致しない場合があります。" in text


def test_bad_year_is_reported_not_a_crash(client, book):
    client.force_login(book.auditor)
    response = client.get("/reports/chousho/", {"fy": "らいねん"})
    assert response.status_code == 200
    assert "年度を読み取れません" in response.content.decode()
    assert client.get("/reports/chousho/export.csv", {"fy": "らいねん"}).status_code == 400


def test_access_and_scope(client, book):
    assert client.get("/reports/chousho/").status_code == 302
    for user in (book.auditor, book.manager, book.officer):
        client.force_login(user)
        assert client.get("/reports/chousho/", {"fy": "2026"}).status_code == 200
    client.force_login(book.auditor)
    for url in ["/reports/chousho/", "/reports/chousho/export.csv", "/reports/chousho/export.xlsx"]:
        assert client.post(url, {"fy": "2026"}).status_code == 403
    other = make_org("隣の町", prefix="n_")
    client.force_login(other.auditor)
    text = _text(client.get("/reports/chousho/", {"fy": "2026", "organization": book.organization.pk}))
    assert "学校給食調理業務委託" not in text and "隣の町" in text
    response = client.get("/reports/chousho/export.csv", {"fy": "2026"})
    csv_text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "学校給食" not in csv_text


def test_superuser_picks_the_organization(client, book, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(admin)
    text = _text(client.get("/reports/chousho/", {"fy": "2026", "organization": book.organization.pk}))
    assert "学校給食調理業務委託" in text
    other = Organization.objects.get(name="別の市")
    text = _text(client.get("/reports/chousho/", {"fy": "2026", "organization": other.pk}))
    assert "別の市の業務" in text and "学校給食調理業務委託" not in text
    assert client.get("/reports/chousho/", {"organization": 999_999}).status_code == 404


def test_command_json_shape(book):
    out = io.StringIO()
    call_command("chousho", "--organization", "テスト市", "--fy", "2026", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["budget_year"] == 2026
    assert data["totals"] == EXPECTED_TOTALS
    assert set(data) >= {"budget_year", "rows", "totals", "text_limits", "tie_out"}
    assert len(data["rows"]) == 5
    first = data["rows"][0]
    assert first["matter"] == "学校給食調理業務委託"
    assert first["funding_yen"] == {"国県支出金": 0, "地方債": 4_500_000, "その他": 925_000, "一般財源": 6_575_000}
    assert [t["matter"] for t in data["text_limits"]] == ["ふるさと納税返礼品等業務"]


def test_command_text_and_xlsx(book, tmp_path):
    out = io.StringIO()
    call_command("chousho", "--organization", "テスト市", "--fy", "令和8年度", stdout=out)
    text = out.getvalue()
    assert "テスト市　令和8年度予算" in text
    assert "学校給食調理業務委託\t20,000\t６年度から７年度まで\t8,000\t８年度から10年度まで\t12,000" in text
    assert "合計\t46,000\t\t13,000\t\t29,000\t2,000\t4,500\t925\t21,575\t4,000" in text
    target = tmp_path / "chousho.xlsx"
    call_command("chousho", "--organization", "テスト市", "--fy", "2026", "--xlsx", str(target), stdout=io.StringIO())
    from openpyxl import load_workbook

    sheet = load_workbook(target).active
    assert sheet.title == "調書 令和8年度"
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[7][:6] == ["学校給食調理業務委託", 20000, "６年度から７年度まで", 8000, "８年度から10年度まで", 12000]
    assert values[7][6:11] == [None, 4500, 925, 6575, 0]


def test_command_errors(book):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="団体が見つかりません"):
        call_command("chousho", "--organization", "無い市", "--fy", "2026", stdout=io.StringIO())
    with pytest.raises(CommandError, match="年度"):
        call_command("chousho", "--organization", "テスト市", "--fy", "いつか", stdout=io.StringIO())


def _many(o, sources, start: int, count: int) -> None:
    for n in range(start, start + count):
        c = make_commitment(
            o, matter=f"業務委託{n:03d}", seq=n, limit_yen=1_000_000 * n, authorized_fy=2026, first_burden_fy=2026,
            last_burden_fy=2028,
        )  # fmt: skip
        if n % 2:
            fund(c, 2025, sources, 国県支出金=300_000 * n, 一般財源=700_000 * n)  # scaled
        else:
            fund(c, 2026, sources, 地方債=1_000_000 * n)  # stated


def test_query_count_does_not_grow_with_rows(client, org, django_assert_num_queries):
    """Today's stored rows take four queries; the budget's own view, rebuilt from the books, ten: with 5 rows and
    with 50."""
    sources = sources_for(org)
    _many(org, sources, 1, 5)
    projection_refresh_all(as_of=AS_OF)
    client.force_login(org.auditor)
    today = timezone.localdate()
    with django_assert_num_queries(4):
        small = selectors.chousho_report(organization=org.organization, budget_year=2026, as_of=today)
    assert len(small.rows) == 5
    with django_assert_num_queries(10):
        assert len(selectors.chousho_report(organization=org.organization, budget_year=2026).rows) == 5
    with CaptureQueriesContext(connection) as five:
        assert client.get("/reports/chousho/", {"fy": "2026"}).status_code == 200
    _many(org, sources, 6, 45)
    projection_refresh_all(as_of=AS_OF)
    with django_assert_num_queries(4):
        large = selectors.chousho_report(organization=org.organization, budget_year=2026, as_of=today)
    assert len(large.rows) == 50
    with django_assert_num_queries(10):
        own = selectors.chousho_report(organization=org.organization, budget_year=2026)
    assert [(r.spent_yen, r.planned_yen) for r in own.rows] == [(r.spent_yen, r.planned_yen) for r in large.rows]
    with CaptureQueriesContext(connection) as fifty:
        response = client.get("/reports/chousho/", {"fy": "2026"})
    assert "業務委託050" in response.content.decode()
    assert len(fifty) == len(five)
    # the scaled rows: 30 % 国県支出金 rounded down to 1,000 yen, the rest general
    row = large.rows[0]
    assert row.funding == {"国県支出金": 300_000, "一般財源": 700_000}
    assert large.totals["limit_yen"] == sum(1_000_000 * n for n in range(1, 51))


def test_without_funding_sources_the_amounts_are_unset(org):
    make_commitment(
        org, matter="公用車リース", seq=1, limit_yen=5_000_000, authorized_fy=2026, first_burden_fy=2026,
        last_burden_fy=2030,
    )  # fmt: skip
    projection_refresh_all(as_of=AS_OF)
    report = selectors.chousho_report(organization=org.organization, budget_year=2026)
    data = report.as_json()
    assert data["funding_sources"] == ["未設定"]
    assert data["rows"][0]["funding_basis"] == "unset"
    assert data["totals"]["funding_yen"] == {"未設定": 5_000_000}
    from commitments import exports

    header = exports.chousho_header(report)
    assert [c.label for c in header[0]][-3:] == ["財源内訳", "照合差額", "備考"]
    assert [c.label for c in header[1]][-1] == "未設定"


def test_sources_named_otherwise_print_under_their_own_names(org):
    """J-LIS-style sources are data: specific ones under 特定財源, the general one under 一般財源 with its name."""
    names = [("地方公共団体負担金", False), ("交付金", False), ("事業収入", False), ("自己財源", True)]
    sources = {
        name: FundingSource.objects.create(organization=org.organization, name=name, sort_order=i, is_general=g)
        for i, (name, g) in enumerate(names, start=1)
    }
    c = make_commitment(
        org, matter="LGWAN運用業務", seq=1, limit_yen=9_000_000, authorized_fy=2026, first_burden_fy=2026,
        last_burden_fy=2028,
    )  # fmt: skip
    fund(c, 2025, sources, 地方公共団体負担金=4_000_000, 交付金=3_333_333, 自己財源=1_666_667)  # 9,000,000: as is
    projection_refresh_all(as_of=AS_OF)
    report = selectors.chousho_report(organization=org.organization, budget_year=2026)
    from commitments import exports

    header = exports.chousho_header(report)
    assert [c.label for c in header[1]][-2:] == ["特定財源", "一般財源"]
    assert [c.label for c in header[2]] == ["地方公共団体負担金", "交付金", "事業収入", "自己財源"]
    row = report.as_json()["rows"][0]
    assert row["funding_basis"] == "scaled" and row["funding_year"] == 2025
    assert row["funding_yen"] == {
        "地方公共団体負担金": 4_000_000,
        "交付金": 3_333_333,
        "事業収入": 0,
        "自己財源": 1_666_667,
    }
