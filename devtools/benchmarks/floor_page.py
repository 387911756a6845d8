"""The in-memory floors of the exposure page (line 3d), the summary page (3f), the burden page (3h) and the 調書
page (3j): the same view class, template and middleware, the exposure page's 50 rows, year columns and footer (the
summary's segment × year table; the burden page's report and what-if choices; the 調書's page of rows with the whole
report's totals) taken from what was read once instead of from the database. What is left is the cost of a request
that renders the page: session and user, the filters' segments, the template."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.urls import path

from commitments import selectors
from commitments.models import Commitment
from commitments.views.burden import BurdenReads, BurdenView
from commitments.views.exposure import ExposureView
from commitments.views.reports import ChoushoView
from commitments.views.summary import ExposureSummaryView
from jlis_commitments.urls import urlpatterns as project_urlpatterns

FLOOR_PATH = "bench-floor/exposure/"
SUMMARY_FLOOR_PATH = "bench-floor/summary/"
BURDEN_FLOOR_PATH = "bench-floor/burden/"
CHOUSHO_FLOOR_PATH = "bench-floor/chousho/"


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


class FloorBurdenView(BurdenView):
    """BurdenView with what it reads (the report, the what-if choices and their count) read once, before the timing."""

    reads: ClassVar[BurdenReads | None] = None

    def burden_reads(self, *, as_of: datetime.date | None) -> BurdenReads:
        assert self.reads is not None, "set FloorBurdenView.reads before requesting the floor"
        return self.reads


class FloorChoushoView(ChoushoView):
    """ChoushoView with its page of the 調書 (the rows and the whole report's totals and lists) read once."""

    page: ClassVar[selectors.ChoushoPage | None] = None

    def chousho_page(self, year: int, as_of: datetime.date | None) -> selectors.ChoushoPage:
        assert self.page is not None, "set FloorChoushoView.page before requesting the floor"
        return self.page


# The project's URLs plus the floors' (the bench points ROOT_URLCONF here while it measures lines 3d, 3f, 3h, 3j).
urlpatterns = [
    path(FLOOR_PATH, FloorExposureView.as_view(), name="bench_floor_exposure"),
    path(SUMMARY_FLOOR_PATH, FloorSummaryView.as_view(), name="bench_floor_summary"),
    path(BURDEN_FLOOR_PATH, FloorBurdenView.as_view(), name="bench_floor_burden"),
    path(CHOUSHO_FLOOR_PATH, FloorChoushoView.as_view(), name="bench_floor_chousho"),
    *project_urlpatterns,
]
