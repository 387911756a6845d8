"""The CSV writer of an ExportTable: UTF-8 with a BOM (Excel then opens Japanese text correctly), streamed."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

from commitments.exports.table import ExportTable, cell_value, flat_labels, neutralise

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"


class _Echo:
    """A file-like object whose write returns what it is given, so csv.writer yields lines (Django's recipe)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(table: ExportTable) -> Iterator[bytes]:
    """The table as CSV, line by line: the flat header, the rows, the totals rows, then the rounding note (if any)."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")

    def encode(values: Sequence[Any]) -> bytes:
        cells = []
        for column, value in zip(table.columns, values, strict=False):
            cell = cell_value(column, value, table.unit)
            cells.append("" if cell is None else cell.isoformat() if isinstance(cell, datetime.date) else cell)
        return writer.writerow(cells).encode("utf-8")

    yield (BOM + writer.writerow([neutralise(label) for label in flat_labels(table)])).encode("utf-8")
    for row in table.rows:
        yield encode(row)
    for row in table.footer:
        yield encode(row)
    if table.rounding_note:
        yield writer.writerow([table.rounding_note]).encode("utf-8")


def csv_bytes(table: ExportTable) -> bytes:
    """The whole CSV at once (e-mail attachments, commands and tests)."""
    return b"".join(csv_lines(table))


def csv_response(table: ExportTable, filename: str) -> StreamingHttpResponse:
    """A streamed CSV download, written as the rows are read."""
    response = StreamingHttpResponse(csv_lines(table), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
