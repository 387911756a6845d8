"""Rounding as budget books do it: in 千円 and 百万円 every cell (years, row totals, footers) is rounded on its own
(四捨五入), and every surface showing such figures says totals may not equal the sum of their parts.

The books, worked by hand: 庁舎リース 9,800,000 円 over FY2026–FY2032 (7 × 1,400,000) in 一般会計, 車両リース
1,400,000 円 in FY2026 in 水道事業. In 百万円: each year of 庁舎リース shows 1 and its total 10 (9.8); 車両リース 1;
the FY2026 footer 3 (2.8) above cells 1 + 1; the limits 10 + 1 above a total of 11 (11.2).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from commitments.services.projection import projection_refresh_all
from tests.support.factories import make_commitment

NOTE = "※単位未満四捨五入のため、合計と内訳が一致しない場合があります。"


@pytest.fixture
def books(org):
    make_commitment(
        org, matter="庁舎リース", seq=1, limit_yen=9_800_000, authorized_fy=2026, first_burden_fy=2026,
        last_burden_fy=2032,
    )  # fmt: skip
    make_commitment(
        org, matter="車両リース", seq=2, limit_yen=1_400_000, authorized_fy=2026, first_burden_fy=2026,
        last_burden_fy=2026, segment=org.other_segment,
    )  # fmt: skip
    projection_refresh_all(as_of=date(2026, 4, 15))
    return org


def _cells(html: str, table_id: str) -> str:
    table = html[html.index(f'id="{table_id}"') :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table[: table.index("</table>")]))


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_exposure_page_rounds_each_cell(client, books):
    client.force_login(books.auditor)
    html = client.get("/exposure/", {"unit": "百万円"}).content.decode()
    cells = _cells(html, "exposure-table")
    assert re.search(r"庁舎リース 一般会計 10 \S+ 1 1 1 1 1 1 1 10 ", cells), cells
    assert re.search(r"車両リース 水道事業 1 \S+ 1 0 0 0 0 0 0 1 ", cells), cells
    assert cells.endswith("合計 11 3 1 1 1 1 1 1 11 ")
    assert NOTE in html
    # In 円 nothing is rounded and nothing needs saying.
    html = client.get("/exposure/", {"unit": "円"}).content.decode()
    assert "合計 11,200,000 2,800,000 1,400,000" in _cells(html, "exposure-table")
    assert "単位未満四捨五入" not in html
    # In English, the note from the catalogue.
    client.cookies["django_language"] = "en"
    html = client.get("/exposure/", {"unit": "千円"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Each figure is rounded to the unit shown, so totals may differ from the sum of their parts." in html


def test_summary_page_rounds_each_cell(client, books):
    client.force_login(books.auditor)
    html = client.get("/exposure/summary/", {"unit": "百万円", "basis": "planned"}).content.decode()
    cells = _cells(html, "summary-table")
    assert "一般会計 1 1 1 1 1 1 1 10 " in cells
    assert "水道事業 1 0 0 0 0 0 0 1 " in cells
    assert "合計 3 1 1 1 1 1 1 11 " in cells
    assert NOTE in html
    chart = re.search(r'id="summary-chart-data"[^>]*>(.*?)</script>', html, re.S).group(1)
    assert '"data": [1, 1, 1, 1, 1, 1, 1]' in chart  # the chart's bars are the table's cells


def test_csv_and_xlsx_round_each_cell_and_say_so(client, books):
    client.force_login(books.auditor)
    data = _body(client.get("/exposure/export.csv", {"unit": "百万円"})).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(data)))
    assert lines[0][:4] == ["番号", "事項", "事業区分", "限度額（百万円）"]
    assert lines[1:] == [
        ["1", "庁舎リース", "一般会計", "10", "1", "1", "1", "1", "1", "1", "1", "10"],
        ["2", "車両リース", "水道事業", "1", "1", "0", "0", "0", "0", "0", "0", "1"],
        ["", "合計", "", "11", "3", "1", "1", "1", "1", "1", "1", "11"],
        [NOTE],
    ]
    workbook = load_workbook(io.BytesIO(_body(client.get("/exposure/export.xlsx", {"unit": "百万円"}))))
    rows = [list(r) for r in workbook.active.iter_rows(values_only=True)]
    # The title names the unit and the as-of day.
    assert rows[0][0].startswith("債務負担行為 年度別負担額（年割額（予算））（単位：百万円）基準日：令和")
    header = next(i for i, r in enumerate(rows) if r[0] == "番号")
    assert rows[header + 1] == [1, "庁舎リース", "一般会計", 10, 1, 1, 1, 1, 1, 1, 1, 10]
    assert rows[header + 3] == [None, "合計", None, 11, 3, 1, 1, 1, 1, 1, 1, 11]
    assert rows[-1][0] == NOTE


def test_pdf_rounds_each_cell_and_says_so(client, books):
    client.force_login(books.auditor)
    response = client.get("/exposure/export.pdf", {"unit": "百万円"})
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "1 庁舎リース 一般会計 10 1 1 1 1 1 1 1 10" in text
    assert "合計 11 3 1 1 1 1 1 1 11" in text
    assert NOTE in text


def test_summary_downloads_hold_the_page_table(client, books):
    client.force_login(books.auditor)
    query = {"unit": "百万円", "basis": "planned"}
    data = _body(client.get("/exposure/summary/export.csv", query)).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(data))) == [
        ["事業区分", *[f"令和{n}年度（百万円）" for n in range(8, 15)], "合計（百万円）"],
        ["一般会計", "1", "1", "1", "1", "1", "1", "1", "10"],
        ["水道事業", "1", "0", "0", "0", "0", "0", "0", "1"],
        ["合計", "3", "1", "1", "1", "1", "1", "1", "11"],
        [NOTE],
    ]
    workbook = load_workbook(io.BytesIO(_body(client.get("/exposure/summary/export.xlsx", query))))
    rows = [list(r) for r in workbook.active.iter_rows(values_only=True)]
    assert rows[0][0].startswith(
        "テスト市　債務負担行為 事業区分別・年度別の負担額（年割額（予算））（単位：百万円）基準日："
    )
    assert ["合計", 3, 1, 1, 1, 1, 1, 1, 11] in rows and rows[-1][0] == NOTE
    response = client.get("/exposure/summary/export.pdf", {**query, "era": "seireki"})
    assert response["Content-Type"] == "application/pdf"
    text = re.sub(r"[ \t]+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages))
    assert "事業区分 FY2026 FY2027 FY2028 FY2029 FY2030 FY2031 FY2032 合計" in text
    assert "一般会計 1 1 1 1 1 1 1 10\n水道事業 1 0 0 0 0 0 0 1\n合計 3 1 1 1 1 1 1 11\n" + NOTE in text
    html = client.get("/exposure/summary/", query).content.decode()
    assert 'href="/exposure/summary/export.pdf?unit=%E7%99%BE%E4%B8%87%E5%86%86&amp;basis=planned"' in html
