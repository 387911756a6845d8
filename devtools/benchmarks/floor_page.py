"""The in-memory floor of the exposure page (line 3d): the same view class, template and middleware, its 50 rows,
year columns and footer taken from a list made once instead of from the database. What is left is the cost of a
request that renders the page: session and user, the filters' segments, the template."""

from __future__ import annotations

from typing import Any, ClassVar

from django.urls import path

from commitments.models import Commitment
from commitments.views.exposure import ExposureView
from jlis_commitments.urls import urlpatterns as project_urlpatterns

FLOOR_PATH = "bench-floor/exposure/"


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


# The project's URLs plus the floor's (the bench points ROOT_URLCONF here while it measures line 3d).
urlpatterns = [path(FLOOR_PATH, FloorExposureView.as_view(), name="bench_floor_exposure"), *project_urlpatterns]
