"""The XLSX writer of ExportTables: openpyxl's write-only workbook, one sheet per table, formulas never written."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable
from typing import IO, Any

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from commitments.exports.table import Column, ExportTable, cell_value, header_layout, neutralise

AMOUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0"
DATE_FORMAT = "yyyy-mm-dd"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_INVALID_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
_HEADER_FILL = PatternFill("solid", fgColor="E8EEF6")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FORMATS = {"amount": AMOUNT_FORMAT, "integer": "0", "percent": PERCENT_FORMAT, "date": DATE_FORMAT}
_DEFAULT_WIDTHS = {"text": 24.0, "amount": 14.0, "integer": 8.0, "percent": 8.0, "date": 12.0}


def sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return (title.translate(_INVALID_SHEET_CHARS).strip("'") or "Sheet")[:31]


def _styled(ws: Any, value: Any, *, bold: bool = False, size: float | None = None, fmt: str | None = None) -> Any:
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text
    if bold or size:
        cell.font = Font(bold=bold, size=size) if size else Font(bold=bold)
    if fmt:
        cell.number_format = fmt
    return cell


def _data_cell(ws: Any, column: Column, value: Any, unit: str, *, bold: bool = False) -> Any:
    exported = cell_value(column, value, unit)
    if exported is None:
        return None
    if isinstance(exported, str):
        if not bold and column.kind == "text":
            return exported  # a plain value is cheaper than a cell; neutralised text never reads as a formula
        cell = _styled(ws, exported, bold=bold)
        if column.kind == "amount":  # words in an amount column (a text-only limit)
            cell.alignment = Alignment(wrap_text=True)
        return cell
    return _styled(ws, exported, bold=bold, fmt=_FORMATS.get(column.kind))


def _set_up(ws: Any, table: ExportTable, first_header_row: int, first_data_row: int) -> None:
    """Widths, frozen header, A4 fitted to the width: write-only sheets take them before the first row."""
    for index, column in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width or _DEFAULT_WIDTHS[column.kind]
    ws.freeze_panes = f"A{first_data_row}"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if table.landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{first_header_row}:{first_data_row - 1}"


def _write_sheet(workbook: Workbook, table: ExportTable) -> None:
    ws = workbook.create_sheet(title=sheet_title(table.title))
    width = len(table.columns)
    header = table.header_rows()
    first_header_row = 2 + len(table.notes) + 1  # heading, notes, one blank line
    _set_up(ws, table, first_header_row, first_header_row + len(header))
    ws.append([_styled(ws, neutralise(table.heading), bold=True, size=14)])
    for note in table.notes:
        ws.append([_styled(ws, neutralise(note))])
    ws.append([])
    for line in header_layout(header, width):
        cells: list[Any] = [None] * width
        for cell, r, col in line:
            value = _styled(ws, neutralise(cell.label), bold=True)
            value.fill = _HEADER_FILL
            value.border = _BORDER
            value.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cells[col] = value
            if cell.colspan > 1 or cell.rowspan > 1:
                top = first_header_row + r
                ws.merged_cells.add(
                    f"{get_column_letter(col + 1)}{top}:{get_column_letter(col + cell.colspan)}{top + cell.rowspan - 1}"
                )
        ws.append(cells)
    for row in table.rows:
        ws.append([_data_cell(ws, c, v, table.unit) for c, v in zip(table.columns, row, strict=False)])
    for row in table.footer:
        ws.append([_data_cell(ws, c, v, table.unit, bold=True) for c, v in zip(table.columns, row, strict=False)])
    closing = [*table.trailer, *([table.rounding_note] if table.rounding_note else [])]
    if closing:
        ws.append([])
        for note in closing:
            ws.append([_styled(ws, neutralise(note))])


def write_xlsx(tables: Iterable[ExportTable], target: str | IO[bytes]) -> None:
    """Write the tables to a path or binary file with openpyxl's write-only workbook (rows are not kept)."""
    workbook = Workbook(write_only=True)
    for table in tables:
        _write_sheet(workbook, table)
    workbook.save(target)


def xlsx_bytes(tables: Iterable[ExportTable]) -> bytes:
    """The workbook as bytes (e-mail attachments, commands and tests; pages use xlsx_response)."""
    buffer = io.BytesIO()
    write_xlsx(tables, buffer)
    return buffer.getvalue()


def xlsx_response(tables: Iterable[ExportTable], filename: str) -> FileResponse:
    """A download of the workbook, written to a temporary file first and streamed from it in blocks."""
    handle = tempfile.TemporaryFile()  # removed when FileResponse closes it
    try:
        write_xlsx(tables, handle)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
