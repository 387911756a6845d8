"""The export writer: formula injection defused, CSV with BOM, XLSX read back, multi-row headers, bounded memory."""

from __future__ import annotations

import csv
import datetime
import io
import tempfile
import tracemalloc
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from commitments import exports
from commitments.exports import Column, ExportTable, HeaderCell

DANGEROUS = ["=1+2", "+81-3-1234", "-2+3", "@SUM(A1:A2)", "\t=cmd", "\r=cmd", '=HYPERLINK("http://x.example","y")']


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_prefixes_are_neutralised(text):
    assert exports.neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["庁舎清掃業務委託", "", "１＝１", "a=b", 123, -5, None, Decimal("1.5")])
def test_other_values_are_left_alone(value):
    assert exports.neutralise(value) == value


def _sheet(rows, **kwargs):
    columns = [
        Column("事項", width=30),
        Column("限度額", "amount"),
        Column("件数", "integer"),
        Column("割合", "percent"),
        Column("期限", "date"),
    ]
    return ExportTable(title="テスト表", heading="債務負担行為 テスト", columns=columns, rows=rows, **kwargs)


ROWS = [
    ['=HYPERLINK("http://evil.example","x")', 12_345_678, 3, Decimal("95.5"), datetime.date(2027, 3, 31)],
    ["@SUM(1)", "寄附金額に応じた諸経費にかかる金額", None, None, None],
    ["-1", -2_500, 0, 0.0, None],
]


def test_csv_has_bom_crlf_units_and_no_formulas():
    data = exports.csv_bytes(_sheet(iter(ROWS), footer=[["合計", 12_343_178, 3, None, None]]))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["事項", "限度額（千円）", "件数", "割合", "期限"]
    # 12,345,678 円 in 千円 rounds up to 12,346; △2,500 円 to △3 (halves away from zero); 12,343,178 to 12,343.
    assert lines[1] == ['\'=HYPERLINK("http://evil.example","x")', "12346", "3", "95.5", "2027-03-31"]
    assert lines[2] == ["'@SUM(1)", "寄附金額に応じた諸経費にかかる金額", "", "", ""]
    assert lines[3] == ["'-1", "-3", "0", "0.0", ""]
    assert lines[4] == ["合計", "12343", "3", "", ""]
    assert lines[5] == ["※単位未満四捨五入のため、合計と内訳が一致しない場合があります。"]
    assert len(lines) == 6


def test_csv_in_yen_and_without_unit_in_header():
    sheet = _sheet(iter(ROWS[:1]), unit="円", unit_in_csv_header=False)
    lines = exports.csv_bytes(sheet).decode("utf-8-sig").splitlines()
    assert lines[0] == "事項,限度額,件数,割合,期限"
    assert lines[1].split(",")[-4] == "12345678"


def test_header_labels_join_like_the_fuji_csv():
    columns = [Column("事項"), Column("期間"), Column("金額", "amount"), Column("国県支出金", "amount")]
    header = [
        [HeaderCell("事項", rowspan=3), HeaderCell("８年度以降の支出予定額", colspan=2), HeaderCell("財源内訳")],
        [HeaderCell("期間", rowspan=2), HeaderCell("金額", rowspan=2), HeaderCell("特定財源")],
        [HeaderCell("国県支出金")],
    ]
    sheet = ExportTable(title="t", heading="h", columns=columns, rows=[], header=header, unit_in_csv_header=False)
    assert exports.flat_labels(sheet) == [
        "事項",
        "８年度以降の支出予定額_期間",
        "８年度以降の支出予定額_金額",
        "財源内訳_特定財源_国県支出金",
    ]
    placed = exports.header_layout(header, 4)
    assert [(c.label, r, col) for c, r, col in placed[1]] == [("期間", 1, 1), ("金額", 1, 2), ("特定財源", 1, 3)]
    assert [(c.label, r, col) for c, r, col in placed[2]] == [("国県支出金", 2, 3)]
    with pytest.raises(ValueError, match="wider"):
        exports.header_layout([[HeaderCell("a", colspan=5)]], 4)


