"""The exceptions as downloads: one sheet per section (XLSX), or one table with a 区分 column (CSV)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from commitments.exports.table import Column, ExportTable
from commitments.selectors import ExceptionsReport
from commitments.vocabulary import DEFAULT_UNIT


def exceptions_sheets(report: ExceptionsReport, *, unit: str = DEFAULT_UNIT) -> list[ExportTable]:
    """One sheet per exception section."""
    notes = [f"{report.organization.name}　基準日 {report.today.isoformat()}", f"（金額の単位：{unit}）"]
    return [
        ExportTable(
            title=section.title,
            heading=f"債務負担行為 例外一覧：{section.title}（{section.count}件）",
            columns=[Column(c.label, c.kind, width=40 if c.label == "事項" else None) for c in section.columns],
            rows=(r.cells for r in section.rows),
            unit=unit,
            notes=[*notes, section.note],
        )
        for section in report.sections
    ]


def exceptions_flat_sheet(report: ExceptionsReport, *, unit: str = DEFAULT_UNIT) -> ExportTable:
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

    return ExportTable(title="例外一覧", heading="債務負担行為 例外一覧", columns=columns, rows=rows(), unit=unit)
