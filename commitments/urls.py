"""URLs of the auditor site."""

from django.urls import path

from commitments import views

urlpatterns = [
    path("exposure/", views.ExposureView.as_view(), name="exposure"),
    path("commitments/<int:pk>/", views.CommitmentDetailView.as_view(), name="commitment-detail"),
    path("exposure/export.csv", views.ExposureCsvView.as_view(), name="exposure-csv"),
    path("exposure/export.xlsx", views.ExposureXlsxView.as_view(), name="exposure-xlsx"),
    path("exposure/export.pdf", views.ExposurePdfView.as_view(), name="exposure-pdf"),
    path("exposure/summary/", views.ExposureSummaryView.as_view(), name="exposure-summary"),
    path("exposure/summary/export.csv", views.ExposureSummaryCsvView.as_view(), name="exposure-summary-csv"),
    path("exposure/summary/export.xlsx", views.ExposureSummaryXlsxView.as_view(), name="exposure-summary-xlsx"),
    path("exposure/summary/export.pdf", views.ExposureSummaryPdfView.as_view(), name="exposure-summary-pdf"),
    path("reports/chousho/", views.ChoushoView.as_view(), name="chousho"),
    path("reports/chousho/export.xlsx", views.ChoushoXlsxView.as_view(), name="chousho-xlsx"),
    path("reports/chousho/export.csv", views.ChoushoCsvView.as_view(), name="chousho-csv"),
    path("reports/chousho/export.pdf", views.ChoushoPdfView.as_view(), name="chousho-pdf"),
    path("reports/exceptions/", views.ExceptionsView.as_view(), name="exceptions"),
    path("reports/exceptions/export.xlsx", views.ExceptionsXlsxView.as_view(), name="exceptions-xlsx"),
    path("reports/exceptions/export.csv", views.ExceptionsCsvView.as_view(), name="exceptions-csv"),
    path("reports/preview/", views.ReportPreviewView.as_view(), name="report-preview"),
]
