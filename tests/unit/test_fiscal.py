"""Unit tests for commitments.fiscal (pure Python: no Django, no database)."""

import ast
import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commitments import fiscal
from commitments.fiscal import (
    ERAS,
    UNITS,
    FiscalParseError,
    era_of_fiscal_year,
    fiscal_year_end,
    fiscal_year_of,
    fiscal_year_start,
    format_amount,
    format_fiscal_year,
    format_span,
    normalize_text,
    parse_amount,
    parse_fiscal_year,
    parse_span,
    to_unit,
)

STYLES = ("wareki", "wareki_short", "seireki", "fy")
fiscal_years = st.integers(min_value=1927, max_value=2100)


# --- module hygiene -------------------------------------------------------------


def test_module_imports_nothing_from_django() -> None:
    """Every module of the package must stay importable without Django."""
    modules = sorted(Path(fiscal.__file__).parent.glob("*.py"))
    assert {path.name for path in modules} >= {"__init__.py", "text.py", "years.py", "spans.py", "amounts.py"}
    imported: set[str] = set()
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert "django" not in imported


def test_eras_table() -> None:
    """ERAS lists (kanji, letter, offset), newest first."""
    assert ERAS == (("令和", "R", 2018), ("平成", "H", 1988), ("昭和", "S", 1925))


def test_fiscal_parse_error_is_value_error() -> None:
    """Callers catching ValueError also catch parse errors."""
    assert issubclass(FiscalParseError, ValueError)


# --- normalize_text -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("平成３５年度", "平成35年度"),
        ("Ｈ２９", "H29"),
        ("平成29年度から 平成35年度", "平成29年度から平成35年度"),
        ("平成29年度から\n平成35年度まで", "平成29年度から平成35年度まで"),
        ("令和\u3000５\t年度\r\n", "令和5年度"),
        ("２，００４，５０５", "2,004,505"),
        ("令和2年度\uff5e令和4年度", "令和2年度~令和4年度"),
        ("", ""),
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    """NFKC folds 全角 and every kind of whitespace disappears."""
    assert normalize_text(text) == expected


# --- fiscal year dates ----------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2018, 3, 31), 2017),
        (datetime.date(2018, 4, 1), 2018),
        (datetime.date(2018, 1, 1), 2017),
        (datetime.date(2017, 12, 31), 2017),
        (datetime.date(2019, 4, 30), 2019),
        (datetime.date(2019, 5, 1), 2019),
    ],
)
def test_fiscal_year_of(day: datetime.date, expected: int) -> None:
    """The fiscal year changes on 1 April."""
    assert fiscal_year_of(day) == expected


def test_fiscal_year_start_and_end() -> None:
    """FY2017 runs from 2017-04-01 to 2018-03-31."""
    assert fiscal_year_start(2017) == datetime.date(2017, 4, 1)
    assert fiscal_year_end(2017) == datetime.date(2018, 3, 31)
    assert fiscal_year_end(2019) == datetime.date(2020, 3, 31)


@given(st.dates(min_value=datetime.date(1926, 4, 1), max_value=datetime.date(2200, 3, 31)))
def test_fiscal_year_of_lies_between_start_and_end(day: datetime.date) -> None:
    """Every date falls inside the fiscal year fiscal_year_of names."""
    fy = fiscal_year_of(day)
    assert fiscal_year_start(fy) <= day <= fiscal_year_end(fy)


# --- eras -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fy", "expected"),
    [
        (2019, ("令和", 1)),
        (2018, ("平成", 30)),
        (2026, ("令和", 8)),
        (1989, ("平成", 1)),
        (1988, ("昭和", 63)),
        (1926, ("昭和", 1)),
    ],
)
def test_era_of_fiscal_year(fy: int, expected: tuple[str, int]) -> None:
    """Display eras are the real ones: FY2019 is 令和元, FY1989 is 平成元."""
    assert era_of_fiscal_year(fy) == expected


@pytest.mark.parametrize("fy", [1925, 2201, 0, -5])
def test_era_of_fiscal_year_out_of_range(fy: int) -> None:
    """Years outside 1926..2200 are refused."""
    with pytest.raises(FiscalParseError):
        era_of_fiscal_year(fy)


