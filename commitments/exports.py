"""Exports: streaming CSV (UTF-8 with BOM) and XLSX (openpyxl write-only) of any table, formula injection defused.

A table is a `Sheet`: columns with a kind (text, amount in yen, integer, percent, date), an optional multi-row
header (`HeaderCell`s laid out like HTML `colspan`/`rowspan`), rows consumed lazily from any iterable (a
queryset's `.iterator()` keeps memory bounded), footer rows in bold and notes. Amounts are given in yen and written
in the sheet's unit (円/千円/百万円) as whole numbers. `csv_response` streams row by row; `xlsx_response` writes a
write-only workbook into a temporary file and streams that file.
"""

from __future__ import annotations

import csv
import datetime
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from commitments import fiscal
from commitments.selectors import ChoushoReport, ChoushoRow, ExceptionsReport, ExposureTable, chousho, wareki_day

YEN_FORMAT = "#,##0;[Red]-#,##0"
AMOUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0"
DATE_FORMAT = "yyyy-mm-dd"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"

# A spreadsheet evaluates a text cell starting with one of these as a formula (or a DDE payload).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
KINDS = ("text", "amount", "integer", "percent", "date")
_INVALID_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
_HEADER_FILL = PatternFill("solid", fgColor="E8EEF6")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FORMATS = {"amount": AMOUNT_FORMAT, "integer": "0", "percent": PERCENT_FORMAT, "date": DATE_FORMAT}
_DEFAULT_WIDTHS = {"text": 24.0, "amount": 14.0, "integer": 8.0, "percent": 8.0, "date": 12.0}


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading `'`; anything else is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    """One column: its label (the leaf header), what its values are, and an optional XLSX width."""

    label: str
    kind: str = "text"
    width: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}; choose from {', '.join(KINDS)}")


@dataclass(frozen=True)
class HeaderCell:
    """One cell of a multi-row header, placed like an HTML <th colspan rowspan>."""

    label: str
    colspan: int = 1
    rowspan: int = 1


@dataclass
class Sheet:
    """A table to export. `rows` may be any iterable (a generator keeps memory bounded); amounts are in yen."""

    title: str
    heading: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    unit: str = "千円"
    notes: Sequence[str] = ()
    header: Sequence[Sequence[HeaderCell]] = ()
    footer: Sequence[Sequence[Any]] = ()
    trailer: Sequence[str] = ()
    unit_in_csv_header: bool = True
    landscape: bool = True

    def header_rows(self) -> list[list[HeaderCell]]:
        """The header as rows of cells: the given multi-row header, or one row of the column labels."""
        if self.header:
            return [list(row) for row in self.header]
        return [[HeaderCell(c.label) for c in self.columns]]


def header_layout(rows: Sequence[Sequence[HeaderCell]], width: int) -> list[list[tuple[HeaderCell, int, int]]]:
    """Place header cells on a grid: for each header row, (cell, row index, first column index) of its cells."""
    taken: set[tuple[int, int]] = set()
    placed: list[list[tuple[HeaderCell, int, int]]] = []
    for r, row in enumerate(rows):
        col = 0
        line: list[tuple[HeaderCell, int, int]] = []
        for cell in row:
            while (r, col) in taken:
                col += 1
            if col + cell.colspan > width:
                raise ValueError(f"header row {r + 1} is wider than the {width} columns")
            line.append((cell, r, col))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, col + dc))
            col += cell.colspan
        placed.append(line)
    return placed


def flat_labels(sheet: Sheet) -> list[str]:
    """One label per column: the labels of the header cells above it joined with `_` (as the Fuji CSVs do)."""
    width = len(sheet.columns)
    chains: list[list[str]] = [[] for _ in range(width)]
    for line in header_layout(sheet.header_rows(), width):
        for cell, _row, col in line:
            for c in range(col, col + cell.colspan):
                if cell.label and (not chains[c] or chains[c][-1] != cell.label):
                    chains[c].append(cell.label)
    labels = []
    for column, chain in zip(sheet.columns, chains, strict=True):
        label = "_".join(chain) or column.label
        if column.kind == "amount" and sheet.unit_in_csv_header:
            label += f"（{sheet.unit}）"
        labels.append(label)
    return labels


def _value(column: Column, value: Any, unit: str) -> Any:
    """A cell's value as exported: amounts converted from yen to the unit, text neutralised, None left empty."""
    if value is None:
        return None
    if isinstance(value, str):
        return neutralise(value)
    if column.kind == "amount":
        return fiscal.to_unit(int(value), unit)
    if column.kind == "integer":
        return int(value)
    if column.kind == "percent":
        return float(value) if isinstance(value, Decimal) else value
    if column.kind == "date" and isinstance(value, datetime.date):
        return value
    return value


