"""Read an uploaded budget table (CSV in UTF-8 or CP932, TSV, XLSX) into rows of text cells, numbered as in the file."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass

from commitments import fiscal

XLSX_MAGIC = b"PK\x03\x04"
ENCODINGS = ("utf-8-sig", "cp932")


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


def decode(data: bytes) -> str:
    """Text of a CSV: UTF-8 (with or without BOM), else CP932 (Excel's Japanese default)."""
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
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReadError(f"Excel ファイルを読めません: {exc}") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = [
            SourceRow(number, tuple(_cell_text(value) for value in values))
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()
    return rows


def _delimiter(text: str) -> str:
    """Tab for text copied out of a PDF or a spreadsheet (no comma in its first lines), else comma."""
    head = text[:4096]
    return "\t" if "\t" in head and head.count("\t") > head.count(",") else ","


def _read_csv(data: bytes) -> list[SourceRow]:
    text = decode(data)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as exc:
        raise ReadError(f"CSV を読めません: {exc}") from exc
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
