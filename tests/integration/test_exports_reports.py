"""Downloads of the 調書 and the exceptions: XLSX read back with openpyxl, CSV with BOM, formula injection defused."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from commitments.models import CommitmentFunding, FundingSource
from commitments.services.projection import projection_refresh_all
from tests.support.factories import make_commitment

EVIL = '=HYPERLINK("http://evil.example","x")'
CSV_HEADER = [
    "事項",
    "限度額",
    "７年度末までの支出(見込)額_期間",
    "７年度末までの支出(見込)額_金額",
    "８年度以降の支出予定額_期間",
    "８年度以降の支出予定額_金額",
    "財源内訳_特定財源_国県支出金",
    "財源内訳_特定財源_地方債",
    "財源内訳_特定財源_その他",
    "財源内訳_一般財源",
    "照合差額",
    "備考",
]


@pytest.fixture
def book(org):
    sources = {
        name: FundingSource.objects.create(
            organization=org.organization, name=name, sort_order=i, is_general=name == "一般財源"
        )
        for i, name in enumerate(["国県支出金", "地方債", "その他", "一般財源"], start=1)
    }
    make_commitment(
        org, matter=EVIL, seq=1, limit_yen=3_000_000, authorized_fy=2026, first_burden_fy=2026, last_burden_fy=2028
    )
    at = make_commitment(
        org, matter="@SUM(1+1)", seq=2, limit_yen=2_000_000, authorized_fy=2026, first_burden_fy=2026,
        last_burden_fy=2027,
    )  # fmt: skip
    for name, amount in (("国県支出金", 500_000), ("一般財源", 1_500_000)):
        CommitmentFunding.objects.create(commitment=at, budget_year=2026, source=sources[name], amount_yen=amount)
    make_commitment(
        org, matter="+81 電話回線", seq=3, limit_yen=1_000_000, authorized_fy=2026, first_burden_fy=2026,
        last_burden_fy=2026,
    )  # fmt: skip
    projection_refresh_all(as_of=date(2026, 4, 15))
    return org


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_chousho_csv(client, book):
    client.force_login(book.auditor)
    response = client.get("/reports/chousho/export.csv", {"fy": "2026"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "chousho_2026_" in response["Content-Disposition"]
    data = _body(response)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[0] == CSV_HEADER
    assert lines[1:] == [
        ["'" + EVIL, "3000", "", "", "８年度から10年度まで", "3000", "", "", "", "3000", "0", ""],
        ["'@SUM(1+1)", "2000", "", "", "８年度から９年度まで", "2000", "500", "", "", "1500", "0", ""],
        ["'+81 電話回線", "1000", "", "", "８年度", "1000", "", "", "", "1000", "0", ""],
        ["合計", "6000", "", "0", "", "6000", "500", "0", "0", "5500", "0", ""],
        ["※単位未満四捨五入のため、合計と内訳が一致しない場合があります。"],
    ]


def test_chousho_csv_in_yen_with_western_years(client, book):
    client.force_login(book.auditor)
    data = _body(client.get("/reports/chousho/export.csv", {"fy": "2026", "unit": "円", "era": "seireki"}))
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[0][2:6] == [
        "2025年度末までの支出(見込)額_期間",
        "2025年度末までの支出(見込)額_金額",
        "2026年度以降の支出予定額_期間",
        "2026年度以降の支出予定額_金額",
    ]
    assert lines[1][1:6] == ["3000000", "", "", "2026年度から2028年度まで", "3000000"]


def test_chousho_xlsx(client, book):
    client.force_login(book.auditor)
    response = client.get("/reports/chousho/export.xlsx", {"fy": "2026"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    workbook = load_workbook(io.BytesIO(_body(response)))
    assert workbook.sheetnames == ["調書 令和8年度"]
    ws = workbook.active
    assert ws["A1"].value.startswith("債務負担行為で翌年度以降にわたるもの") and ws["A1"].font.b
    assert ws["A2"].value == "テスト市　令和8年度予算"
    assert ws["A3"].value == "（単位：千円）"
    assert ws.freeze_panes == "A8"
    assert ws["C5"].value == "７年度末までの支出(見込)額"
    assert ws["E5"].value == "８年度以降の支出予定額"
    assert [ws["G5"].value, ws["G6"].value, ws["J6"].value] == ["財源内訳", "特定財源", "一般財源"]
    assert [ws["G7"].value, ws["H7"].value, ws["I7"].value] == ["国県支出金", "地方債", "その他"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A5:A7", "B5:B7", "C5:D5", "E5:F5", "G5:J5", "G6:I6", "J6:J7", "K5:K7", "L5:L7"} <= merged
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=8, max_row=11)]
    assert rows == [
        ["'" + EVIL, 3000, None, None, "８年度から10年度まで", 3000, None, None, None, 3000, 0, None],
        ["'@SUM(1+1)", 2000, None, None, "８年度から９年度まで", 2000, 500, None, None, 1500, 0, None],
        ["'+81 電話回線", 1000, None, None, "８年度", 1000, None, None, None, 1000, 0, None],
        ["合計", 6000, None, 0, None, 6000, 500, 0, 0, 5500, 0, None],
    ]
    assert ws["B8"].number_format == "#,##0" and ws["J11"].number_format == "#,##0"
    assert ws["A11"].font.b
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert ws["A13"].value.startswith("照合：限度額 6,000 ＝ 支出(見込)額 0 ＋ 支出予定額 6,000")


def test_exceptions_downloads(client, book):
    client.force_login(book.auditor)
    response = client.get("/reports/exceptions/export.xlsx", {"days": "30"})
    workbook = load_workbook(io.BytesIO(_body(response)))
    assert workbook.sheetnames == [
        "契約額が限度額の90%以上",
        "30日以内に失効する未契約の権限",
        "30日以内に契約期間が終わる契約",
        "限度額が文言のもの",
        "推計が未更新のもの",
        "支払予定額が年割額を超える年度",
    ]
    ws = workbook["推計が未更新のもの"]
    assert ws.freeze_panes == "A7"
    assert [c.value for c in ws[6]] == ["番号", "事項", "行為年度", "状態", "最終更新"]
    data = _body(client.get("/reports/exceptions/export.csv"))
    assert data.startswith(b"\xef\xbb\xbf")
    header = data.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[:6] == ["区分", "番号", "事項", "行為年度", "状態", "限度額（千円）"]
    assert "契約番号" in header and "限度額（文言）" in header


def test_download_links_keep_the_query(client, book):
    client.force_login(book.auditor)
    html = client.get("/reports/chousho/", {"fy": "2026", "unit": "円", "era": "seireki"}).content.decode()
    assert 'href="/reports/chousho/export.xlsx?fy=2026&amp;unit=%E5%86%86&amp;era=seireki"' in html
    assert 'href="/reports/chousho/export.csv?fy=2026&amp;unit=%E5%86%86&amp;era=seireki"' in html
    html = client.get("/reports/exceptions/", {"days": "30"}).content.decode()
    assert 'href="/reports/exceptions/export.csv?days=30"' in html
