"""Fiscal years (年度), Japanese eras, yen amounts and spans: pure functions."""

import calendar
import datetime
import re
import unicodedata
from typing import NamedTuple

from commitments.bounds import MAX_FISCAL_YEAR, MIN_FISCAL_YEAR
from commitments.bounds import MAX_YEN as MAX_YEN  # re-exported: the bounds are stated as rules in rules.py


class FiscalParseError(ValueError):
    """A fiscal year, span or amount could not be read (message in Japanese)."""


# (kanji name, letter, offset): era year N is fiscal year offset + N. Newest first.
ERAS: tuple[tuple[str, str, int], ...] = (
    ("令和", "R", 2018),
    ("平成", "H", 1988),
    ("昭和", "S", 1925),
)

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

# Month-level periods (契約期間): 平成30年9月, 2018年9月; a trailing duration note such as (3か年) is checked.
_MONTH_RE = re.compile(r"年\d{1,2}月")
_MONTH_TOKEN_RE = re.compile(
    rf"(?:(?P<western>\d{{4}})|(?:(?P<era>{_ERA_ALTERNATION})\.?)?(?P<number>\d{{1,2}}|元))年(?P<month>\d{{1,2}})月"
)
_DURATION_RE = re.compile(r"\((?P<years>\d{1,3})[かカヵヶケ箇]?年間?\)$")
_SPAN_START = "から"
# A limit printed with a proviso after its number (「５，７５３ ただし、…」) or a formula in brackets.
_PROVISO_RE = re.compile(r"ただし|但し|※|[(（]")
_HEDGE_RE = re.compile(r"約|概ね|おおむね|およそ|程度|見込|以内|上限")
_FORMULA_RE = re.compile(r"(?P<each>\d[\d,]*(?:\.\d+)?(?:百万円|千円|万円|円)?)[×xX*](?P<times>\d{1,3})")
_SPACE_RUN_RE = re.compile(r"\s+")
# 「委託料 24,382千円」: the label is every non-digit before the first digit, so the split is found in one pass.
_LABELLED_RE = re.compile(r"(?P<label>\D+?)(?P<amount>\d[\d,.]*(?:億|万|千|百万)?円)")
_AMOUNT_ONLY_RE = re.compile(r"[\d,.億万千百円△▲\-\u2212]+")
QUOTED_MAX = 80  # characters of a cell quoted in an error message
DITTO_MARKS = frozenset({"同上", "\u3003", "同"})  # U+3003 is the ditto mark 〃


class _YearToken(NamedTuple):
    """One parsed year: western years have offset 0, era-less years offset None."""

    number: int
    offset: int | None


def _quoted(text: object) -> str:
    """A cell as quoted in an error message: repr, cut short so that a 10 MB cell gives a readable message."""
    shown = repr(text)
    return shown if len(shown) <= QUOTED_MAX else f"{shown[: QUOTED_MAX - 1]}…"


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
        shown = fy if text is None else _quoted(text)
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
        raise FiscalParseError(f"年度を読み取れません: {_quoted(text)}")
    if match["western"] is not None:
        return _YearToken(int(match["western"]), 0)
    number = 1 if match["number"] == "元" else int(match["number"])
    if not 1 <= number <= MAX_ERA_YEAR:
        raise FiscalParseError(f"年度の年数が不正です: {_quoted(text)}")
    era = match["era"]
    return _YearToken(number, None if era is None else _ERA_OFFSETS[era])


def _resolve(token: _YearToken, fallback_offset: int | None, text: str) -> int:
    """Turn a token into a fiscal year, using fallback_offset if the era is omitted."""
    offset = token.offset if token.offset is not None else fallback_offset
    if offset is None:
        raise FiscalParseError(f"元号のない年度には基準年度 (context_year) が必要です: {_quoted(text)}")
    return _check_fiscal_year(offset + token.number, text)


def _context_offset(context_year: int | None, context_era: str | None = None) -> int | None:
    """Era offset for era-less years: the book's own era if given (平成31年度予算 → 平成), else the context year's."""
    if context_era is not None:
        key = normalize_text(context_era).upper()
        if key not in _ERA_OFFSETS:
            raise FiscalParseError(f"不明な元号です: {_quoted(context_era)}")
        return _ERA_OFFSETS[key]
    return None if context_year is None else _era_entry(context_year)[2]