class _Echo:
    """A file-like object whose write returns what it is given, so csv.writer yields lines (Django's recipe)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(sheet: Sheet) -> Iterator[bytes]:
    """The sheet as CSV, line by line, UTF-8 with a BOM (Excel then opens Japanese text correctly)."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")

    def encode(values: Sequence[Any]) -> bytes:
        cells = []
        for column, value in zip(sheet.columns, values, strict=False):
            cell = _value(column, value, sheet.unit)
            cells.append("" if cell is None else cell.isoformat() if isinstance(cell, datetime.date) else cell)
        return writer.writerow(cells).encode("utf-8")

    yield (BOM + writer.writerow([neutralise(label) for label in flat_labels(sheet)])).encode("utf-8")
    for row in sheet.rows:
        yield encode(row)
    for row in sheet.footer:
        yield encode(row)


def csv_bytes(sheet: Sheet) -> bytes:
    """The whole CSV at once (for commands and tests)."""
    return b"".join(csv_lines(sheet))


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
    exported = _value(column, value, unit)
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


def _write_sheet(workbook: Workbook, sheet: Sheet) -> None:
    ws = workbook.create_sheet(title=sheet_title(sheet.title))
    width = len(sheet.columns)
    header = sheet.header_rows()
    first_header_row = 2 + len(sheet.notes) + 1  # title, notes, one blank line
    first_data_row = first_header_row + len(header)
    # Write-only sheets take widths, panes and page set-up before the first row is written.
    for index, column in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width or _DEFAULT_WIDTHS[column.kind]
    ws.freeze_panes = f"A{first_data_row}"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if sheet.landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{first_header_row}:{first_data_row - 1}"

    ws.append([_styled(ws, neutralise(sheet.heading), bold=True, size=14)])
    for note in sheet.notes:
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
    for row in sheet.rows:
        ws.append([_data_cell(ws, c, v, sheet.unit) for c, v in zip(sheet.columns, row, strict=False)])
    for row in sheet.footer:
        ws.append([_data_cell(ws, c, v, sheet.unit, bold=True) for c, v in zip(sheet.columns, row, strict=False)])
    if sheet.trailer:
        ws.append([])
        for note in sheet.trailer:
            ws.append([_styled(ws, neutralise(note))])


def sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return (title.translate(_INVALID_SHEET_CHARS).strip("'") or "Sheet")[:31]


def write_xlsx(sheets: Iterable[Sheet], target: str | IO[bytes]) -> None:
    """Write the sheets to a path or binary file with openpyxl's write-only workbook (rows are not kept)."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(workbook, sheet)
    workbook.save(target)


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """The workbook as bytes (for commands and tests; pages use xlsx_response)."""
    buffer = io.BytesIO()
    write_xlsx(sheets, buffer)
    return buffer.getvalue()


def xlsx_response(sheets: Iterable[Sheet], filename: str) -> FileResponse:
    """A download of the workbook, written to a temporary file first and streamed from it in blocks."""
    handle = tempfile.TemporaryFile()  # removed when FileResponse closes it
    try:
        write_xlsx(sheets, handle)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def csv_response(sheet: Sheet, filename: str) -> StreamingHttpResponse:
    """A streamed CSV download (UTF-8 with BOM), written as the rows are read."""
    response = StreamingHttpResponse(csv_lines(sheet), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# The exposure table (kept for the exposure page and the e-mail reports).


def _header(table: ExposureTable, first: str) -> list[str]:
    return [first] + [fiscal.format_fiscal_year(fy) for fy in table.fiscal_years] + ["合計"]


def _body(table: ExposureTable) -> list[list[object]]:
    lines: list[list[object]] = []
    for row in table.rows:
        lines.append(
            [neutralise(row["label"])] + [row["years"].get(fy, 0) for fy in table.fiscal_years] + [row["total"]]
        )
    lines.append(["合計"] + [table.totals.get(fy, 0) for fy in table.fiscal_years] + [table.grand_total])
    return lines


def exposure_csv(table: ExposureTable, *, first_column: str = "事項") -> bytes:
    """CSV (UTF-8 with BOM so Excel opens Japanese correctly), amounts in yen."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_header(table, first_column))
    writer.writerows(_body(table))
    return (BOM + buffer.getvalue()).encode("utf-8")


