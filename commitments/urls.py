"""URLs of the auditor site."""

from django.urls import path

from commitments import views

urlpatterns = [
    path("exposure/", views.ExposureView.as_view(), name="exposure"),
    path("commitments/<int:pk>/", views.CommitmentDetailView.as_view(), name="commitment-detail"),
    path("exposure/export.csv", views.ExposureCsvView.as_view(), name="exposure-csv"),
    path("exposure/export.xlsx", views.ExposureXlsxView.as_view(), name="exposure-xlsx"),
    path("exposure/summary/", views.ExposureSummaryView.as_view(), name="exposure-summary"),
]
