"""Spans as books print them, also when an end is words (a guarantee 「…償還期限満了まで」): years and text (pure).

A span with words is kept as printed (`Span.text`); its years are then an estimate: the end the importer counts
to is the budget year (or the first year, when later), and the row is flagged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from commitments import fiscal

_START_OF_WORDS_RE = re.compile(r"(?P<year>.+?)から(?P<rest>.+)")


@dataclass(frozen=True)
class Span:
    """First and last fiscal year; `text` is the span as printed when an end is words (the years are estimates)."""

    first: int
    last: int
    text: str = ""

    @property
    def estimated(self) -> bool:
        """True when the span is printed in words and its years are the importer's estimate."""
        return bool(self.text)


def flat(text: str) -> str:
    """A cell on one line, as the plain columns of the transcriptions join printed lines."""
    return re.sub(r"\s*\n\s*", "", text).strip()


def has_year(text: str) -> bool:
    """True when the text names a year (a digit or 元)."""
    return bool(re.search(r"\d|元", fiscal.normalize_text(text)))


def _start_of_words(text: str, year: int | None, era: str | None) -> int | None:
    """「８年度から借入金の償還完了まで」 → 2026: a printed start followed by an end in words; else None."""
    match = _START_OF_WORDS_RE.fullmatch(fiscal.normalize_text(text))
    if match is None or has_year(match["rest"]):
        return None
    try:
        return fiscal.parse_fiscal_year(match["year"], context_year=year, context_era=era)
    except fiscal.FiscalParseError:
        return None


def book_span(text: str, *, context_year: int | None, era: str | None, authorized_fy: int) -> Span:
    """The 期間 of a 第２表 or seed row; words (with or without a printed start) give an estimated one-year span."""
    if not has_year(text):
        return Span(authorized_fy, authorized_fy, flat(text))
    first, last, in_words = _printed_or_words(fiscal.parse_span, text, context_year, era)
    if first is not None and last is not None and not in_words:
        return Span(first, last)
    start = authorized_fy if first is None else first  # an end in words: the printed start, for one year
    return Span(start, start, flat(text))


def _printed_or_words(
    parse: Callable[..., tuple[int | None, int | None]], text: str, year: int | None, era: str | None
) -> tuple[int | None, int | None, bool]:
    """(start, end, in words): the span `parse` reads, or a printed start before an end in words; else its error."""
    try:
        start, end = parse(text, context_year=year, context_era=era)
    except fiscal.FiscalParseError:
        start = _start_of_words(text, year, era)
        if start is None:
            raise
        return start, None, True
    return start, end, False


def _ends(part: str, year: int, era: str | None) -> tuple[int | None, int | None, bool]:
    """(start, end, in words) of one of the 調書's two 期間 columns."""
    if not fiscal.normalize_text(part):
        return None, None, False
    if not has_year(part):
        return None, None, True
    return _printed_or_words(fiscal.parse_span_part, part, year, era)


def chousho_span(head: str, tail: str, *, year: int, era: str | None, spent: bool) -> Span:
    """The span of a 調書 row from its two 期間 columns: 「平成20年度から」 | 「20年度まで」 → 2008–2038."""
    # An end in words (「事業資金借入金償還期限満了まで」) is kept as text and estimated: to the budget year, from the
    # printed start (else the year before the budget year when something was spent, else the budget year).
    head_start, head_end, head_words = _ends(head, year, era)
    tail_start, tail_end, tail_words = _ends(tail, year, era)
    if not (head_words or tail_words):
        return Span(*fiscal.join_span(head, tail, context_year=year, context_era=era))
    last = tail_end if tail_end is not None else head_end if not tail_words else None
    first = head_start if head_start is not None else tail_start
    if first is None:
        first = year - 1 if spent else min(year, last if last is not None else year)
    if last is None:
        last = max(first, year)
    if first > last:
        raise fiscal.FiscalParseError(f"開始年度が終了年度より後です: {flat(head)} / {flat(tail)}")
    return Span(first, last, "".join(flat(part) for part in (head, tail) if fiscal.normalize_text(part)))
