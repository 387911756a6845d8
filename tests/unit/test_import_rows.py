"""Reading budget tables without a database: encodings, formats, headers, 同上, split spans, 合計, row errors."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from commitments.services.imports.columns import Format, detect
from commitments.services.imports.reader import ReadError, read_rows
from commitments.services.imports.rows import Plan, plan_rows
from commitments.services.imports.totals import resolve_budget_year

DATA = Path(__file__).resolve().parents[2] / "commitments" / "data"
CHOUSHO = DATA / "fuji" / "fuji_R08_2026_chousho_saimufutankoui.csv"
R7 = DATA / "fuji" / "fuji_R07_2025_dai2hyo_saimufutankoui.csv"
SEED = DATA / "jlis_fy2017_commitments.csv"


def plan_of(data: bytes, name: str = "t.csv", budget_year: int | None = None, era: str | None = None) -> Plan:
    rows = read_rows(data, name)
    layout = detect(rows)
    year, problems = resolve_budget_year(layout, budget_year=budget_year, era=era, today_fy=2026)
    assert problems == []
    return plan_rows(rows, layout, budget_year=year, era=era or "令和", unit=layout.unit or "千円")


def by_seq(plan: Plan) -> dict[int, object]:
    return {row.seq: row for row in plan.rows}


# --- reading files ------------------------------------------------------------------------------------------------


def test_utf8_with_and_without_bom_and_cp932_read_the_same() -> None:
    text = R7.read_text(encoding="utf-8")
    plain = read_rows(text.encode("utf-8"))
    assert read_rows(b"\xef\xbb\xbf" + text.encode("utf-8")) == plain
    assert read_rows(text.encode("cp932")) == plain
    assert plain[1].cells[2] == "第六次富士市総合計画後期計画策定業務"


def test_tab_separated_text_as_copied_from_the_seed() -> None:
    text = "事 項\t限度額\t行為年度\t機構の負担 となる年度\n"
    text += "構内電話交換機のリース\t10,889\t平成29年度\t平成29年度から平成35年度\n"
    rows = read_rows(text.encode())
    assert rows[1].cells == ("構内電話交換機のリース", "10,889", "平成29年度", "平成29年度から平成35年度")


def test_undecodable_bytes_and_old_excel_are_refused() -> None:
    with pytest.raises(ReadError, match="文字コード"):
        read_rows(b"\x81\x00\xff\xfe\xfd")
    with pytest.raises(ReadError, match="xls"):
        read_rows(b"\xd0\xcf\x11\xe0rest", "old.xls")
    with pytest.raises(ReadError, match="空"):
        read_rows(b"")


def test_xlsx_with_a_title_caption_and_a_two_line_header() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["債務負担行為に関する調書"])
    sheet.append(["（単位：千円）"])
    sheet.append(
        ["一連番号", "事項", "限度額", "７年度末までの支出(見込)額", None, "８年度以降の支出予定額", None, "財源内訳"]
    )
    sheet.append([None, None, None, "期間", "金額", "期間", "金額", "一般財源"])
    sheet.append([1, "文書配達業務", 10074, "７年度", 4614, "９年度まで", 5460, 5460])
    sheet.append([None, "合計", 10074, None, 4614, None, 5460, 5460])
    buffer = io.BytesIO()
    book.save(buffer)
    plan = plan_of(buffer.getvalue(), "book.xlsx")
    assert plan.layout.format is Format.CHOUSHO
    assert plan.layout.header_rows == [3, 4]
    assert plan.layout.funding == [("一般財源", 7)]
    assert plan.budget_year == 2026 and plan.unit == "千円"
    (row,) = plan.rows
    assert (row.first_fy, row.last_fy, row.spent_yen, row.planned_yen) == (2025, 2027, 4_614_000, 5_460_000)
    assert row.funding == {"一般財源": 5_460_000} and plan.warnings == [] and plan.total_row == 6


# --- formats and headers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "fmt"),
    [(SEED, Format.SEED), (R7, Format.DAI2HYO), (CHOUSHO, Format.CHOUSHO)],
)
def test_formats_recognised_by_header(path: Path, fmt: Format) -> None:
    assert detect(read_rows(path.read_bytes())).format is fmt


def test_chousho_headers_name_the_years() -> None:
    layout = detect(read_rows(CHOUSHO.read_bytes()))
    assert (layout.spent_until_text, layout.planned_from_text) == ("7", "8")
    assert [name for name, _ in layout.funding] == ["国県支出金", "地方債", "その他", "一般財源"]
    assert resolve_budget_year(layout, budget_year=None, era=None, today_fy=2026) == (2026, [])
    _year, problems = resolve_budget_year(layout, budget_year=2025, era=None, today_fy=2026)
    assert problems and "令和8年度" in problems[0]


def test_statutory_generic_headers_need_the_budget_year() -> None:
    """常総市's title variant: 前年度末までの支出額 / 当該年度以降の支出予定額 (no concrete year)."""
    csv = "事項,限度額,前年度末までの支出額_期間,前年度末までの支出額_金額,"
    csv += "当該年度以降の支出予定額_期間,当該年度以降の支出予定額_金額\n"
    csv += "清掃業務,300,26年度から,100,28年度まで,200\n"
    rows = read_rows(csv.encode())
    layout = detect(rows)
    assert layout.format is Format.CHOUSHO
    assert resolve_budget_year(layout, budget_year=None, era=None, today_fy=2026)[0] is None
    plan = plan_of(csv.encode(), budget_year=2015, era="平成")
    assert (plan.rows[0].first_fy, plan.rows[0].last_fy) == (2014, 2016)


