"""Exposure as of a past (or future) day, row by row from the books of then: the matrix's rows and footer, and the
table by commitment or segment that the summary and the `exposure` command show."""

from __future__ import annotations

import datetime
from typing import Any

from commitments.models import Commitment, Segment
from commitments.projection import YearOutflow
from commitments.selectors.books_as_of import BookCommitment, PointOfView, books_as_of
from commitments.selectors.exposure_types import BASES, ExposureTable


def _amount(year: YearOutflow, basis: str) -> int:
    """The basis's amount of one year of a projection (paid + contracted + uncontracted for `total`)."""
    return sum(getattr(year, name.removesuffix("_yen")) for name in BASES[basis])


def exposure_books(
    *, organization_ids: list[int] | None, as_of: datetime.date, segment_ids: list[int] | None = None
) -> list[BookCommitment]:
    """The commitments approved at the end of `as_of` (of the organizations, or all), as the books held them."""
    commitments = Commitment.objects.all()
    if organization_ids is not None:
        commitments = commitments.filter(organization_id__in=organization_ids)
    books = books_as_of(view=PointOfView.day(as_of), commitments=commitments)
    if segment_ids:
        books = [b for b in books if b.commitment.segment_id in segment_ids]
    return books


def exposure_rows_as_of(books: list[BookCommitment], *, fiscal_years: list[int], basis: str) -> list[Commitment]:
    """The matrix's rows: each commitment of then with `fy_<year>` and `total_yen`, as `exposure_commitments` gives."""
    if basis not in BASES:
        raise ValueError(f"unknown basis {basis!r}; choose from {', '.join(BASES)}")
    wanted = set(fiscal_years)
    rows = []
    for book in books:
        commitment = book.commitment
        amounts = {y.fiscal_year: _amount(y, basis) for y in book.years if y.fiscal_year in wanted}
        for fy in fiscal_years:
            setattr(commitment, f"fy_{fy}", amounts.get(fy, 0))
        commitment.total_yen = sum(amounts.values())  # type: ignore[attr-defined]
        rows.append(commitment)
    return rows


def exposure_totals_as_of(rows: list[Commitment], *, fiscal_years: list[int]) -> dict[str, int]:
    """The matrix's 合計 row over rows of `exposure_rows_as_of`: `fy_<year>`, `total_yen` and `limit_yen`."""
    totals = {f"fy_{fy}": sum(getattr(r, f"fy_{fy}") for r in rows) for fy in fiscal_years}
    totals["total_yen"] = sum(totals.values())
    totals["limit_yen"] = sum(r.limit_yen or 0 for r in rows)
    return totals


def exposure_table_of_books(
    books: list[BookCommitment], *, basis: str, by: str, from_fy: int | None = None
) -> ExposureTable:
    """`exposure_table(as_of=…)` from the books of that day: amounts, number and 限度額 of the commitments."""
    if basis not in BASES:
        raise ValueError(f"unknown basis {basis!r}; choose from {', '.join(BASES)}")
    table = ExposureTable(basis=basis, fiscal_years=[])
    cells: dict[int, dict[int, int]] = {}
    labels: dict[int, Any] = {}
    for book in books:
        c = book.commitment
        table.commitments += 1
        table.limit_total += c.limit_yen or 0
        table.text_limit_count += c.limit_yen is None
        years = [y for y in book.years if from_fy is None or y.fiscal_year >= from_fy]
        if not years:
            continue  # nothing in the years asked for: no row, as in the stored table
        key = c.pk if by == "commitment" else c.segment_id
        labels[key] = c.matter if by == "commitment" else c.segment
        by_year = cells.setdefault(key, {})
        for year in years:
            by_year[year.fiscal_year] = by_year.get(year.fiscal_year, 0) + _amount(year, basis)
    if by == "segment":
        labels = {s.pk: s.name for s in sorted(labels.values(), key=_segment_order)}
    for key, label in labels.items():
        table.add_row(key, label, cells[key])
    table.fiscal_years = sorted({fy for by_year in cells.values() for fy in by_year})
    return table


def _segment_order(segment: Segment) -> tuple[int, int, str]:
    return (segment.organization_id, segment.sort_order, segment.code)
