"""Lines 2–4: exposure by fiscal year × segment, the exposure page and the admin changelist; the page-against-page
and page-against-floor measurements lines 3c–3j share."""

from __future__ import annotations

import io
import re
import time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from commitments import selectors
from commitments.filters import exposure_options
from commitments.models import Organization, User
from commitments.services.projection import projection_night
from devtools.benchmarks.data import BenchData
from devtools.benchmarks.floor_page import FLOOR_PATH, FloorExposureView
from devtools.benchmarks.measure import Line, median, p95, repeat, seconds

_RAW_GROUP_BY = """
SELECT fiscal_year, segment_id, SUM(paid_yen) + SUM(contracted_yen) + SUM(uncontracted_yen)
  FROM commitments_projectionyear
 WHERE organization_id = %s
 GROUP BY fiscal_year, segment_id
"""
_ROW_LINK = re.compile(r'href="/commitments/\d+/"')


def measure_segment_exposure(data: BenchData) -> Line:
    """2: exposure_table(by="segment") — what the summary page, reports and e-mails read — vs a raw GROUP BY."""
    org_ids = [data.organization.pk]

    def selector() -> None:
        selectors.exposure_table(organization_ids=org_ids, basis="total", by="segment")

    def raw() -> None:
        with connection.cursor() as cursor:
            cursor.execute(_RAW_GROUP_BY, org_ids)
            cursor.fetchall()

    with CaptureQueriesContext(connection) as queries:
        selector()
    figure = median(repeat(selector, times=7, warmup=1))
    floor = median(repeat(raw, times=7, warmup=1))
    ratio = figure / floor
    return Line(
        key="2",
        what="exposure by fiscal year × segment (selector)",
        figure=seconds(figure),
        floor=f"raw GROUP BY {seconds(floor)}",
        ratio=ratio,
        target="≤ 1.5× floor",
        met=ratio <= 1.5,
        note=f"exposure_table(by='segment', basis='total'), {len(queries)} queries, median of 7 (floor too)",
        values={"seconds": figure, "floor_seconds": floor, "queries": len(queries)},
    )


def exposure_params(data: BenchData) -> dict[str, str]:
    """The query of the exposure and summary pages (lines 3a–3f): basis total, 10 fiscal years around the day."""
    return {"basis": "total", "fy_from": str(data.as_of_fy - 2), "fy_to": str(data.as_of_fy + 7)}


def _host() -> str:
    """A host name ALLOWED_HOSTS accepts (the first entry that names one)."""
    for entry in settings.ALLOWED_HOSTS:
        if entry != "*":
            return entry.lstrip(".")
    return "localhost"


def _client(user: User) -> Client:
    client = Client(HTTP_HOST=_host())
    client.force_login(user)
    return client