def test_missing_columns_are_named() -> None:
    with pytest.raises(ReadError, match="行為年度"):
        detect(read_rows("事項,限度額,行為年度\nA,1,平成29年度\n".encode()))
    with pytest.raises(ReadError, match="見出し行"):
        detect(read_rows("品名,金額\nA,1\n".encode()))


def test_seed_header_variants_and_page_breaks() -> None:
    """The seed's second page repeats the caption and a header written 「機構の負担 となる年度」."""
    text = (
        "(単位：千円)\n"
        "事 項\t限度額\t行為年度\t機構の負担となる年度\n"
        "事務機器等リース\t2,110\t平成29年度\t平成29年度から平成34年度\n"
        "\n(単位：千円)\n"
        "事 項\t限度額\t行為年度\t機構の負担 となる年度\n"
        "LGWAN運営におけるセキュリティ監視強化業務\t35,900\t平成29年度\t平成29年度から 平成30年度\n"
    )
    plan = plan_of(text.encode())
    assert [(r.limit.yen, r.first_fy, r.last_fy) for r in plan.rows] == [
        (2_110_000, 2017, 2022),
        (35_900_000, 2017, 2018),
    ]
    assert plan.errors == []


# --- the Fuji books -----------------------------------------------------------------------------------------------


def test_dai2hyo_r7_rows() -> None:
    plan = plan_of(R7.read_bytes(), budget_year=2025)
    assert len(plan.rows) == 33 and plan.errors == []
    rows = by_seq(plan)
    assert rows[1].authorized_fy == 2025 and (rows[1].first_fy, rows[1].last_fy) == (2026, 2026)
    assert (rows[3].first_fy, rows[3].last_fy, rows[3].limit.yen) == (2026, 2030, 2_004_505_000)
    assert rows[3].planned_amounts == dict.fromkeys(range(2026, 2031), 400_901_000)
    assert rows[17].limit.yen == 5_753_000 and rows[17].limit.note.startswith("ただし、８年度から22年度まで")
    assert all(sum(r.planned_amounts.values()) == (r.limit.yen or 0) for r in plan.rows)
    assert sum(r.limit.yen or 0 for r in plan.rows) == 9_318_814_000