def era_in_text(text: str) -> str | None:
    """The era name written in a text (平成31年度 → 平成, Ｒ８ → 令和), or None when it names no era."""
    normalized = normalize_text(text).upper()
    match = re.search(rf"(?:^|[^A-Z])({_ERA_ALTERNATION})\.?(?:\d|元)", normalized)
    if match is None:
        return None
    offset = _ERA_OFFSETS[match[1]]
    return next(name for name, _letter, era_offset in ERAS if era_offset == offset)


def parse_fiscal_year(text: str, *, context_year: int | None = None, context_era: str | None = None) -> int:
    """Parse one fiscal year (平成29年度, H29, 元年度, 2017, FY2017, ...) to an int.

    An era-less year (９年度) takes `context_era` if given, else the era of `context_year` (the budget year).
    """
    token = _read_year(normalize_text(text).upper(), text)
    return _resolve(token, _context_offset(context_year, context_era), text)


def parse_span(text: str, *, context_year: int | None = None, context_era: str | None = None) -> tuple[int, int]:
    """Parse 「平成29年度から35年度まで」-style text into (first, last) fiscal years.

    Month-level periods (平成30年9月から平成35年8月まで) give the fiscal years of their first and last months.
    """
    normalized = normalize_text(text).upper()
    if _MONTH_RE.search(normalized):
        start, end = parse_period(text, context_year=context_year, context_era=context_era)
        return fiscal_year_of(start), fiscal_year_of(end)
    normalized = normalized.removesuffix(_SPAN_END)
    parts = _SPAN_SEPARATOR_RE.split(normalized)
    if len(parts) > 2 or not all(parts):
        raise FiscalParseError(f"年度の期間を読み取れません: {_quoted(text)}")
    context = _context_offset(context_year, context_era)
    if len(parts) == 1:
        year = _resolve(_read_year(parts[0], text), context, text)
        return year, year
    first, last = (_read_year(part, text) for part in parts)
    # An explicit era on one end carries over to an era-less other end; a western
    # year (offset 0) carries no era, so "offset or context" skips it on purpose.
    start = _resolve(first, last.offset or context, text)
    end = _resolve(last, first.offset or context, text)
    if start > end:
        raise FiscalParseError(f"開始年度が終了年度より後です: {_quoted(text)}")
    return start, end


def parse_span_part(
    text: str, *, context_year: int | None = None, context_era: str | None = None
) -> tuple[int | None, int | None]:
    """Parse one column of a span split over two (調書): 「５年度から」 → (2023, None), 「９年度まで」 → (None, 2027).

    A whole span or a single year gives both ends (「７年度」 → (2025, 2025)).
    """
    normalized = normalize_text(text).upper()
    context = _context_offset(context_year, context_era)
    if normalized.endswith(_SPAN_START):
        body = normalized.removesuffix(_SPAN_START)
        if not body or _SPAN_SEPARATOR_RE.search(body):
            raise FiscalParseError(f"年度の期間を読み取れません: {_quoted(text)}")
        return _resolve(_read_year(body, text), context, text), None
    body = normalized.removesuffix(_SPAN_END)
    if normalized.endswith(_SPAN_END) and body and not _SPAN_SEPARATOR_RE.search(body):
        return None, _resolve(_read_year(body, text), context, text)
    return parse_span(text, context_year=context_year, context_era=context_era)


def join_span(
    head: str, tail: str, *, context_year: int | None = None, context_era: str | None = None
) -> tuple[int, int]:
    """Join a span split over two columns (「平成20年度から」 | 「20年度まで」 → 2008–2038); either may be blank.

    Each column is read on its own, so an era printed in one column does not carry into the other: the
    era-less column is in the book's era (`context_era`, else the era of `context_year`).
    """
    ends = [
        parse_span_part(part, context_year=context_year, context_era=context_era)
        if normalize_text(part)
        else (None, None)
        for part in (head, tail)
    ]
    (head_first, head_last), (tail_first, tail_last) = ends
    first = head_first if head_first is not None else tail_first
    last = tail_last if tail_last is not None else head_last
    if first is None or last is None:
        raise FiscalParseError(f"期間の始まりまたは終わりがありません: {_quoted(head)} / {_quoted(tail)}")
    if first > last or (head_last is not None and tail_first is not None and head_last >= tail_first):
        raise FiscalParseError(f"開始年度が終了年度より後です: {_quoted(head)} / {_quoted(tail)}")
    return first, last


