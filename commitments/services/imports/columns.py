"""Recognise a budget table by its header: the seed/J-LIS table, the 第２表 or the 調書, and where each column is.

A column the importer does not read is listed (「列『…』は読み取りませんでした」); a funding column it cannot read
refuses the file, so a 財源内訳 is never imported without some of its columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from commitments.services.imports import header as headers
from commitments.services.imports.reader import ReadError, SourceRow, unit_in

HEADER_SCAN_ROWS = 30
MAX_HEADER_ROWS = headers.MAX_HEADER_ROWS
OVERHEADER_MAX = 24  # a heading over columns is short; a title above the table (also naming 支出予定額) is long
UNSET_SOURCE = "未設定"  # the 調書's column of amounts with no source: read and checked, never stored as a source


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
    """Where each column is (0-based), the funding sources and per-year columns in print order, what is not read."""

    format: Format
    header_rows: list[int]
    columns: dict[str, int]
    names: dict[str, str]
    funding: list[tuple[str, int]] = field(default_factory=list)
    years: list[tuple[str, int]] = field(default_factory=list)  # per-year amounts: (header as printed, index)
    spent_until_text: str = ""  # 「７年度末」, 「前年度末」
    planned_from_text: str = ""  # 「８年度以降」, 「当該年度以降」
    unit: str | None = None
    ignored: list[str] = field(default_factory=list)
    unnamed: list[tuple[int, str, bool]] = field(default_factory=list)  # (index, column to its left, that is funding)

    def name(self, key: str) -> str:
        """The column's header as printed (for error messages)."""
        return self.names.get(key, key)

    @property
    def notices(self) -> list[str]:
        """One line per header cell the importer does not read."""
        return [f"列『{name}』は読み取りませんでした" for name in self.ignored]


def _is_header(row: SourceRow) -> bool:
    names = [headers.norm(cell) for cell in row.cells]
    return any(name.startswith("事項") for name in names) and any(
        name.startswith("限度額") or name in headers.YEAR_GROUPS for name in names
    )


def _is_subheader(row: SourceRow, matter_index: int) -> bool:
    """A header line under merged cells: names like 期間/金額/国県支出金/９年度, nothing under 事項, no figures."""
    if row.cell(matter_index).strip() or row.is_blank or (headers.is_title_or_caption(row) and _unit_only(row)):
        return False
    return not any(headers.looks_like_amount(cell) for cell in row.cells if cell.strip())


def _unit_only(row: SourceRow) -> bool:
    return any("単位" in cell for cell in row.cells)


def _is_overheader(row: SourceRow, matter_index: int) -> bool:
    """A header line printed above 「事項」: only headings over other columns (「左の財源内訳」 over its sources)."""
    filled = [(i, headers.norm(cell)) for i, cell in enumerate(row.cells) if cell.strip()]
    return bool(filled) and all(
        i > matter_index and len(name) <= OVERHEADER_MAX and headers.is_group_word(name) for i, name in filled
    )


def _header_rows(rows: Sequence[SourceRow]) -> tuple[int, int, int]:
    """(first header line, line after the header, index of 事項) as positions in rows."""
    found = next((i for i, row in enumerate(rows[:HEADER_SCAN_ROWS]) if _is_header(row)), None)
    if found is None:
        raise ReadError("見出し行（「事項」と「限度額」を含む行）が見つかりません。")
    matter_index = next(i for i, c in enumerate(rows[found].cells) if headers.norm(c).startswith("事項"))
    start = found
    while start > 0 and found - start + 1 < MAX_HEADER_ROWS and _is_overheader(rows[start - 1], matter_index):
        start -= 1
    end = found + 1
    while end < len(rows) and end - start < MAX_HEADER_ROWS and _is_subheader(rows[end], matter_index):
        end += 1
    return start, end, matter_index


def _refuse_funding(unreadable: list[headers.Column], line: int) -> None:
    if unreadable:
        names = "、".join(f"『{c.name}』" for c in unreadable)
        raise ReadError(
            f"財源内訳の列 {names} がどの財源か読み取れません（{line}行目の見出し）。財源内訳なしに取り込むことは"
            "しません。見出しに財源の名称（国県支出金、地方債、その他、一般財源など）が一度ずつあるか確かめてください。"
        )


