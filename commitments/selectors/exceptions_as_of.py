"""The exceptions list as of a past (or future) day: the same sections, their rows found in the books of that day
(commitments approved by then in the state the dated records give, contracts signed by then with their terms of
then). A constant number of queries."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from commitments import fiscal
from commitments.models import Commitment, ContractStatus, Organization
from commitments.selectors.books_as_of import BookCommitment, PointOfView, books_as_of
from commitments.selectors.exceedance import over_planned_of_books
from commitments.selectors.exceptions import (
    LIVE_STATES,
    ExceptionSection,
    contract_ending_row,
    contracts_ending_section,
    lapsing_row,
    lapsing_section,
    near_limit_row,
    near_limit_section,
    stale_section,
    text_limit_row,
    text_limits_section,
)


def _open_in(c: Commitment, fy: int) -> bool:
    """Contracts may still be signed in `fy` (the 行為年度, or the deadline an amendment set, is not over)."""
    return c.contract_deadline_fy >= fy


def _near_limit(books: list[BookCommitment], percent: int, fy: int) -> ExceptionSection:
    section = near_limit_section(percent)
    for book in books:
        c = book.commitment
        if c.status in LIVE_STATES and c.limit_yen is not None and _open_in(c, fy):
            if book.contracted_yen * 100 >= c.limit_yen * percent:
                section.rows.append(near_limit_row(c))
    return section


def _lapsing(books: list[BookCommitment], day: datetime.date, days: int) -> ExceptionSection:
    section, lapses_on, left = lapsing_section(day, days)
    if left > days:
        return section
    fy = fiscal.fiscal_year_of(day)
    for book in books:
        c, contracted = book.commitment, book.contracted_yen
        if c.status not in LIVE_STATES or c.contract_deadline_fy != fy:
            continue
        if c.limit_yen is not None:
            open_authority = contracted < c.limit_yen
        elif c.estimated_limit_yen is not None:
            open_authority = contracted < c.estimated_limit_yen
        else:
            open_authority = contracted == 0
        if open_authority:
            section.rows.append(lapsing_row(c, lapses_on, left))
    return section


def _contracts_ending(books: list[BookCommitment], day: datetime.date, days: int) -> ExceptionSection:
    section = contracts_ending_section(day, days)
    until = day + datetime.timedelta(days=days)
    ending = [
        (book.commitment, k.contract)
        for book in books
        for k in book.contracts
        if k.contract.status == ContractStatus.ACTIVE and day <= k.contract.end_on <= until
    ]
    ending.sort(key=lambda pair: (pair[1].end_on, pair[1].contract_no, pair[1].pk))
    section.rows.extend(contract_ending_row(k, c.matter, day) for c, k in ending)
    return section


def _text_limits(books: list[BookCommitment], fy: int) -> ExceptionSection:
    section = text_limits_section()
    for book in books:
        c = book.commitment
        if c.limit_yen is None and c.last_burden_fy >= fy:
            section.rows.append(text_limit_row(c))
    return section


def sections_as_of(
    *, organization: Organization, day: datetime.date, days: int, percent: int
) -> list[ExceptionSection]:
    """Every section of the exceptions list as the books stood at the end of `day`."""
    books = books_as_of(view=PointOfView.day(day), commitments=Commitment.objects.filter(organization=organization))
    for book in books:
        book.commitment.contracted = book.contracted_yen  # type: ignore[attr-defined]
    fy = fiscal.fiscal_year_of(day)
    stale = stale_section()
    stale.note = _("基準日の数値は記録から直接計算しているため、未更新の推計はありません。")
    return [
        _near_limit(books, percent, fy),
        _lapsing(books, day, days),
        _contracts_ending(books, day, days),
        _text_limits(books, fy),
        stale,
        over_planned_of_books(books, fy),
    ]
