"""Turn the rows of a recognised budget table into commitment plans, collecting every row error (pure: no ORM).

Every printed row is kept: a row with no 限度額 and no amount (an interest subsidy printed with its spans only,
「同上利子」) is a commitment whose limit is 未記載 (counted 0, flagged); a span in words is kept as printed with an
estimated end; per-year amounts become the explicit 年割額. Lines that are not rows of the table (titles, notes under
the 合計) are listed as notices, never dropped silently. The 調書's own rules are in chousho_rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from commitments import fiscal, rules
from commitments.projection import equal_split
from commitments.services.imports import header as headers
from commitments.services.imports import lines, spans
from commitments.services.imports.chousho_rows import read_chousho
from commitments.services.imports.columns import Format, Layout
from commitments.services.imports.plans import (
    NO_LIMIT_TEXT,
    QUOTED_MAX,
    Plan,
    Progress,
    RowError,
    RowPlan,
    RowRefused,
)
from commitments.services.imports.reader import SourceRow
from commitments.services.imports.totals import check_total

TOTAL_NAMES = frozenset({"合計", "総計", "計", "合計額", "総合計"})
SUBTOTAL_NAMES = frozenset({"小計", "頁計", "ページ計", "累計"})
SAME_AS_LIMIT = frozenset({"限度額に同じ", "限度額と同じ", "同限度額", "限度額同額"})
ZERO_MARKS = frozenset({"-", "―", "‐", "—", "ー", "－", "‒", "–", "0"})
SPAN_KEYS = ("span", "span_from", "span_to", "spent_span", "planned_span")
AMOUNT_LABELS = {"spent_amount": "支出済額", "planned_amount": "支出予定額"}
_GUARANTEE_WORDS = ("債務保証", "損失補償")  # the only kind a 事項 names unambiguously; the rest stay 「その他」

__all__ = ["NO_LIMIT_TEXT", "QUOTED_MAX", "Plan", "Progress", "RowError", "RowPlan", "kind_of", "plan_rows"]


def kind_of(matter: str) -> str:
    """A CommitmentKind value from the 事項: guarantee when it names one, else other (budgets print no kind)."""
    return "guarantee" if any(word in matter for word in _GUARANTEE_WORDS) else "other"


class Reader:
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
                    raise RowRefused(self.layout.name(key), text, "「同上」ですが上の行がありません。")
                text, ditto = self.above[key], True
            cells[key] = text
        for name, index in self.layout.funding:
            cells[f"funding:{name}"] = row.cell(index).strip()
        for label, index in self.layout.years:
            cells[f"year:{label}"] = row.cell(index).strip()
        matter = spans.flat(cells.get("matter", ""))
        if matter.startswith(("同上", "〃")):
            if "matter" not in self.above:
                raise RowRefused(self.layout.name("matter"), matter, "「同上」ですが上の行がありません。")
            matter, ditto = self.above["matter"] + matter[2 if matter.startswith("同上") else 1 :], True
            if not any(cells.get(key) for key in SPAN_KEYS) and self._nothing_printed(cells):
                cells.update({key: self.above.get(key, "") for key in SPAN_KEYS if key in self.layout.columns})
        cells["matter"] = matter
        return cells, ditto

    def _nothing_printed(self, cells: dict[str, str]) -> bool:
        """No amount anywhere in the row: no 限度額, spent, planned, funding or per-year amount."""
        keys = ("limit", "spent_amount", "planned_amount")
        return not any(
            fiscal.normalize_text(text)
            for key, text in cells.items()
            if key in keys or key.startswith(("funding:", "year:"))
        )

    def amount(self, cells: dict[str, str], key: str, column: str) -> int:
        """An amount cell in yen: blank or a dash is 0; negative, unreadable or above the cap is refused."""
        text = cells.get(key, "")
        normalized = fiscal.normalize_text(text)
        if not normalized or normalized in ZERO_MARKS:
            return 0
        try:
            yen = fiscal.parse_amount(text, unit=self.unit)
        except fiscal.FiscalParseError as exc:
            raise RowRefused(column, text, str(exc)) from exc
        if yen < 0:
            raise RowRefused(column, text, "負の金額は取り込めません。")
        if error := rules.amount_error(yen):
            raise RowRefused(column, text, error)
        return yen

    def amount_or_limit(
        self, cells: dict[str, str], key: str, plan: RowPlan, *, column: str = "", same: int | None = None
    ) -> int:
        """An amount that may read 「限度額に同じ」: then the limit (`same` for a funding column); words give 0."""
        text = cells.get(key, "")
        if fiscal.normalize_text(text) not in SAME_AS_LIMIT:
            return self.amount(cells, key, column or self.layout.name(key))
        label = AMOUNT_LABELS.get(key, column or key)
        if plan.limit.yen is None:
            plan.flags.append(f"{label}は「{text}」：限度額が文言のため金額はなく、合計では0円（限度額の全額）")
            return 0
        plan.flags.append(f"{label}は「{text}」")
        return plan.limit.yen if same is None else same

    def year_amounts(self, cells: dict[str, str], plan: RowPlan) -> dict[int, int]:
        """The per-year amounts the row prints (年度別支出予定額, 限度額 by year), by fiscal year; blanks left out."""
        found: dict[int, int] = {}
        context = self.year or plan.authorized_fy or None
        for label, _index in self.layout.years:
            yen = self.amount(cells, f"year:{label}", label)
            if not yen:
                continue
            try:
                fy = fiscal.parse_fiscal_year(label, context_year=context, context_era=self.era)
            except fiscal.FiscalParseError as exc:
                raise RowRefused(label, cells[f"year:{label}"], f"見出しの年度を読み取れません: {exc}") from exc
            found[fy] = found.get(fy, 0) + yen
        return found

    def apply_span(self, plan: RowPlan, span: spans.Span, column: str) -> None:
        """Set the row's years; a span in words is kept as printed and its estimate flagged."""
        plan.first_fy, plan.last_fy = span.first, span.last
        if not span.estimated:
            return
        if len(span.text) > rules.LIMIT_TEXT_MAX_LENGTH:
            raise RowRefused(column, span.text, f"期間の文言が長すぎます（{rules.LIMIT_TEXT_MAX_LENGTH}字まで）。")
        plan.span_text = span.text
        plan.flags.append(
            f"期間は文言「{span.text}」：年度の記載がないため{fiscal.format_span(span.first, span.last)}として集計"
            "（推定）"
        )

    def _limit(self, cells: dict[str, str], ditto: bool, flags: list[str]) -> fiscal.Limit | None:
        """The printed 限度額; 未記載 when the row prints no amount at all; None when it is the per-year sum."""
        layout, text = self.layout, cells.get("limit", "")
        if not fiscal.normalize_text(text):
            if ditto or self._nothing_printed(cells):
                flags.append("限度額は未記載：印刷された限度額・金額がないため集計では0円")
                return fiscal.Limit(None, NO_LIMIT_TEXT)
            if layout.years and layout.format is not Format.CHOUSHO:
                return None
            raise RowRefused(layout.name("limit"), text, "限度額が空欄ですが、この行には金額が印刷されています。")
        try:
            limit = fiscal.parse_limit(text, unit=self.unit)
        except fiscal.FiscalParseError as exc:
            raise RowRefused(layout.name("limit"), text, str(exc)) from exc
        if problems := rules.limit_problems(limit.yen, limit.text):
            raise RowRefused(layout.name("limit"), text, problems[0].message)
        if limit.is_text:
            flags.append(f"限度額は文言「{limit.text}」：金額がないため集計では0円")
        if limit.note:
            flags.append(f"限度額の但し書：{limit.note}")
        return limit

    def read(self, row: SourceRow, position: int) -> RowPlan:
        """One data row → its plan (raises RowRefused on the first bad cell)."""
        cells, ditto = self._cells(row)
        try:
            return self._read(row, position, cells, ditto)
        finally:
            self.above, self.above_row = cells, row.number  # a 「同上」 below refers to this row, read or refused

    def _read(self, row: SourceRow, position: int, cells: dict[str, str], ditto: bool) -> RowPlan:
        layout = self.layout
        matter = cells["matter"]
        if problems := rules.matter_problems(matter):
            raise RowRefused(layout.name("matter"), matter, problems[0].message)
        flags: list[str] = []
        if ditto:
            flags.append(f"同上：{self.above_row}行目の「{self.above.get('matter', '')}」を参照")
        limit = self._limit(cells, ditto, flags)
        seq_text = fiscal.normalize_text(cells.get("seq", ""))
        plan = RowPlan(
            row=row.number,
            seq=int(seq_text) if seq_text.isdigit() and 0 < int(seq_text) < 2**31 else None,
            matter=matter,
            limit=limit or fiscal.Limit(None, ""),
            authorized_fy=0,
            first_fy=0,
            last_fy=0,
            planned_amounts={},
            segment=spans.flat(cells.get("segment", "")),
            kind=kind_of(matter),
            flags=flags,
            position=position,
        )
        if layout.format is Format.CHOUSHO:
            read_chousho(self, plan, cells)
        else:
            self._budget_table(plan, cells, limit_from_years=limit is None)
        self._check_span(plan, cells)
        return plan

    def _budget_table(self, plan: RowPlan, cells: dict[str, str], *, limit_from_years: bool) -> None:
        """Seed table (行為年度 printed) or 第２表 (行為年度 = the budget year): per-year amounts or the equal rule."""
        layout, era = self.layout, self.era
        if layout.format is Format.SEED:
            text = cells.get("authorized_fy", "")
            try:
                plan.authorized_fy = fiscal.parse_fiscal_year(text, context_year=self.year, context_era=self.era)
            except fiscal.FiscalParseError as exc:
                raise RowRefused(layout.name("authorized_fy"), text, str(exc)) from exc
            era = fiscal.era_in_text(text) or self.era
        else:
            plan.authorized_fy = self.year or 0
        by_year = self.year_amounts(cells, plan)
        text = cells.get("span", "")
        if not fiscal.normalize_text(text) and ("span_from" in cells or "span_to" in cells):
            text = f"{cells.get('span_from', '')}から{cells.get('span_to', '')}まで"
        column = layout.name("span")
        if fiscal.normalize_text(text) or not by_year:
            try:
                span = spans.book_span(text, context_year=plan.authorized_fy, era=era, authorized_fy=plan.authorized_fy)
            except fiscal.FiscalParseError as exc:
                raise RowRefused(column, text, str(exc)) from exc
        else:
            span = spans.Span(min(by_year), max(by_year))
        self.apply_span(plan, span, column)
        if not by_year:
            if limit_from_years:
                raise RowRefused(layout.name("limit"), "", "限度額も年度別の額も印刷されていません。")
            plan.planned_amounts = equal_split(plan.limit.yen or 0, plan.first_fy, plan.last_fy)
            return
        total = sum(by_year.values())
        if limit_from_years:
            plan.limit = fiscal.Limit(total)
            plan.flags.append(f"限度額は年度別の額の合計 {fiscal.format_amount(total, unit=self.unit)}")
            if error := rules.amount_error(total):
                raise RowRefused(layout.name("limit"), "", error)
        elif plan.limit.yen != total:
            raise RowRefused(
                layout.name("limit"),
                cells.get("limit", ""),
                f"限度額が年度別の額の合計 {fiscal.format_amount(total, unit=self.unit)} と一致しません。",
            )
        outside = [fy for fy in by_year if not plan.first_fy <= fy <= plan.last_fy]
        if outside:
            raise RowRefused(column, text, f"{fiscal.format_fiscal_year(min(outside))}の額が期間の外にあります。")
        plan.planned_amounts = {**dict.fromkeys(range(plan.first_fy, plan.last_fy + 1), 0), **by_year}
        plan.explicit = True

    def _check_span(self, plan: RowPlan, cells: dict[str, str]) -> None:
        key = next((k for k in ("span", "span_from", "planned_span") if k in self.layout.columns), "span")
        column = self.layout.name("span" if key == "span_from" else key)
        text = cells.get(key, "")
        if rules.fiscal_year_error(plan.authorized_fy):
            raise RowRefused(column, text, "行為年度を決められません。")
        if problems := rules.span_problems(plan.authorized_fy, plan.first_fy, plan.last_fy):
            raise RowRefused(column, text, problems[0].message)


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
    plan = Plan(layout=layout, budget_year=budget_year, unit=unit, notices=list(layout.notices))
    reader = Reader(layout, budget_year=budget_year, era=era, unit=unit)
    matter_index, seq_index = layout.columns["matter"], layout.columns.get("seq")
    read = {*layout.columns.values(), *(i for _n, i in layout.funding), *(i for _n, i in layout.years)}
    seen: dict[tuple[object, ...], int] = {}
    body = [row for row in rows if row.number > layout.header_rows[-1]]
    width = max(row.width for row in rows if row.number in layout.header_rows)
    total: SourceRow | None = None
    repeated_header = False
    headings = lines.page_texts(rows, layout)
    for done, row in enumerate(body, start=1):
        if progress is not None and done % 500 == 0:
            progress("read", done, len(body))
        name = fiscal.normalize_text(row.cell(matter_index))
        first = name or fiscal.normalize_text(row.cell(seq_index))
        if row.is_blank or lines.is_caption(row) or name.startswith("事項"):
            repeated_header = name.startswith("事項")
            continue
        if repeated_header and not name and not any(headers.looks_like_amount(c) for c in row.cells if c.strip()):
            continue  # the lower lines of a header repeated at a page break
        repeated_header = False
        if lines.is_page_heading(row, headings):
            continue  # the title, caption and header printed again on the next page
        if first in TOTAL_NAMES:
            total = row
            continue
        if first in SUBTOTAL_NAMES:
            plan.notices.append(
                f"{row.number}行目「{lines.quoted(row.cell(matter_index) or first)}」は小計のため読み飛ばしました"
            )
            continue
        if (reason := lines.not_a_row(row, layout, read)) is not None:
            plan.notices.append(reason)
            continue
        if (wide := lines.wider_than_header(row, width)) is not None:
            plan.errors.append(wide)
            continue
        label = lines.label(row, layout)
        try:
            row_plan = reader.read(row, len(plan.rows) + len(plan.errors) + 1)
        except RowRefused as refused:
            plan.errors.append(RowError(row.number, refused.column, refused.text, refused.message, label))
            continue
        if row_plan.key in seen:
            message = f"{seen[row_plan.key]}行目と同じ内容の行です。"
            plan.errors.append(RowError(row.number, layout.name("matter"), row_plan.matter, message, label))
            continue
        seen[row_plan.key] = row.number
        plan.rows.append(row_plan)
    lines.unnamed_columns(plan, body)
    plan.errors.sort(key=lambda error: error.row)
    if total is not None:
        plan.total_row = total.number
        plan.warnings.extend(check_total(plan, total))
    return plan
