"""The files attached to a report: the downloads of the page the report is about, built by `commitments.exports`.

Each kind attaches what its page offers (the summary by segment, the exposure matrix, the 調書, the exceptions), in
the e-mail's unit and Japanese era years, with the same columns, totals and notes as the page's CSV and XLSX.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from commitments import exports, selectors
from commitments.models import ReportSubscription
from commitments.reporting.mime import Attachment

CSV_MIMETYPE = "text/csv"
YEAR_STYLE = "wareki"


@dataclass
class Download:
    """A page's download: the file-name stem, the workbook's tables and the CSV's table (built when written)."""

    stem: str
    xlsx: Callable[[], list[exports.ExportTable]]
    csv: Callable[[], exports.ExportTable]

    def attachments(self, subscription: ReportSubscription) -> list[Attachment]:
        """The files the subscription asks for."""
        files = []
        if subscription.attach_xlsx:
            files.append(Attachment(f"{self.stem}.xlsx", exports.xlsx_bytes(self.xlsx()), exports.XLSX_CONTENT_TYPE))
        if subscription.attach_csv:
            files.append(Attachment(f"{self.stem}.csv", exports.csv_bytes(self.csv()), CSV_MIMETYPE))
        return files


def summary_download(
    stem: str, subscription: ReportSubscription, table: selectors.ExposureTable, *, unit: str, day: datetime.date
) -> Download:
    """The summary page's table: 事業区分 by fiscal year."""

    def build() -> exports.ExportTable:
        return exports.exposure_summary_export(
            table, unit=unit, year_style=YEAR_STYLE, day=day, organization=subscription.organization.name
        )

    return Download(stem, lambda: [build()], build)


def matrix_download(stem: str, subscription: ReportSubscription, *, unit: str, day: datetime.date) -> Download:
    """The exposure page's matrix of every approved commitment of the organization, every projected year."""
    scope = [subscription.organization_id]
    basis = subscription.basis

    def build() -> exports.ExportTable:
        years = selectors.fiscal_years_with_projection(organization_ids=scope)
        return exports.exposure_matrix_export(
            selectors.exposure_commitments(organization_ids=scope, fiscal_years=years, basis=basis),
            fiscal_years=years,
            totals=selectors.exposure_totals_of_scope(organization_ids=scope, fiscal_years=years, basis=basis),
            basis=basis,
            unit=unit,
            year_style=YEAR_STYLE,
            day=day,
            organization=subscription.organization.name,
        )

    return Download(stem, lambda: [build()], build)


def chousho_download(stem: str, report: selectors.ChoushoReport, *, unit: str) -> Download:
    """The 調書 page's statutory table."""
    return Download(
        stem, lambda: [exports.chousho_sheet(report, unit=unit)], lambda: exports.chousho_sheet(report, unit=unit)
    )


def exceptions_download(stem: str, report: selectors.ExceptionsReport, *, unit: str) -> Download:
    """The exceptions page's downloads: one sheet per section, or one CSV table with a 区分 column."""
    return Download(
        stem,
        lambda: exports.exceptions_sheets(report, unit=unit),
        lambda: exports.exceptions_flat_sheet(report, unit=unit),
    )
