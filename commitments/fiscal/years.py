"""Fiscal years (年度) and Japanese eras: reading and printing one year."""

import datetime
import re
from typing import NamedTuple

from commitments.bounds import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR
from commitments.fiscal.text import FiscalParseError, normalize_text, quoted

# (kanji name, letter, offset): era year N is fiscal year offset + N. Newest first.
ERAS: tuple[tuple[str, str, int], ...] = (
    ("令和", "R", 2018),
    ("平成", "H", 1988),
    ("昭和", "S", 1925),
)

MAX_ERA_YEAR = 99  # 平成31..35年度 etc. never existed but appear in old budget books.

STYLES: tuple[str, ...] = ("wareki", "wareki_short", "seireki", "fy")

ERA_OFFSETS: dict[str, int] = {key: offset for name, letter, offset in ERAS for key in (name, letter)}
ERA_ALTERNATION = "|".join(re.escape(key) for key in ERA_OFFSETS)
_YEAR_RE = re.compile(
    rf"(?:(?:FY)?(?P<western>\d{{4}})"
    rf"|(?:(?P<era>{ERA_ALTERNATION})\.?)?(?P<number>\d{{1,2}}|元))"
    r"(?:年度|年)?"
)


class YearToken(NamedTuple):
    """One parsed year: western years have offset 0, era-less years offset None."""

    number: int
    offset: int | None


def fiscal_year_of(d: datetime.date) -> int:
    """Return the fiscal year (April to March, named by its start year) of a date."""
    return d.year if d.month >= 4 else d.year - 1


def fiscal_year_start(fy: int) -> datetime.date:
    """Return 1 April of the fiscal year."""
    return datetime.date(fy, 4, 1)


def fiscal_year_end(fy: int) -> datetime.date:
    """Return 31 March closing the fiscal year."""
    return datetime.date(fy + 1, 3, 31)


def _check_fiscal_year(fy: int, text: object = None) -> int:
    """Return fy if it lies within MIN_FISCAL_YEAR..MAX_FISCAL_YEAR, else raise."""
    if not MIN_FISCAL_YEAR <= fy <= MAX_FISCAL_YEAR:
        shown = fy if text is None else quoted(text)
        raise FiscalParseError(f"年度が範囲外です ({MIN_FISCAL_YEAR}〜{MAX_FISCAL_YEAR}年度): {shown}")
    return fy


def _era_entry(fy: int) -> tuple[str, str, int]:
    """Return the (name, letter, offset) of the era a fiscal year is displayed in."""
    _check_fiscal_year(fy)
    for entry in ERAS:
        if fy > entry[2]:
            return entry
    raise FiscalParseError(f"年度に対応する元号がありません: {fy}")  # pragma: no cover


def era_of_fiscal_year(fy: int) -> tuple[str, int]:
    """Return the real era name and era year of a fiscal year: 2019 -> ("令和", 1)."""
    name, _letter, offset = _era_entry(fy)
    return name, fy - offset


def read_year(token: str, text: str) -> YearToken:
    """Parse one normalised, upper-cased year token; text is the original for errors."""
    match = _YEAR_RE.fullmatch(token)
    if match is None:
        raise FiscalParseError(f"年度を読み取れません: {quoted(text)}")
    if match["western"] is not None:
        return YearToken(int(match["western"]), 0)
    number = 1 if match["number"] == "元" else int(match["number"])
    if not 1 <= number <= MAX_ERA_YEAR:
        raise FiscalParseError(f"年度の年数が不正です: {quoted(text)}")
    era = match["era"]
    return YearToken(number, None if era is None else ERA_OFFSETS[era])


def resolve(token: YearToken, fallback_offset: int | None, text: str) -> int:
    """Turn a token into a fiscal year, using fallback_offset if the era is omitted."""
    offset = token.offset if token.offset is not None else fallback_offset
    if offset is None:
        raise FiscalParseError(f"元号のない年度には基準年度 (context_year) が必要です: {quoted(text)}")
    return _check_fiscal_year(offset + token.number, text)


def context_offset(context_year: int | None, context_era: str | None = None) -> int | None:
    """Era offset for era-less years: the book's own era if given (平成31年度予算 → 平成), else the context year's."""
    if context_era is not None:
        key = normalize_text(context_era).upper()
        if key not in ERA_OFFSETS:
            raise FiscalParseError(f"不明な元号です: {quoted(context_era)}")
        return ERA_OFFSETS[key]
    return None if context_year is None else _era_entry(context_year)[2]


def era_in_text(text: str) -> str | None:
    """The era name written in a text (平成31年度 → 平成, Ｒ８ → 令和), or None when it names no era."""
    normalized = normalize_text(text).upper()
    match = re.search(rf"(?:^|[^A-Z])({ERA_ALTERNATION})\.?(?:\d|元)", normalized)
    if match is None:
        return None
    offset = ERA_OFFSETS[match[1]]
    return next(name for name, _letter, era_offset in ERAS if era_offset == offset)


def parse_fiscal_year(text: str, *, context_year: int | None = None, context_era: str | None = None) -> int:
    """Parse one fiscal year (平成29年度, H29, 元年度, 2017, FY2017, ...) to an int.

    An era-less year (９年度) takes `context_era` if given, else the era of `context_year` (the budget year).
    """
    token = read_year(normalize_text(text).upper(), text)
    return resolve(token, context_offset(context_year, context_era), text)


def format_fiscal_year(fy: int, *, style: str = "wareki") -> str:
    """Format a fiscal year as 令和元年度, R1 (wareki_short), 2019年度 or FY2019."""
    name, letter, offset = _era_entry(fy)
    number = fy - offset
    if style == "wareki":
        return f"{name}{'元' if number == 1 else number}年度"
    if style == "wareki_short":
        return f"{letter}{number}"
    if style == "seireki":
        return f"{fy}年度"
    if style == "fy":
        return f"FY{fy}"
    raise ValueError(f"不明な表示形式です: {style!r} (使用可能: {'、'.join(STYLES)})")


def format_month(d: datetime.date) -> str:
    """A calendar month in the era of that month: 2026-11 -> 令和8年11月, 2019-04 -> 平成31年4月."""
    if (d.year, d.month) >= (2019, 5):
        name, year = "令和", d.year - 2018
    elif (d.year, d.month) >= (1989, 1):
        name, year = "平成", d.year - 1988
    else:
        name, year = "昭和", d.year - 1925
    return f"{name}{'元' if year == 1 else year}年{d.month}月"
