"""Fiscal years (年度), Japanese eras, yen amounts and spans: pure functions."""

import datetime
import re
import unicodedata
from typing import NamedTuple


class FiscalParseError(ValueError):
    """A fiscal year, span or amount could not be read (message in Japanese)."""


# (kanji name, letter, offset): era year N is fiscal year offset + N. Newest first.
ERAS: tuple[tuple[str, str, int], ...] = (
    ("令和", "R", 2018),
    ("平成", "H", 1988),
    ("昭和", "S", 1925),
)

MIN_FISCAL_YEAR = 1926
MAX_FISCAL_YEAR = 2200
MAX_ERA_YEAR = 99  # 平成31..35年度 etc. never existed but appear in old budget books.

UNITS: dict[str, int] = {"円": 1, "千円": 1_000, "百万円": 1_000_000}

STYLES: tuple[str, ...] = ("wareki", "wareki_short", "seireki", "fy")

_ERA_OFFSETS: dict[str, int] = {key: offset for name, letter, offset in ERAS for key in (name, letter)}
_ERA_ALTERNATION = "|".join(re.escape(key) for key in _ERA_OFFSETS)
_YEAR_RE = re.compile(
    rf"(?:(?:FY)?(?P<western>\d{{4}})"
    rf"|(?:(?P<era>{_ERA_ALTERNATION})\.?)?(?P<number>\d{{1,2}}|元))"
    r"(?:年度|年)?"
)
# NFKC already folds U+FF5E to "~" and U+FF0D to "-"; U+301C (wave dash), U+30FC
# (katakana long vowel mark, often typed for a dash) and other dashes stay as they are.
_SPAN_SEPARATOR_RE = re.compile("から|[~\\-\u301c\u30fc\u2010-\u2015\u2212]")
_SPAN_END = "まで"
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))

# Units recognised inside amount text, mapped to their value in yen.
_TEXT_UNITS: dict[str, int] = {
    "億円": 100_000_000,
    "億": 100_000_000,
    "百万円": 1_000_000,
    "百万": 1_000_000,
    "万円": 10_000,
    "万": 10_000,
    "千円": 1_000,
    "千": 1_000,
    "円": 1,
}
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_UNIT_ALTERNATION = "|".join(sorted(_TEXT_UNITS, key=len, reverse=True))
_AMOUNT_PART_RE = re.compile(rf"(?P<number>{_NUMBER})(?P<unit>{_UNIT_ALTERNATION})?")
_NEGATIVE_MARKS = ("△", "▲", "-", "\u2212")  # U+2212 minus sign


class _YearToken(NamedTuple):
    """One parsed year: western years have offset 0, era-less years offset None."""

    number: int
    offset: int | None


def normalize_text(text: str) -> str:
    """Fold 全角 to 半角 (NFKC) and drop all whitespace, incl. U+3000 and newlines."""
    folded = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return "".join(folded.split())


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
        shown = fy if text is None else repr(text)
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


def _read_year(token: str, text: str) -> _YearToken:
    """Parse one normalised, upper-cased year token; text is the original for errors."""
    match = _YEAR_RE.fullmatch(token)
    if match is None:
        raise FiscalParseError(f"年度を読み取れません: {text!r}")
    if match["western"] is not None:
        return _YearToken(int(match["western"]), 0)
    number = 1 if match["number"] == "元" else int(match["number"])
    if not 1 <= number <= MAX_ERA_YEAR:
        raise FiscalParseError(f"年度の年数が不正です: {text!r}")
    era = match["era"]
    return _YearToken(number, None if era is None else _ERA_OFFSETS[era])


def _resolve(token: _YearToken, fallback_offset: int | None, text: str) -> int:
    """Turn a token into a fiscal year, using fallback_offset if the era is omitted."""
    offset = token.offset if token.offset is not None else fallback_offset
    if offset is None:
        raise FiscalParseError(f"元号のない年度には基準年度 (context_year) が必要です: {text!r}")
    return _check_fiscal_year(offset + token.number, text)


def _context_offset(context_year: int | None) -> int | None:
    """Return the era offset of the context fiscal year, or None without one."""
    return None if context_year is None else _era_entry(context_year)[2]


def parse_fiscal_year(text: str, *, context_year: int | None = None) -> int:
    """Parse one fiscal year (平成29年度, H29, 元年度, 2017, FY2017, ...) to an int."""
    token = _read_year(normalize_text(text).upper(), text)
    return _resolve(token, _context_offset(context_year), text)


