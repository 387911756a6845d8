"""Parsers against what real budget books print (富士市, 鳥取県, 奥州市, 常総市, J-LIS): literal expected values.

Every row of ../shared/data/fuji/variations_observed.csv has a case here (source id in the comment), plus the
forms the import issue lists. The hypothesis tests hold the parsers to one error type on any text at all.
"""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commitments import fiscal
from commitments.fiscal import FiscalParseError, Limit

D = datetime.date

# --- fiscal years: eras, phantom Heisei, era-less years against the book's era ----------------------------------


@pytest.mark.parametrize(
    ("text", "kwargs", "expected"),
    [
        ("平成29年度", {}, 2017),
        ("平成３５年度", {}, 2023),  # phantom Heisei (printed before May 2019)
        ("令和元年度", {}, 2019),
        ("元年度", {"context_year": 2026}, 2019),  # FUJI-R8-C 「元年度から」 = 令和元年度
        ("H29", {}, 2017),
        ("Ｈ２９", {}, 2017),
        ("R5", {}, 2023),
        ("2017年度", {}, 2017),
        ("2017", {}, 2017),
        ("９年度", {"context_year": 2026}, 2027),
        ("２年度", {"context_year": 2026}, 2020),  # FUJI-R8-C: 令和2年度, not 平成2年度
        ("32年度", {"context_era": "平成"}, 2020),  # TOTTORI-H31 in a 平成31年度 book
        ("32年度", {"context_year": 2019, "context_era": "平成"}, 2020),  # the book's era wins over FY2019's 令和
        ("35年度", {"context_era": "H"}, 2023),
        ("H28", {}, 2016),  # TOTTORI-H27 年度別 「H28(債務負担行為)」
    ],
)
def test_fiscal_years_as_printed(text: str, kwargs: dict, expected: int) -> None:
    assert fiscal.parse_fiscal_year(text, **kwargs) == expected


@pytest.mark.parametrize(("fy", "expected"), [(2023, "令和5年度"), (2019, "令和元年度"), (2018, "平成30年度")])
def test_display_uses_the_real_era(fy: int, expected: str) -> None:
    """平成35年度 reads as FY2023 and displays as 令和5年度."""
    assert fiscal.format_fiscal_year(fiscal.parse_fiscal_year("平成35年度")) == "令和5年度"
    assert fiscal.format_fiscal_year(fy) == expected


def test_unknown_context_era_is_a_parse_error() -> None:
    with pytest.raises(FiscalParseError, match="元号"):
        fiscal.parse_fiscal_year("9年度", context_era="大正")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("平成31年度", "平成"),
        ("Ｒ８", "令和"),
        ("令和8年度予算", "令和"),
        ("h29", "平成"),
        ("2019", None),
        ("９年度", None),
    ],
)
def test_era_in_text(text: str, expected: str | None) -> None:
    assert fiscal.era_in_text(text) == expected


# --- spans ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kwargs", "expected"),
    [
        ("８年度", {"context_year": 2025}, (2026, 2026)),  # FUJI-R7-2 single year, no era
        ("８年度から\n12年度まで", {"context_year": 2025}, (2026, 2030)),  # FUJI-R7-2 two printed lines
        ("平成32年度から平成35年度まで", {}, (2020, 2023)),  # TOTTORI-H31 本文
        ("32年度から 35年度まで", {"context_era": "平成"}, (2020, 2023)),  # TOTTORI-H31 要求書表
        ("平成28年度から 平成29年度まで", {}, (2016, 2017)),  # TOTTORI-H27
        ("平成29年度から平成35年度", {}, (2017, 2023)),  # J-LIS seed
        ("平成29年度から 平成32年度", {}, (2017, 2020)),  # J-LIS seed, second page
        ("令和2年度～令和4年度", {}, (2020, 2022)),
        ("令和2年度〜令和4年度", {}, (2020, 2022)),
        ("H29~H35", {}, (2017, 2023)),
        ("H29-R5", {}, (2017, 2023)),
        ("平成29年度から35年度まで", {}, (2017, 2023)),  # era on one end only
        ("29年度から平成35年度まで", {}, (2017, 2023)),
        ("平成30年9月から平成35年8月まで", {}, (2018, 2023)),  # TOTTORI-H31 契約期間, month level
        ("平成26年4月〜平成29年3月(3か年)", {}, (2014, 2016)),  # TOTTORI-H25
        ("平成26年4月～平成29年3月（3か年）", {}, (2014, 2016)),
    ],
)
def test_spans_as_printed(text: str, kwargs: dict, expected: tuple[int, int]) -> None:
    assert fiscal.parse_span(text, **kwargs) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("平成30年9月から平成35年8月まで", (D(2018, 9, 1), D(2023, 8, 31))),
        ("平成26年4月〜平成29年3月(3か年)", (D(2014, 4, 1), D(2017, 3, 31))),
        ("平成31年4月から令和2年3月まで", (D(2019, 4, 1), D(2020, 3, 31))),
        ("2018年9月-2019年2月", (D(2018, 9, 1), D(2019, 2, 28))),
        ("令和元年5月", (D(2019, 5, 1), D(2019, 5, 31))),
        ("平成29年度から平成30年度まで", (D(2017, 4, 1), D(2019, 3, 31))),
        ("平成29年度から平成31年度まで(3か年)", (D(2017, 4, 1), D(2020, 3, 31))),
    ],
)
def test_parse_period(text: str, expected: tuple[D, D]) -> None:
    assert fiscal.parse_period(text) == expected


