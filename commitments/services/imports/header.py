"""Read a printed table header of one to four lines into one name per column, and say what each column holds (pure).

Books print their headers over several lines with merged cells (「左の財源内訳」 over 「特定財源」 over 国県支出金 /
地方債 / その他, and 一般財源), spaced out with 全角 spaces (「地　方　債」), or flattened by a transcriber into
「財源内訳_特定財源_国県支出金」. Every line's cell (and every 「_」 part of it) becomes one part of the column's name;
the parts, folded by NFKC without spaces, decide the column's meaning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from commitments import fiscal
from commitments.services.imports.reader import SourceRow

MAX_HEADER_ROWS = 4

SPENT_RE = re.compile(r"(?P<year>.*?)年度末までの支出")
PLANNED_RE = re.compile(r"(?P<year>.*?)年度以降の支出予定")
SEQ_NAMES = frozenset({"一連番号", "行番号", "番号", "NO", "NO.", "№", "連番", "整理番号"})
SPAN_NAMES = frozenset({"期間", "負担年度", "債務負担の期間", "債務負担期間", "負担期間", "期限"})
SEGMENT_NAMES = frozenset({"事業区分", "会計", "会計区分", "区分", "セグメント"})
SPAN_FROM = frozenset({"自", "から", "始期", "開始", "開始年度", "初年度"})
SPAN_TO = frozenset({"至", "まで", "終期", "終了", "終了年度", "最終年度"})
TOTAL_PARTS = frozenset({"計", "合計", "総額", "小計"})
# A heading that groups funding columns: 「財源内訳」「左の財源内訳」「財源の内訳」 and 「特定財源」 over its sources.
FUNDING_GROUPS = frozenset(
    {"財源", "財源内訳", "財源の内訳", "左の財源内訳", "左記の財源内訳", "財源別内訳", "特定財源"}
)
# Sources a book prints as its own column, also outside a 財源内訳 heading.
KNOWN_SOURCES = frozenset(
    {
        "国県支出金",
        "国庫支出金",
        "県支出金",
        "都支出金",
        "道府県支出金",
        "都道府県支出金",
        "国庫補助金",
        "地方債",
        "起債",
        "市債",
        "町債",
        "村債",
        "県債",
        "区債",
        "分担金負担金",
        "分担金及び負担金",
        "使用料及び手数料",
        "使用料手数料",
        "寄附金",
        "繰入金",
        "財産収入",
        "諸収入",
        "一般財源",
        "その他特定財源",
    }
)
YEAR_GROUPS = frozenset(
    {"年度別支出予定額", "年度別", "年度別内訳", "年割額", "年度割額", "各年度の限度額", "年度別限度額", "支出予定額"}
)
_UNIT_ONLY_RE = re.compile(r"\(?(?:単位:?)?(?P<unit>百万円|千円|円)\)?")
_UNIT_SUFFIX_RE = re.compile(r"\((?:単位:?)?(?P<unit>百万円|千円|円)\)$")
_YEAR_LABEL_RE = re.compile(r"(?:(?:令和|平成|昭和|R|H|S)\.?)?(?:\d{1,2}|元)年度?|(?:FY)?\d{4}(?:年度)?")
_AMOUNT_RE = re.compile(r"[△▲\-]?[\d,]+(?:\.\d+)?")


@dataclass(frozen=True)
class Column:
    """One column of the header: its index, its name parts (normalised) and what it holds."""

    index: int
    parts: tuple[str, ...]
    key: str | None  # None: not read
    detail: str = ""  # the source name of a funding column, the year label of a per-year column
    unit: str | None = None

    @property
    def name(self) -> str:
        """The header as printed, its lines joined with 「_」 (for messages)."""
        return "_".join(self.parts)


def norm(text: str) -> str:
    """A header cell folded (NFKC, no spaces, no line breaks)."""
    return fiscal.normalize_text(text)


def looks_like_amount(text: str) -> bool:
    """A cell holding a figure (a data row, never a header line)."""
    return bool(_AMOUNT_RE.fullmatch(norm(text)))


def is_year_label(part: str) -> bool:
    """A header naming one fiscal year: 「９年度」, 「令和9年度」, 「R9」, 「2027年度」."""
    return bool(_YEAR_LABEL_RE.fullmatch(part.upper()))


def is_funding_group(part: str) -> bool:
    """A heading over funding columns (「左の財源内訳」, 「財源内訳」, 「特定財源」)."""
    return part in FUNDING_GROUPS or part.endswith("財源内訳")


def is_source(part: str) -> bool:
    """A funding source a book prints as a column of its own (also outside a 財源内訳 heading)."""
    return part in KNOWN_SOURCES or part.endswith(("支出金", "負担金"))


def is_group_word(part: str) -> bool:
    """A cell that can only be a heading over other columns (for header lines printed above 「事項」)."""
    return (
        is_funding_group(part)
        or part in YEAR_GROUPS
        or bool(SPENT_RE.search(part) or PLANNED_RE.search(part))
        or part.startswith("前年度末までの支出")
    )


def _split_unit(part: str) -> tuple[str, str | None]:
    """「限度額（千円）」 → (「限度額」, 「千円」); a part that is only a unit gives ('', unit)."""
    if match := _UNIT_ONLY_RE.fullmatch(part):
        return "", match["unit"]
    if match := _UNIT_SUFFIX_RE.search(part):
        return part[: match.start()], match["unit"]
    return part, None


def combine(rows: Sequence[SourceRow]) -> list[tuple[list[str], str | None]]:
    """Name parts of each column of a one- to four-line header (merged parents carried right) and a unit it names."""
    width = max(len(row.cells) for row in rows)
    parts: list[list[str]] = [[] for _ in range(width)]
    units: list[str | None] = [None] * width
    lines = [[_cell_parts(row.cell(index)) for index in range(width)] for row in rows]
    for depth, line in enumerate(lines):
        carried: list[str] = []
        for index in range(width):
            names, unit = line[index]
            units[index] = units[index] or unit
            below = any(lower[index][0] for lower in lines[depth + 1 :])  # a unit under it is not a child
            if names:
                carried = names
            elif below and carried:
                names = carried  # a merged parent cell spans this column
            for name in names:
                if not parts[index] or parts[index][-1] != name:
                    parts[index].append(name)
    return list(zip(parts, units, strict=True))


def _cell_parts(text: str) -> tuple[list[str], str | None]:
    """A header cell's name parts (split at 「_」, units taken off) and the unit it names."""
    names: list[str] = []
    unit: str | None = None
    for piece in norm(text).split("_"):
        name, named = _split_unit(piece)
        unit = unit or named
        if name:
            names.append(name)
    return names, unit


