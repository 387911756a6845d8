"""The description of a download: an `ExportTable` (columns, unit, header, rows, totals, notes) that both writers read.

A table's columns have a kind (text, amount in yen, integer, percent, date), an optional multi-row header
(`HeaderCell`s laid out like HTML `colspan`/`rowspan`); rows are consumed lazily from any iterable (a queryset's
`.iterator()` keeps memory bounded); the totals rows are written in bold. Amounts are given in yen and written in
the table's unit (円/千円/百万円) as whole numbers, each cell rounded on its own (fiscal.to_unit, 四捨五入); text a
spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import translation

from commitments import fiscal
from commitments.vocabulary import DEFAULT_UNIT, rounding_note

# A spreadsheet evaluates a text cell starting with one of these as a formula (or a DDE payload).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
KINDS = ("text", "amount", "integer", "percent", "date")


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
class ExportTable:
    """A table to download: columns, unit, header, rows (any iterable; amounts in yen), totals and notes."""

    title: str  # the worksheet's name
    heading: str  # workbook only, like notes and trailer: a CSV holds the header, the rows and the footer
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]  # a generator keeps memory bounded
    unit: str = DEFAULT_UNIT  # of every amount column
    notes: Sequence[str] = ()  # lines under the heading
    header: Sequence[Sequence[HeaderCell]] = ()  # a multi-row header; by default one row of the column labels
    footer: Sequence[Sequence[Any]] = ()  # the totals rows, in bold
    trailer: Sequence[str] = ()  # lines under the table
    unit_in_csv_header: bool = True  # 限度額（千円）; off for the 調書, which keeps the Fuji CSV's labels
    landscape: bool = True

    @property
    def rounding_note(self) -> str:
        """「単位未満四捨五入…」 when totals stand under amounts shown in a rounded unit (千円, 百万円); else ''.

        Every writer prints it under the table (the CSV as its last line)."""
        note = rounding_note(self.unit)
        if note is None or not self.footer or not any(c.kind == "amount" for c in self.columns):
            return ""
        with translation.override("ja"):
            return f"※{note}"

    def header_rows(self) -> list[list[HeaderCell]]:
        """The header as rows of cells: the given multi-row header, or one row of the column labels."""
        if self.header:
            return [list(row) for row in self.header]
        return [[HeaderCell(c.label) for c in self.columns]]


Sheet = ExportTable  # the name the benchmarks (devtools) use


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


def flat_labels(table: ExportTable) -> list[str]:
    """One label per column: the labels of the header cells above it joined with `_` (as the Fuji CSVs do)."""
    width = len(table.columns)
    chains: list[list[str]] = [[] for _ in range(width)]
    for line in header_layout(table.header_rows(), width):
        for cell, _row, col in line:
            for c in range(col, col + cell.colspan):
                if cell.label and (not chains[c] or chains[c][-1] != cell.label):
                    chains[c].append(cell.label)
    labels = []
    for column, chain in zip(table.columns, chains, strict=True):
        label = "_".join(chain) or column.label
        if column.kind == "amount" and table.unit_in_csv_header:
            label += f"（{table.unit}）"
        labels.append(label)
    return labels


def cell_value(column: Column, value: Any, unit: str) -> Any:
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
