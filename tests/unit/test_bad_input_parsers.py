"""Bad input to the parsers: a valid value or the module's own error with a Japanese message, never anything else.

test_fiscal_books.py already proves that arbitrary short text raises only FiscalParseError; here the values that
come back are checked too (ranges, order, sign), the messages must be Japanese and non-empty, and the inputs are
the ones officers and files really produce: control characters, 全角 digits, huge numbers, unknown eras, spans of
0 and 100 years, ends before starts, very long cells, and whole rows of an imported table.
"""

from __future__ import annotations

import datetime
import io
import re
import time
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commitments import fiscal
from commitments.fiscal import FiscalParseError
from commitments.rules import MAX_SPAN_YEARS
from commitments.services.imports.columns import detect
from commitments.services.imports.reader import ReadError, read_rows
from commitments.services.imports.rows import plan_rows
from commitments.services.imports.totals import resolve_budget_year

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
UNITS = sorted(fiscal.UNITS)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- strategies -----------------------------------------------------------------------------------------------------

ERAS = ["令和", "平成", "昭和", "R", "H", "S", "明治", "大正", "X", "M", "T", "ｒ", "Ｈ", "令", "和"]
DIGITS = st.text(alphabet="0123456789０１２３４５６７８９", min_size=1, max_size=6)
NUMBERS = st.one_of(
    DIGITS,
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.integers(min_value=0, max_value=10**40).map(lambda n: f"{n:,}"),
    st.sampled_from(["0", "00", "-1", "1e30", "1E3", "1.5", ".5", "5.", "1,2,3", "１２，０００", "元", "∞", "NaN"]),
)
YEAR_TOKEN = st.builds(
    lambda era, number, suffix: f"{era}{number}{suffix}",
    st.sampled_from(["", *ERAS]),
    NUMBERS,
    st.sampled_from(["", "年度", "年", "年度分", "ねんど"]),
)
SEPARATORS = st.sampled_from(["から", "～", "〜", "~", "-", "ー", "−", "から\n", " から ", "", "まで"])
SPAN = st.builds(
    lambda a, sep, b, end: f"{a}{sep}{b}{end}", YEAR_TOKEN, SEPARATORS, YEAR_TOKEN, st.sampled_from(["", "まで"])
)
CONTROL = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=5)
ANY = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)
MIXED = st.lists(st.one_of(ANY, YEAR_TOKEN, NUMBERS, SEPARATORS, CONTROL), max_size=5).map("".join)
AMOUNT = st.builds(
    lambda sign, number, unit, tail: f"{sign}{number}{unit}{tail}",
    st.sampled_from(["", "△", "▲", "-", "−", "+", "＋"]),
    NUMBERS,
    st.sampled_from(["", "円", "千円", "百万円", "万", "億", "兆", "ドル"]),
    st.sampled_from(["", "ただし書", "(1,000千円×2年)", "　", "\n", "\x00", "円也"]),
)
CONTEXTS = st.one_of(
    st.just({}),
    st.builds(lambda y: {"context_year": y}, st.integers(min_value=1926, max_value=2200)),
    st.builds(lambda e: {"context_era": e}, st.sampled_from(["令和", "平成", "昭和", "R", "H"])),
)


def _outcome(call: Callable[[], Any]) -> Any:
    """The value, or None after a FiscalParseError whose message is Japanese; anything else fails the test."""
    try:
        return call()
    except FiscalParseError as exc:
        message = str(exc)
        assert message and JAPANESE.search(message), f"not a Japanese message: {message!r}"
        return None


def _in_range(fy: int) -> bool:
    return fiscal.MIN_FISCAL_YEAR <= fy <= fiscal.MAX_FISCAL_YEAR


# --- fiscal years, spans, periods -------------------------------------------------------------------------------------


@FAST
@given(st.one_of(YEAR_TOKEN, MIXED), CONTEXTS)
def test_a_fiscal_year_is_in_range_or_refused_in_japanese(text: str, context: dict) -> None:
    fy = _outcome(lambda: fiscal.parse_fiscal_year(text, **context))
    assert fy is None or (isinstance(fy, int) and _in_range(fy))


