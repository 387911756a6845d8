"""Lines 3e–3j: the summary page (segment × fiscal year totals and chart, 3e/3f), the burden page (3g/3h) and the
first page of the 調書 (3i/3j) each held against the same page for an organization of 1,000 commitments in the same
database and against its in-memory floor (floor_page.py), as 3c–3d hold the exposure page."""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import urlencode

from django.http import QueryDict
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from commitments import selectors
from commitments.filters import exposure_options
from commitments.views.burden import BurdenView
from commitments.views.reports import ChoushoView
from devtools.benchmarks.data import BenchData
from devtools.benchmarks.floor_page import (
    BURDEN_FLOOR_PATH,
    CHOUSHO_FLOOR_PATH,
    SUMMARY_FLOOR_PATH,
    FloorBurdenView,
    FloorChoushoView,
    FloorSummaryView,
)
from devtools.benchmarks.measure import Line
from devtools.benchmarks.reads import against_floor, against_small, exposure_params, floor_line, small_line

V = TypeVar("V", BurdenView, ChoushoView)
SUMMARY = "summary page"
CHOUSHO = "調書 page (first 100 rows, as of today)"


def measure_summary_against_small(data: BenchData) -> Line:
    """3e: /exposure/summary/ over the bench's organization and over the 1,000-commitment one."""
    large, floor = against_small(data, reverse("exposure-summary"), exposure_params(data))
    return small_line(data, "3e", SUMMARY, large, floor, "/exposure/summary/ (segments × 10 fiscal years, the chart)")


def measure_burden_against_small(data: BenchData) -> Line:
    """3g: /exposure/burden/ (the coming years' outflow by segment against the frames, the chart) likewise."""
    large, floor = against_small(data, reverse("burden"), {})
    return small_line(data, "3g", "burden page", large, floor, "/exposure/burden/ (segments × coming years, chart)")


def measure_summary_against_floor(data: BenchData) -> Line:
    """3f: the summary page against the same view, template and middleware rendering the same segment × year
    table read once before the timing (floor_page.FloorSummaryView)."""
    params = exposure_params(data)
    _, options = exposure_options(QueryDict(urlencode(params)), today=data.as_of, default_basis="remaining")
    table = selectors.exposure_table(
        organization_ids=[data.organization.pk], as_of=None, basis=options.basis, by="segment", from_fy=options.fy_from
    )
    FloorSummaryView.table = table
    FloorSummaryView.years = options.years(table.fiscal_years)
    figure, floor = against_floor(data, reverse("exposure-summary"), SUMMARY_FLOOR_PATH, params)
    note = f"{len(table.rows)} segments × {len(FloorSummaryView.years)} fiscal years"
    return floor_line("3f", SUMMARY, figure, floor, note)


def _view_for(view_class: type[V], data: BenchData, url: str, params: dict[str, str]) -> V:
    """An instance of a page's view set up for a GET of `url` by the bench organization's auditor (to read what the
    page reads, once, by the page's own code)."""
    request = RequestFactory().get(url, params)
    request.user = data.auditor
    view = view_class()
    view.setup(request)
    return view


def measure_burden_against_floor(data: BenchData) -> Line:
    """3h: the burden page against the same view rendering its report and what-if choices read once before the
    timing (floor_page.FloorBurdenView)."""
    url = reverse("burden")
    view = _view_for(BurdenView, data, url, {})
    FloorBurdenView.reads = reads = view.burden_reads(as_of=None)
    figure, floor = against_floor(data, url, BURDEN_FLOOR_PATH, {})
    rows, years = len(reads.report.rows), len(reads.report.fiscal_years)
    note = f"/exposure/burden/: {rows} segments × {years} coming years, {len(reads.choices)} what-if choices"
    return floor_line("3h", "burden page", figure, floor, note)


def _chousho_params() -> dict[str, str]:
    return {"as_of": timezone.localdate().isoformat()}  # today: the stored projection; the current budget year


def measure_chousho_against_small(data: BenchData) -> Line:
    """3i: the 調書's first page as of today (the stored projection, the current budget year) over the bench's
    organization and over the 1,000-commitment one."""
    large, floor = against_small(data, reverse("chousho"), _chousho_params())
    return small_line(data, "3i", CHOUSHO, large, floor, "/reports/chousho/?as_of=today (100 rows, whole-report 合計)")


def measure_chousho_against_floor(data: BenchData) -> Line:
    """3j: the 調書's first page against the same view rendering the same page (its rows, the whole report's totals,
    count and lists) read once before the timing (floor_page.FloorChoushoView)."""
    url, params = reverse("chousho"), _chousho_params()
    view = _view_for(ChoushoView, data, url, params)
    today = timezone.localdate()
    FloorChoushoView.page = page = view.chousho_page(view.budget_year, today)
    figure, floor = against_floor(data, url, CHOUSHO_FLOOR_PATH, params)
    note = f"rows {page.first}–{page.last} of {page.row_count:,}, {len(page.columns)} funding columns"
    return floor_line("3j", CHOUSHO, figure, floor, note)