def test_period_with_era_less_months_uses_the_context() -> None:
    assert fiscal.parse_period("30年9月から35年8月まで", context_era="平成") == (D(2018, 9, 1), D(2023, 8, 31))


@pytest.mark.parametrize(
    "text",
    ["平成30年13月から平成31年3月まで", "平成35年8月から平成30年9月まで", "平成26年4月〜平成29年3月(2か年)", "年9月"],
)
def test_bad_periods(text: str) -> None:
    with pytest.raises(FiscalParseError):
        fiscal.parse_period(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("５年度から", (2023, None)),  # FUJI-R8-C 7年度末までの支出額_期間: only the start
        ("９年度まで", (None, 2027)),  # FUJI-R8-C 8年度以降の支出予定額_期間: only the end
        ("平成20年度から", (2008, None)),  # FUJI-R8-C explicit Heisei in an era-less table
        ("元年度から", (2019, None)),  # FUJI-R8-C 令和元年度
        ("２年度から", (2020, None)),  # FUJI-R8-C 令和2年度
        ("平成11年度から", (1999, None)),  # FUJI-R6
        ("７年度", (2025, 2025)),
        ("９年度から13年度まで", (2027, 2031)),
    ],
)
def test_span_parts_of_the_chousho(text: str, expected: tuple[int | None, int | None]) -> None:
    assert fiscal.parse_span_part(text, context_year=2026) == expected


@pytest.mark.parametrize(
    ("head", "tail", "expected"),
    [
        ("５年度から", "９年度まで", (2023, 2027)),
        ("平成20年度から", "20年度まで", (2008, 2038)),  # 31 years: the tail is 令和20年度, not 平成20年度
        ("平成25年度から", "22年度まで", (2013, 2040)),
        ("元年度から", "14年度まで", (2019, 2032)),
        ("７年度", "11年度まで", (2025, 2029)),
        ("", "９年度から13年度まで", (2027, 2031)),
        ("", "９年度", (2027, 2027)),
    ],
)
def test_join_span_across_the_two_columns(head: str, tail: str, expected: tuple[int, int]) -> None:
    assert fiscal.join_span(head, tail, context_year=2026) == expected


@pytest.mark.parametrize(
    ("head", "tail"),
    [
        ("", ""),
        ("５年度から", ""),
        ("９年度から", "５年度まで"),
        ("７年度", "７年度から９年度まで"),
        ("abc", "9年度まで"),
    ],
)
def test_join_span_errors(head: str, tail: str) -> None:
    with pytest.raises(FiscalParseError):
        fiscal.join_span(head, tail, context_year=2026)


def test_text_span_is_a_parse_error_not_a_guess() -> None:
    """FUJI-R8-C 「事業資金借入金償還期限満了まで」: no year to read (the importer keeps it as words)."""
    with pytest.raises(FiscalParseError):
        fiscal.parse_span("事業資金借入金償還期限満了まで", context_year=2026)
    with pytest.raises(FiscalParseError):
        fiscal.parse_span_part("事業資金借入金償還期限満了まで", context_year=2026)


# --- amounts and limits -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("２，００４，５０５", "千円", 2_004_505_000),  # FUJI-R7-2
        ("2,676,300", "千円", 2_676_300_000),  # FUJI-R8-C 半角
        ("221", "千円", 221_000),  # TOTTORI-H31
        ("221千円", "円", 221_000),
        ("911千円", "千円", 911_000),  # TOTTORI-H27
        ("4,101万6,000円", "千円", 41_016_000),  # OSHU-2012
        ("3", "百万円", 3_000_000),
        ("1億2,000万円", "千円", 120_000_000),
        ("△1,000", "千円", -1_000_000),
        ("▲５", "千円", -5_000),
    ],
)
def test_amounts_as_printed(text: str, unit: str, expected: int) -> None:
    assert fiscal.parse_amount(text, unit=unit) == expected


