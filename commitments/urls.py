"""URLs of the auditor site."""

from typing import Any

from django.urls import URLPattern, path

from commitments import views


def page_with_exports(route: str, name: str, page: Any, csv: Any, xlsx: Any, pdf: Any = None) -> list[URLPattern]:
    """A page and its downloads, `<route>export.csv|xlsx|pdf` named `<name>-csv`, `<name>-xlsx` and `<name>-pdf`."""
    downloads = [("csv", csv), ("xlsx", xlsx)] + ([("pdf", pdf)] if pdf is not None else [])
    return [path(route, page.as_view(), name=name)] + [
        path(f"{route}export.{kind}", view.as_view(), name=f"{name}-{kind}") for kind, view in downloads
    ]


urlpatterns = [
    *page_with_exports(
        "exposure/",
        "exposure",
        views.ExposureView,
        views.ExposureCsvView,
        views.ExposureXlsxView,
        views.ExposurePdfView,
    ),
    path("commitments/<int:pk>/", views.CommitmentDetailView.as_view(), name="commitment-detail"),
    *page_with_exports(
        "exposure/summary/",
        "exposure-summary",
        views.ExposureSummaryView,
        views.ExposureSummaryCsvView,
        views.ExposureSummaryXlsxView,
        views.ExposureSummaryPdfView,
    ),
    *page_with_exports(
        "reports/chousho/",
        "chousho",
        views.ChoushoView,
        views.ChoushoCsvView,
        views.ChoushoXlsxView,
        views.ChoushoPdfView,
    ),
    *page_with_exports(
        "reports/exceptions/", "exceptions", views.ExceptionsView, views.ExceptionsCsvView, views.ExceptionsXlsxView
    ),
    path("exposure/burden/", views.BurdenView.as_view(), name="burden"),
    path("exposure/burden/statistics/", views.BurdenStatisticsView.as_view(), name="burden-statistics"),
    path(
        "exposure/burden/statistics/export.xlsx",
        views.BurdenStatisticsXlsxView.as_view(),
        name="burden-statistics-xlsx",
    ),
    path("reports/preview/", views.ReportPreviewView.as_view(), name="report-preview"),
]
