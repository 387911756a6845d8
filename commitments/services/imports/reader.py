"""Read an uploaded budget table (CSV in UTF-8 or CP932, TSV, XLSX) into rows of text cells, numbered as in the file."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from typing import Any

from commitments import fiscal

XLSX_MAGIC = b"PK\x03\x04"
ENCODINGS = ("utf-8-sig", "cp932")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
MAX_COLUMNS = 500  # a budget table has about 15 columns; a line with more is not a table
MAX_ROWS = 200_000  # far above any budget book; bounds the memory one upload may take


class ReadError(Exception):
    """The file itself cannot be read (encoding, format); the message is shown to the officer."""


@dataclass(frozen=True)
class SourceRow:
    """One row of the file: its number (1-based, as Excel shows it) and its cells as text."""

    number: int
    cells: tuple[str, ...]

    def cell(self, index: int | None) -> str:
        """The cell at a column index ('' when the row is shorter or the column is absent)."""
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]

    @property
    def is_blank(self) -> bool:
        """True when every cell is empty or whitespace."""
        return not any(cell.strip() for cell in self.cells)

    @property
    def width(self) -> int:
        """Columns up to the last filled cell."""
        return next((i + 1 for i in range(len(self.cells) - 1, -1, -1) if self.cells[i].strip()), 0)


def _looks_utf16(data: bytes) -> bool:
    """A BOM, or NUL bytes in every other place (ASCII text in UTF-16 without a BOM)."""
    head = data[:4096]
    even, odd = head[0::2].count(0), head[1::2].count(0)
    return data.startswith(UTF16_BOMS) or max(even, odd) > max(len(head) // 16, 4 * min(even, odd), 2)


def decode(data: bytes) -> str:
    """Text of a CSV: UTF-8 (with or without BOM), else CP932 (Excel's Japanese default); UTF-16 is named as such."""
    if _looks_utf16(data):
        raise ReadError(
            "UTF-16（Excel の「Unicode テキスト」）のファイルは読めません。UTF-8 または Shift_JIS（CP932）の CSV で"
            "保存し直してください。"
        )
    if b"\x00" not in data:
        for encoding in ENCODINGS:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise ReadError("文字コードを判別できません（UTF-8 または Shift_JIS（CP932）で保存してください）。")


def _cell_text(value: object) -> str:
    """An XLSX cell as the text a person reads in it (integral floats without '.0')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return str(value)


def _read_xlsx(data: bytes) -> list[SourceRow]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return _sheet_rows(workbook.worksheets[0])
        finally:
            workbook.close()
    except ReadError:
        raise
    except Exception as exc:  # zip, zlib, XML and openpyxl's own errors: a broken file raises any of them
        raise ReadError(
            "Excel ファイルを読めません（ファイルが壊れているか、途中までしか保存されていません）。"
            "Excel で開けることを確かめてから .xlsx で保存し直してください。"
        ) from exc


def _sheet_rows(sheet: Any) -> list[SourceRow]:
    """The sheet's rows as text, trailing empty cells dropped; too many rows or columns are refused as they come."""
    rows: list[SourceRow] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > MAX_ROWS:
            raise ReadError(f"行が多すぎます（{MAX_ROWS:,}行まで）。ファイルを分けて取り込んでください。")
        width = len(values)
        while width and values[width - 1] in (None, ""):
            width -= 1
        if width > MAX_COLUMNS:
            raise ReadError(f"{number}行目の列が多すぎます（{width:,}列、{MAX_COLUMNS}列まで）。")
        rows.append(SourceRow(number, tuple(_cell_text(value) for value in values[:width])))
    return rows


def _delimiter(text: str) -> str:
    """Tab for text copied out of a PDF or a spreadsheet (no comma in its first lines), else comma."""
    head = text[:4096]
    return "\t" if "\t" in head and head.count("\t") > head.count(",") else ","


def _check_size(text: str, delimiter: str) -> None:
    """Refuse a text with too many lines, or a line with too many delimiters, before the CSV parser builds its cells."""
    if text.count("\n") > MAX_ROWS:
        raise ReadError(f"行が多すぎます（{MAX_ROWS:,}行まで）。ファイルを分けて取り込んでください。")
    for number, line in enumerate(text.split("\n"), start=1):
        count = line.count(delimiter)
        if count >= MAX_COLUMNS:
            raise ReadError(f"{number}行目の列が多すぎます（{count + 1:,}列、{MAX_COLUMNS}列まで）。")


def csv_records(text: str, delimiter: str = ",") -> list[list[str]]:
    """Every record of a CSV text; too many rows or columns, a cell past the parser's limit or a broken quote raise
    ReadError naming the row (the record's number, as a spreadsheet shows it)."""
    _check_size(text, delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    try:
        for record in reader:
            if len(record) > MAX_COLUMNS:
                raise ReadError(f"{len(records) + 1}行目の列が多すぎます（{len(record):,}列、{MAX_COLUMNS}列まで）。")
            records.append(record)
    except csv.Error as exc:
        start = len(records) + 1
        if "field larger than field limit" in str(exc):
            raise ReadError(
                f"{start}行目から始まるセルが長すぎます（{csv.field_size_limit():,}字まで）。"
                '引用符「"」の閉じ忘れがないかも確かめてください。'
            ) from exc
        raise ReadError(f'{start}行目を CSV として読めません（引用符「"」の使い方を確かめてください）。') from exc
    return records


def _read_csv(data: bytes) -> list[SourceRow]:
    text = decode(data)
    records = csv_records(text, _delimiter(text))
    return [SourceRow(number, tuple(record)) for number, record in enumerate(records, start=1)]


def read_rows(data: bytes, file_name: str = "") -> list[SourceRow]:
    """Every row of the file's first sheet (XLSX) or of the CSV/TSV, numbered from 1."""
    if not data:
        raise ReadError("ファイルが空です。")
    if data.startswith(XLSX_MAGIC) or file_name.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    if file_name.lower().endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReadError("古い Excel 形式（.xls）は読めません。.xlsx または CSV で保存してください。")
    return _read_csv(data)


def unit_in(text: str) -> str | None:
    """The unit a caption names, e.g. 「（単位：千円）」 → 千円; None when the text names none."""
    normalized = fiscal.normalize_text(text)
    if "単位" not in normalized:
        return None
    for unit in sorted(fiscal.UNITS, key=len, reverse=True):
        if unit in normalized.split("単位", 1)[1]:
            return unit
    return None
