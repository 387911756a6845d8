"""The e-mail's table of totals by segment and fiscal year: amounts, changes since the baseline, year blocks."""

from __future__ import annotations

from typing import Any

from commitments import selectors
from commitments.models import Status
from commitments.reporting.baseline import Baseline
from commitments.reporting.chart import color_of
from commitments.reporting.formatting import amount, change, year_label


def _rows(table: selectors.ExposureTable, baseline: Baseline | None, unit: str) -> list[dict[str, Any]]:
    """Each row's cells with their change, total and change of the total (None without a baseline)."""
    rows = []
    for index, r in enumerate(table.rows):
        before = baseline.rows.get(str(r["key"]), {}) if baseline else None
        cells = []
        for fy in table.fiscal_years:
            value = r["years"].get(fy, 0)
            difference = None if before is None else value - before.get(fy, 0)
            cells.append({"amount": amount(value, unit), "change": change(difference, unit) if difference else None})
        rows.append(
            {
                "label": r["label"],
                "color": color_of(index),
                "cells": cells,
                "total": amount(r["total"], unit),
                "change": change(None if before is None else r["total"] - sum(before.values()), unit),
                "years": r["years"],
                "before": before,
            }
        )
    return rows


def _blocks(years: list[int], rows: list[dict[str, Any]], footer: list[dict[str, Any]], unit: str) -> list[Any]:
    """The text part's blocks: one per year, its total and the rows with an amount then or before."""
    blocks = []
    for i, fy in enumerate(years):
        lines = []
        for row in rows:
            value = row["years"].get(fy, 0)
            if not value and not (row["before"] or {}).get(fy):
                continue
            difference = None if row["before"] is None else value - row["before"].get(fy, 0)
            lines.append({"label": row["label"], "amount": amount(value, unit), "change": change(difference, unit)})
        blocks.append(
            {"label": year_label(fy), "total": footer[i]["amount"], "change": footer[i]["change"], "lines": lines}
        )
    return blocks


def table_context(table: selectors.ExposureTable, baseline: Baseline | None, *, unit: str) -> dict[str, Any]:
    """Rows with per-cell and per-total changes, footer totals, and the year blocks of the text part."""
    years = table.fiscal_years
    rows = _rows(table, baseline, unit)
    footer = []
    for fy in years:
        value = table.totals.get(fy, 0)
        difference = None if baseline is None else value - baseline.years.get(fy, 0)
        footer.append({"amount": amount(value, unit), "change": change(difference, unit)})
    grand_change = None if baseline is None else table.grand_total - sum(baseline.years.values())
    return {
        "headers": [year_label(fy) for fy in years],
        "rows": rows,
        "footer": footer,
        "grand_total": amount(table.grand_total, unit),
        "grand_change": change(grand_change, unit),
        "blocks": _blocks(years, rows, footer, unit),
        "commitments": table.commitments,
        "limit_total": amount(table.limit_total, unit),
        "text_limit_count": table.text_limit_count,
    }


def state_counts(counts: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """The counted commitments by state, labelled in the active language (承認済 1 件、失効 32 件)."""
    return [{"label": str(Status(state).label), "count": n} for state, n in counts]
