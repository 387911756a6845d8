"""The exposure figures as downloads, in the page's unit and year style, with a 合計 row.

The matrix: one row per commitment (番号, 事項, 事業区分, 限度額, one column per fiscal year, 合計), from the rows
`selectors.exposure_commitments` (or `exposure_rows_as_of`) gives and the page's footer totals; a limit in words
shows its estimate, the words beside the 事項. The summary: one row per 事業区分 from an `ExposureTable` by segment.
Downloads are written in Japanese whatever the page's language, like their column names; the heading names the
organization when one is given (an e-mailed file).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import translation

from commitments import fiscal
from commitments.exports.table import Column, ExportTable
from commitments.selectors import ExposureTable, wareki_day
from commitments.vocabulary import basis_label

CHUNK = 2000  # rows fetched at a time from a queryset


def _heading(what: str, basis: str, unit: str, day: datetime.date, organization: str) -> str:
    """The title line: organization, what, basis, unit and the as-of day (a printed sheet names all of them)."""
    with translation.override("ja"):
        heading = f"債務負担行為 {what}（{basis_label(basis)}）（単位：{unit}）基準日：{wareki_day(day)}"
    return f"{organization}　{heading}" if organization else heading


def _year_columns(fiscal_years: list[int], year_style: str) -> list[Column]:
    return [Column(fiscal.format_fiscal_year(fy, style=year_style), "amount") for fy in fiscal_years]


def _records(rows: Iterable[Any]) -> Iterator[Any]:
    return rows.iterator(chunk_size=CHUNK) if isinstance(rows, QuerySet) else iter(rows)


def exposure_matrix_export(
    rows: Iterable[Any],
    *,
    fiscal_years: list[int],
    totals: dict[str, int],
    basis: str,
    unit: str,
    year_style: str,
    day: datetime.date,
    organization: str = "",
) -> ExportTable:
    """The exposure page's matrix from rows with `fy_<year>`/`total_yen` and the footer's totals (+ `limit_yen`)."""

    def cells() -> Iterator[list[Any]]:
        for c in _records(rows):
            matter = c.matter if c.limit_yen is not None else f"{c.matter}（※文言：{c.limit_text}）"
            yield [
                c.seq,
                matter,
                c.segment.name,
                c.limit_yen if c.limit_yen is not None else c.estimated_limit_yen,
                *(getattr(c, f"fy_{fy}") or 0 for fy in fiscal_years),
                c.total_yen or 0,
            ]

    return ExportTable(
        title="年度別負担額",
        heading=_heading("年度別負担額", basis, unit, day, organization),
        columns=[
            Column("番号", "integer", width=6),
            Column("事項", "text", width=48),
            Column("事業区分", "text", width=20),
            Column("限度額", "amount", width=14),
            *_year_columns(fiscal_years, year_style),
            Column("合計", "amount", width=14),
        ],
        rows=cells(),
        unit=unit,
        notes=[f"（単位：{unit}）"],
        footer=[
            [
                None,
                "合計",
                None,
                totals["limit_yen"],
                *(totals[f"fy_{fy}"] for fy in fiscal_years),
                totals["total_yen"],
            ]
        ],
    )


def exposure_summary_export(
    table: ExposureTable,
    *,
    unit: str,
    year_style: str,
    day: datetime.date,
    fiscal_years: list[int] | None = None,
    organization: str = "",
) -> ExportTable:
    """The summary by 事業区分 and fiscal year (the table's years, or those given), with totals."""
    years = table.fiscal_years if fiscal_years is None else fiscal_years
    rows = [[r["label"], *(r["years"].get(fy, 0) for fy in years)] for r in table.rows]
    totals = ["合計", *(table.totals.get(fy, 0) for fy in years)]
    return ExportTable(
        title="事業区分別・年度別",
        heading=_heading("事業区分別・年度別の負担額", table.basis, unit, day, organization),
        columns=[Column("事業区分", "text", width=24), *_year_columns(years, year_style), Column("合計", "amount")],
        rows=[[*row, sum(row[1:])] for row in rows],
        unit=unit,
        notes=[f"（単位：{unit}）"],
        footer=[[*totals, sum(totals[1:])]],
    )