PROVISO = "５，７５３\nただし、８年度から22年度までの15か\n年間に 5.0％の利息を限度に元利償還\n金相当額を補給する。"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("２，００４，５０５", Limit(2_004_505_000)),
        ("10,889", Limit(10_889_000)),
        (
            PROVISO,  # FUJI-R7-2: number + proviso in one cell
            Limit(
                5_753_000,
                "",
                "ただし、８年度から22年度までの15か年間に 5.0％の利息を限度に元利償還金相当額を補給する。",
            ),
        ),
        ("寄附金額に応じた諸経費にかかる金額", Limit(None, "寄附金額に応じた諸経費にかかる金額")),  # FUJI-R8-2
        ("寄附金額に応じ\nた諸経費にかか\nる金額", Limit(None, "寄附金額に応じた諸経費にかかる金額")),  # printed lines
        ("委託料 24,382千円(12,191千円×2年)", Limit(24_382_000, "", "委託料(12,191千円×2年)")),  # TOTTORI-H26
        ("4,101万6,000円", Limit(41_016_000)),
        ("約5,000", Limit(None, "約5,000")),  # a hedged figure is words, never a number
        ("1,000 ※消費税を含む", Limit(1_000_000, "", "※消費税を含む")),
        ("事業費の2分の1に相当する額", Limit(None, "事業費の2分の1に相当する額")),
    ],
)
def test_parse_limit(text: str, expected: Limit) -> None:
    assert fiscal.parse_limit(text) == expected


def test_text_limit_is_flagged() -> None:
    assert fiscal.parse_limit("寄附金額に応じた諸経費にかかる金額").is_text
    assert not fiscal.parse_limit("２，０４２").is_text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("△1,000", "負の金額"),  # accounting negatives are refused as limits
        ("▲５", "負の金額"),
        ("0", "正の金額"),
        ("", "空欄"),
        ("1,0002", "金額を読み取れません"),
        ("委託料 24,382千円(12,000千円×2年)", "内訳の計算が一致しません"),
        ("△100 ただし書", "負の金額"),
        ("５２，７２１円也", "金額を読み取れません"),
        ("5,000千円程度", "金額を読み取れません"),
    ],
)
def test_parse_limit_errors(text: str, message: str) -> None:
    with pytest.raises(FiscalParseError, match=message):
        fiscal.parse_limit(text)


def test_same_as_limit_is_not_an_amount() -> None:
    """FUJI-R8-C 「限度額に同じ」 is words (the importer resolves it against the row's limit)."""
    with pytest.raises(FiscalParseError):
        fiscal.parse_amount("限度額に同じ")


@pytest.mark.parametrize(
    ("text", "expected"), [("同上", True), ("〃", True), (" 同上\n", True), ("同上利子", False), ("", False)]
)
def test_is_ditto(text: str, expected: bool) -> None:
    assert fiscal.is_ditto(text) is expected


# --- only FiscalParseError on arbitrary text ---------------------------------------------------------------------

BOOKISH = st.text(
    alphabet=st.sampled_from(
        list("0123456789０１２３９元年度月からまで～〜~-ー平成令和昭和HRSFYhr,，.△▲万億千百円ただし()（）同上※×* \n")
    ),
    max_size=40,
)
ANY_TEXT = st.one_of(st.text(max_size=60), BOOKISH)
CONTEXTS = st.one_of(
    st.just({}),
    st.builds(lambda y: {"context_year": y}, st.integers(min_value=1926, max_value=2200)),
    st.builds(lambda e: {"context_era": e}, st.sampled_from(["令和", "平成", "昭和", "R", "H"])),
)


def _only_parse_errors(call: object) -> None:
    try:
        call()  # type: ignore[operator]
    except FiscalParseError:
        pass


@settings(max_examples=300)
@given(ANY_TEXT, CONTEXTS)
def test_year_and_span_parsers_raise_only_their_own_error(text: str, context: dict) -> None:
    _only_parse_errors(lambda: fiscal.parse_fiscal_year(text, **context))
    _only_parse_errors(lambda: fiscal.parse_span(text, **context))
    _only_parse_errors(lambda: fiscal.parse_span_part(text, **context))
    _only_parse_errors(lambda: fiscal.parse_period(text, **context))


@settings(max_examples=300)
@given(ANY_TEXT, ANY_TEXT, CONTEXTS)
def test_join_span_raises_only_its_own_error(head: str, tail: str, context: dict) -> None:
    _only_parse_errors(lambda: fiscal.join_span(head, tail, **context))


@settings(max_examples=300)
@given(ANY_TEXT, st.sampled_from(sorted(fiscal.UNITS)))
def test_amount_parsers_raise_only_their_own_error(text: str, unit: str) -> None:
    _only_parse_errors(lambda: fiscal.parse_amount(text, unit=unit))
    _only_parse_errors(lambda: fiscal.parse_limit(text, unit=unit))


@given(ANY_TEXT)
def test_a_parsed_limit_is_positive_or_words(text: str) -> None:
    try:
        limit = fiscal.parse_limit(text)
    except FiscalParseError:
        return
    assert (limit.yen is not None and limit.yen > 0 and not limit.text) or (limit.yen is None and limit.text)
