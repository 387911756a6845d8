"""Headers as books print them (no database): two to four lines, 全角 spaces, 左の財源内訳 / 特定財源 groupings, the
sources by their printed names, units, per-year columns; columns not read are listed; unreadable funding refuses."""

from __future__ import annotations

import pytest

from commitments.services.imports import spans
from commitments.services.imports.columns import Format, detect
from commitments.services.imports.reader import ReadError, read_rows
from commitments.services.imports.rows import plan_rows
from commitments.services.imports.totals import resolve_budget_year


def layout_of(text: str):
    return detect(read_rows(text.encode()))


def plan_of(text: str, budget_year: int = 2025):
    rows = read_rows(text.encode())
    layout = detect(rows)
    year, problems = resolve_budget_year(layout, budget_year=budget_year, era=None, today_fy=2025)
    assert problems == []
    return plan_rows(rows, layout, budget_year=year, era="令和", unit=layout.unit or "千円")


THREE_LINES = (
    "一連番号,事　　項,限度額,６年度末までの支出(見込)額,,７年度以降の支出予定額,,"
    "左　　の　　財　　源　　内　　訳,,,\n"
    ",,,期　間,金　額,期　間,金　額,特　　定　　財　　源,,,一　般　財　源\n"
    ",,,,,,,国県支出金,地 方 債,その他,\n"
    '1,校舎改築事業,"3,000",,,７年度から９年度まで,"3,000",750,"2,000",,250\n'
)


def test_the_issues_three_line_header_reads_every_funding_column() -> None:
    layout = layout_of(THREE_LINES)
    assert layout.format is Format.CHOUSHO and layout.header_rows == [1, 2, 3]
    assert layout.funding == [("国県支出金", 7), ("地方債", 8), ("その他", 9), ("一般財源", 10)]
    assert layout.ignored == []
    (row,) = plan_of(THREE_LINES).rows
    assert row.funding == {"国県支出金": 750_000, "地方債": 2_000_000, "一般財源": 250_000}


def test_four_lines_with_the_unit_and_a_heading_printed_above_the_matter() -> None:
    text = (
        ",,,,,,財源内訳,,,,\n"
        "事項,限度額,前年度末までの支出額,,当該年度以降の支出予定額,,特定財源,,,,一般財源\n"
        ",,期間,金額,期間,金額,国庫支出金,県支出金,分担金負担金,起債,\n"
        ",(千円),,(千円),,(千円),(千円),(千円),(千円),(千円),(千円)\n"
        "橋りょう架替事業,900,,,７年度から８年度まで,900,100,200,50,500,50\n"
    )
    layout = layout_of(text)
    assert layout.header_rows == [1, 2, 3, 4] and layout.unit == "千円"
    assert [name for name, _ in layout.funding] == ["国庫支出金", "県支出金", "分担金負担金", "起債", "一般財源"]
    (row,) = plan_of(text).rows
    assert sum(row.funding.values()) == row.planned_yen == 900_000


def test_a_single_period_column_and_sources_without_a_heading() -> None:
    text = (
        "事項,限度額,期間,前年度末までの支出(見込)額,当該年度以降の支出予定額,国県支出金,地方債,一般財源\n"
        "清掃業務,300,５年度から９年度まで,120,180,,,180\n"
    )
    layout = layout_of(text)
    assert layout.format is Format.CHOUSHO and "planned_span" in layout.columns
    (row,) = plan_of(text).rows
    assert (row.first_fy, row.last_fy, row.spent_yen, row.planned_yen) == (2023, 2027, 120_000, 180_000)


def test_a_title_above_the_table_is_not_a_heading() -> None:
    text = (
        ",,,債務負担行為で翌年度以降にわたるものについての前年度末までの支出額又は支出額の見込み及び当該年度以降の"
        "支出予定額等に関する調書\n" + THREE_LINES
    )
    assert layout_of(text).header_rows == [2, 3, 4]


def test_columns_not_read_are_listed() -> None:
    text = "事項,期間,限度額,備考,担当課\n清掃業務,８年度,100,,総務課\n"
    layout = layout_of(text)
    assert layout.notices == ["列『備考』は読み取りませんでした", "列『担当課』は読み取りませんでした"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("事項,限度額,当該年度以降の支出予定額_期間,当該年度以降の支出予定額_金額,財源内訳\n", "『財源内訳』"),
        ("事項,限度額,当該年度以降の支出予定額_期間,当該年度以降の支出予定額_金額,地方債,地 方 債\n", "『地方債』"),
        ("事項,期間,限度額,一般財源\n", "支出予定額の列がないため第２表 債務負担行為として読みました"),
    ],
)
def test_funding_it_cannot_read_refuses_the_table(text: str, message: str) -> None:
    with pytest.raises(ReadError, match=message):
        layout_of(text + "清掃業務,８年度,100,100,100\n")


def test_a_column_under_a_funding_heading_with_no_name_refuses_the_book() -> None:
    text = THREE_LINES.replace(",国県支出金,地 方 債,その他,", ",国県支出金,,その他,")
    plan = plan_of(text)
    assert (plan.errors[0].row, plan.errors[0].column) == (
        1,
        "9列目（『左の財源内訳_特定財源_国県支出金』の右、見出しなし）",
    )


