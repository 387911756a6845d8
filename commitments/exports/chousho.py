"""The 調書 as a download: the statutory layout (事項, 限度額, spent and planned periods and amounts, 財源内訳),
the same columns and header as the page, its rows, totals, tie-out lines and 基準日. Japanese in every language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from commitments import fiscal
from commitments.exports.table import Column, ExportTable, HeaderCell
from commitments.selectors import ChoushoLayout, ChoushoPage, ChoushoReport, ChoushoRow, chousho, wareki_day
from commitments.vocabulary import DEFAULT_ERA, DEFAULT_UNIT


def chousho_header(report: ChoushoLayout, *, style: str = "wareki") -> list[list[HeaderCell]]:
    """The statutory header: 事項, 限度額, spent (期間, 金額), planned (期間, 金額), 財源内訳 (特定財源 …, 一般財源)."""
    specific = report.specific_columns
    general = report.general_column
    unset = report.unset_column
    funding_width = len(report.columns)
    top = [
        HeaderCell("事項", rowspan=3),
        HeaderCell("限度額", rowspan=3),
        HeaderCell(chousho.spent_header(report.budget_year, style=style), colspan=2),
        HeaderCell(chousho.planned_header(report.budget_year, style=style), colspan=2),
    ]
    middle = [HeaderCell("期間", rowspan=2), HeaderCell("金額", rowspan=2)] * 2
    bottom: list[HeaderCell] = []
    if funding_width:
        top.append(HeaderCell("財源内訳", colspan=funding_width))
        if specific:
            middle.append(HeaderCell("特定財源", colspan=len(specific)))
            bottom.extend(HeaderCell(c.name) for c in specific)
        if general is not None:
            if general.name == "一般財源":
                middle.append(HeaderCell("一般財源", rowspan=2))
            else:
                middle.append(HeaderCell("一般財源"))
                bottom.append(HeaderCell(general.name))
        if unset is not None:
            middle.append(HeaderCell(unset.name, rowspan=2))
    top.extend([HeaderCell("照合差額", rowspan=3), HeaderCell("備考", rowspan=3)])
    return [top, middle, bottom]


def chousho_columns(report: ChoushoLayout) -> list[Column]:
    """The leaf columns, in the header's order."""
    return [
        Column("事項", width=40),
        Column("限度額", "amount"),
        Column("期間", width=16),
        Column("金額", "amount"),
        Column("期間", width=16),
        Column("金額", "amount"),
        *[Column(c.name, "amount") for c in report.columns],
        Column("照合差額", "amount"),
        Column("備考", width=30),
    ]


def chousho_remarks(row: ChoushoRow) -> str:
    """What an auditor must know about a row: text limit, untied, how the funding was found, lapsed/abolished, or
    not yet approved (a draft's commitment entered for its year)."""
    notes: list[str] = []
    if row.is_text_limit:
        notes.append("限度額は文言（合計に含めず）")
    if not row.ties:
        notes.append("限度額と支出額・支出予定額の計が不一致")
    if row.funding_basis == "scaled":
        notes.append(f"財源内訳は{fiscal.format_fiscal_year(row.funding_year or 0)}の内訳を按分")
    elif row.funding_basis == "unset":
        notes.append("財源内訳未設定")
    if row.funding_difference_yen:
        notes.append("財源内訳の計が支出予定額と不一致")
    if row.status in ("lapsed", "abolished", "completed", "draft", "submitted"):
        labels = {"lapsed": "失効", "abolished": "廃止", "completed": "完了", "draft": "未承認", "submitted": "未承認"}
        notes.append(labels[row.status])
    return "・".join(notes)


@dataclass(frozen=True)
class ChoushoLine:
    """One row as printed: periods in the book's style, amounts in yen (None where the book leaves a blank)."""

    matter: str
    limit: int | str | None
    spent_period: str | None
    spent: int | None
    planned_period: str
    planned: int
    funding: list[int | None]
    difference: int
    remarks: str

    def cells(self) -> list[Any]:
        """The cells in column order."""
        return [
            self.matter,
            self.limit,
            self.spent_period,
            self.spent,
            self.planned_period,
            self.planned,
            *self.funding,
            self.difference,
            self.remarks,
        ]