# --- parse_fiscal_year ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("平成29年度", 2017),
        ("平成30年度", 2018),
        ("平成31年度", 2019),
        ("平成32年度", 2020),
        ("平成35年度", 2023),
        ("平成３５年度", 2023),
        ("平成元年度", 1989),
        ("令和元年度", 2019),
        ("令和5年度", 2023),
        ("令和８年度", 2026),
        ("昭和63年度", 1988),
        ("昭和元年度", 1926),
        ("H29", 2017),
        ("Ｈ２９", 2017),
        ("h29", 2017),
        ("H29年度", 2017),
        ("R5", 2023),
        ("r05", 2023),
        ("S63", 1988),
        ("R元", 2019),
        ("2017", 2017),
        ("２０１７", 2017),
        ("2017年度", 2017),
        ("FY2017", 2017),
        ("fy2017", 2017),
        ("ＦＹ２０１７", 2017),
        ("平成29年", 2017),
        (" 平成 29 年度 ", 2017),
        ("平成\n29年度", 2017),
        ("\u337b29年度", 2017),  # ㍻ square era ligature
    ],
)
def test_parse_fiscal_year(text: str, expected: int) -> None:
    """Era, letter, western and 全角 spellings all parse."""
    assert parse_fiscal_year(text) == expected


@pytest.mark.parametrize(
    ("text", "context_year", "expected"),
    [
        ("元年度", 2026, 2019),
        ("９年度", 2026, 2027),
        ("２年度", 2026, 2020),
        ("8年度", 2025, 2026),
        ("12", 2025, 2030),
        ("29年度", 2017, 2017),
        ("35年度", 2018, 2023),
        ("元年度", 2018, 1989),
        ("63年度", 1988, 1988),
        ("平成29年度", 2026, 2017),  # an explicit era wins over the context
        ("2017年度", 2026, 2017),
    ],
)
def test_parse_fiscal_year_with_context(text: str, context_year: int, expected: int) -> None:
    """An era-less year takes the era of the context fiscal year."""
    assert parse_fiscal_year(text, context_year=context_year) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "平成年度",
        "年度",
        "平成29年度から平成35年度",
        "平成0年度",
        "平成100年度",
        "123年度",
        "20170",
        "大正15年度",
        "FY29",
        "X29",
        "1925年度",
        "2201",
    ],
)
def test_parse_fiscal_year_errors(text: str) -> None:
    """Unreadable or out-of-range text raises FiscalParseError."""
    with pytest.raises(FiscalParseError):
        parse_fiscal_year(text, context_year=2026)


@pytest.mark.parametrize("text", ["９年度", "元年度", "12"])
def test_parse_fiscal_year_without_era_needs_context(text: str) -> None:
    """An era-less small number without context_year is an error, not a guess."""
    with pytest.raises(FiscalParseError, match="基準年度"):
        parse_fiscal_year(text)


def test_parse_error_message_is_japanese_and_quotes_text() -> None:
    """The message names the problem in Japanese and quotes the offending text."""
    with pytest.raises(FiscalParseError) as excinfo:
        parse_fiscal_year("xyz")
    assert str(excinfo.value) == "年度を読み取れません: 'xyz'"


def test_parse_out_of_range_era_year() -> None:
    """平成99年度 parses arithmetically; 令和99年度 = 2117 is within range."""
    assert parse_fiscal_year("平成99年度") == 2087
    assert parse_fiscal_year("令和99年度") == 2117


@given(fiscal_years)
def test_round_trip_wareki(fy: int) -> None:
    """parse_fiscal_year undoes format_fiscal_year."""
    assert parse_fiscal_year(format_fiscal_year(fy)) == fy


@given(fiscal_years, st.sampled_from(STYLES))
def test_round_trip_every_style(fy: int, style: str) -> None:
    """Every display style can be read back."""
    assert parse_fiscal_year(format_fiscal_year(fy, style=style)) == fy


@given(
    st.integers(min_value=1, max_value=99),
    st.integers(min_value=1926, max_value=2200),
)
def test_era_less_year_uses_context_era(number: int, context_year: int) -> None:
    """N年度 means year N of the context year's era."""
    offset = context_year - era_of_fiscal_year(context_year)[1]
    expected = offset + number
    if expected > 2200:
        with pytest.raises(FiscalParseError):
            parse_fiscal_year(f"{number}年度", context_year=context_year)
    else:
        assert parse_fiscal_year(f"{number}年度", context_year=context_year) == expected


