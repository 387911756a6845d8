"""Auditor site: read-only pages for auditors, management and staff."""

from commitments.views.base import READER_GROUPS, ReaderRequiredMixin, organization_scope
from commitments.views.burden import BurdenStatisticsView, BurdenStatisticsXlsxView, BurdenView
from commitments.views.detail import CommitmentDetailView
from commitments.views.exposure import ExposureCsvView, ExposurePdfView, ExposureView, ExposureXlsxView
from commitments.views.preview import ReportPreviewView
from commitments.views.reports import (
    ChoushoCsvView,
    ChoushoPdfView,
    ChoushoView,
    ChoushoXlsxView,
    ExceptionsCsvView,
    ExceptionsView,
    ExceptionsXlsxView,
)
from commitments.views.summary import (
    ExposureSummaryCsvView,
    ExposureSummaryPdfView,
    ExposureSummaryView,
    ExposureSummaryXlsxView,
)

__all__ = [
    "READER_GROUPS",
    "BurdenStatisticsView",
    "BurdenStatisticsXlsxView",
    "BurdenView",
    "ChoushoCsvView",
    "ChoushoPdfView",
    "ChoushoView",
    "ChoushoXlsxView",
    "CommitmentDetailView",
    "ExceptionsCsvView",
    "ExceptionsView",
    "ExceptionsXlsxView",
    "ExposureCsvView",
    "ExposurePdfView",
    "ExposureSummaryCsvView",
    "ExposureSummaryPdfView",
    "ExposureSummaryView",
    "ExposureSummaryXlsxView",
    "ExposureView",
    "ExposureXlsxView",
    "ReaderRequiredMixin",
    "ReportPreviewView",
    "organization_scope",
]