@FAST
@given(st.one_of(SPAN, MIXED), CONTEXTS)
def test_a_span_is_ordered_and_in_range_or_refused(text: str, context: dict) -> None:
    for parse in (fiscal.parse_span, fiscal.parse_span_part):
        span = _outcome(lambda parse=parse: parse(text, **context))
        if span is None:
            continue
        first, last = span
        assert all(fy is None or _in_range(fy) for fy in span)
        assert first is None or last is None or first <= last


@FAST
@given(st.one_of(SPAN, MIXED), st.one_of(SPAN, YEAR_TOKEN, st.just("")), CONTEXTS)
def test_a_joined_span_is_ordered_or_refused(head: str, tail: str, context: dict) -> None:
    span = _outcome(lambda: fiscal.join_span(head, tail, **context))
    assert span is None or (span[0] <= span[1] and _in_range(span[0]) and _in_range(span[1]))


MONTH_END = st.builds(
    lambda era, year, month: f"{era}{year}年{month}月",
    st.sampled_from(["", "平成", "令和", "R", "明治"]),
    NUMBERS,
    st.one_of(st.integers(min_value=-1, max_value=14).map(str), NUMBERS),
)


@FAST
@given(
    st.one_of(
        st.builds(lambda a, b, note: f"{a}から{b}まで{note}", MONTH_END, MONTH_END, st.sampled_from(["", "(3か年)"])),
        MIXED,
    ),
    CONTEXTS,
)
def test_a_period_is_two_ordered_dates_or_refused(text: str, context: dict) -> None:
    period = _outcome(lambda: fiscal.parse_period(text, **context))
    if period is not None:
        start, end = period
        assert isinstance(start, datetime.date) and isinstance(end, datetime.date) and start <= end


@pytest.mark.parametrize(
    "text",
    ["令和0年度", "R0", "平成0年度", "明治5年度", "大正3年度", "X5年度", "H100", "令和", "年度", "1e30", "\x00"],
)
def test_impossible_and_unknown_eras_are_refused(text: str) -> None:
    assert _outcome(lambda: fiscal.parse_fiscal_year(text)) is None


def test_end_before_start_is_named_as_such() -> None:
    with pytest.raises(FiscalParseError, match="開始年度が終了年度より後"):
        fiscal.parse_span("令和5年度から令和3年度まで")
    with pytest.raises(FiscalParseError, match="開始年度が終了年度より後"):
        fiscal.join_span("令和5年度から", "令和3年度まで")
    with pytest.raises(FiscalParseError, match="期間の始まりが終わりより後"):
        fiscal.parse_period("令和5年9月から令和5年8月まで")


def test_a_span_of_one_year_and_of_a_hundred_years_are_read_and_left_to_the_span_rule() -> None:
    """The parser reads any ordered span; the 50-year rule belongs to the importer, the forms and the database."""
    assert fiscal.parse_span("令和5年度から令和5年度まで") == (2023, 2023)
    assert fiscal.parse_span("2000年度から2099年度まで") == (2000, 2099)


@pytest.mark.parametrize("context", [{"context_era": "明治"}, {"context_era": "X"}, {"context_era": ""}])
def test_an_unknown_context_era_is_a_parse_error(context: dict) -> None:
    assert _outcome(lambda: fiscal.parse_span("5年度から9年度まで", **context)) is None


# --- amounts and limits -----------------------------------------------------------------------------------------------


@FAST
@given(st.one_of(AMOUNT, MIXED), st.sampled_from(UNITS))
def test_an_amount_is_an_integer_or_refused_in_japanese(text: str, unit: str) -> None:
    yen = _outcome(lambda: fiscal.parse_amount(text, unit=unit))
    assert yen is None or (isinstance(yen, int) and not isinstance(yen, bool))


@FAST
@given(st.one_of(AMOUNT, MIXED), st.sampled_from(UNITS))
def test_a_limit_is_positive_or_words_or_refused_in_japanese(text: str, unit: str) -> None:
    limit = _outcome(lambda: fiscal.parse_limit(text, unit=unit))
    if limit is not None:
        assert (limit.yen is not None and limit.yen > 0 and not limit.text) or (limit.yen is None and limit.text)


