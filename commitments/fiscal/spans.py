"""Spans of fiscal years and contract periods: 「平成29年度から35年度まで」, split columns, months."""

import calendar
import datetime
import re

from commitments.fiscal.text import FiscalParseError, normalize_text, quoted
from commitments.fiscal.years import (
    ERA_ALTERNATION,
    ERA_OFFSETS,
    MAX_ERA_YEAR,
    YearToken,
    context_offset,
    fiscal_year_end,
    fiscal_year_of,
    fiscal_year_start,
    format_fiscal_year,
    read_year,
    resolve,
)

# NFKC already folds U+FF5E to "~" and U+FF0D to "-"; U+301C (wave dash), U+30FC
# (katakana long vowel mark, often typed for a dash) and other dashes stay as they are.
_SPAN_SEPARATOR_RE = re.compile("から|[~\\-\u301c\u30fc\u2010-\u2015\u2212]")
_SPAN_END = "まで"
_SPAN_START = "から"
# Month-level periods (契約期間): 平成30年9月, 2018年9月; a trailing duration note such as (3か年) is checked.
_MONTH_RE = re.compile(r"年\d{1,2}月")
_MONTH_TOKEN_RE = re.compile(
    rf"(?:(?P<western>\d{{4}})|(?:(?P<era>{ERA_ALTERNATION})\.?)?(?P<number>\d{{1,2}}|元))年(?P<month>\d{{1,2}})月"
)
_DURATION_RE = re.compile(r"\((?P<years>\d{1,3})[かカヵヶケ箇]?年間?\)$")


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
        raise FiscalParseError(f"年度の期間を読み取れません: {quoted(text)}")
    context = context_offset(context_year, context_era)
    if len(parts) == 1:
        year = resolve(read_year(parts[0], text), context, text)
        return year, year
    first, last = (read_year(part, text) for part in parts)
    # An explicit era on one end carries over to an era-less other end; a western
    # year (offset 0) carries no era, so "offset or context" skips it on purpose.
    start = resolve(first, last.offset or context, text)
    end = resolve(last, first.offset or context, text)
    if start > end:
        raise FiscalParseError(f"開始年度が終了年度より後です: {quoted(text)}")
    return start, end


def parse_span_part(
    text: str, *, context_year: int | None = None, context_era: str | None = None
) -> tuple[int | None, int | None]:
    """Parse one column of a span split over two (調書): 「５年度から」 → (2023, None), 「９年度まで」 → (None, 2027).

    A whole span or a single year gives both ends (「７年度」 → (2025, 2025)).
    """
    normalized = normalize_text(text).upper()
    context = context_offset(context_year, context_era)
    if normalized.endswith(_SPAN_START):
        body = normalized.removesuffix(_SPAN_START)
        if not body or _SPAN_SEPARATOR_RE.search(body):
            raise FiscalParseError(f"年度の期間を読み取れません: {quoted(text)}")
        return resolve(read_year(body, text), context, text), None
    body = normalized.removesuffix(_SPAN_END)
    if normalized.endswith(_SPAN_END) and body and not _SPAN_SEPARATOR_RE.search(body):
        return None, resolve(read_year(body, text), context, text)
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
        raise FiscalParseError(f"期間の始まりまたは終わりがありません: {quoted(head)} / {quoted(tail)}")
    if first > last or (head_last is not None and tail_first is not None and head_last >= tail_first):
        raise FiscalParseError(f"開始年度が終了年度より後です: {quoted(head)} / {quoted(tail)}")
    return first, last


def _read_period_end(token: str, text: str) -> tuple[YearToken, int | None]:
    """One end of a period: a calendar month (平成30年9月 → (平成 30, 9)) or a fiscal year (month None)."""
    match = _MONTH_TOKEN_RE.fullmatch(token)
    if match is None:
        return read_year(token, text), None
    month = int(match["month"])
    if not 1 <= month <= 12:
        raise FiscalParseError(f"月を読み取れません: {quoted(text)}")
    if match["western"] is not None:
        return YearToken(int(match["western"]), 0), month
    number = 1 if match["number"] == "元" else int(match["number"])
    if not 1 <= number <= MAX_ERA_YEAR:
        raise FiscalParseError(f"年の年数が不正です: {quoted(text)}")
    era = match["era"]
    return YearToken(number, None if era is None else ERA_OFFSETS[era]), month


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
        raise FiscalParseError(f"期間を読み取れません: {quoted(text)}")
    (first, first_month), (last, last_month) = _read_period_end(parts[0], text), _read_period_end(parts[-1], text)
    context = context_offset(context_year, context_era)
    start_year = resolve(first, last.offset or context, text)
    end_year = resolve(last, first.offset or context, text)
    if first_month is None:
        start = fiscal_year_start(start_year)
    else:
        start = datetime.date(start_year, first_month, 1)
    if last_month is None:
        end = fiscal_year_end(end_year)
    else:
        end = datetime.date(end_year, last_month, calendar.monthrange(end_year, last_month)[1])
    if start > end:
        raise FiscalParseError(f"期間の始まりが終わりより後です: {quoted(text)}")
    if duration is not None:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if months != 12 * int(duration["years"]):
            raise FiscalParseError(f"期間と年数の注記が一致しません: {quoted(text)}")
    return start, end


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
