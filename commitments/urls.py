"""URLs of the auditor site."""

from django.urls import path

from commitments import views

urlpatterns = [
    path("exposure/", views.ExposureView.as_view(), name="exposure"),
    path("commitments/<int:pk>/", views.CommitmentDetailView.as_view(), name="commitment-detail"),
    path("exposure/export.csv", views.ExposureCsvView.as_view(), name="exposure-csv"),
    path("exposure/export.xlsx", views.ExposureXlsxView.as_view(), name="exposure-xlsx"),
    path("exposure/summary/", views.ExposureSummaryView.as_view(), name="exposure-summary"),
    path("exposure/burden/", views.BurdenView.as_view(), name="burden"),
    path("exposure/burden/statistics/", views.BurdenStatisticsView.as_view(), name="burden-statistics"),
    path(
        "exposure/burden/statistics/export.xlsx",
        views.BurdenStatisticsXlsxView.as_view(),
        name="burden-statistics-xlsx",
    ),
    path("reports/chousho/", views.ChoushoView.as_view(), name="chousho"),
    path("reports/chousho/export.xlsx", views.ChoushoXlsxView.as_view(), name="chousho-xlsx"),
    path("reports/chousho/export.csv", views.ChoushoCsvView.as_view(), name="chousho-csv"),
    path("reports/exceptions/", views.ExceptionsView.as_view(), name="exceptions"),
    path("reports/exceptions/export.xlsx", views.ExceptionsXlsxView.as_view(), name="exceptions-xlsx"),
    path("reports/exceptions/export.csv", views.ExceptionsCsvView.as_view(), name="exceptions-csv"),
    path("reports/preview/", views.ReportPreviewView.as_view(), name="report-preview"),
]