# --- parse_span -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "context_year", "expected"),
    [
        ("平成29年度から平成35年度", None, (2017, 2023)),
        ("平成29年度から平成35年度まで", None, (2017, 2023)),
        ("平成29年度から 平成35年度", None, (2017, 2023)),
        ("平成29年度から\n平成35年度まで", None, (2017, 2023)),
        ("平成29年度から\u3000平成35年度まで", None, (2017, 2023)),
        ("平成30年度", None, (2018, 2018)),
        ("８年度", 2025, (2026, 2026)),
        ("８年度から12年度まで", 2025, (2026, 2030)),
        ("令和2年度～令和4年度", None, (2020, 2022)),
        ("令和2年度 \uff5e 令和4年度", None, (2020, 2022)),
        ("H29〜H35", None, (2017, 2023)),
        ("H29 \u301c H35年度", None, (2017, 2023)),
        ("H29~H35", None, (2017, 2023)),
        ("H29-H35", None, (2017, 2023)),
        ("H29－H35", None, (2017, 2023)),
        ("H29ーH35", None, (2017, 2023)),
        ("Ｈ２９～Ｒ５", None, (2017, 2023)),
        ("平成29年度から35年度まで", None, (2017, 2023)),
        ("平成29～35年度", None, (2017, 2023)),
        ("32年度から 平成35年度まで", None, (2020, 2023)),
        ("平成31年度から令和5年度まで", None, (2019, 2023)),
        ("平成30年度から令和元年度まで", None, (2018, 2019)),
        ("2017年度から2023年度まで", None, (2017, 2023)),
        ("FY2017-FY2023", None, (2017, 2023)),
        ("元年度から3年度まで", 2026, (2019, 2021)),
        ("平成29年度から平成29年度まで", None, (2017, 2017)),
    ],
)
def test_parse_span(text: str, context_year: int | None, expected: tuple[int, int]) -> None:
    """Spans accept every separator, stray whitespace and era carry-over."""
    assert parse_span(text, context_year=context_year) == expected


def test_parse_span_first_era_beats_context() -> None:
    """The explicit era on the first end, not the context, fills the second end."""
    assert parse_span("平成29年度から35年度まで", context_year=2026) == (2017, 2023)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "から",
        "平成29年度から",
        "から平成35年度",
        "平成35年度から平成29年度まで",
        "H35～H29",
        "平成29年度から平成30年度から平成31年度",
        "平成29年度から35年度から",
        "abcからdef",
        "9年度から12年度まで",
    ],
)
def test_parse_span_errors(text: str) -> None:
    """Reversed, incomplete or context-less spans raise."""
    with pytest.raises(FiscalParseError):
        parse_span(text)


def test_parse_span_reversed_message() -> None:
    """A reversed span says so in Japanese."""
    with pytest.raises(FiscalParseError, match="開始年度が終了年度より後"):
        parse_span("令和5年度から令和2年度まで")


@given(fiscal_years, fiscal_years, st.sampled_from(STYLES))
def test_span_round_trip(a: int, b: int, style: str) -> None:
    """parse_span undoes format_span in every style."""
    first, last = min(a, b), max(a, b)
    assert parse_span(format_span(first, last, style=style)) == (first, last)


# --- format_fiscal_year / format_span -------------------------------------------


@pytest.mark.parametrize(
    ("fy", "style", "expected"),
    [
        (2019, "wareki", "令和元年度"),
        (2018, "wareki", "平成30年度"),
        (1989, "wareki", "平成元年度"),
        (1988, "wareki", "昭和63年度"),
        (2026, "wareki", "令和8年度"),
        (2017, "wareki", "平成29年度"),
        (2019, "wareki_short", "R1"),
        (2018, "wareki_short", "H30"),
        (1988, "wareki_short", "S63"),
        (2019, "seireki", "2019年度"),
        (2019, "fy", "FY2019"),
    ],
)
def test_format_fiscal_year(fy: int, style: str, expected: str) -> None:
    """Each style renders as documented."""
    assert format_fiscal_year(fy, style=style) == expected


def test_format_fiscal_year_default_style_is_wareki() -> None:
    """The default style is wareki."""
    assert format_fiscal_year(2023) == "令和5年度"