def exposure_xlsx(table: ExposureTable, *, title: str, first_column: str = "事項") -> bytes:
    """An XLSX workbook with one sheet: the table in yen, header and total row in bold."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = "負担額"
    sheet.append([neutralise(title)])
    sheet.append(["（単位：円）"])
    sheet.append(_header(table, first_column))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for line in _body(table):
        sheet.append(line)
    for row in sheet.iter_rows(min_row=4, min_col=2):
        for cell in row:
            cell.number_format = YEN_FORMAT
    for row in sheet.iter_rows(min_row=4, max_col=1):
        for cell in row:
            cell.data_type = "s"
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "B4"
    sheet.column_dimensions["A"].width = 48
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# The 調書 and the exceptions (pages, the chousho command).


def chousho_header(report: ChoushoReport, *, style: str = "wareki") -> list[list[HeaderCell]]:
    """The statutory header: 事項, 限度額, spent (期間, 金額), planned (期間, 金額), 財源内訳 (特定財源 …, 一般財源)."""
    specific = report.specific_columns
    general = report.general_column
    unset = report.unset_column
    funding_width = len(report.columns)
    top = [
        HeaderCell("事項", rowspan=3),
        HeaderCell("限度額", rowspan=3),
        HeaderCell(chousho.spent_header(report.budget_year, style=style), colspan=2),
        HeaderCell(chousho.planned_header(report.budget_year, style=style), colspan=2),
    ]
    middle = [HeaderCell("期間", rowspan=2), HeaderCell("金額", rowspan=2)] * 2
    bottom: list[HeaderCell] = []
    if funding_width:
        top.append(HeaderCell("財源内訳", colspan=funding_width))
        if specific:
            middle.append(HeaderCell("特定財源", colspan=len(specific)))
            bottom.extend(HeaderCell(c.name) for c in specific)
        if general is not None:
            if general.name == "一般財源":
                middle.append(HeaderCell("一般財源", rowspan=2))
            else:
                middle.append(HeaderCell("一般財源"))
                bottom.append(HeaderCell(general.name))
        if unset is not None:
            middle.append(HeaderCell(unset.name, rowspan=2))
    top.extend([HeaderCell("照合差額", rowspan=3), HeaderCell("備考", rowspan=3)])
    return [top, middle, bottom]


def chousho_columns(report: ChoushoReport) -> list[Column]:
    """The leaf columns, in the header's order."""
    return [
        Column("事項", width=40),
        Column("限度額", "amount"),
        Column("期間", width=16),
        Column("金額", "amount"),
        Column("期間", width=16),
        Column("金額", "amount"),
        *[Column(c.name, "amount") for c in report.columns],
        Column("照合差額", "amount"),
        Column("備考", width=30),
    ]


def chousho_remarks(row: ChoushoRow) -> str:
    """What an auditor must know about a row: text limit, untied, how the funding was found, lapsed/abolished, or
    not yet approved (a draft's commitment entered for its year)."""
    notes: list[str] = []
    if row.is_text_limit:
        notes.append("限度額は文言（合計に含めず）")
    if not row.ties:
        notes.append("限度額と支出額・支出予定額の計が不一致")
    if row.funding_basis == "scaled":
        notes.append(f"財源内訳は{fiscal.format_fiscal_year(row.funding_year or 0)}の内訳を按分")
    elif row.funding_basis == "unset":
        notes.append("財源内訳未設定")
    if row.funding_difference_yen:
        notes.append("財源内訳の計が支出予定額と不一致")
    if row.status in ("lapsed", "abolished", "completed", "draft", "submitted"):
        labels = {"lapsed": "失効", "abolished": "廃止", "completed": "完了", "draft": "未承認", "submitted": "未承認"}
        notes.append(labels[row.status])
    return "・".join(notes)


@dataclass(frozen=True)
class ChoushoLine:
    """One row as printed: periods in the book's style, amounts in yen (None where the book leaves a blank)."""

    matter: str
    limit: int | str | None
    spent_period: str | None
    spent: int | None
    planned_period: str
    planned: int
    funding: list[int | None]
    difference: int
    remarks: str

    def cells(self) -> list[Any]:
        """The cells in column order."""
        return [
            self.matter,
            self.limit,
            self.spent_period,
            self.spent,
            self.planned_period,
            self.planned,
            *self.funding,
            self.difference,
            self.remarks,
        ]


def chousho_line(row: ChoushoRow, report: ChoushoReport, *, style: str = "wareki") -> ChoushoLine:
    """One row of the 調書 as the page and the exports show it (text where the book prints text)."""
    y = report.budget_year
    spent_period = row.spent_period
    return ChoushoLine(
        matter=row.matter,
        limit=row.limit_text if row.is_text_limit else row.limit_yen,
        spent_period=chousho.book_span(*spent_period, y, style=style) if spent_period else None,
        spent=row.spent_yen if spent_period or row.spent_yen else None,
        planned_period=chousho.book_span(*row.planned_period, y, style=style),
        planned=row.planned_yen,
        funding=[row.funding.get(c.key) or None for c in report.columns],
        difference=row.difference_yen,
        remarks=chousho_remarks(row),
    )


def chousho_cells(row: ChoushoRow, report: ChoushoReport, *, style: str = "wareki") -> list[Any]:
    """One row's cells in column order."""
    return chousho_line(row, report, style=style).cells()


