"""Lines 3e–3g: the summary page (segment × fiscal year totals and chart) held against the same page for an
organization of 1,000 commitments in the same database and against its in-memory floor, as 3c–3d hold the exposure
page; the burden page against its 1,000-commitment self (its in-memory floor is not built)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import QueryDict
from django.test.utils import override_settings
from django.urls import reverse

from commitments import selectors
from commitments.filters import exposure_options
from devtools.benchmarks.data import BenchData
from devtools.benchmarks.floor_page import SUMMARY_FLOOR_PATH, FloorSummaryView
from devtools.benchmarks.measure import Line, median, seconds
from devtools.benchmarks.reads import SMALL_SIZE, _client, _timed_gets, small_auditor

SUMMARY = "summary page"


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
    client = _client(data.auditor)
    page, floor = [], []
    with override_settings(ROOT_URLCONF="devtools.benchmarks.floor_page"):
        for _ in range(2):  # interleaved
            page += _timed_gets(client, reverse("exposure-summary"), params, 10)
            floor += _timed_gets(client, "/" + SUMMARY_FLOOR_PATH, params, 10)
    figure, floor_s = median(page), median(floor)
    return Line(
        key="3f",
        what=f"{SUMMARY} vs its in-memory floor",
        figure=f"median {seconds(figure)}",
        floor=f"same view and template from memory {seconds(floor_s)}",
        ratio=figure / floor_s,
        target="≤ 3× floor",
        met=figure / floor_s <= 3,
        note=f"{len(table.rows)} segments × {len(FloorSummaryView.years)} fiscal years; 2 × 10 requests each, "
        "interleaved, after a warm-up",
        values={"seconds": figure, "floor_seconds": floor_s},
    )
