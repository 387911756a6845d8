"""URLs of the auditor site."""

from typing import Any

from django.urls import URLPattern, path

from commitments import views


def page_with_exports(route: str, name: str, page: Any, csv: Any, xlsx: Any) -> list[URLPattern]:
    """A page and its downloads, `<route>export.csv` and `<route>export.xlsx` named `<name>-csv` and `<name>-xlsx`."""
    return [
        path(route, page.as_view(), name=name),
        path(f"{route}export.csv", csv.as_view(), name=f"{name}-csv"),
        path(f"{route}export.xlsx", xlsx.as_view(), name=f"{name}-xlsx"),
    ]


urlpatterns = [
    *page_with_exports("exposure/", "exposure", views.ExposureView, views.ExposureCsvView, views.ExposureXlsxView),
    path("commitments/<int:pk>/", views.CommitmentDetailView.as_view(), name="commitment-detail"),
    path("exposure/summary/", views.ExposureSummaryView.as_view(), name="exposure-summary"),
    *page_with_exports("reports/chousho/", "chousho", views.ChoushoView, views.ChoushoCsvView, views.ChoushoXlsxView),
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