def chousho_trailer(report: ChoushoReport, *, unit: str) -> list[str]:
    """The tie-out line and the notes printed under the table."""
    totals = report.totals
    lines = [
        "照合：限度額 {limit} ＝ 支出(見込)額 {spent} ＋ 支出予定額 {planned} ＋ 差額 {diff}（{unit}）".format(
            limit=fiscal.format_amount(totals["limit_yen"], unit=unit),
            spent=fiscal.format_amount(totals["spent_yen"], unit=unit),
            planned=fiscal.format_amount(totals["planned_yen"], unit=unit),
            diff=fiscal.format_amount(totals["difference_yen"], unit=unit),
            unit=unit,
        ),
        f"一致しない行：{len(report.untied_rows)}件" if report.untied_rows else f"全{len(report.rows)}件で一致",
    ]
    for row in report.untied_rows:
        lines.append(f"　{row.matter}：差額 {fiscal.format_amount(row.difference_yen, unit=unit)}")
    for row in report.text_limit_rows:
        estimate = (
            f"（見込額 {fiscal.format_amount(row.estimated_limit_yen, unit=unit)}）" if row.estimated_limit_yen else ""
        )
        lines.append(f"※限度額が文言：{row.matter}「{row.limit_text}」{estimate} は合計に含めていません。")
    if report.stale_count:
        lines.append(f"※推計未更新の債務負担行為が{report.stale_count}件あります（反映後に再出力してください）。")
    return lines


def chousho_as_of_line(report: ChoushoReport) -> str:
    """The line under a download's table saying whose books it shows: the 基準日 and the point of view."""
    day = wareki_day(report.as_of) if report.as_of else ""
    year = fiscal.format_fiscal_year(report.budget_year)
    views = {
        "budget": f"{year}予算の時点：前年度末までの支出額と、当該年度の権限を含む当該年度以降の支出予定額",
        "draft": f"見込：{year}予算の調書案（現在の帳簿から作成）。"
        "支出(見込)額は現在までの支出額と3月31日までの支払予定額",
        "day": "その日の終了時点の記録から計算",
        "current": "現在の推計",
    }
    return f"基準日：{day}（{views[report.view]}）"


def chousho_sheet(report: ChoushoReport, *, unit: str = "千円", style: str = "wareki") -> Sheet:
    """The 調書 as a Sheet (same columns and header as the page); a draft's heading says 見込."""
    totals = report.totals
    year = fiscal.format_fiscal_year(report.budget_year, style="seireki" if style == "seireki" else "wareki")
    footer = [
        "合計",
        totals["limit_yen"],
        None,
        totals["spent_yen"],
        None,
        totals["planned_yen"],
        *[totals["funding_yen"][c.key] for c in report.columns],
        totals["difference_yen"],
        "",
    ]
    return Sheet(
        title=f"調書 {year}",
        heading=chousho.TITLE,
        columns=chousho_columns(report),
        header=chousho_header(report, style=style),
        rows=(chousho_cells(row, report, style=style) for row in report.rows),
        footer=[footer],
        unit=unit,
        notes=[f"{report.organization.name}　{year}予算{'（見込）' if report.is_draft else ''}", f"（単位：{unit}）"],
        trailer=[*chousho_trailer(report, unit=unit), chousho_as_of_line(report)],
        unit_in_csv_header=False,
    )


def exceptions_sheets(report: ExceptionsReport, *, unit: str = "千円") -> list[Sheet]:
    """One sheet per exception section."""
    notes = [f"{report.organization.name}　基準日 {report.today.isoformat()}", f"（金額の単位：{unit}）"]
    return [
        Sheet(
            title=section.title,
            heading=f"債務負担行為 例外一覧：{section.title}（{section.count}件）",
            columns=[Column(c.label, c.kind, width=40 if c.label == "事項" else None) for c in section.columns],
            rows=(r.cells for r in section.rows),
            unit=unit,
            notes=[*notes, section.note],
        )
        for section in report.sections
    ]


def exceptions_flat_sheet(report: ExceptionsReport, *, unit: str = "千円") -> Sheet:
    """All sections in one table (for CSV): a 区分 column, then the union of the sections' columns."""
    columns: list[Column] = [Column("区分")]
    index: dict[tuple[str, str], int] = {}
    for section in report.sections:
        for c in section.columns:
            if (c.label, c.kind) not in index:
                index[(c.label, c.kind)] = len(columns)
                columns.append(Column(c.label, c.kind))

    def rows() -> Iterator[list[Any]]:
        for section in report.sections:
            positions = [index[(c.label, c.kind)] for c in section.columns]
            for r in section.rows:
                line: list[Any] = [None] * len(columns)
                line[0] = section.title
                for position, value in zip(positions, r.cells, strict=True):
                    line[position] = value
                yield line

    return Sheet(title="例外一覧", heading="債務負担行為 例外一覧", columns=columns, rows=rows(), unit=unit)
