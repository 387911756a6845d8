"""The yearly statistics of 翌年度以降支出予定額 as a download: classes by year of payment, the mapping underneath."""

from __future__ import annotations

from commitments import fiscal
from commitments.exports.table import Column, ExportTable
from commitments.selectors.burden_statistics import StatisticsTable
from commitments.vocabulary import DEFAULT_UNIT


def statistics_export(table: StatisticsTable, *, unit: str = DEFAULT_UNIT, year_style: str = "wareki") -> ExportTable:
    """One sheet: 区分, one amount column per year of payment, 合計; the 合計 row in bold; the mapping as notes."""
    years = table.fiscal_years
    day = table.as_of.isoformat() if table.as_of else "現在の推計"
    return ExportTable(
        title="翌年度以降支出予定額",
        heading="債務負担行為 翌年度以降支出予定額（区分別・支払年度別）",
        columns=[
            Column("区分", width=24),
            *(Column(fiscal.format_fiscal_year(fy, style=year_style), "amount") for fy in years),
            Column("合計", "amount"),
        ],
        rows=([str(r.label), *(r.years.get(fy, 0) for fy in years), r.total] for r in table.rows),
        unit=unit,
        notes=[f"{table.organization.name}　基準日 {day}", f"（金額の単位：{unit}）"],
        footer=[["合計", *(table.totals.years.get(fy, 0) for fy in years), table.totals.total]],
        trailer=[
            "種別と区分の対応："
            + "、".join(f"{kind}→{cls}" + ("" if own else "（既定）") for kind, cls, own in table.mapping)
        ],
    )
