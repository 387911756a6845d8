"""One page of the 調書 as the site shows it: PAGE_SIZE rows in the book's order, under the 合計 and the tie-out of
the whole report.

Seen as of today (the stored projection rows), only the page's rows are built in Python; the whole report's count,
totals and tie-out are added up in SQL over the same row set (`chousho_sources.stored_rows`), and the rows with a
stated 財源内訳 (few) are split in Python for the funding totals, every other row's planned amount going wholly to
一般財源 (or 未設定). A constant number of queries, none reading more than the page's rows but the one aggregate.

In the other points of view (the budget's own, a draft, another day) the amounts come from the books row by row
(`chousho_sources.book_amounts`): the whole report is computed as for the downloads and the page shows a slice of it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from commitments import fiscal
from commitments.models import Organization
from commitments.selectors import chousho_sources as sources
from commitments.selectors.chousho import (
    UNSET,
    ChoushoLayout,
    ChoushoReport,
    ChoushoRow,
    FundingColumn,
    build_rows,
    chousho_report,
    source_columns,
)

PAGE_SIZE = 100  # rows on a page of the 調書
LIST_MAX = 100  # rows named under the table (not tied, limit in words); the downloads name every one


@dataclass
class ChoushoPage(ChoushoLayout):
    """Rows `first`–`last` of the 調書 of one organization and budget year, with the whole report's figures."""

    organization: Organization
    budget_year: int
    columns: list[FundingColumn]
    rows: list[ChoushoRow]
    totals: dict[str, Any]
    row_count: int
    number: int = 1
    per_page: int = PAGE_SIZE
    untied_count: int = 0
    untied_rows: list[ChoushoRow] = field(default_factory=list)
    text_limit_count: int = 0
    text_limit_rows: list[ChoushoRow] = field(default_factory=list)
    stale_count: int = 0
    as_of: datetime.date | None = None
    view: str = "current"

    @property
    def page_count(self) -> int:
        """How many pages the whole report takes (at least one, empty)."""
        return max(1, -(-self.row_count // self.per_page))

    @property
    def first(self) -> int:
        """The position of the page's first row in the report (1-based; 0 when the report is empty)."""
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        """The position of the page's last row."""
        return self.first + len(self.rows) - 1 if self.rows else 0


def _number(asked: int, row_count: int, per_page: int) -> int:
    """The page asked for, within the report (the last one when asked beyond it, the first below 1)."""
    return min(max(asked, 1), max(1, -(-row_count // per_page)))


def page_of(report: ChoushoReport, *, number: int, per_page: int = PAGE_SIZE) -> ChoushoPage:
    """A page of a whole report: its slice of rows, the report's totals and lists (capped at LIST_MAX)."""
    number = _number(number, report.row_count, per_page)
    start = (number - 1) * per_page
    return ChoushoPage(
        organization=report.organization,
        budget_year=report.budget_year,
        columns=report.columns,
        rows=report.rows[start : start + per_page],
        totals=report.totals,
        row_count=report.row_count,
        number=number,
        per_page=per_page,
        untied_count=report.untied_count,
        untied_rows=report.untied_rows[:LIST_MAX],
        text_limit_count=report.text_limit_count,
        text_limit_rows=report.text_limit_rows[:LIST_MAX],
        stale_count=report.stale_count,
        as_of=report.as_of,
        view=report.view,
    )


def chousho_page(
    *,
    organization: Organization,
    budget_year: int,
    number: int = 1,
    per_page: int = PAGE_SIZE,
    as_of: datetime.date | None = None,
    today: datetime.date | None = None,
) -> ChoushoPage:
    """Page `number` of the 調書 that `chousho_report` gives for the same arguments (the same rows in the same order,
    the same 合計 to the yen): as of today from SQL aggregates and the page's rows; otherwise a slice of the whole
    report read from the books."""
    today = today or timezone.localdate()
    if as_of != today:
        report = chousho_report(organization=organization, budget_year=budget_year, as_of=as_of, today=today)
        return page_of(report, number=number, per_page=per_page)
    fiscal.era_of_fiscal_year(budget_year)  # validates the year's range
    columns, general_id = source_columns(organization)
    summary = sources.stored_summary(organization=organization, budget_year=budget_year, listed=LIST_MAX)
    number = _number(number, summary.count, per_page)
    found = sources.stored_page(
        organization=organization,
        budget_year=budget_year,
        numbered=summary.numbered,
        offset=(number - 1) * per_page,
        limit=per_page,
    )
    stated = sources.stated_funding(None, budget_year, organization=organization)
    listed = sources.stored_rows_of(
        organization=organization,
        budget_year=budget_year,
        ids=sorted({*stated, *summary.untied_ids, *summary.text_ids}),
    )
    funded, funded_unset = build_rows(
        [row for i, row in listed.items() if i in stated], stated, columns, general_id, budget_year
    )
    # Every row without a stated split plans wholly from 一般財源 (未設定 where there is none).
    unfunded_planned = summary.planned_rows > sum(1 for r in funded if r.planned_yen != 0)
    if funded_unset or (general_id is None and unfunded_planned):
        columns.append(FundingColumn(key=UNSET, name=UNSET))
    counted = [r for r in funded if not r.is_text_limit]
    funding = {c.key: sum(r.funding.get(c.key, 0) for r in counted) for c in columns}
    unfunded = summary.planned_yen - sum(r.planned_yen for r in counted)
    if unfunded:
        general_key = UNSET if general_id is None else next(c.key for c in columns if c.is_general)
        funding[general_key] += unfunded
    rows, _unset = build_rows(found, stated, columns, general_id, budget_year)
    untied, _unset = build_rows(
        [listed[i] for i in summary.untied_ids if i in listed], stated, columns, general_id, budget_year
    )
    text, _unset = build_rows(
        [listed[i] for i in summary.text_ids if i in listed], stated, columns, general_id, budget_year
    )
    return ChoushoPage(
        organization=organization,
        budget_year=budget_year,
        columns=columns,
        rows=rows,
        totals={
            "limit_yen": summary.limit_yen,
            "spent_yen": summary.spent_yen,
            "planned_yen": summary.planned_yen,
            "funding_yen": funding,
            "difference_yen": summary.limit_yen - summary.spent_yen - summary.planned_yen,
        },
        row_count=summary.count,
        number=number,
        per_page=per_page,
        untied_count=summary.untied_count,
        untied_rows=untied,
        text_limit_count=summary.text_count,
        text_limit_rows=text,
        stale_count=sources.stale_count(organization=organization, budget_year=budget_year),
        as_of=today,
        view="current",
    )