def test_format_fiscal_year_unknown_style() -> None:
    """An unknown style is a ValueError."""
    with pytest.raises(ValueError, match="表示形式"):
        format_fiscal_year(2019, style="roman")


@pytest.mark.parametrize("fy", [1925, 2201])
def test_format_fiscal_year_out_of_range(fy: int) -> None:
    """Years outside 1926..2200 are refused when formatting too."""
    with pytest.raises(FiscalParseError):
        format_fiscal_year(fy, style="seireki")


@pytest.mark.parametrize(
    ("first", "last", "style", "expected"),
    [
        (2017, 2023, "wareki", "平成29年度から令和5年度まで"),
        (2023, 2023, "wareki", "令和5年度"),
        (2017, 2018, "wareki", "平成29年度から平成30年度まで"),
        (2017, 2023, "seireki", "2017年度から2023年度まで"),
        (2017, 2023, "wareki_short", "H29\uff5eR5"),
        (2017, 2023, "fy", "FY2017\uff5eFY2023"),
        (2017, 2017, "fy", "FY2017"),
    ],
)
def test_format_span(first: int, last: int, style: str, expected: str) -> None:
    """Spans render with から…まで (wareki/seireki) or ～ (short styles)."""
    assert format_span(first, last, style=style) == expected


def test_format_span_reversed() -> None:
    """A reversed span cannot be formatted."""
    with pytest.raises(FiscalParseError):
        format_span(2023, 2017)


# --- parse_amount ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("10,889", "千円", 10_889_000),
        ("２，００４，５０５", "千円", 2_004_505_000),
        ("２,００４，５０５", "千円", 2_004_505_000),
        ("△1,000", "千円", -1_000_000),
        ("▲５", "千円", -5_000),
        ("-5", "千円", -5_000),
        ("－５", "千円", -5_000),
        ("\u22125", "千円", -5_000),
        ("221千円", "千円", 221_000),
        ("221千円", "円", 221_000),
        ("4,101万6,000円", "千円", 41_016_000),
        ("4,101万6,000", "千円", 41_016_000),
        ("5億円", "千円", 500_000_000),
        ("5億", "円", 500_000_000),
        ("1億2,000万円", "千円", 120_000_000),
        ("3万円", "千円", 30_000),
        ("3万", "千円", 30_000),
        ("12,345", "円", 12_345),
        ("12,345円", "千円", 12_345),
        ("3", "百万円", 3_000_000),
        ("1.5百万円", "千円", 1_500_000),
        ("1.5", "千円", 1_500),
        ("0.001", "千円", 1),
        ("1,234.5", "千円", 1_234_500),
        ("1 0, 889", "千円", 10_889_000),
        ("10,889\n", "千円", 10_889_000),
        ("0", "千円", 0),
        ("△0", "千円", 0),
        ("12210900", "千円", 12_210_900_000),
        ("0.5千円", "円", 500),
        ("123,456,789,012,345,678,901,234,567", "千円", 123456789012345678901234567000),
    ],
)
def test_parse_amount(text: str, unit: str, expected: int) -> None:
    """Amounts come back in yen; a unit in the text overrides the unit argument."""
    assert parse_amount(text, unit=unit) == expected


def test_parse_amount_default_unit_is_thousand_yen() -> None:
    """Without unit= the number is read in 千円."""
    assert parse_amount("77,928") == 77_928_000


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [(10_889, "千円", 10_889_000), (3, "百万円", 3_000_000), (-5, "円", -5)],
)
def test_parse_amount_int(value: int, unit: str, expected: int) -> None:
    """Integers are taken as a count of the given unit."""
    assert parse_amount(value, unit=unit) == expected


@pytest.mark.parametrize(
    "text",
    [
        "寄附金額に応じた諸経費にかかる金額",
        "",
        "   ",
        "△",
        "千円",
        "1.2345",
        "1.2345678百万円",
        "12,34",
        "1,0002",
        "1234,567",
        "1万12,000円",
        "5円3万",
        "5千円3円",
        "1.5万6,000円",
        "△△5",
        "約5,000",
        "5,000千円程度",
        "1..5",
        "0.5円",
        "0.0005",
        "1" * 5000,
    ],
)
def test_parse_amount_errors(text: str) -> None:
    """Text without a clean number, or with fractional yen, raises."""
    with pytest.raises(FiscalParseError):
        parse_amount(text)