def _get(client: Client, url: str, params: dict[str, Any]) -> bytes:
    response = client.get(url, params, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return response.content


def _timed_gets(client: Client, url: str, params: dict[str, Any], times: int) -> list[float]:
    _get(client, url, params)  # warm-up: templates, URL resolver, the database's cache
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        _get(client, url, params)
        samples.append(time.perf_counter() - started)
    return samples


def _query_count(client: Client, url: str, params: dict[str, Any]) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as queries:
        content = _get(client, url, params)
    return len(queries), content


def _page_line(
    key: str,
    what: str,
    samples: list[float],
    *,
    limit: float,
    target: str,
    note: str,
    with_p95: bool = False,
    **values: Any,
) -> Line:
    """A page's timings as a line: met when their median is under `limit` seconds (the p95 shown too if asked)."""
    mid = median(samples)
    spread = {"p95": p95(samples)} if with_p95 else {}
    return Line(
        key=key,
        what=what,
        figure=", ".join([f"median {seconds(mid)}", *(f"p95 {seconds(v)}" for v in spread.values())]),
        target=target,
        met=mid < limit,
        note=note,
        values={"median": mid, **spread, "samples": samples, **values},
    )


def measure_exposure_page(data: BenchData) -> list[Line]:
    """3: /exposure/ with 50 rows and 10 fiscal-year columns, as an auditor of the organization."""
    client = _client(data.auditor)
    url = reverse("exposure")
    params = exposure_params(data)
    samples = _timed_gets(client, url, params, 20)
    full, content = _query_count(client, url, params)
    small, _ = _query_count(client, url, {**params, "per_page": "10"})
    rows = len(_ROW_LINK.findall(content.decode()))
    return [
        _page_line(
            "3a",
            "exposure page, 50 rows × 10 fiscal years",
            samples,
            limit=0.150,
            target="median < 150 ms",
            with_p95=True,
            note=f"20 requests through Django's test client after one warm-up; {rows} rows on the page",
            rows=rows,
        ),
        Line(
            key="3b",
            what="exposure page, queries per request",
            figure=f"{full} (50 rows) / {small} (10 rows)",
            target="constant",
            met=full == small,
            note="the same count for a page of 10 rows; test_exposure_options checks 10 vs 100 commitments",
            values={"queries": full, "queries_10_rows": small},
        ),
    ]


SMALL_ORGANIZATION = "ベンチマーク小団体"
SMALL_SIZE = 1_000


def small_auditor(data: BenchData) -> User:
    """The auditor of an organization of 1,000 commitments generated in the bench's database (projected by the
    night, as a new organization's bulk load is), made on first use."""
    existing = User.objects.filter(username="bench-small-auditor").first()
    if existing is not None:
        return existing
    call_command(
        "generate_commitments",
        SMALL_SIZE,
        seed=2,
        organization=SMALL_ORGANIZATION,
        as_of=data.as_of,
        stdout=io.StringIO(),
    )
    projection_night(as_of=data.as_of)
    small = Organization.objects.get(name=SMALL_ORGANIZATION)
    auditor = User.objects.create_user(username="bench-small-auditor", organization=small)
    auditor.groups.set(Group.objects.filter(name="auditor"))
    return auditor


def measure_page_against_small(data: BenchData) -> Line:
    """3c: the same exposure page over the bench's organization and over one of 1,000 commitments in the same
    database: the page's cost must not follow the number of commitments."""
    large, floor = against_small(data, reverse("exposure"), exposure_params(data))
    return small_line(data, "3c", "exposure page", large, floor, "50 rows × 10 fiscal years")


def measure_page_against_floor(data: BenchData) -> Line:
    """3d: the exposure page against the same view, template and middleware rendering the same 50 rows × 10 years
    and footer from a list in memory (floor_page.FloorExposureView)."""
    params = exposure_params(data)
    org_ids = [data.organization.pk]
    _, options = exposure_options(QueryDict(urlencode(params)), today=data.as_of)
    years = options.years(selectors.fiscal_years_with_projection(organization_ids=org_ids))
    FloorExposureView.years = years
    FloorExposureView.rows = list(
        selectors.exposure_page_commitments(organization_ids=org_ids, fiscal_years=years, basis="total")[:50]
    )
    FloorExposureView.totals = selectors.exposure_totals_of_scope(
        organization_ids=org_ids, fiscal_years=years, basis="total"
    )
    figure, floor = against_floor(data, reverse("exposure"), FLOOR_PATH, params)
    note = f"{len(FloorExposureView.rows)} rows × {len(years)} fiscal years"
    return floor_line("3d", "exposure page", figure, floor, note)


def against_small(data: BenchData, url: str, params: dict[str, str]) -> tuple[float, float]:
    """Medians of `url` as the bench organization's auditor and as the 1,000-commitment one's, interleaved."""
    large_client, small_client = _client(data.auditor), _client(small_auditor(data))
    large_samples, small_samples = [], []
    for _ in range(2):  # interleaved, so that a busy moment of the machine weighs on both
        large_samples += _timed_gets(large_client, url, params, 10)
        small_samples += _timed_gets(small_client, url, params, 10)
    return median(large_samples), median(small_samples)


def small_line(data: BenchData, key: str, page: str, large: float, floor: float, note: str) -> Line:
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


def against_floor(data: BenchData, url: str, floor_path: str, params: dict[str, str]) -> tuple[float, float]:
    """Medians of `url` and of its floor `floor_path` as the bench organization's auditor, interleaved."""
    client = _client(data.auditor)
    page, floor = [], []
    with override_settings(ROOT_URLCONF="devtools.benchmarks.floor_page"):
        for _ in range(2):  # interleaved
            page += _timed_gets(client, url, params, 10)
            floor += _timed_gets(client, "/" + floor_path, params, 10)
    return median(page), median(floor)


def floor_line(key: str, what: str, figure: float, floor: float, note: str) -> Line:
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


def measure_admin_changelist(data: BenchData) -> Line:
    """4: the admin list of commitments (50 a page) as the organization's finance officer."""
    client = _client(data.officer)
    url = reverse("admin:commitments_commitment_changelist")
    samples = _timed_gets(client, url, {}, 10)
    queries, _ = _query_count(client, url, {})
    return _page_line(
        "4",
        "admin commitment changelist",
        samples,
        limit=0.300,
        target="< 300 ms",
        note=f"10 requests after one warm-up; {queries} queries",
        queries=queries,
    )
