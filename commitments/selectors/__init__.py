"""Every read shared by pages, commands, exports and e-mails, so every surface shows the same numbers."""

from commitments.selectors.as_of import commitment_state_counts, commitment_stats_as_of, day_label, wareki_day
from commitments.selectors.books_as_of import BookCommitment, PointOfView, books_as_of, fiscal_years_of_books
from commitments.selectors.chousho import ChoushoLayout, ChoushoReport, ChoushoRow, FundingColumn, chousho_report
from commitments.selectors.chousho_page import ChoushoPage, chousho_page
from commitments.selectors.exceptions import ExceptionSection, ExceptionsReport
from commitments.selectors.exceptions_report import exceptions_report
from commitments.selectors.exposure import (
    approved_commitments,
    burden_span,
    commitments_visible_to,
    exposure_commitments,
    exposure_page_commitments,
    exposure_snapshot_table,
    exposure_table,
    exposure_totals,
    exposure_totals_of_scope,
    fiscal_years_with_projection,
    segments_of,
    snapshot_dates,
    stale_commitment_count,
)
from commitments.selectors.exposure_as_of import (
    exposure_books,
    exposure_rows_as_of,
    exposure_totals_as_of,
)
from commitments.selectors.exposure_types import BASES, BY_CHOICES, ExposureTable
from commitments.selectors.history import Change, CommitmentRecord, HistoryEntry, commitment_history, commitment_record

__all__ = [
    "BASES",
    "BY_CHOICES",
    "BookCommitment",
    "Change",
    "ChoushoLayout",
    "ChoushoPage",
    "ChoushoReport",
    "ChoushoRow",
    "CommitmentRecord",
    "ExceptionSection",
    "ExceptionsReport",
    "ExposureTable",
    "FundingColumn",
    "HistoryEntry",
    "PointOfView",
    "approved_commitments",
    "books_as_of",
    "burden_span",
    "chousho_page",
    "chousho_report",
    "commitment_history",
    "commitment_record",
    "commitment_state_counts",
    "commitment_stats_as_of",
    "commitments_visible_to",
    "day_label",
    "exceptions_report",
    "exposure_books",
    "exposure_commitments",
    "exposure_page_commitments",
    "exposure_rows_as_of",
    "exposure_snapshot_table",
    "exposure_table",
    "exposure_totals",
    "exposure_totals_as_of",
    "exposure_totals_of_scope",
    "fiscal_years_of_books",
    "fiscal_years_with_projection",
    "segments_of",
    "snapshot_dates",
    "stale_commitment_count",
    "wareki_day",
]
