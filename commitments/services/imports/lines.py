"""Lines of a budget table that are not its rows (pure): titles, captions, headings, notes, columns with no header.

Nothing is dropped silently: each such line or column becomes a notice, and a figure under a 財源内訳 heading with
no source name refuses the book.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from commitments import fiscal
from commitments.services.imports import spans
from commitments.services.imports.columns import Layout
from commitments.services.imports.plans import QUOTED_MAX, Plan, RowError
from commitments.services.imports.reader import SourceRow, unit_in


def wider_than_header(row: SourceRow, width: int) -> RowError | None:
    """A row filled past the header's last column: mostly an unquoted 「1,000」 that split a cell in two."""
    if row.width <= width:
        return None
    return RowError(
        row.number,
        "列数",
        next(cell.strip() for cell in row.cells[width:] if cell.strip()),
        f"見出しより列が多くあります（見出し{width}列、この行{row.width}列）。"
        "「1,000」のようにカンマを含む金額は引用符で囲むか、カンマなしで入力してください。",
    )


def is_caption(row: SourceRow) -> bool:
    """A page-break artefact: a repeated 「（単位：千円）」 caption line."""
    filled = [cell for cell in row.cells if cell.strip()]
    return len(filled) == 1 and unit_in(filled[0]) is not None


def label(row: SourceRow, layout: Layout) -> str:
    """The row as the book numbers it (「一連番号 38」), for messages; '' when the book prints no number."""
    text = spans.flat(row.cell(layout.columns.get("seq")))
    return f"{layout.name('seq')} {text}" if text else ""


def quoted(text: str) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= QUOTED_MAX else flat[:QUOTED_MAX] + "…"


_PAGE_NUMBER_RE = re.compile(r"[-‐―ー−]?\d{1,4}[-‐―ー−]?|\d{1,4}頁|P\.?\d{1,4}")


def is_page_number(text: str) -> bool:
    """「- 597 -」 printed at the foot of a page."""
    body = fiscal.normalize_text(text)
    return bool(body) and bool(_PAGE_NUMBER_RE.fullmatch(body)) and not body.isdigit()


def page_texts(rows: Sequence[SourceRow], layout: Layout) -> set[str]:
    """The texts of the lines above the table and of its header: a page break repeats them."""
    last = layout.header_rows[-1]
    return {fiscal.normalize_text(cell) for row in rows if row.number <= last for cell in row.cells if cell.strip()}


def is_page_heading(row: SourceRow, texts: set[str]) -> bool:
    """A line repeating the title, caption or header lines at a page break (every cell one of theirs)."""
    filled = [fiscal.normalize_text(cell) for cell in row.cells if cell.strip()]
    return bool(filled) and all(text in texts for text in filled)


def not_a_row(row: SourceRow, layout: Layout, read: set[int]) -> str | None:
    """Why a line is not a row of the table (a title, a heading, a note under the 合計), or None for a row."""
    filled = {i for i in read if row.cell(i).strip() and not is_page_number(row.cell(i))}
    matter_index = layout.columns["matter"]
    matter = fiscal.normalize_text(row.cell(matter_index))
    if not filled:
        text = "／".join(cell.strip() for cell in row.cells if cell.strip())
        return f"{row.number}行目「{quoted(text)}」は表の行ではないため読み取りませんでした"
    if filled == {matter_index} and not matter.startswith(("同上", "〃")):
        return (
            f"{row.number}行目「{quoted(row.cell(matter_index))}」は限度額・期間・金額がないため、"
            "債務負担行為の行として読み取りませんでした"
        )
    if len(filled) == 1 and filled != {matter_index}:  # a lone cell: a page number, a note, a seq with nothing else
        (index,) = filled
        return f"{row.number}行目「{quoted(row.cell(index))}」は表の行ではないため読み取りませんでした"
    return None


def unnamed_columns(plan: Plan, rows: Sequence[SourceRow]) -> None:
    """A column with no header but with figures: under 財源内訳 it refuses the book, elsewhere it is listed."""
    layout = plan.layout
    for index, left, funding in layout.unnamed:
        found = next((row for row in rows if row.cell(index).strip()), None)
        if found is None:
            continue
        column = f"{index + 1}列目（『{left}』の右、見出しなし）"
        if funding:
            plan.errors.append(
                RowError(
                    layout.header_rows[0],
                    column,
                    found.cell(index).strip(),
                    "財源内訳の列ですが、どの財源か見出しから読み取れません。財源内訳なしに取り込むことはしません。"
                    "見出しに財源の名称（国県支出金、地方債、その他、一般財源など）があるか確かめてください。",
                )
            )
        else:
            plan.notices.append(f"{column}は読み取りませんでした（{found.number}行目ほかに値があります）")
