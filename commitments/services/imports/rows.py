"""Turn the rows of a recognised budget table into commitment plans, collecting every row error (pure: no ORM).

行為年度 of a 調書 row (the 調書 does not print it), in this order:
1. the year the 事項 names: 「…（令和７年度分）」, 「（令和６年度設定分）」, 「（令和７年度追加分）」 → that year;
2. otherwise the year before the first burden year, but never after the budget year Y: a row of Y's own
   第２表 starts paying in Y+1 or later and is authority of Y (富士市 prints every 第２表 row from the next
   year on: R7's rows start in 令和8年度, R8's in 令和9年度), and a burden that started in Y or earlier was
   authorised the year before it started (R7's 第２表 rows are the R8 調書 rows that start in 令和8年度);
3. a span printed as words (a debt guarantee 「…償還期限満了まで」) is an authority of an earlier year.
A row authorised before Y, or with anything spent, is under contract: its remainder is imported as an opening
contract. Only authority of Y itself with nothing spent stays uncontracted (it lapses on 31 March if unused).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from commitments import fiscal, rules
from commitments.projection import equal_split
from commitments.services.imports.columns import Format, Layout
from commitments.services.imports.reader import SourceRow
from commitments.services.imports.totals import check_total

QUOTED_MAX = 80
TOTAL_NAMES = frozenset({"合計", "総計", "計", "合計額", "総合計"})
SAME_AS_LIMIT = frozenset({"限度額に同じ", "限度額と同じ", "同限度額", "限度額同額"})
NO_LIMIT_TEXT = "（限度額の記載なし）"
_NAMED_YEAR_RE = re.compile(r"[(（]((?:令和|平成|昭和)(?:\d+|元)年度)(?:分|設定分|追加分|債務負担分)[)）]")
_GUARANTEE_WORDS = ("債務保証", "損失補償")  # the only kind a 事項 names unambiguously; the rest stay 「その他」

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class RowError:
    """One refused cell: the row number in the file, the column as printed, the offending text and why."""

    row: int
    column: str
    text: str
    message: str

    def __post_init__(self) -> None:
        if len(self.text) > QUOTED_MAX:  # a cell may hold 100,000 characters: the message quotes its start
            object.__setattr__(self, "text", f"{self.text[:QUOTED_MAX]}…（{len(self.text):,}字）")

    def __str__(self) -> str:
        shown = f"「{self.text}」" if self.text else "（空欄）"
        return f"{self.row}行目 {self.column}{shown}: {self.message}"


@dataclass
class RowPlan:
    """What one row becomes: an approved commitment, and for a 調書 row its opening balance and funding split."""

    row: int
    seq: int | None
    matter: str
    limit: fiscal.Limit
    authorized_fy: int
    first_fy: int
    last_fy: int
    planned_amounts: dict[int, int]
    explicit: bool = False
    segment: str = ""
    spent_yen: int = 0
    planned_yen: int = 0
    funding: dict[str, int] = field(default_factory=dict)
    opening: bool = False
    kind: str = "other"
    flags: list[str] = field(default_factory=list)
    basis: str = ""  # how the 行為年度 was decided (調書 rows)

    @property
    def key(self) -> tuple[object, ...]:
        """Identity for idempotency: not the 事項 alone (the same 事項 recurs with other limits, spans, years)."""
        return (
            self.authorized_fy,
            fiscal.normalize_text(self.matter),
            self.first_fy,
            self.last_fy,
            self.limit.yen,
            fiscal.normalize_text(self.limit.text),
        )

    @property
    def estimated_yen(self) -> int | None:
        """For a text limit, the amounts the 調書 prints for it (never a guess); else None."""
        total = self.spent_yen + self.planned_yen
        return total if self.limit.is_text and total else None


@dataclass
class Plan:
    """The whole file read: rows to import, refused cells, warnings (e.g. a 合計 row that does not tie)."""

    layout: Layout
    budget_year: int | None
    unit: str
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    total_row: int | None = None


class _RowRefused(Exception):
    def __init__(self, column: str, text: str, message: str) -> None:
        super().__init__(message)
        self.column, self.text, self.message = column, text, message


def _flat(text: str) -> str:
    """A cell on one line, as the plain columns of the transcriptions join printed lines."""
    return re.sub(r"\s*\n\s*", "", text).strip()


def kind_of(matter: str) -> str:
    """A CommitmentKind value from the 事項: guarantee when it names one, else other (budgets print no kind)."""
    return "guarantee" if any(word in matter for word in _GUARANTEE_WORDS) else "other"


class _Reader:
    """Reads the rows of one file in order, remembering the row above for 同上."""

    def __init__(self, layout: Layout, *, budget_year: int | None, era: str | None, unit: str) -> None:
        self.layout, self.year, self.era, self.unit = layout, budget_year, era, unit
        self.above: dict[str, str] = {}
        self.above_row: int | None = None

    def _cells(self, row: SourceRow) -> tuple[dict[str, str], bool]:
        cells: dict[str, str] = {}
        ditto = False
        for key, index in self.layout.columns.items():
            text = row.cell(index).strip()
            if key != "matter" and fiscal.is_ditto(text):
                if key not in self.above:
                    raise _RowRefused(self.layout.name(key), text, "「同上」ですが上の行がありません。")
                text, ditto = self.above[key], True
            cells[key] = text
        for name, index in self.layout.funding:
            cells[f"funding:{name}"] = row.cell(index).strip()
        matter = _flat(cells.get("matter", ""))
        if matter.startswith(("同上", "〃")):
            if "matter" not in self.above:
                raise _RowRefused(self.layout.name("matter"), matter, "「同上」ですが上の行がありません。")
            matter, ditto = self.above["matter"] + matter[2 if matter.startswith("同上") else 1 :], True
        cells["matter"] = matter
        return cells, ditto

    def _amount(self, cells: dict[str, str], key: str, column: str) -> int:
        text = cells.get(key, "")
        if not fiscal.normalize_text(text):
            return 0
        try:
            yen = fiscal.parse_amount(text, unit=self.unit)
        except fiscal.FiscalParseError as exc:
            raise _RowRefused(column, text, str(exc)) from exc
        if yen < 0:
            raise _RowRefused(column, text, "負の金額は取り込めません。")
        if error := rules.amount_error(yen):
            raise _RowRefused(column, text, error)
        return yen

    def _year_span(self, text: str, column: str, context_year: int | None, era: str | None) -> tuple[int, int]:
        try:
            return fiscal.parse_span(text, context_year=context_year, context_era=era)
        except fiscal.FiscalParseError as exc:
            raise _RowRefused(column, text, str(exc)) from exc

    def read(self, row: SourceRow) -> RowPlan:
        """One data row → its plan (raises _RowRefused on the first bad cell)."""
        layout = self.layout
        cells, ditto = self._cells(row)
        matter = cells["matter"]
        if problems := rules.matter_problems(matter):
            raise _RowRefused(layout.name("matter"), matter, problems[0].message)
        flags: list[str] = []
        if ditto:
            flags.append(f"同上：{self.above_row}行目の「{self.above.get('matter', '')}」を参照")
        limit_text = cells.get("limit", "")
        if not fiscal.normalize_text(limit_text) and ditto:
            limit = fiscal.Limit(None, NO_LIMIT_TEXT)
        else:
            try:
                limit = fiscal.parse_limit(limit_text, unit=self.unit)
            except fiscal.FiscalParseError as exc:
                raise _RowRefused(layout.name("limit"), limit_text, str(exc)) from exc
        if problems := rules.limit_problems(limit.yen, limit.text):
            raise _RowRefused(layout.name("limit"), limit_text, problems[0].message)
        if limit.is_text:
            flags.append(f"限度額は文言「{limit.text}」：金額がないため集計では0円")
        if limit.note:
            flags.append(f"限度額の但し書：{limit.note}")
        seq_text = fiscal.normalize_text(cells.get("seq", ""))
        plan = RowPlan(
            row=row.number,
            seq=int(seq_text) if seq_text.isdigit() and 0 < int(seq_text) < 2**31 else None,
            matter=matter,
            limit=limit,
            authorized_fy=0,
            first_fy=0,
            last_fy=0,
            planned_amounts={},
            segment=_flat(cells.get("segment", "")),
            kind=kind_of(matter),
            flags=flags,
        )
        if layout.format is Format.CHOUSHO:
            self._chousho(plan, cells)
        else:
            self._budget_table(plan, cells)
        self._check_span(plan, cells)
        self.above, self.above_row = cells, row.number
        return plan

    def _budget_table(self, plan: RowPlan, cells: dict[str, str]) -> None:
        """Seed table (行為年度 printed) or 第２表 (行為年度 = the budget year): 年割額 by the equal rule."""
        layout = self.layout
        era = self.era
        if layout.format is Format.SEED:
            text = cells.get("authorized_fy", "")
            try:
                plan.authorized_fy = fiscal.parse_fiscal_year(text, context_year=self.year, context_era=self.era)
            except fiscal.FiscalParseError as exc:
                raise _RowRefused(layout.name("authorized_fy"), text, str(exc)) from exc
            era = fiscal.era_in_text(text) or self.era
        else:
            plan.authorized_fy = self.year or 0
        span = cells.get("span", "")
        if fiscal.normalize_text(span) and not re.search(r"\d|元", fiscal.normalize_text(span)):
            plan.first_fy = plan.last_fy = plan.authorized_fy
            plan.flags.append(f"期間は文言「{_flat(span)}」：最終年度の記載がないため行為年度の1年として集計")
        else:
            plan.first_fy, plan.last_fy = self._year_span(span, layout.name("span"), plan.authorized_fy, era)
        plan.planned_amounts = equal_split(plan.limit.yen or 0, plan.first_fy, plan.last_fy)

    def _chousho(self, plan: RowPlan, cells: dict[str, str]) -> None:
        """A 調書 row: span joined from its two 期間 columns, spent + planned = limit, funding = planned."""
        layout, year = self.layout, self.year or 0
        head, tail = cells.get("spent_span", ""), cells.get("planned_span", "")
        tail_norm = fiscal.normalize_text(tail)
        if tail_norm and not re.search(r"\d|元", tail_norm):
            first = year
            if fiscal.normalize_text(head):
                start, _end = self._part(head, layout.name("spent_span"))
                first = start if start is not None else year
            plan.first_fy, plan.last_fy = first, max(first, year)
            plan.flags.append(
                f"期間は文言「{_flat(tail)}」：最終年度の記載がないため{fiscal.format_fiscal_year(plan.last_fy)}まで"
                "として集計"
            )
            text_span = True
        else:
            try:
                plan.first_fy, plan.last_fy = fiscal.join_span(head, tail, context_year=year, context_era=self.era)
            except fiscal.FiscalParseError as exc:
                raise _RowRefused(
                    f"{layout.name('spent_span')}／{layout.name('planned_span')}", _flat(f"{head} {tail}"), str(exc)
                ) from exc
            text_span = False
        plan.spent_yen = self._amount(cells, "spent_amount", layout.name("spent_amount"))
        planned_text = cells.get("planned_amount", "")
        if fiscal.normalize_text(planned_text) in SAME_AS_LIMIT:
            plan.planned_yen = plan.limit.yen or 0
            plan.flags.append(f"支出予定額は「{planned_text}」")
        else:
            plan.planned_yen = self._amount(cells, "planned_amount", layout.name("planned_amount"))
        for name, _index in layout.funding:
            amount = self._amount(cells, f"funding:{name}", name)
            if amount:
                plan.funding[name] = amount
        self._check_chousho_amounts(plan, cells)
        named = _NAMED_YEAR_RE.search(fiscal.normalize_text(plan.matter))
        named_fy = fiscal.parse_fiscal_year(named[1]) if named else None
        if named_fy is not None and named_fy <= min(plan.first_fy, year):
            plan.authorized_fy, plan.basis = named_fy, f"事項の「{named[1]}」による"  # type: ignore[index]
        elif text_span:
            plan.authorized_fy, plan.basis = min(plan.first_fy, year) - 1, "期間が文言のため前年度以前の議決として扱う"
        else:
            plan.authorized_fy = min(plan.first_fy - 1, year)
            plan.basis = (
                "予算年度の第２表の事項として" if plan.authorized_fy == year else "負担初年度の前年度として推定"
            )
        plan.opening = plan.authorized_fy < year or plan.spent_yen > 0
        plan.explicit = True
        amounts = dict.fromkeys(range(plan.first_fy, plan.last_fy + 1), 0)
        if plan.spent_yen:
            amounts.update(equal_split(plan.spent_yen, plan.first_fy, year - 1))
        if plan.planned_yen:
            amounts.update(equal_split(plan.planned_yen, max(plan.first_fy, year), plan.last_fy))
        plan.planned_amounts = amounts

    def _part(self, text: str, column: str) -> tuple[int | None, int | None]:
        try:
            return fiscal.parse_span_part(text, context_year=self.year, context_era=self.era)
        except fiscal.FiscalParseError as exc:
            raise _RowRefused(column, text, str(exc)) from exc

    def _check_chousho_amounts(self, plan: RowPlan, cells: dict[str, str]) -> None:
        layout, year, unit = self.layout, self.year or 0, self.unit
        limit = plan.limit.yen
        if problems := rules.estimate_problems(plan.estimated_yen):  # a limit in words: spent + planned estimates it
            raise _RowRefused(
                layout.name("planned_amount"),
                cells.get("planned_amount", ""),
                f"見込額（支出額＋支出予定額）: {problems[0]}",
            )
        if limit is not None and plan.spent_yen + plan.planned_yen != limit:
            raise _RowRefused(
                layout.name("limit"),
                cells.get("limit", ""),
                f"限度額が支出額 {fiscal.format_amount(plan.spent_yen, unit=unit)} と支出予定額 "
                f"{fiscal.format_amount(plan.planned_yen, unit=unit)} の合計と一致しません。",
            )
        if layout.funding and (plan.funding or plan.planned_yen) and sum(plan.funding.values()) != plan.planned_yen:
            raise _RowRefused(
                "財源内訳",
                "、".join(f"{name} {fiscal.format_amount(v, unit=unit)}" for name, v in plan.funding.items()),
                f"財源内訳の合計が支出予定額 {fiscal.format_amount(plan.planned_yen, unit=unit)} と一致しません。",
            )
        if plan.spent_yen and plan.first_fy >= year:
            raise _RowRefused(
                layout.name("spent_span"),
                cells.get("spent_span", ""),
                "支出済の額があるのに期間が予算年度から始まっています。",
            )
        if plan.planned_yen and plan.last_fy < year:
            raise _RowRefused(
                layout.name("planned_span"),
                cells.get("planned_span", ""),
                "支出予定額があるのに期間が予算年度より前に終わっています。",
            )

    def _check_span(self, plan: RowPlan, cells: dict[str, str]) -> None:
        column = self.layout.name("span" if "span" in self.layout.columns else "planned_span")
        text = cells.get("span", cells.get("planned_span", ""))
        if rules.fiscal_year_error(plan.authorized_fy):
            raise _RowRefused(column, text, "行為年度を決められません。")
        if problems := rules.span_problems(plan.authorized_fy, plan.first_fy, plan.last_fy):
            raise _RowRefused(column, text, problems[0].message)


def _wider_than_header(row: SourceRow, width: int) -> RowError | None:
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


def _is_caption(row: SourceRow) -> bool:
    """A page-break artefact: a repeated 「（単位：千円）」 caption line."""
    filled = [cell for cell in row.cells if cell.strip()]
    return len(filled) == 1 and "単位" in filled[0]


def plan_rows(
    rows: Sequence[SourceRow],
    layout: Layout,
    *,
    budget_year: int | None,
    era: str | None,
    unit: str,
    progress: Progress | None = None,
) -> Plan:
    """Read every data row after the header; skip blanks and repeated headers; keep the 合計 row for the check."""
    plan = Plan(layout=layout, budget_year=budget_year, unit=unit)
    reader = _Reader(layout, budget_year=budget_year, era=era, unit=unit)
    matter_index = layout.columns["matter"]
    seen: dict[tuple[object, ...], int] = {}
    body = [row for row in rows if row.number > layout.header_rows[-1]]
    width = max(row.width for row in rows if row.number in layout.header_rows)
    total: SourceRow | None = None
    for done, row in enumerate(body, start=1):
        if progress is not None and done % 500 == 0:
            progress("read", done, len(body))
        name = fiscal.normalize_text(row.cell(matter_index))
        if row.is_blank or _is_caption(row) or name.startswith("事項"):
            continue
        if name in TOTAL_NAMES:
            total = row
            continue
        if (wide := _wider_than_header(row, width)) is not None:
            plan.errors.append(wide)
            continue
        try:
            row_plan = reader.read(row)
        except _RowRefused as refused:
            plan.errors.append(RowError(row.number, refused.column, refused.text, refused.message))
            continue
        if row_plan.key in seen:
            plan.errors.append(
                RowError(
                    row.number, layout.name("matter"), row_plan.matter, f"{seen[row_plan.key]}行目と同じ内容の行です。"
                )
            )
            continue
        seen[row_plan.key] = row.number
        plan.rows.append(row_plan)
    if total is not None:
        plan.total_row = total.number
        plan.warnings.extend(check_total(plan, total))
    return plan