def _read_period_end(token: str, text: str) -> tuple[_YearToken, int | None]:
    """One end of a period: a calendar month (平成30年9月 → (平成 30, 9)) or a fiscal year (month None)."""
    match = _MONTH_TOKEN_RE.fullmatch(token)
    if match is None:
        return _read_year(token, text), None
    month = int(match["month"])
    if not 1 <= month <= 12:
        raise FiscalParseError(f"月を読み取れません: {_quoted(text)}")
    if match["western"] is not None:
        return _YearToken(int(match["western"]), 0), month
    number = 1 if match["number"] == "元" else int(match["number"])
    if not 1 <= number <= MAX_ERA_YEAR:
        raise FiscalParseError(f"年の年数が不正です: {_quoted(text)}")
    era = match["era"]
    return _YearToken(number, None if era is None else _ERA_OFFSETS[era]), month


def parse_period(
    text: str, *, context_year: int | None = None, context_era: str | None = None
) -> tuple[datetime.date, datetime.date]:
    """Parse a contract period to its first and last day: 平成30年9月から平成35年8月まで → 2018-09-01, 2023-08-31.

    Fiscal years stand for whole years (平成29年度 → 2017-04-01 … 2018-03-31); a trailing 「(3か年)」 must match.
    """
    normalized = normalize_text(text).upper()
    duration = _DURATION_RE.search(normalized)
    if duration is not None:
        normalized = normalized[: duration.start()]
    parts = _SPAN_SEPARATOR_RE.split(normalized.removesuffix(_SPAN_END))
    if len(parts) > 2 or not all(parts):
        raise FiscalParseError(f"期間を読み取れません: {_quoted(text)}")
    (first, first_month), (last, last_month) = _read_period_end(parts[0], text), _read_period_end(parts[-1], text)
    context = _context_offset(context_year, context_era)
    start_year = _resolve(first, last.offset or context, text)
    end_year = _resolve(last, first.offset or context, text)
    if first_month is None:
        start = fiscal_year_start(start_year)
    else:
        start = datetime.date(start_year, first_month, 1)
    if last_month is None:
        end = fiscal_year_end(end_year)
    else:
        end = datetime.date(end_year, last_month, calendar.monthrange(end_year, last_month)[1])
    if start > end:
        raise FiscalParseError(f"期間の始まりが終わりより後です: {_quoted(text)}")
    if duration is not None:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if months != 12 * int(duration["years"]):
            raise FiscalParseError(f"期間と年数の注記が一致しません: {_quoted(text)}")
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
        raise FiscalParseError(f"金額を読み取れません: {_quoted(text)}")
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
            raise FiscalParseError(f"金額を読み取れません: {_quoted(text)}")
        if suffix is not None and suffix.endswith("円") and not is_last:
            raise FiscalParseError(f"金額の「円」の位置が不正です: {_quoted(text)}")
        whole, _, fraction = part["number"].replace(",", "").partition(".")
        if fraction and len(parts) > 1:
            raise FiscalParseError(f"金額の小数の位置が不正です: {_quoted(text)}")
        try:  # Exact integer arithmetic: value = whole.fraction * multiplier.
            numerator = int(whole + fraction) * multiplier
        except ValueError:  # more digits than int() accepts
            raise FiscalParseError(f"金額を読み取れません: {_quoted(text)}") from None
        value, remainder = divmod(numerator, 10 ** len(fraction))
        if remainder:
            raise FiscalParseError(f"金額が1円単位の整数になりません: {_quoted(text)}")
        if previous_unit is not None and value >= previous_unit:
            raise FiscalParseError(f"金額の位取りが不正です: {_quoted(text)}")
        total += value
        previous_unit = multiplier
    return sign * total


class Limit(NamedTuple):
    """A printed 限度額: yen when it has a number, else the words; `note` keeps a proviso or label printed with it."""

    yen: int | None
    text: str = ""
    note: str = ""

    @property
    def is_text(self) -> bool:
        """True when the limit is words with no number (flag it; never invent an amount)."""
        return self.yen is None


