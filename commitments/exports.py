"""Render an ExposureTable as CSV or XLSX bytes (amounts in yen, exact)."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from commitments import fiscal
from commitments.selectors import ExposureTable

YEN_FORMAT = "#,##0;[Red]-#,##0"


def _header(table: ExposureTable, first: str) -> list[str]:
    return [first] + [fiscal.format_fiscal_year(fy) for fy in table.fiscal_years] + ["合計"]


def _body(table: ExposureTable) -> list[list[object]]:
    lines: list[list[object]] = []
    for row in table.rows:
        lines.append([row["label"]] + [row["years"].get(fy, 0) for fy in table.fiscal_years] + [row["total"]])
    lines.append(["合計"] + [table.totals.get(fy, 0) for fy in table.fiscal_years] + [table.grand_total])
    return lines


def exposure_csv(table: ExposureTable, *, first_column: str = "事項") -> bytes:
    """CSV (UTF-8 with BOM so Excel opens Japanese correctly), amounts in yen."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_header(table, first_column))
    writer.writerows(_body(table))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def exposure_xlsx(table: ExposureTable, *, title: str, first_column: str = "事項") -> bytes:
    """An XLSX workbook with one sheet: the table in yen, header and total row in bold."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = "負担額"
    sheet.append([title])
    sheet.append(["（単位：円）"])
    sheet.append(_header(table, first_column))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for line in _body(table):
        sheet.append(line)
    for row in sheet.iter_rows(min_row=4, min_col=2):
        for cell in row:
            cell.number_format = YEN_FORMAT
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 48
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