@pytest.mark.parametrize("text", ["0", "-1", "△1", "▲０", "0千円", "0.0"])
def test_zero_and_negative_limits_are_refused(text: str) -> None:
    assert _outcome(lambda: fiscal.parse_limit(text)) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("１２，０００", 12_000_000), (str(10**40), 10**43), ("1" * 4000, int("1" * 4000) * 1000)],
)
def test_huge_and_fullwidth_amounts_are_exact_integers(text: str, expected: int) -> None:
    assert fiscal.parse_amount(text) == expected


@pytest.mark.parametrize("text", ["1e30", "1E3", "１．５e2", "1" * 5000, "1,2,3", "NaN", "∞"])
def test_scientific_and_overlong_amounts_are_refused(text: str) -> None:
    assert _outcome(lambda: fiscal.parse_amount(text)) is None


@pytest.mark.parametrize(
    "text",
    [
        "あ" + "," * 50_000,
        "あ" + " " * 50_000 + "い",
        "限度額" + "1," * 50_000 + "円",
        "x" + "\n " * 50_000,
        "1" * 50_000,
    ],
)
def test_long_cells_are_read_in_linear_time(text: str) -> None:
    """A 50,000-character cell must not take quadratic time in any parser (an upload holds 10 MB cells)."""
    started = time.monotonic()
    for parse in (fiscal.parse_limit, fiscal.parse_amount, fiscal.parse_span, fiscal.parse_period):
        _outcome(lambda parse=parse: parse(text))
    assert time.monotonic() - started < 2.0


def test_an_error_quotes_a_long_cell_in_short() -> None:
    with pytest.raises(FiscalParseError) as caught:
        fiscal.parse_amount("x" * 100_000)
    assert len(str(caught.value)) < 300


# --- import rows --------------------------------------------------------------------------------------------------

SEED_HEADER = ["事項", "限度額", "行為年度", "負担年度"]
CELL = st.one_of(ANY, AMOUNT, YEAR_TOKEN, SPAN, st.sampled_from(["", "同上", "〃", "合計", "事項"]))
SEED_ROW = st.tuples(
    st.one_of(st.just("事業"), ANY), st.one_of(AMOUNT, CELL), st.one_of(YEAR_TOKEN, CELL), st.one_of(SPAN, CELL)
)


def _csv(rows: list[list[str]]) -> bytes:
    def quote(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"'

    return "\n".join(",".join(quote(cell) for cell in row) for row in rows).encode("utf-8")


def _check_plan(data: bytes, name: str = "t.csv", budget_year: int | None = 2026) -> None:
    """Every data row is either a valid plan or an error naming its row; the file may only fail with ReadError."""
    try:
        rows = read_rows(data, name)
        layout = detect(rows)
    except ReadError as exc:
        assert JAPANESE.search(str(exc))
        return
    year, problems = resolve_budget_year(layout, budget_year=budget_year, era="令和", today_fy=2026)
    if problems:
        assert all(JAPANESE.search(p) for p in problems)
        return
    plan = plan_rows(rows, layout, budget_year=year, era="令和", unit=layout.unit or "千円")
    numbers = {row.number for row in rows}
    for error in plan.errors:
        assert error.row in numbers and error.column and JAPANESE.search(error.message)
        assert str(error).startswith(f"{error.row}行目 ")
    for row in plan.rows:
        assert row.row in numbers
        assert row.authorized_fy <= row.first_fy <= row.last_fy < row.first_fy + MAX_SPAN_YEARS
        assert _in_range(row.authorized_fy) and _in_range(row.last_fy)
        assert (row.limit.yen or 0) >= 0 and (row.limit.yen is None) == bool(row.limit.text)
        assert sum(row.planned_amounts.values()) == (row.limit.yen or 0) or row.explicit
    assert len({e.row for e in plan.errors} & {r.row for r in plan.rows}) == 0


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(SEED_ROW, min_size=1, max_size=6))
def test_seed_rows_become_valid_plans_or_errors_naming_the_row(rows: list[tuple[str, ...]]) -> None:
    _check_plan(_csv([SEED_HEADER, *map(list, rows)]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.one_of(st.just("業務"), ANY), st.one_of(SPAN, CELL), st.one_of(AMOUNT, CELL)), max_size=5))
def test_dai2hyo_rows_become_valid_plans_or_errors(rows: list[tuple[str, ...]]) -> None:
    _check_plan(_csv([["事項", "期間", "限度額"], *map(list, rows)]))