def parse_span(text: str, *, context_year: int | None = None) -> tuple[int, int]:
    """Parse 「平成29年度から35年度まで」-style text into (first, last) fiscal years."""
    normalized = normalize_text(text).upper()
    normalized = normalized.removesuffix(_SPAN_END)
    parts = _SPAN_SEPARATOR_RE.split(normalized)
    if len(parts) > 2 or not all(parts):
        raise FiscalParseError(f"年度の期間を読み取れません: {text!r}")
    context = _context_offset(context_year)
    if len(parts) == 1:
        year = _resolve(_read_year(parts[0], text), context, text)
        return year, year
    first, last = (_read_year(part, text) for part in parts)
    # An explicit era on one end carries over to an era-less other end; a western
    # year (offset 0) carries no era, so "offset or context" skips it on purpose.
    start = _resolve(first, last.offset or context, text)
    end = _resolve(last, first.offset or context, text)
    if start > end:
        raise FiscalParseError(f"開始年度が終了年度より後です: {text!r}")
    return start, end


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


def format_span(first: int, last: int, *, style: str = "wareki") -> str:
    """Format a span as 「平成29年度から令和5年度まで」 (one year if first == last)."""
    if first > last:
        raise FiscalParseError(f"開始年度が終了年度より後です: {first}, {last}")
    head = format_fiscal_year(first, style=style)
    if first == last:
        return head
    tail = format_fiscal_year(last, style=style)
    if style in ("wareki", "seireki"):
        return f"{head}から{tail}まで"
    return f"{head}\uff5e{tail}"  # fullwidth tilde


def _unit_value(unit: str) -> int:
    """Return the yen value of a display/input unit name, or raise ValueError."""
    try:
        return UNITS[unit]
    except KeyError:
        raise ValueError(f"不明な単位です: {unit!r} (使用可能: {'、'.join(UNITS)})") from None


def _split_amount(body: str, text: str) -> list[re.Match[str]]:
    """Split normalised amount text into contiguous (number, unit) parts, or raise."""
    parts: list[re.Match[str]] = []
    position = 0
    while position < len(body):
        part = _AMOUNT_PART_RE.match(body, position)
        if part is None:
            break
        parts.append(part)
        position = part.end()
    if not parts or position != len(body):
        raise FiscalParseError(f"金額を読み取れません: {text!r}")
    return parts


def parse_amount(text: str | int, *, unit: str = "千円") -> int:
    """Parse a printed amount (default 千円, △/▲ negative, 4,101万6,000円) into yen."""
    default = _unit_value(unit)
    if isinstance(text, bool) or not isinstance(text, (int, str)):
        raise TypeError(f"金額は文字列または整数で指定してください: {text!r}")
    if isinstance(text, int):
        return text * default
    body = normalize_text(text)
    sign = 1
    if body.startswith(_NEGATIVE_MARKS):
        sign, body = -1, body[1:]
    parts = _split_amount(body, text)
    total = 0
    previous_unit: int | None = None
    for index, part in enumerate(parts):
        is_last = index == len(parts) - 1
        suffix = part["unit"]
        if suffix is not None:
            multiplier = _TEXT_UNITS[suffix]
        elif len(parts) == 1:
            multiplier = default
        elif is_last:
            multiplier = 1  # "4,101万6,000": the remainder after 万/億 is in yen.
        else:
            raise FiscalParseError(f"金額を読み取れません: {text!r}")
        if suffix is not None and suffix.endswith("円") and not is_last:
            raise FiscalParseError(f"金額の「円」の位置が不正です: {text!r}")
        whole, _, fraction = part["number"].replace(",", "").partition(".")
        if fraction and len(parts) > 1:
            raise FiscalParseError(f"金額の小数の位置が不正です: {text!r}")
        try:  # Exact integer arithmetic: value = whole.fraction * multiplier.
            numerator = int(whole + fraction) * multiplier
        except ValueError:  # more digits than int() accepts
            raise FiscalParseError(f"金額を読み取れません: {text!r}") from None
        value, remainder = divmod(numerator, 10 ** len(fraction))
        if remainder:
            raise FiscalParseError(f"金額が1円単位の整数になりません: {text!r}")
        if previous_unit is not None and value >= previous_unit:
            raise FiscalParseError(f"金額の位取りが不正です: {text!r}")
        total += value
        previous_unit = multiplier
    return sign * total


def to_unit(yen: int, unit: str) -> int:
    """Convert yen to a whole number of the given unit, truncating toward zero."""
    quotient = abs(yen) // _unit_value(unit)
    return -quotient if yen < 0 else quotient


def format_amount(yen: int, *, unit: str = "千円") -> str:
    """Format yen in a unit (truncated toward zero), negatives as 「△1,234」."""
    value = to_unit(yen, unit)
    return f"△{-value:,}" if value < 0 else f"{value:,}"


def format_month(d: datetime.date) -> str:
    """A calendar month in the era of that month: 2026-11 -> 令和8年11月, 2019-04 -> 平成31年4月."""
    if (d.year, d.month) >= (2019, 5):
        name, year = "令和", d.year - 2018
    elif (d.year, d.month) >= (1989, 1):
        name, year = "平成", d.year - 1988
    else:
        name, year = "昭和", d.year - 1925
    return f"{name}{'元' if year == 1 else year}年{d.month}月"
