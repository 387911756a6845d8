"""Lines 3e–3j: the summary page (segment × fiscal year totals and chart, 3e/3f), the burden page (3g/3h) and the
first page of the 調書 (3i/3j) each held against the same page for an organization of 1,000 commitments in the same
database and against its in-memory floor (floor_page.py), as 3c–3d hold the exposure page."""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import urlencode

from django.http import QueryDict
from django.test import RequestFactory
from django.test.utils import override_settings
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
from devtools.benchmarks.measure import Line, median, seconds
from devtools.benchmarks.reads import SMALL_SIZE, _client, _timed_gets, small_auditor

V = TypeVar("V", BurdenView, ChoushoView)
SUMMARY = "summary page"
CHOUSHO = "調書 page (first 100 rows, as of today)"


def _summary_params(data: BenchData) -> dict[str, str]:
    return {"basis": "total", "fy_from": str(data.as_of_fy - 2), "fy_to": str(data.as_of_fy + 7)}


def _against_small(data: BenchData, url: str, params: dict[str, str]) -> tuple[float, float]:
    """Medians of `url` as the bench organization's auditor and as the 1,000-commitment one's, interleaved."""
    large_client, small_client = _client(data.auditor), _client(small_auditor(data))
    large_samples, small_samples = [], []
    for _ in range(2):  # interleaved, so that a busy moment of the machine weighs on both
        large_samples += _timed_gets(large_client, url, params, 10)
        small_samples += _timed_gets(small_client, url, params, 10)
    return median(large_samples), median(small_samples)


def _small_line(data: BenchData, key: str, page: str, large: float, floor: float, note: str) -> Line:
    return Line(
        key=key,
        what=f"{page} at {data.projected():,} approved vs {SMALL_SIZE:,} commitments",
        figure=f"median {seconds(large)}",
        floor=f"{SMALL_SIZE:,}-commitment organization {seconds(floor)}",
        ratio=large / floor,
        target="≤ 1.2× floor",
        met=large / floor <= 1.2,
        note=f"{note}, the same URL as each organization's auditor; 2 × 10 requests each, interleaved, after a warm-up",
        values={"seconds": large, "floor_seconds": floor},
    )


def measure_summary_against_small(data: BenchData) -> Line:
    """3e: /exposure/summary/ over the bench's organization and over the 1,000-commitment one."""
    large, floor = _against_small(data, reverse("exposure-summary"), _summary_params(data))
    return _small_line(data, "3e", SUMMARY, large, floor, "/exposure/summary/ (segments × 10 fiscal years, the chart)")


def measure_burden_against_small(data: BenchData) -> Line:
    """3g: /exposure/burden/ (the coming years' outflow by segment against the frames, the chart) likewise."""
    large, floor = _against_small(data, reverse("burden"), {})
    return _small_line(data, "3g", "burden page", large, floor, "/exposure/burden/ (segments × coming years, chart)")


def measure_summary_against_floor(data: BenchData) -> Line:
    """3f: the summary page against the same view, template and middleware rendering the same segment × year
    table read once before the timing (floor_page.FloorSummaryView)."""
    params = _summary_params(data)
    _, options = exposure_options(QueryDict(urlencode(params)), today=data.as_of, default_basis="remaining")
    table = selectors.exposure_table(
        organization_ids=[data.organization.pk], as_of=None, basis=options.basis, by="segment", from_fy=options.fy_from
    )
    FloorSummaryView.table = table
    FloorSummaryView.years = options.years(table.fiscal_years)
    figure, floor = _against_floor(data, reverse("exposure-summary"), SUMMARY_FLOOR_PATH, params)
    note = f"{len(table.rows)} segments × {len(FloorSummaryView.years)} fiscal years"
    return _floor_line("3f", SUMMARY, figure, floor, note)


def _against_floor(data: BenchData, url: str, floor_path: str, params: dict[str, str]) -> tuple[float, float]:
    """Medians of `url` and of its floor `floor_path` as the bench organization's auditor, interleaved."""
    client = _client(data.auditor)
    page, floor = [], []
    with override_settings(ROOT_URLCONF="devtools.benchmarks.floor_page"):
        for _ in range(2):  # interleaved
            page += _timed_gets(client, url, params, 10)
            floor += _timed_gets(client, "/" + floor_path, params, 10)
    return median(page), median(floor)


def _floor_line(key: str, what: str, figure: float, floor: float, note: str) -> Line:
    return Line(
        key=key,
        what=f"{what} vs its in-memory floor",
        figure=f"median {seconds(figure)}",
        floor=f"same view and template from memory {seconds(floor)}",
        ratio=figure / floor,
        target="≤ 3× floor",
        met=figure / floor <= 3,
        note=f"{note}; 2 × 10 requests each, interleaved, after a warm-up",
        values={"seconds": figure, "floor_seconds": floor},
    )


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
    figure, floor = _against_floor(data, url, BURDEN_FLOOR_PATH, {})
    rows, years = len(reads.report.rows), len(reads.report.fiscal_years)
    note = f"/exposure/burden/: {rows} segments × {years} coming years, {len(reads.choices)} what-if choices"
    return _floor_line("3h", "burden page", figure, floor, note)


def _chousho_params() -> dict[str, str]:
    return {"as_of": timezone.localdate().isoformat()}  # today: the stored projection; the current budget year


def measure_chousho_against_small(data: BenchData) -> Line:
    """3i: the 調書's first page as of today (the stored projection, the current budget year) over the bench's
    organization and over the 1,000-commitment one."""
    large, floor = _against_small(data, reverse("chousho"), _chousho_params())
    return _small_line(data, "3i", CHOUSHO, large, floor, "/reports/chousho/?as_of=today (100 rows, whole-report 合計)")


def measure_chousho_against_floor(data: BenchData) -> Line:
    """3j: the 調書's first page against the same view rendering the same page (its rows, the whole report's totals,
    count and lists) read once before the timing (floor_page.FloorChoushoView)."""
    url, params = reverse("chousho"), _chousho_params()
    view = _view_for(ChoushoView, data, url, params)
    today = timezone.localdate()
    FloorChoushoView.page = page = view.chousho_page(view.budget_year, today)
    figure, floor = _against_floor(data, url, CHOUSHO_FLOOR_PATH, params)
    note = f"rows {page.first}–{page.last} of {page.row_count:,}, {len(page.columns)} funding columns"
    return _floor_line("3j", CHOUSHO, figure, floor, note)
