"""One row of a 調書 (pure): its span from the two 期間 columns, spent + planned = limit, funding = planned, 行為年度.

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
from typing import TYPE_CHECKING

from commitments import fiscal, rules
from commitments.projection import equal_split
from commitments.services.imports import spans
from commitments.services.imports.plans import RowPlan, RowRefused

if TYPE_CHECKING:
    from commitments.services.imports.rows import Reader

_NAMED_YEAR_RE = re.compile(r"[(（]((?:令和|平成|昭和)(?:\d+|元)年度)(?:分|設定分|追加分|債務負担分)[)）]")


def read_chousho(reader: Reader, plan: RowPlan, cells: dict[str, str]) -> None:
    """Fill a 調書 row's plan from its cells (raises RowRefused on the first bad cell)."""
    layout, year = reader.layout, reader.year or 0
    plan.spent_yen = reader.amount_or_limit(cells, "spent_amount", plan)
    by_year = reader.year_amounts(cells, plan)
    printed_planned = fiscal.normalize_text(cells.get("planned_amount", ""))
    plan.planned_yen = reader.amount_or_limit(cells, "planned_amount", plan)
    if by_year:
        total = sum(yen for fy, yen in by_year.items() if fy >= year)
        if printed_planned and total != plan.planned_yen:
            raise RowRefused(
                layout.name("planned_amount"),
                cells.get("planned_amount", ""),
                f"支出予定額が年度別の額の合計 {fiscal.format_amount(total, unit=reader.unit)} と一致しません。",
            )
        plan.planned_yen = total
    head, tail = cells.get("spent_span", ""), cells.get("planned_span", "")
    try:
        span = spans.chousho_span(head, tail, year=year, era=reader.era, spent=plan.spent_yen > 0)
    except fiscal.FiscalParseError as exc:
        raise RowRefused(
            f"{layout.name('spent_span')}／{layout.name('planned_span')}", spans.flat(f"{head} {tail}"), str(exc)
        ) from exc
    reader.apply_span(plan, span, layout.name("planned_span"))
    for name, _index in layout.funding:
        amount = reader.amount_or_limit(cells, f"funding:{name}", plan, column=name, same=plan.planned_yen)
        if amount:
            plan.funding[name] = amount
    _check_amounts(reader, plan, cells)
    _authority(plan, year, span.estimated)
    plan.opening = plan.authorized_fy < year or plan.spent_yen > 0
    plan.explicit = True
    amounts = dict.fromkeys(range(plan.first_fy, plan.last_fy + 1), 0)
    if plan.spent_yen:
        amounts.update(equal_split(plan.spent_yen, plan.first_fy, year - 1))
    planned_years = {fy: yen for fy, yen in by_year.items() if fy >= year}
    outside = [fy for fy, yen in planned_years.items() if yen and not plan.first_fy <= fy <= plan.last_fy]
    if outside:
        raise RowRefused(
            layout.name("planned_span"),
            cells.get("planned_span", ""),
            f"{fiscal.format_fiscal_year(outside[0])}の支出予定額が期間の外にあります。",
        )
    if planned_years:
        amounts.update(planned_years)
    elif plan.planned_yen:
        amounts.update(equal_split(plan.planned_yen, max(plan.first_fy, year), plan.last_fy))
    plan.planned_amounts = amounts


def _authority(plan: RowPlan, year: int, text_span: bool) -> None:
    """The 行為年度 the 調書 does not print (see the module's rules) and how it was decided."""
    named = _NAMED_YEAR_RE.search(fiscal.normalize_text(plan.matter))
    named_fy = fiscal.parse_fiscal_year(named[1]) if named else None
    if named is not None and named_fy is not None and named_fy <= min(plan.first_fy, year):
        plan.authorized_fy, plan.basis = named_fy, f"事項の「{named[1]}」による"
    elif text_span:
        plan.authorized_fy, plan.basis = min(plan.first_fy, year) - 1, "期間が文言のため前年度以前の議決として扱う"
    else:
        plan.authorized_fy = min(plan.first_fy - 1, year)
        plan.basis = "予算年度の第２表の事項として" if plan.authorized_fy == year else "負担初年度の前年度として推定"


def _check_amounts(reader: Reader, plan: RowPlan, cells: dict[str, str]) -> None:
    layout, year, unit = reader.layout, reader.year or 0, reader.unit
    limit = plan.limit.yen
    if problems := rules.estimate_problems(plan.estimated_yen):  # a limit in words: spent + planned estimates it
        raise RowRefused(
            layout.name("planned_amount"),
            cells.get("planned_amount", ""),
            f"見込額（支出額＋支出予定額）: {problems[0]}",
        )
    if limit is not None and plan.spent_yen + plan.planned_yen != limit:
        raise RowRefused(
            layout.name("limit"),
            cells.get("limit", ""),
            f"限度額が支出額 {fiscal.format_amount(plan.spent_yen, unit=unit)} と支出予定額 "
            f"{fiscal.format_amount(plan.planned_yen, unit=unit)} の合計と一致しません。",
        )
    if layout.funding and (plan.funding or plan.planned_yen) and sum(plan.funding.values()) != plan.planned_yen:
        raise RowRefused(
            "財源内訳",
            "、".join(f"{name} {fiscal.format_amount(v, unit=unit)}" for name, v in plan.funding.items()),
            f"財源内訳の合計が支出予定額 {fiscal.format_amount(plan.planned_yen, unit=unit)} と一致しません。",
        )
    if plan.spent_yen and plan.first_fy >= year:
        raise RowRefused(
            layout.name("spent_span"),
            cells.get("spent_span", ""),
            "支出済の額があるのに期間が予算年度から始まっています。",
        )
    if plan.planned_yen and plan.last_fy < year:
        raise RowRefused(
            layout.name("planned_span"),
            cells.get("planned_span", ""),
            "支出予定額があるのに期間が予算年度より前に終わっています。",
        )
