"""What a book prints around its rows: the budget year its 調書 headers name, and the 合計 row to tie out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from commitments import fiscal
from commitments.services.imports.columns import Format, Layout
from commitments.services.imports.reader import SourceRow

if TYPE_CHECKING:
    from commitments.services.imports.plans import Plan


def resolve_budget_year(
    layout: Layout, *, budget_year: int | None, era: str | None, today_fy: int
) -> tuple[int | None, list[str]]:
    """The budget year: given, or read from the 調書 headers (「８年度以降」); the two must agree."""
    problems: list[str] = []
    context = budget_year or today_fy
    from_header: int | None = None
    if layout.format is Format.CHOUSHO and layout.planned_from_text:
        try:
            from_header = fiscal.parse_fiscal_year(layout.planned_from_text, context_year=context, context_era=era)
        except fiscal.FiscalParseError:
            from_header = None  # 「当該年度以降」 names no year
    year = budget_year or from_header
    if budget_year and from_header and budget_year != from_header:
        problems.append(
            f"見出しの「{layout.name('planned_amount')}」は{fiscal.format_fiscal_year(from_header)}ですが、"
            f"指定の予算年度は{fiscal.format_fiscal_year(budget_year)}です。"
        )
    if year and layout.format is Format.CHOUSHO and layout.spent_until_text:
        try:
            spent_until = fiscal.parse_fiscal_year(layout.spent_until_text, context_year=year, context_era=era)
        except fiscal.FiscalParseError:
            spent_until = year - 1  # 「前年度末」
        if spent_until != year - 1:
            problems.append(f"見出しの「{layout.name('spent_amount')}」が予算年度の前年度末になっていません。")
    if year is None and layout.format is not Format.SEED:
        problems.append(
            "予算年度を指定してください（例：--budget-year 令和8年度）。この表には行為年度が印刷されていません。"
        )
    return year, problems


def check_total(plan: Plan, total: SourceRow) -> list[str]:
    """Compare the printed 合計 row with the sums of the rows (text limits count 0); list what does not tie."""
    layout, unit = plan.layout, plan.unit
    sums: list[tuple[str, int | None, int]] = [
        (layout.name("limit"), layout.columns.get("limit"), sum(r.limit.yen or 0 for r in plan.rows))
    ]
    if layout.format is Format.CHOUSHO:
        sums.append(
            (layout.name("spent_amount"), layout.columns.get("spent_amount"), sum(r.spent_yen for r in plan.rows))
        )
        sums.append(
            (layout.name("planned_amount"), layout.columns.get("planned_amount"), sum(r.planned_yen for r in plan.rows))
        )
        sums.extend((name, index, sum(r.funding.get(name, 0) for r in plan.rows)) for name, index in layout.funding)
    if layout.years:
        context = plan.budget_year
        for label, index in layout.years:
            try:
                fy = fiscal.parse_fiscal_year(label, context_year=context)
            except fiscal.FiscalParseError:
                continue
            sums.append((label, index, sum(r.planned_amounts.get(fy, 0) for r in plan.rows)))
    problems = []
    for name, index, computed in sums:
        text = total.cell(index)
        if not fiscal.normalize_text(text):
            continue
        try:
            printed = fiscal.parse_amount(text, unit=unit)
        except fiscal.FiscalParseError:
            problems.append(f"合計行（{total.number}行目）の{name}「{text}」を読めません。")
            continue
        if printed != computed:
            problems.append(
                f"合計行（{total.number}行目）の{name} {fiscal.format_amount(printed, unit=unit)} が各行の合計 "
                f"{fiscal.format_amount(computed, unit=unit)} と一致しません"
                f"（差 {fiscal.format_amount(printed - computed, unit=unit)}、単位：{unit}）。"
            )
    return problems