def _flatten(text: str) -> str:
    """The printed cell on one line: line breaks (and the spaces around them) removed."""
    # Each whitespace run that holds a line break goes (one match per run: linear, unlike \s*\n\s* on long runs).
    return _SPACE_RUN_RE.sub(lambda run: "" if "\n" in run[0] else run[0], text.translate(_INVISIBLE)).strip()


def _positive_limit(yen: int, text: str) -> int:
    if yen < 0:
        raise FiscalParseError(f"限度額に負の金額は指定できません: {_quoted(text)}")
    if yen == 0:
        raise FiscalParseError(f"限度額は正の金額でなければなりません: {_quoted(text)}")
    return yen


def _check_formula(yen: int, note: str, unit: str, text: str) -> None:
    """A bracketed formula (12,191千円×2年) must give the amount it explains."""
    match = _FORMULA_RE.search(normalize_text(note))
    if match is not None and parse_amount(match["each"], unit=unit) * int(match["times"]) != yen:
        raise FiscalParseError(f"限度額と内訳の計算が一致しません: {_quoted(text)}")


def parse_limit(text: str, *, unit: str = "千円") -> Limit:
    """Parse a printed 限度額: a positive amount, an amount with a proviso, or words with no number.

    「５，７５３ ただし、…」 → 5,753,000 yen + the proviso; 「委託料 24,382千円(12,191千円×2年)」 → the amount, its
    label and formula (checked); 「寄附金額に応じた諸経費にかかる金額」 → text only. A negative (△) or zero limit,
    or a cell that starts with figures that do not form an amount (「52,721円也」), is an error.
    """
    if not isinstance(text, str):
        raise TypeError(f"限度額は文字列で指定してください: {text!r}")
    body = normalize_text(text)
    if not body:
        raise FiscalParseError("限度額が空欄です")
    try:
        return Limit(_positive_limit(parse_amount(body, unit=unit), text))
    except FiscalParseError:
        if _AMOUNT_ONLY_RE.fullmatch(body):
            raise
    flat = _flatten(text)
    marker = _PROVISO_RE.search(flat)
    head, note = (flat[: marker.start()], flat[marker.start() :]) if marker else (flat, "")
    head_body = normalize_text(head)
    if head_body and _AMOUNT_ONLY_RE.fullmatch(head_body):
        yen = _positive_limit(parse_amount(head_body, unit=unit), text)
        _check_formula(yen, note, unit, text)
        return Limit(yen, "", note)
    labelled = _LABELLED_RE.fullmatch(head_body)
    if labelled is not None and not _HEDGE_RE.search(labelled["label"]):
        yen = _positive_limit(parse_amount(labelled["amount"], unit=unit), text)
        _check_formula(yen, note, unit, text)
        return Limit(yen, "", f"{labelled['label']}{note}")
    if re.match(r"[△▲\-\u2212]?\d", body):  # starts as a figure but does not read as one: a typo, not words
        raise FiscalParseError(f"金額を読み取れません: {_quoted(text)}")
    return Limit(None, flat, "")


def is_ditto(text: str) -> bool:
    """True for a ditto cell (同上, 〃) that repeats the row above."""
    return normalize_text(text) in DITTO_MARKS


def to_unit(yen: int, unit: str) -> int:
    """Convert yen to a whole number of the given unit, rounded half away from zero (四捨五入) as budget books do.

    The one rounding rule of every displayed figure: each cell (year, row total, footer) is converted on its own from
    its exact yen, so a total may differ from the sum of its rounded parts (vocabulary.rounding_note says so).
    """
    size = _unit_value(unit)
    quotient, remainder = divmod(abs(yen), size)
    if 2 * remainder >= size:
        quotient += 1
    return -quotient if yen < 0 else quotient


def format_amount(yen: int, *, unit: str = "千円") -> str:
    """Format yen in a unit (rounded half away from zero, see to_unit), negatives as 「△1,234」."""
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


def contract_number_key(text: str) -> str:
    """The form a 契約番号 is matched by: 全角 folded to 半角, every space removed, letters upper-cased.

    `第１２３号` and `第123号`, `R8 委託 7` and `R8委託7` name one contract: stored numbers and feed cells are compared
    through this key, never as typed.
    """
    return _SPACE_RUN_RE.sub("", normalize_text(text)).upper()