def test_parse_amount_error_quotes_text() -> None:
    """The message is Japanese and quotes the offending cell."""
    with pytest.raises(FiscalParseError, match="金額を読み取れません: '寄附金"):
        parse_amount("寄附金額に応じた諸経費にかかる金額")


def test_parse_amount_unknown_unit() -> None:
    """An unknown unit argument is a ValueError even when the text names a unit."""
    with pytest.raises(ValueError, match="単位"):
        parse_amount("5千円", unit="ドル")


def test_parse_amount_rejects_other_types() -> None:
    """Floats and bools are not amounts."""
    with pytest.raises(TypeError):
        parse_amount(1.5, unit="千円")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_amount(True)  # type: ignore[arg-type]


# --- format_amount / to_unit ----------------------------------------------------


@pytest.mark.parametrize(
    ("yen", "unit", "expected"),
    [
        (1_559_000, "千円", "1,559"),
        (1_559_499, "千円", "1,559"),
        (1_559_500, "千円", "1,560"),
        (1_559_999, "千円", "1,560"),
        (-1_000_000, "千円", "△1,000"),
        (-1_559_499, "千円", "△1,559"),
        (-1_559_500, "千円", "△1,560"),
        (-499, "千円", "0"),
        (-500, "千円", "△1"),
        (0, "千円", "0"),
        (10_889_000, "円", "10,889,000"),
        (-12_345, "円", "△12,345"),
        (25_395_623_000, "百万円", "25,396"),
        (499_999, "百万円", "0"),
        (500_000, "百万円", "1"),
        (1_400_000, "百万円", "1"),
        (9_800_000, "百万円", "10"),
    ],
)
def test_format_amount(yen: int, unit: str, expected: str) -> None:
    """Grouped, rounded half away from zero (四捨五入), negatives in △ notation."""
    assert format_amount(yen, unit=unit) == expected


def test_format_amount_default_unit_is_thousand_yen() -> None:
    """Without unit= the display is in 千円."""
    assert format_amount(10_889_000) == "10,889"


@pytest.mark.parametrize(
    ("yen", "unit", "expected"),
    [
        (1_559_999, "千円", 1_560),
        (1_559_499, "千円", 1_559),
        (-1_559_999, "千円", -1_560),
        (-1_559_500, "千円", -1_560),
        (-1_559_499, "千円", -1_559),
        (25_395_623_000, "百万円", 25_396),
        (25_435_499_999, "百万円", 25_435),
        (-1, "百万円", 0),
        (12_345, "円", 12_345),
    ],
)
def test_to_unit(yen: int, unit: str, expected: int) -> None:
    """to_unit rounds half away from zero (四捨五入), as budget books print."""
    assert to_unit(yen, unit) == expected


@pytest.mark.parametrize("unit", ["万円", "ドル", ""])
def test_unknown_unit_is_value_error(unit: str) -> None:
    """Only the UNITS keys are accepted as unit names."""
    with pytest.raises(ValueError, match="不明な単位"):
        to_unit(1_000, unit)
    with pytest.raises(ValueError, match="不明な単位"):
        format_amount(1_000, unit=unit)


def test_units_table() -> None:
    """UNITS maps unit names to yen."""
    assert UNITS == {"円": 1, "千円": 1_000, "百万円": 1_000_000}


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_amount_round_trip_in_yen(yen: int) -> None:
    """Formatting in 円 and parsing back in 円 is exact, negatives included."""
    assert parse_amount(format_amount(yen, unit="円"), unit="円") == yen


@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from(sorted(UNITS)),
)
def test_to_unit_rounds_half_away_from_zero(yen: int, unit: str) -> None:
    """to_unit keeps the sign, rounds to the nearest unit (halves away from zero) and formats what it returns."""
    value = to_unit(yen, unit)
    size = UNITS[unit]
    assert value == 0 or (value < 0) == (yen < 0)
    assert 2 * abs(value) * size - size <= 2 * abs(yen) < 2 * abs(value) * size + size
    assert to_unit(-yen, unit) == -value
    assert parse_amount(format_amount(yen, unit=unit), unit=unit) == value * UNITS[unit]
