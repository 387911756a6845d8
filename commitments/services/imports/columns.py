"""Recognise a budget table by its header: the seed/J-LIS table, the 第２表 or the 調書, and where each column is."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from commitments import fiscal
from commitments.services.imports.reader import ReadError, SourceRow, unit_in

HEADER_SCAN_ROWS = 30
MAX_HEADER_ROWS = 3


class Format(StrEnum):
    """The three tables a budget book prints its commitments in."""

    SEED = "seed"  # 事項・限度額・行為年度・(機構の)負担となる年度 (J-LIS and bodies like it)
    DAI2HYO = "dai2hyo"  # 第２表 債務負担行為: 事項・期間・限度額 (行為年度 = the budget year)
    CHOUSHO = "chousho"  # 調書: 限度額, spent to the end of last year, planned from this year, 財源内訳


FORMAT_LABELS = {
    Format.SEED: "債務負担行為の事項・限度額・行為年度・負担年度の表",
    Format.DAI2HYO: "第２表 債務負担行為",
    Format.CHOUSHO: "債務負担行為に関する調書",
}


@dataclass
class Layout:
    """Where each column is (0-based), the funding sources in print order and the years the 調書 headers name."""

    format: Format
    header_rows: list[int]
    columns: dict[str, int]
    names: dict[str, str]
    funding: list[tuple[str, int]] = field(default_factory=list)
    spent_until_text: str = ""  # 「７年度末」, 「前年度末」
    planned_from_text: str = ""  # 「８年度以降」, 「当該年度以降」
    unit: str | None = None
    ignored: list[str] = field(default_factory=list)

    def name(self, key: str) -> str:
        """The column's header as printed (for error messages)."""
        return self.names.get(key, key)


_SPENT_RE = re.compile(r"(?P<year>.*?)年度末までの支出")
_PLANNED_RE = re.compile(r"(?P<year>.*?)年度以降の支出予定")
_SEQ_NAMES = {"一連番号", "行番号", "番号", "NO", "NO.", "№", "連番"}
_SPAN_NAMES = {"期間", "負担年度", "債務負担の期間", "債務負担期間", "負担期間"}
_SEGMENT_NAMES = {"事業区分", "会計", "会計区分", "区分", "セグメント"}
_FUNDING_PREFIXES = ("財源内訳", "財源")


def _key(name: str) -> str | None:
    """The canonical key of a normalised header name, or None for a column the importer does not read."""
    if "印刷" in name or not name:
        return None
    if _SPENT_RE.search(name) or name.startswith("前年度末までの支出"):
        return "spent_span" if name.endswith("期間") else "spent_amount"
    if _PLANNED_RE.search(name):
        return "planned_span" if name.endswith("期間") else "planned_amount"
    if name.startswith(_FUNDING_PREFIXES):
        return "funding"
    if name.upper() in _SEQ_NAMES:
        return "seq"
    if name.startswith("事項"):
        return "matter"
    if name.startswith("限度額"):
        return "limit"
    if "行為年度" in name:
        return "authorized_fy"
    if name in _SPAN_NAMES or name.endswith(("となる年度", "負担年度")):
        return "span"
    if name in _SEGMENT_NAMES:
        return "segment"
    return None


def _is_header(row: SourceRow) -> bool:
    names = [fiscal.normalize_text(cell) for cell in row.cells]
    return any(name.startswith("事項") for name in names) and any(name.startswith("限度額") for name in names)


def _is_subheader(row: SourceRow, matter_index: int) -> bool:
    """A second header line under merged cells: names like 期間/金額/国県支出金, nothing under 事項, no figures."""
    if row.cell(matter_index).strip() or row.is_blank:
        return False
    return not any(re.search(r"\d", fiscal.normalize_text(cell)) for cell in row.cells)


def _combine(rows: Sequence[SourceRow]) -> list[str]:
    """Header names of a one- to three-line header: merged parents carried right, joined with '_'."""
    width = max(len(row.cells) for row in rows)
    names = [""] * width
    for depth, row in enumerate(rows):
        carried = ""
        for index in range(width):
            cell = fiscal.normalize_text(row.cell(index))
            below = any(fiscal.normalize_text(lower.cell(index)) for lower in rows[depth + 1 :])
            if cell:
                carried = cell
            elif depth < len(rows) - 1 and below and carried:
                cell = carried  # a merged parent cell spans this column
            if cell:
                names[index] = f"{names[index]}_{cell}" if names[index] else cell
    return names


def _funding_name(name: str) -> str:
    """The source as the book prints it: the last part of 財源内訳_特定財源_国県支出金 → 国県支出金."""
    return name.rsplit("_", 1)[-1]


def detect(rows: Sequence[SourceRow]) -> Layout:
    """Find the header row(s) and the format; raise ReadError naming the columns that are missing."""
    start = next((i for i, row in enumerate(rows[:HEADER_SCAN_ROWS]) if _is_header(row)), None)
    if start is None:
        raise ReadError("見出し行（「事項」と「限度額」を含む行）が見つかりません。")
    unit = next((u for row in rows[:start] for cell in row.cells if (u := unit_in(cell))), None)
    matter_index = next(i for i, c in enumerate(rows[start].cells) if fiscal.normalize_text(c).startswith("事項"))
    end = start + 1
    while end < len(rows) and end - start < MAX_HEADER_ROWS and _is_subheader(rows[end], matter_index):
        end += 1
    header = rows[start:end]
    columns: dict[str, int] = {}
    names: dict[str, str] = {}
    funding: list[tuple[str, int]] = []
    ignored: list[str] = []
    spent_text = planned_text = ""
    for index, name in enumerate(_combine(header)):
        key = _key(name)
        unit = unit or (unit_in(name) if key in ("limit", "spent_amount", "planned_amount") else None)
        if key == "funding":
            funding.append((_funding_name(name), index))
            continue
        if key is None or key in columns:
            if name:
                ignored.append(name)
            continue
        columns[key], names[key] = index, name
        if match := _SPENT_RE.search(name):
            spent_text = match["year"] or spent_text
        if match := _PLANNED_RE.search(name):
            planned_text = match["year"] or planned_text
    if "planned_amount" in columns or "spent_amount" in columns:
        kind, required = Format.CHOUSHO, ("matter", "limit", "planned_span", "planned_amount")
    elif "authorized_fy" in columns:
        kind, required = Format.SEED, ("matter", "limit", "authorized_fy", "span")
    else:
        kind, required = Format.DAI2HYO, ("matter", "limit", "span")
    missing = [key for key in required if key not in columns]
    if missing:
        labels = {
            "span": "期間（負担年度）",
            "planned_span": "支出予定額の期間",
            "planned_amount": "支出予定額",
            "authorized_fy": "行為年度",
        }
        raise ReadError(
            f"{FORMAT_LABELS[kind]}の見出しに {'、'.join(labels.get(k, k) for k in missing)} がありません"
            f"（{rows[start].number}行目）。"
        )
    return Layout(
        format=kind,
        header_rows=[row.number for row in header],
        columns=columns,
        names=names,
        funding=funding,
        spent_until_text=spent_text,
        planned_from_text=planned_text,
        unit=unit,
        ignored=ignored,
    )
