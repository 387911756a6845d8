"""The in-memory floors of the exposure page (line 3d) and the summary page (line 3f): the same view class, template
and middleware, the exposure page's 50 rows, year columns and footer (the summary's segment × year table) taken from
what was read once instead of from the database. What is left is the cost of a request that renders the page:
session and user, the filters' segments, the template."""

from __future__ import annotations

from typing import Any, ClassVar

from django.urls import path

from commitments import selectors
from commitments.models import Commitment
from commitments.views.exposure import ExposureView
from commitments.views.summary import ExposureSummaryView
from jlis_commitments.urls import urlpatterns as project_urlpatterns

FLOOR_PATH = "bench-floor/exposure/"
SUMMARY_FLOOR_PATH = "bench-floor/summary/"


class FloorExposureView(ExposureView):
    """ExposureView on its list path (the one the books of another day take), fed from memory."""

    rows: ClassVar[list[Commitment]] = []
    years: ClassVar[list[int]] = []
    totals: ClassVar[dict[str, int]] = {}

    def get_queryset(self) -> Any:
        self.as_of = self.today  # the list path: get_table_data → rows_as_of
        self.filtered_count = None  # no filter: the count comes with the footer totals
        self.fiscal_years = list(self.years)
        return Commitment.objects.none()

    def rows_as_of(self, filterset: Any) -> list[Commitment]:
        return self.rows

    def footer_totals(self, commitments: Any) -> dict[str, int]:
        return self.totals


class FloorSummaryView(ExposureSummaryView):
    """ExposureSummaryView with its segment × year table and years read once, before the timing."""

    table: ClassVar[selectors.ExposureTable | None] = None
    years: ClassVar[list[int]] = []

    def summary_table(self) -> tuple[selectors.ExposureTable, list[int]]:
        assert self.table is not None, "set FloorSummaryView.table before requesting the floor"
        return self.table, list(self.years)


# The project's URLs plus the floors' (the bench points ROOT_URLCONF here while it measures lines 3d and 3f).
urlpatterns = [
    path(FLOOR_PATH, FloorExposureView.as_view(), name="bench_floor_exposure"),
    path(SUMMARY_FLOOR_PATH, FloorSummaryView.as_view(), name="bench_floor_summary"),
    *project_urlpatterns,
]