def chousho_line(row: ChoushoRow, report: ChoushoLayout, *, style: str = "wareki") -> ChoushoLine:
    """One row of the 調書 as the page and the exports show it (text where the book prints text)."""
    y = report.budget_year
    spent_period = row.spent_period
    return ChoushoLine(
        matter=row.matter,
        limit=row.limit_text if row.is_text_limit else row.limit_yen,
        spent_period=chousho.book_span(*spent_period, y, style=style) if spent_period else None,
        spent=row.spent_yen if spent_period or row.spent_yen else None,
        planned_period=chousho.book_span(*row.planned_period, y, style=style),
        planned=row.planned_yen,
        funding=[row.funding.get(c.key) or None for c in report.columns],
        difference=row.difference_yen,
        remarks=chousho_remarks(row),
    )


def chousho_cells(row: ChoushoRow, report: ChoushoLayout, *, style: str = "wareki") -> list[Any]:
    """One row's cells in column order."""
    return chousho_line(row, report, style=style).cells()


def chousho_trailer(report: ChoushoReport | ChoushoPage, *, unit: str) -> list[str]:
    """The tie-out line and the notes printed under the table (a page names at most the first rows of each list, and
    says how many more the downloads name)."""
    totals = report.totals
    lines = [
        "照合：限度額 {limit} ＝ 支出(見込)額 {spent} ＋ 支出予定額 {planned} ＋ 差額 {diff}（{unit}）".format(
            limit=fiscal.format_amount(totals["limit_yen"], unit=unit),
            spent=fiscal.format_amount(totals["spent_yen"], unit=unit),
            planned=fiscal.format_amount(totals["planned_yen"], unit=unit),
            diff=fiscal.format_amount(totals["difference_yen"], unit=unit),
            unit=unit,
        ),
        f"一致しない行：{report.untied_count}件" if report.untied_count else f"全{report.row_count}件で一致",
    ]
    for row in report.untied_rows:
        lines.append(f"　{row.matter}：差額 {fiscal.format_amount(row.difference_yen, unit=unit)}")
    if report.untied_count > len(report.untied_rows):
        lines.append(f"　ほか{report.untied_count - len(report.untied_rows)}件（ダウンロードに全件）")
    for row in report.text_limit_rows:
        estimate = (
            f"（見込額 {fiscal.format_amount(row.estimated_limit_yen, unit=unit)}）" if row.estimated_limit_yen else ""
        )
        lines.append(f"※限度額が文言：{row.matter}「{row.limit_text}」{estimate} は合計に含めていません。")
    if report.text_limit_count > len(report.text_limit_rows):
        more = report.text_limit_count - len(report.text_limit_rows)
        lines.append(f"※ほかに限度額が文言の行が{more}件あります（ダウンロードに全件）。")
    if report.stale_count:
        lines.append(f"※推計未更新の債務負担行為が{report.stale_count}件あります（反映後に再出力してください）。")
    return lines


def chousho_as_of_line(report: ChoushoReport | ChoushoPage) -> str:
    """The line under a download's table saying whose books it shows: the 基準日 and the point of view."""
    day = wareki_day(report.as_of) if report.as_of else ""
    year = fiscal.format_fiscal_year(report.budget_year)
    views = {
        "budget": f"{year}予算の時点：前年度末までの支出額と、当該年度の権限を含む当該年度以降の支出予定額",
        "draft": f"見込：{year}予算の調書案（現在の帳簿から作成）。"
        "支出(見込)額は現在までの支出額と3月31日までの支払予定額",
        "day": "その日の終了時点の記録から計算",
        "current": "現在の推計",
    }
    return f"基準日：{day}（{views[report.view]}）"


def chousho_sheet(report: ChoushoReport, *, unit: str = DEFAULT_UNIT, style: str = DEFAULT_ERA) -> ExportTable:
    """The 調書 as an ExportTable (same columns and header as the page); a draft's heading says 見込."""
    totals = report.totals
    year = fiscal.format_fiscal_year(report.budget_year, style="seireki" if style == "seireki" else "wareki")
    footer = [
        "合計",
        totals["limit_yen"],
        None,
        totals["spent_yen"],
        None,
        totals["planned_yen"],
        *[totals["funding_yen"][c.key] for c in report.columns],
        totals["difference_yen"],
        "",
    ]
    return ExportTable(
        title=f"調書 {year}",
        heading=chousho.TITLE,
        columns=chousho_columns(report),
        header=chousho_header(report, style=style),
        rows=(chousho_cells(row, report, style=style) for row in report.rows),
        footer=[footer],
        unit=unit,
        notes=[f"{report.organization.name}　{year}予算{'（見込）' if report.is_draft else ''}", f"（単位：{unit}）"],
        trailer=[*chousho_trailer(report, unit=unit), chousho_as_of_line(report)],
        unit_in_csv_header=False,
    )