def test_xlsx_numbers_formats_frozen_header_and_no_formulas():
    header = [
        [
            HeaderCell("事項", rowspan=2),
            HeaderCell("金額", colspan=2),
            HeaderCell("割合", rowspan=2),
            HeaderCell("期限", 1, 2),
        ],
        [HeaderCell("限度額"), HeaderCell("件数")],
    ]
    sheet = _sheet(
        iter(ROWS),
        header=header,
        notes=["テスト市", "（単位：千円）"],
        footer=[["合計", 12_343_178, 3, None, None]],
        trailer=["=注記"],
    )
    workbook = load_workbook(io.BytesIO(exports.xlsx_bytes([sheet])))
    ws = workbook["テスト表"]
    assert ws["A1"].value == "債務負担行為 テスト"
    assert ws["A1"].font.b
    assert [ws["A2"].value, ws["A3"].value, ws["A4"].value] == ["テスト市", "（単位：千円）", None]
    assert ws.freeze_panes == "A7"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A5:A6", "B5:C5", "D5:D6", "E5:E6"}
    assert [ws.cell(5, c).value for c in range(1, 6)] == ["事項", "金額", None, "割合", "期限"]
    assert ws["B6"].value == "限度額"
    first = [c for c in ws[7]]
    assert first[0].value == '\'=HYPERLINK("http://evil.example","x")' and first[0].data_type == "s"
    assert first[1].value == 12346 and first[1].number_format == "#,##0"
    assert first[2].value == 3 and isinstance(first[2].value, int)
    assert first[3].value == 95.5 and first[3].number_format == "0.0"
    assert first[4].value == datetime.datetime(2027, 3, 31)
    assert ws["A8"].value == "'@SUM(1)"
    assert ws["B8"].value == "寄附金額に応じた諸経費にかかる金額"
    assert ws["A9"].value == "'-1" and ws["B9"].value == -3
    assert ws["A10"].value == "合計" and ws["A10"].font.b and ws["B10"].value == 12343
    assert ws["A12"].value == "'=注記"
    assert ws["A13"].value == "※単位未満四捨五入のため、合計と内訳が一致しない場合があります。"
    formulas = [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.column_dimensions["A"].width == 30


def test_sheet_titles_are_what_excel_accepts():
    assert exports.sheet_title("限度額に近い契約[90%]/確認:要?") == "限度額に近い契約_90%__確認_要_"
    assert len(exports.sheet_title("あ" * 40)) == 31
    assert exports.sheet_title("''") == "Sheet"


def test_several_sheets_in_one_workbook():
    sheets = [_sheet(iter(ROWS[:1])), ExportTable(title="二枚目", heading="h", columns=[Column("a")], rows=[["x"]])]
    workbook = load_workbook(io.BytesIO(exports.xlsx_bytes(sheets)))
    assert workbook.sheetnames == ["テスト表", "二枚目"]


def test_unknown_column_kind_is_refused():
    with pytest.raises(ValueError, match="unknown column kind"):
        Column("x", "money")


def _many(n: int):
    for i in range(n):
        yield [f"業務委託{i}", i * 1_000, i % 7, Decimal("12.5"), datetime.date(2027, 3, 31)]


def _peak(write) -> int:
    tracemalloc.start()
    try:
        write()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_bounded_whatever_the_row_count():
    """Rows come from a generator and are written as they come: ten times the rows, about the same peak."""

    def xlsx(n: int) -> None:
        with tempfile.TemporaryFile() as handle:
            exports.write_xlsx([_sheet(_many(n))], handle)

    def csv_stream(n: int) -> None:
        for _line in exports.csv_lines(_sheet(_many(n))):
            pass

    xlsx(10)  # warm up imports and caches
    small, large = _peak(lambda: xlsx(500)), _peak(lambda: xlsx(5_000))
    assert large < small * 1.5 + 200_000, (small, large)
    assert large < 3_000_000
    small, large = _peak(lambda: csv_stream(1_000)), _peak(lambda: csv_stream(10_000))
    assert large < small * 1.5 + 50_000, (small, large)


def test_pdf_html_prints_amounts_as_the_page_and_stops_past_the_row_limit():
    """The PDF's HTML: amounts in the unit with △ for negatives, words kept, blanks empty; a table longer than
    MAX_ROWS is refused (a printed report that long is a case for the XLSX)."""
    sheet = _sheet(iter(ROWS), footer=[["合計", 12_343_178, 3, None, None]])
    html = exports.pdf_html(sheet, running_head="テスト市　債務負担行為 テスト")
    assert '<td class="num">12,346</td>' in html and '<td class="num">△3</td>' in html  # 四捨五入, △ negative
    assert "寄附金額に応じた諸経費にかかる金額" in html
    assert "&lt;" not in exports.pdf_html(_sheet([["<b>x</b>", 1, 1, None, None]]), running_head="h").split("<body>")[0]
    assert "&lt;b&gt;x&lt;/b&gt;" in exports.pdf_html(_sheet([["<b>x</b>", 1, 1, None, None]]), running_head="h")
    assert "※単位未満四捨五入のため、合計と内訳が一致しない場合があります。" in html
    assert "size: A4 landscape" in html and "counter(pages)" in html and "display: table-header-group" in html
    too_many = ([f"行{i}", 1_000, 1, None, None] for i in range(exports.pdf_writer.MAX_ROWS + 1))
    with pytest.raises(exports.TooManyRows):
        exports.pdf_html(_sheet(too_many), running_head="h")
