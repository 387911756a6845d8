"""Downloads: one description of a table (`ExportTable`) per page, written by three writers.

`table` describes a download (columns, unit, header, rows, totals) and neutralises formula-like text; `csv_writer`
writes it as UTF-8 CSV with a BOM, `xlsx_writer` as a write-only workbook, `pdf_writer` as an A4 landscape report.
`exposure`, `chousho` and `exceptions` build the tables of the pages; the page downloads and the report e-mails'
attachments use the same builders, so a page's CSV, XLSX and PDF and an attached file hold the same columns in the
same unit and year style.
"""

from commitments.exports.burden import statistics_export
from commitments.exports.chousho import (
    ChoushoLine,
    chousho_as_of_line,
    chousho_cells,
    chousho_columns,
    chousho_header,
    chousho_line,
    chousho_remarks,
    chousho_sheet,
    chousho_trailer,
)
from commitments.exports.csv_writer import CSV_CONTENT_TYPE, csv_bytes, csv_lines, csv_response
from commitments.exports.exceptions import exceptions_flat_sheet, exceptions_sheets
from commitments.exports.exposure import exposure_matrix_export, exposure_summary_export
from commitments.exports.pdf_writer import PDF_CONTENT_TYPE, TooManyRows, pdf_bytes, pdf_html, pdf_response
from commitments.exports.table import (
    Column,
    ExportTable,
    HeaderCell,
    Sheet,
    cell_value,
    flat_labels,
    header_layout,
    neutralise,
)
from commitments.exports.xlsx_writer import XLSX_CONTENT_TYPE, sheet_title, write_xlsx, xlsx_bytes, xlsx_response

__all__ = [
    "CSV_CONTENT_TYPE",
    "PDF_CONTENT_TYPE",
    "XLSX_CONTENT_TYPE",
    "ChoushoLine",
    "Column",
    "ExportTable",
    "HeaderCell",
    "Sheet",
    "TooManyRows",
    "cell_value",
    "chousho_as_of_line",
    "chousho_cells",
    "chousho_columns",
    "chousho_header",
    "chousho_line",
    "chousho_remarks",
    "chousho_sheet",
    "chousho_trailer",
    "csv_bytes",
    "csv_lines",
    "csv_response",
    "exceptions_flat_sheet",
    "exceptions_sheets",
    "exposure_matrix_export",
    "exposure_summary_export",
    "flat_labels",
    "header_layout",
    "neutralise",
    "pdf_bytes",
    "pdf_html",
    "pdf_response",
    "sheet_title",
    "statistics_export",
    "write_xlsx",
    "xlsx_bytes",
    "xlsx_response",
]