def test_chousho_rows_and_authority_rule() -> None:
    plan = plan_of(CHOUSHO.read_bytes())
    assert len(plan.rows) == 79 and plan.errors == [] and plan.warnings == [] and plan.total_row == 81
    rows = by_seq(plan)
    # 行為年度: authority of the budget year (a 第２表 row of 令和8年度, starting in 令和9年度) …
    assert (rows[1].authorized_fy, rows[1].opening) == (2026, False)
    # … the year the 事項 names …
    assert (rows[6].authorized_fy, rows[14].authorized_fy, rows[72].authorized_fy) == (2025, 2024, 2024)
    # … otherwise the year before the first burden year: under contract, with an opening balance.
    assert (rows[2].authorized_fy, rows[2].first_fy, rows[2].last_fy, rows[2].opening) == (2024, 2025, 2027, True)
    assert (rows[33].authorized_fy, rows[33].spent_yen, rows[33].opening) == (2025, 0, True)
    assert (rows[25].first_fy, rows[25].last_fy, rows[25].authorized_fy) == (2008, 2038, 2007)
    assert (rows[57].first_fy, rows[57].last_fy) == (2019, 2032)  # 元年度から … 14年度まで
    assert (rows[68].first_fy, rows[68].last_fy) == (2020, 2034)  # ２年度から … 16年度まで
    # 同上利子 repeats row 37's span; no limit printed: words, counted 0, flagged.
    assert (rows[38].first_fy, rows[38].last_fy) == (rows[37].first_fy, rows[37].last_fy) == (2013, 2040)
    assert rows[38].matter == "農林漁業資金特別融資金補給利子" and rows[38].limit.is_text
    assert any("同上" in flag for flag in rows[38].flags)
    # Text limit with 「限度額に同じ」 and the debt guarantee whose span is words.
    assert rows[40].limit.text == "寄附金額に応じた諸経費にかかる金額" and rows[40].planned_yen == 0
    assert rows[79].kind == "guarantee" and (rows[79].first_fy, rows[79].last_fy) == (2026, 2026)
    assert rows[79].planned_yen == 3_000_000_000 and rows[79].opening
    assert any("事業資金借入金償還期限満了まで" in flag for flag in rows[79].flags)
    # Funding, and 年割額 = spent spread before the budget year + planned from it.
    assert rows[48].funding == {"国県支出金": 456_423_000, "地方債": 893_200_000, "一般財源": 99_317_000}
    assert rows[2].planned_amounts == {2025: 4_614_000, 2026: 2_730_000, 2027: 2_730_000}
    totals = (
        sum(r.limit.yen or 0 for r in plan.rows),
        sum(r.spent_yen for r in plan.rows),
        sum(r.planned_yen for r in plan.rows),
    )
    assert totals == (68_738_703_000, 15_817_016_000, 52_921_687_000)


def test_total_row_that_does_not_tie_is_reported() -> None:
    text = CHOUSHO.read_text(encoding="utf-8").replace('"68,738,703"', '"68,738,704"')
    plan = plan_of(text.encode())
    assert plan.errors == []
    assert len(plan.warnings) == 1 and "68,738,704" in plan.warnings[0] and "68,738,703" in plan.warnings[0]


def test_every_bad_row_is_listed_with_row_column_and_text() -> None:
    text = R7.read_text(encoding="utf-8")
    text = text.replace("２，０４２", "△２，０４２", 1).replace("８年度から22年度まで", "８年度から99年度まで", 1)
    plan = plan_of(text.encode(), budget_year=2025)
    assert [(e.row, e.column) for e in plan.errors] == [(2, "限度額"), (18, "期間")]
    assert plan.errors[0].text == "△２，０４２" and "負の金額" in plan.errors[0].message
    assert "50年以内" in plan.errors[1].message
    assert str(plan.errors[0]).startswith("2行目（行番号 1）限度額「△２，０４２」")  # the row as the book numbers it
    assert len(plan.rows) == 31


def test_chousho_row_that_does_not_add_up_is_refused() -> None:
    text = CHOUSHO.read_text(encoding="utf-8").replace('"4,614",９年度まで,"5,460"', '"4,614",９年度まで,"5,461"')
    plan = plan_of(text.encode())
    assert [(e.row, e.column) for e in plan.errors] == [(3, "限度額")]


def test_duplicate_rows_in_one_file_are_refused_but_same_matter_with_other_limit_is_kept() -> None:
    seed = plan_of(SEED.read_bytes())
    assert len(seed.rows) == 32
    same = [r for r in seed.rows if r.matter == "地方税・地方交付税等の情報処理システムの機器及びソフトウェアのリース"]
    assert sorted(r.limit.yen for r in same) == [1_350_000, 996_000_000]
    text = "事項,限度額,行為年度,負担年度\nA,1,平成29年度,平成29年度\nA,1,平成29年度,平成29年度\n"
    plan = plan_of(text.encode())
    assert [(e.row, e.message) for e in plan.errors] == [(3, "2行目と同じ内容の行です。")]