CHOUSHO_HEADER = [
    "事項",
    "限度額",
    "前年度末までの支出額_期間",
    "前年度末までの支出額_金額",
    "当該年度以降の支出予定額_期間",
    "当該年度以降の支出予定額_金額",
    "財源内訳_一般財源",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.one_of(st.just("業務"), ANY), *[st.one_of(AMOUNT, SPAN, CELL)] * 6), max_size=4))
def test_chousho_rows_become_valid_plans_or_errors(rows: list[tuple[str, ...]]) -> None:
    _check_plan(_csv([CHOUSHO_HEADER, *map(list, rows)]))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["t.csv", "t.xlsx", "t.tsv", "t.xls", ""]))
def test_arbitrary_bytes_are_read_or_refused_with_a_read_error(data: bytes, name: str) -> None:
    _check_plan(data, name)


def _xlsx(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_damaged_anywhere_is_read_or_refused_with_a_read_error() -> None:
    """Every 61st byte overwritten in turn: zip, zlib, XML and openpyxl errors all become one Japanese ReadError."""
    data = _xlsx([SEED_HEADER, ["清掃", "1,000", "令和8年度", "令和8年度から令和10年度まで"]])
    for offset in range(0, len(data), 61):
        damaged = data[:offset] + b"\xff" * 8 + data[offset + 8 :]
        try:
            read_rows(damaged, "t.xlsx")
        except ReadError as exc:
            assert JAPANESE.search(str(exc))
    for size in range(0, len(data), len(data) // 10):
        with pytest.raises(ReadError, match="Excel"):
            read_rows(data[:size] or b"PK\x03\x04", "t.xlsx")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("事項,限度額\n".encode("utf-16"), "UTF-16"),
        ("事項,限度額,行為年度,負担年度\n".encode("utf-16-le"), "UTF-16"),
        (b"a,b\x00c\n", "文字コード"),
        (b"a," * 600 + b"\n", "1行目の列が多すぎます"),
        ("事項,限度額\n".encode() + b"," * 10_000_000, "2行目の列が多すぎます"),
        (b"x\n" * 200_001, "行が多すぎます"),
        ('事項,限度額\n"'.encode() + b"x" * 200_000, "2行目から始まるセルが長すぎます"),
    ],
)
def test_files_that_are_not_tables_are_refused_before_they_take_memory(data: bytes, message: str) -> None:
    started = time.monotonic()
    with pytest.raises(ReadError, match=message):
        read_rows(data, "t.csv")
    assert time.monotonic() - started < 2


def test_a_row_wider_than_its_header_is_refused_naming_the_row() -> None:
    """An unquoted 「2,000」 splits the limit in two: refused, not read as 2 千円 with 行為年度 「000」."""
    data = _csv([SEED_HEADER, ["清掃", "1000", "令和8年度", "令和8年度"]]) + "\n警備,2,000,令和8年度,令和8年度".encode()
    rows = read_rows(data)
    plan = plan_rows(rows, detect(rows), budget_year=2026, era="令和", unit="千円")
    assert [(e.row, e.column, e.text) for e in plan.errors] == [(3, "列数", "令和8年度")]
    assert "見出し4列、この行5列" in plan.errors[0].message


@pytest.mark.parametrize(
    ("span", "message"),
    [
        ("2026年度から2125年度まで", "50年以内"),  # 100 years
        ("令和8年度から令和7年度まで", "開始年度が終了年度より後"),
        ("明治8年度から令和9年度まで", "年度を読み取れません"),
        ("令和0年度", "年数が不正"),
    ],
)
def test_bad_spans_name_the_row_and_the_column(span: str, message: str) -> None:
    data = _csv([SEED_HEADER, ["清掃", "1,000", "令和8年度", "令和8年度"], ["警備", "2,000", "令和8年度", span]])
    rows = read_rows(data)
    layout = detect(rows)
    plan = plan_rows(rows, layout, budget_year=2026, era="令和", unit="千円")
    assert [(e.row, e.column) for e in plan.errors] == [(3, "負担年度")]
    assert message in plan.errors[0].message
    assert [r.matter for r in plan.rows] == ["清掃"]