def _refuse_funding_outside_chousho(funding: list[tuple[str, int]], kind: Format, line: int) -> None:
    if funding:
        names = "、".join(f"『{name}』" for name, _index in funding)
        raise ReadError(
            f"財源内訳の列 {names} がありますが、支出予定額の列がないため{FORMAT_LABELS[kind]}として読みました"
            f"（{line}行目の見出し）。財源内訳なしに取り込むことはしません。調書として取り込むには"
            "「○年度以降の支出予定額」の期間と金額の列が必要です。"
        )


def detect(rows: Sequence[SourceRow]) -> Layout:
    """Find the header row(s) and the format; raise ReadError naming the columns that are missing or unreadable."""
    start, end, _matter = _header_rows(rows)
    header = rows[start:end]
    line = rows[start].number
    unit = next((u for row in rows[:start] for cell in row.cells if (u := unit_in(cell))), None)
    columns: dict[str, int] = {}
    names: dict[str, str] = {}
    funding: list[tuple[str, int]] = []
    years: list[tuple[str, int]] = []
    ignored: list[str] = []
    unreadable: list[headers.Column] = []
    unnamed: list[tuple[int, str, bool]] = []
    left: headers.Column | None = None
    spent_text = planned_text = ""
    for index, (parts, named_unit) in enumerate(headers.combine(header)):
        column = headers.classify(index, parts, named_unit)
        if not column.parts:
            unit = unit or column.unit  # a 「（単位：千円）」 cell inside the header
            if left is not None:
                unnamed.append((index, left.name, (left.key or "").startswith("funding")))
            continue
        left = column
        if column.key in ("limit", "spent_amount", "planned_amount", "year", "funding"):
            unit = unit or column.unit or (unit_in(column.name))
        if column.key == "funding":
            if any(headers.norm(name) == column.detail for name, _i in funding):
                unreadable.append(column)  # two columns of one source: which one holds the split is unknown
            funding.append((column.detail, index))
            continue
        if column.key == "funding_unknown":
            unreadable.append(column)
            continue
        if column.key == "year":
            years.append((column.detail, index))
            continue
        if column.key is None or column.key in columns or column.key == "funding_total":
            ignored.append(column.name)
            continue
        columns[column.key], names[column.key] = index, column.name
        for part in column.parts:
            if match := headers.SPENT_RE.search(part):
                spent_text = match["year"] or spent_text
            if match := headers.PLANNED_RE.search(part):
                planned_text = match["year"] or planned_text
    if "years_total" in columns:  # 「年度別支出予定額」's 計: the limit when none is printed, else not read
        index, name = columns.pop("years_total"), names.pop("years_total")
        if "limit" in columns:
            ignored.append(name)
        else:
            columns["limit"], names["limit"] = index, name
    if "span" not in columns and "span_from" in columns and "span_to" in columns:
        names["span"] = f"{names['span_from']}／{names['span_to']}"
    if "planned_amount" in columns or "spent_amount" in columns:
        kind, required = Format.CHOUSHO, ["matter", "limit", "planned_span", "planned_amount"]
        if "planned_span" not in columns and "spent_span" not in columns and "span" in columns:
            columns["planned_span"], names["planned_span"] = columns.pop("span"), names.pop("span")  # one 期間
        if years:
            required.remove("planned_amount")  # planned per year: the sum is the planned amount
    elif "authorized_fy" in columns:
        kind, required = Format.SEED, ["matter", "limit", "authorized_fy", "span"]
    else:
        kind, required = Format.DAI2HYO, ["matter", "limit", "span"]
    if kind is not Format.CHOUSHO and years:
        required = [key for key in required if key not in ("limit", "span")]  # limit per year (施行規則)
    if "span_from" in columns or "span_to" in columns:
        required = [key for key in required if key != "span"]
    _refuse_funding(unreadable, line)
    if kind is not Format.CHOUSHO:
        _refuse_funding_outside_chousho(funding, kind, line)
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
            f"（{line}行目）。"
        )
    return Layout(
        format=kind,
        header_rows=[row.number for row in header],
        columns=columns,
        names=names,
        funding=funding,
        years=years,
        spent_until_text=spent_text,
        planned_from_text=planned_text,
        unit=unit,
        ignored=ignored,
        unnamed=unnamed,
    )