def test_spans_and_periods_in_two_columns() -> None:
    text = "事項,期間,,限度額\n,自,至,\n清掃業務,８年度,10年度,300\n"
    (row,) = plan_of(text).rows
    assert (row.first_fy, row.last_fy) == (2026, 2028)


def test_spans_in_words() -> None:
    assert spans.book_span("借入金の償還完了まで", context_year=2025, era=None, authorized_fy=2025) == spans.Span(
        2025, 2025, "借入金の償還完了まで"
    )
    assert spans.book_span("８年度から借入金の償還完了まで", context_year=2025, era=None, authorized_fy=2025) == (
        spans.Span(2026, 2026, "８年度から借入金の償還完了まで")
    )
    assert spans.chousho_span("５年度から", "償還完了まで", year=2025, era=None, spent=True) == spans.Span(
        2023, 2025, "５年度から償還完了まで"
    )
    assert spans.chousho_span("", "償還完了まで", year=2025, era=None, spent=False) == spans.Span(
        2025, 2025, "償還完了まで"
    )


def test_limits_per_year_and_a_request_table() -> None:
    text = "事項,期間,限度額,,,,\n,,８年度,９年度,10年度,11年度,計\n公用車リース,８年度から11年度まで,65,65,65,26,221\n"
    (row,) = plan_of(text).rows
    assert row.planned_amounts == {2026: 65_000, 2027: 65_000, 2028: 65_000, 2029: 26_000} and row.explicit
    assert row.limit.yen == 221_000
    no_total = "事項,限度額\n,令和8年度,令和9年度\n公用車リース,100,30\n"  # no span, no 計: both from the years
    (row,) = plan_of(no_total).rows
    assert (row.limit.yen, row.first_fy, row.last_fy) == (130_000, 2026, 2027)
    assert "限度額は年度別の額の合計 130" in row.flags


def test_rows_with_only_a_matter_are_listed_not_read() -> None:
    text = "事項,期間,限度額\n（一般会計）,,\n清掃業務,８年度,100\n合計,,100\n,注　単位未満切捨て,\n"
    plan = plan_of(text)
    assert [r.matter for r in plan.rows] == ["清掃業務"] and plan.warnings == []
    assert plan.notices == [
        "2行目「（一般会計）」は限度額・期間・金額がないため、債務負担行為の行として読み取りませんでした",
        "5行目「注 単位未満切捨て」は表の行ではないため読み取りませんでした",
    ]


def test_a_page_break_repeats_the_title_and_header_and_prints_page_numbers() -> None:
    title = (
        "債務負担行為で８年度以降にわたるものについての６年度末までの支出額又は支出額の見込及び"
        "７年度以降の支出予定額等に関する調書"
    )
    page = f",{title}\n,,,,,,,,,,（単位　千円）\n" + THREE_LINES.split("1,校舎")[0]
    text = (
        page
        + '1,校舎改築事業,"3,000",,,７年度から９年度まで,"3,000",750,"2,000",,250\n'
        + ",- 597 -,,,,,,,- 598 -,,\n"
        + page
        + "2,文書配達業務,900,６年度,300,８年度まで,600,,,,600\n"
        + ',合　　　計,"3,900",,300,,"3,600",750,"2,000",,850\n'
    )
    plan = plan_of(text)
    assert [r.matter for r in plan.rows] == ["校舎改築事業", "文書配達業務"]
    assert plan.errors == [] and plan.warnings == []
    assert plan.notices == ["7行目「- 597 -／- 598 -」は表の行ではないため読み取りませんでした"]
    assert [r.seq for r in plan.rows] == [1, 2]


def test_a_number_broken_over_two_header_lines() -> None:
    text = "一連,事項,期間,限度額\n番号,,,\n1,清掃業務,８年度,100\n"
    assert detect(read_rows(text.encode())).columns["seq"] == 0


def test_a_chousho_printing_its_planned_amounts_per_year() -> None:
    text = (
        "事項,限度額,前年度末までの支出額,,当該年度以降の支出予定額,,,,財源内訳\n"
        ",,期間,金額,期間,７年度,８年度,計,一般財源\n"
        "保守業務,500,６年度,100,８年度まで,300,100,400,400\n"
    )
    (row,) = plan_of(text).rows
    assert row.planned_amounts == {2024: 100_000, 2025: 300_000, 2026: 100_000}
    assert (row.spent_yen, row.planned_yen) == (100_000, 400_000)
    bad = text.replace(",400,400", ",401,400")
    assert "年度別の額の合計 400 と一致しません" in plan_of(bad).errors[0].message


def test_the_total_of_a_per_year_group_is_the_limit_when_none_is_printed() -> None:
    text = "事項,期間,年度別支出予定額,,\n,,８年度,９年度,計\n公用車リース,８年度から９年度まで,65,26,91\n"
    layout = layout_of(text)
    assert layout.columns["limit"] == 4 and layout.ignored == []
    (row,) = plan_of(text).rows
    assert (row.limit.yen, row.planned_amounts) == (91_000, {2026: 65_000, 2027: 26_000})