def _amount_part(parts: tuple[str, ...], group: str) -> bool:
    leaf = parts[-1]
    return leaf == group or leaf in ("金額", "支出額", "支出予定額", "額") or leaf in TOTAL_PARTS


def classify(index: int, parts: Sequence[str], unit: str | None = None) -> Column:
    """What one column holds, from its name parts."""
    parts = tuple(parts)
    if not parts:
        return Column(index, parts, None)
    leaf, groups = parts[-1], parts[:-1]
    key: str | None = None
    detail = ""
    if any("印刷" in part for part in parts):
        key = None  # a transcriber's own columns (印刷頁, 事項_印刷改行): kept for people, not read
    elif any(is_funding_group(part) for part in parts) or is_source(leaf):
        if leaf in TOTAL_PARTS or leaf.endswith("計"):
            key = "funding_total"
        elif is_funding_group(leaf) and leaf != "特定財源":
            key = "funding_unknown"
        else:
            key, detail = "funding", leaf
    elif spent := next((p for p in parts if SPENT_RE.search(p) or p.startswith("前年度末までの支出")), None):
        key = "spent_span" if leaf == "期間" else "spent_amount" if _amount_part(parts, spent) else None
    elif planned := next((p for p in parts if PLANNED_RE.search(p)), None):
        if leaf == "期間":
            key = "planned_span"
        elif is_year_label(leaf):
            key, detail = "year", leaf
        elif _amount_part(parts, planned):
            key = "planned_amount"
    elif groups and (groups[-1] in YEAR_GROUPS or groups[-1].startswith("限度額")) and is_year_label(leaf):
        key, detail = "year", leaf
    elif groups and groups[-1].startswith("限度額") and leaf in TOTAL_PARTS:
        key = "limit"
    elif groups and groups[-1] in YEAR_GROUPS and leaf in TOTAL_PARTS:
        key = "years_total"
    elif not groups and is_year_label(leaf) and not leaf.isdigit():
        key, detail = "year", leaf
    elif len(parts) == 2 and parts[0] in SPAN_NAMES and leaf in SPAN_FROM | SPAN_TO:
        key = "span_from" if leaf in SPAN_FROM else "span_to"
    else:
        key = _plain_key(parts[0] if len(parts) == 1 else leaf, parts)
        if key is None and len(parts) > 1:  # one name broken over two lines: 「一連」 over 「番号」
            joined = "".join(parts)
            key = _plain_key(joined, (joined,))
    return Column(index, parts, key, detail, unit)


def _plain_key(name: str, parts: tuple[str, ...]) -> str | None:
    first = parts[0]
    if len(parts) == 1 and name.upper() in SEQ_NAMES:
        return "seq"
    if first.startswith("事項"):
        return "matter"
    if first.startswith("限度額"):
        return "limit"
    if "行為年度" in first:
        return "authorized_fy"
    if first in SPAN_NAMES or first.endswith(("となる年度", "負担年度")):
        return "span"
    if len(parts) == 1 and name in SEGMENT_NAMES:
        return "segment"
    return None


def is_title_or_caption(row: SourceRow) -> bool:
    """A line above or between tables with one filled cell: the table's title or a 「（単位：千円）」 caption."""
    return len([cell for cell in row.cells if cell.strip()]) == 1
