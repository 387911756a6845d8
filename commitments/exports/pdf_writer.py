"""The PDF writer of an ExportTable: A4 landscape, Noto Sans CJK JP embedded, header repeated on every page.

WeasyPrint lays out an HTML template (`exports/table_pdf.html`) with print CSS: the running head (organization,
title, unit, as-of day) and 「n / N ページ」 in the page margins, `<thead>` repeated on each page, the 合計 row once
after the last row, the notes, tie-out lines and the rounding note under the table. Amounts are printed as on the
page: in the table's unit, each cell rounded on its own (fiscal.format_amount), negatives as △.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import content_disposition_header

from commitments import fiscal
from commitments.exports.table import Column, ExportTable, header_layout

PDF_CONTENT_TYPE = "application/pdf"
SHORT_TEXT = 14  # characters of text a cell keeps on one line (８年度から10年度まで)
MAX_ROWS = 5_000  # ≈150 A4 pages: more is a case for the XLSX, not for paper
NUMERIC_KINDS = ("amount", "integer", "percent")
DEFAULT_WIDTHS = {"text": 24.0, "amount": 9.0, "integer": 6.0, "percent": 7.0, "date": 11.0}


class TooManyRows(ValueError):
    """The table has more rows than a printed report should (MAX_ROWS)."""


def _text(column: Column, value: Any, unit: str) -> str:
    """A cell as printed: amounts in the unit with separators, words as they are, blanks empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if column.kind == "amount":
        return fiscal.format_amount(int(value), unit=unit)
    if column.kind == "percent":
        return f"{float(value) if isinstance(value, Decimal) else value:.1f}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return f"{value}"


def _line(table: ExportTable, values: Sequence[Any]) -> list[tuple[str, str]]:
    """(text, CSS class) per column: numbers right-aligned, words in amount columns left as they are."""
    cells = []
    for column, value in zip(table.columns, values, strict=False):
        text = _text(column, value, table.unit)
        if column.kind in NUMERIC_KINDS and not isinstance(value, str):
            kind = "num"
        elif len(text) <= SHORT_TEXT:
            kind = f"{column.kind} short"  # a period, a segment's name: kept on one line
        else:
            kind = column.kind
        cells.append((text, kind))
    return cells


def _widths(columns: Sequence[Column]) -> list[float]:
    """Each column's share of the page width (%), from the widths the XLSX uses (its defaults where none is set)."""
    units = [column.width or DEFAULT_WIDTHS[column.kind] for column in columns]
    return [round(100 * u / sum(units), 2) for u in units]


def _font_size(columns: int) -> float:
    """Points per character that fit `columns` columns across A4 landscape (8 pt up to 14 columns, 5 pt at least)."""
    return round(max(5.0, min(8.0, 8.0 * 14 / max(columns, 1))), 1)


def pdf_html(table: ExportTable, *, running_head: str) -> str:
    """The HTML WeasyPrint lays out (Japanese, like every download)."""
    rows = []
    for values in table.rows:
        if len(rows) == MAX_ROWS:
            raise TooManyRows(f"more than {MAX_ROWS:,} rows")
        rows.append(_line(table, values))
    width = len(table.columns)
    with translation.override("ja"):
        return render_to_string(
            "exports/table_pdf.html",
            {
                "table": table,
                "running_head": running_head,
                "header": header_layout(table.header_rows(), width),
                "rows": rows,
                "footer": [_line(table, values) for values in table.footer],
                "font_size": _font_size(width),
                "widths": _widths(table.columns),
            },
        )


def pdf_bytes(table: ExportTable, *, running_head: str) -> bytes:
    """The table as a PDF document (raises TooManyRows past MAX_ROWS)."""
    from weasyprint import HTML  # imported when a PDF is asked for: it loads Pango through cffi

    return HTML(string=pdf_html(table, running_head=running_head)).write_pdf()


def pdf_response(table: ExportTable, filename: str, *, running_head: str) -> HttpResponse:
    """A PDF download (raises TooManyRows past MAX_ROWS)."""
    response = HttpResponse(pdf_bytes(table, running_head=running_head), content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
