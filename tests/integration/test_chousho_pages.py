"""The 調書 page shows 100 rows at a time under the 合計 and tie-out of the whole report; its downloads hold every row.

The book of テスト市 for budget year 2026, projected as of 2026-04-15 (after the 1 April rollover); amounts in yen.
106 rows, in the book's order (行為年度, 番号) — not one numbering, as 2025 and 2026 both have a 番号 1:

- 2025 番号 1 庁舎清掃業務委託: FY2025–2027, limit 9,000,000; contract 3 × 3,000,000 paid annually, one paid →
  spent 3,000,000, planned 6,000,000; 財源内訳 stated for 2026: 国県支出金 2,000,000, 一般財源 4,000,000.
- 2025 番号 2 道路照明保守業務: FY2025–2028, limit 12,000,000; contract 4 × 2,000,000, one paid → spent 2,000,000,
  planned 6,000,000; the uncontracted 4,000,000 lapsed: the one row that does not tie (差額 4,000,000).
- 2026 番号 n = 1 … 103 業務委託NNN: FY2026–2028, limit 1,000,000 + 1,000 × n, no contract → planned the limit, all
  一般財源 but 業務委託001 (stated for 2026: 地方債 1,001,000) and 業務委託002 (its 2025 split 国県支出金 300,000 +
  一般財源 700,000 scaled to 1,002,000: 国県支出金 300,600 → 300,000 down to 1,000 yen, 一般財源 702,000).
  Entered from 番号 103 down to 1, so the book's order is not the order of entry.
- 2026 番号 104 ふるさと納税返礼品等業務: a limit in words (estimate 3,000,000): listed, in no total.

Page 1: the two 2025 rows and 業務委託001–098; page 2: 業務委託099–103 and ふるさと納税返礼品等業務.
Totals: limit 9,000,000 + 12,000,000 + (103 × 1,000,000 + 1,000 × 5,356 = 108,356,000) = 129,356,000;
spent 5,000,000; planned 6,000,000 + 6,000,000 + 108,356,000 = 120,356,000; 差額 4,000,000.
財源: 国県支出金 2,000,000 + 300,000 = 2,300,000; 地方債 1,001,000; その他 0; 一般財源 4,000,000 + 6,000,000 +
702,000 + (業務委託003–103: 101 × 1,000,000 + 1,000 × 5,353 = 106,353,000) = 117,055,000 (sum: 120,356,000).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from commitments import selectors
from commitments.models import Organization
from commitments.services.lifecycle import commitments_rollover
from commitments.services.projection import projection_refresh_all
from tests.integration.test_chousho import AS_OF, annual, fund, pay, sources_for
from tests.support.factories import make_commitment, make_user

TOTAL_LINE = "合計 129,356,000 5,000,000 120,356,000 2,300,000 1,001,000 0 117,055,000 4,000,000"
TIE_OUT = "照合：限度額 129,356,000 ＝ 支出(見込)額 5,000,000 ＋ 支出予定額 120,356,000 ＋ 差額 4,000,000（円）"
TOTALS = {
    "limit_yen": 129_356_000,
    "spent_yen": 5_000_000,
    "planned_yen": 120_356_000,
    "funding_yen": {"国県支出金": 2_300_000, "地方債": 1_001_000, "その他": 0, "一般財源": 117_055_000},
    "difference_yen": 4_000_000,
}
PAGE_1 = ["庁舎清掃業務委託", "道路照明保守業務", *[f"業務委託{n:03d}" for n in range(1, 99)]]
PAGE_2 = [*[f"業務委託{n:03d}" for n in range(99, 104)], "ふるさと納税返礼品等業務"]


@pytest.fixture
def long_book(org):
    o = org
    src = sources_for(o)
    cleaning = make_commitment(
        o, matter="庁舎清掃業務委託", seq=1, limit_yen=9_000_000, authorized_fy=2025, first_burden_fy=2025,
        last_burden_fy=2027,
    )  # fmt: skip
    k = annual(o, cleaning, "K-A", 9_000_000, date(2025, 4, 1), date(2025, 4, 1), date(2028, 3, 31))
    pay(o, k, date(2026, 3, 31), 3_000_000)
    fund(cleaning, 2026, src, 国県支出金=2_000_000, 一般財源=4_000_000)
    lights = make_commitment(
        o, matter="道路照明保守業務", seq=2, limit_yen=12_000_000, authorized_fy=2025, first_burden_fy=2025,
        last_burden_fy=2028,
    )  # fmt: skip
    k = annual(o, lights, "K-E", 8_000_000, date(2025, 5, 1), date(2025, 4, 1), date(2029, 3, 31))
    pay(o, k, date(2026, 3, 31), 2_000_000)
    make_commitment(
        o, matter="ふるさと納税返礼品等業務", seq=104, limit_yen=None, limit_text="寄附金額に応じた諸経費にかかる金額",
        estimated_limit_yen=3_000_000, authorized_fy=2026, first_burden_fy=2027, last_burden_fy=2029,
    )  # fmt: skip
    for n in range(103, 0, -1):
        c = make_commitment(
            o, matter=f"業務委託{n:03d}", seq=n, limit_yen=1_000_000 + 1_000 * n, authorized_fy=2026,
            first_burden_fy=2026, last_burden_fy=2028,
        )  # fmt: skip
        if n == 1:
            fund(c, 2026, src, 地方債=1_001_000)
        if n == 2:
            fund(c, 2025, src, 国県支出金=300_000, 一般財源=700_000)
    commitments_rollover(as_of=date(2026, 4, 1))
    projection_refresh_all(as_of=AS_OF)
    return o


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _matters(response) -> list[str]:
    return re.findall(r'<td class="matter sticky"><a href="[^"]*">([^<]+)</a>', response.content.decode())


@pytest.mark.parametrize("as_of", ["today", "budget"])
def test_two_pages_in_the_books_order_under_the_whole_reports_totals(client, long_book, as_of):
    """Today's stored rows (totals added up in SQL) and the budget's own view (the books row by row, a slice of the
    whole report) show the same pages."""
    client.force_login(long_book.auditor)
    query = {"fy": "2026", "unit": "円"}
    if as_of == "today":
        query["as_of"] = timezone.localdate().isoformat()
    first = client.get("/reports/chousho/", query)
    second = client.get("/reports/chousho/", {**query, "page": "2"})
    assert _matters(first) == PAGE_1
    assert _matters(second) == PAGE_2
    for response in (first, second):
        text = _text(response)
        assert TOTAL_LINE in text
        assert TIE_OUT in text
        assert "一致しない行：1件" in text and "道路照明保守業務：差額 4,000,000" in text
        assert "※限度額が文言：ふるさと納税返礼品等業務「寄附金額に応じた諸経費にかかる金額」" in text
    assert "全 106 件中 1–100 件目 （1 / 2 ページ）" in _text(first)
    assert "全 106 件中 101–106 件目 （2 / 2 ページ）" in _text(second)
    # the rows' own cells: 業務委託002's scaled split; the page's links keep the other parameters
    assert "業務委託002 1,002,000 ８年度から10年度まで 1,002,000 300,000 702,000 ✓" in _text(first)
    html = first.content.decode()
    assert 'class="page-next" rel="next"' in html and "page=2" in html
    link = re.search(r'<a href="\?([^"]+)" class="page-next"', html).group(1)
    assert QueryDict(link.replace("&amp;", "&")).dict() == {**query, "page": "2"}
    previous = re.search(r'<a href="\?([^"]*)" class="page-previous"', second.content.decode()).group(1)
    assert "page=" not in previous and "fy=2026" in previous
    # beyond the last page: the last page; not a number: the first
    assert _matters(client.get("/reports/chousho/", {**query, "page": "9"})) == PAGE_2
    assert _matters(client.get("/reports/chousho/", {**query, "page": "x"})) == PAGE_1
    # the downloads from page 2 hold every row, in the same order, with the same total
    csv_response = client.get("/reports/chousho/export.csv", {**query, "page": "2"})
    rows = list(csv.reader(io.StringIO(b"".join(csv_response.streaming_content).decode("utf-8-sig"))))
    matters = [r[0] for r in rows if r and (r[0] in PAGE_1 or r[0] in PAGE_2)]
    assert matters == PAGE_1 + PAGE_2
    total = next(r for r in rows if r and r[0] == "合計")
    assert total[:6] == ["合計", "129356000", "", "5000000", "", "120356000"]
    xlsx = client.get("/reports/chousho/export.xlsx", {**query, "page": "2"})
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    cells = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert [c for c in cells if c in PAGE_1 or c in PAGE_2] == PAGE_1 + PAGE_2


def test_every_page_of_today_is_the_whole_reports_slice(long_book):
    """chousho_page as of today adds up in SQL what chousho_report adds up in Python: the same rows, totals, columns,
    counts and lists."""
    today = timezone.localdate()
    whole = selectors.chousho_report(organization=long_book.organization, budget_year=2026, as_of=today)
    assert whole.totals == TOTALS
    for number in (1, 2):
        page = selectors.chousho_page(organization=long_book.organization, budget_year=2026, as_of=today, number=number)
        assert page.view == "current" and page.row_count == 106 and page.page_count == 2
        assert page.totals == TOTALS
        assert [c.key for c in page.columns] == [c.key for c in whole.columns]
        expected = whole.rows[(number - 1) * 100 : number * 100]
        assert [(r.commitment_id, r.spent_yen, r.planned_yen, r.funding, r.funding_basis) for r in page.rows] == [
            (r.commitment_id, r.spent_yen, r.planned_yen, r.funding, r.funding_basis) for r in expected
        ]
        assert (page.untied_count, [r.matter for r in page.untied_rows]) == (1, ["道路照明保守業務"])
        assert (page.text_limit_count, [r.matter for r in page.text_limit_rows]) == (1, ["ふるさと納税返礼品等業務"])


def test_without_a_general_source_the_unstated_amounts_are_unset(org):
    """No 一般財源: the rows without a stated split go to 未設定 in the page's totals, as in the whole report."""
    make_commitment(
        org, matter="公用車リース", seq=1, limit_yen=5_000_000, authorized_fy=2026, first_burden_fy=2026,
        last_burden_fy=2030,
    )  # fmt: skip
    projection_refresh_all(as_of=AS_OF)
    page = selectors.chousho_page(organization=org.organization, budget_year=2026, as_of=timezone.localdate())
    assert [c.name for c in page.columns] == ["未設定"]
    assert page.totals["funding_yen"] == {"未設定": 5_000_000}
    assert page.rows[0].funding == {"未設定": 5_000_000}


def test_the_page_as_of_today_runs_the_same_queries_for_few_and_many_rows(client, db):
    """Generated books of 60 and then 210 commitments: the same queries for the page as of today (its rows, the
    whole report's aggregate, the stated splits, the rows named under the table), however many rows the budget year
    holds. (With nothing to name under the table and no stated split, one query fewer.)"""
    as_of = date(2025, 9, 30)

    def generate(count: int, seed: int) -> None:
        call_command("generate_commitments", count, seed=seed, organization="頁数市", as_of=as_of, stdout=io.StringIO())
        projection_refresh_all(as_of=as_of)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/reports/chousho/", {"fy": "2025", "as_of": timezone.localdate().isoformat()})
        assert response.status_code == 200
        return len(captured), len(_matters(response))

    generate(60, seed=11)
    client.force_login(make_user("pages-auditor", Organization.objects.get(name="頁数市"), "auditor"))
    few, few_rows = queries()
    generate(150, seed=12)
    many, many_rows = queries()
    assert many == few and many_rows > few_rows
