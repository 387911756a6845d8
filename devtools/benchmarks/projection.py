"""Line 1: project_all against the INSERT … SELECT generate_series floor, the ORM path, and its memory."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from commitments.models import APPROVED_STATES, Commitment, ProjectionYear
from commitments.services.projection import projection_refresh, projection_refresh_all
from devtools.benchmarks.data import BenchData
from devtools.benchmarks.measure import MB, Line, MemorySampler, median, megabytes, seconds

TARGET_FLOOR = "≤ 2× floor"
TARGET_ORM = "≥ 50× faster"
TARGET_MEMORY = "≤ 512 MB"
MEMORY_LIMIT = 512 * MB

_FLOOR_TABLE = "bench_floor_projection"
_FLOOR_INSERT = f"""
INSERT INTO {_FLOOR_TABLE}
    (commitment_id, organization_id, segment_id, fiscal_year, planned_yen, paid_yen, contracted_yen,
     uncontracted_yen, computed_at)
SELECT g / 5, 1, 1, 2010 + g %% 30, g, g, g, g, now() FROM generate_series(1, %s) AS g
"""


@dataclass
class Run:
    """One timed project_all: seconds and the peak memory of the database backend and of this process."""

    label: str
    seconds: float
    backend_peak: int | None
    process_growth: int | None
    changed: int


def _backend_pid() -> int:
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def _project(label: str, as_of: date) -> Run:
    """Time projection_refresh_all while sampling the backend's private memory and this process's."""
    stamp = timezone.now()
    with MemorySampler(_backend_pid(), "RssAnon") as backend, MemorySampler() as process:
        started = time.perf_counter()
        projection_refresh_all(as_of=as_of)
        elapsed = time.perf_counter() - started
    changed = ProjectionYear.objects.filter(computed_at__gte=stamp).count()
    return Run(label, elapsed, backend.peak, process.growth, changed)


def _index_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'commitments_projectionyear'")
        return int(cursor.fetchone()[0])


def _vacuum() -> None:
    """What autovacuum does between two nightly runs (outside any timing)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) commitments_projectionyear")
        cursor.execute("VACUUM (ANALYZE) commitments_commitment")


def floor_seconds(rows: int, *, times: int = 3, budget_s: float = 60.0) -> list[float]:
    """INSERT … SELECT generate_series of `rows` rows into a copy of the projection table without indexes."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {_FLOOR_TABLE} (LIKE commitments_projectionyear INCLUDING DEFAULTS INCLUDING IDENTITY)"
        )
    samples: list[float] = []
    try:
        while len(samples) < times and sum(samples) < budget_s:
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {_FLOOR_TABLE}")
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(_FLOOR_INSERT, [rows])
            samples.append(time.perf_counter() - started)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_FLOOR_TABLE}")
    return samples


def _one_by_one_sample(data: BenchData, share: int = 100) -> tuple[int, float]:
    """projection_refresh (the engine restricted to one commitment's id) on every `share`-th projected one."""
    ids = list(
        Commitment.objects.filter(organization=data.organization, status__in=APPROVED_STATES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )[::share]
    started = time.perf_counter()
    for pk in ids:
        projection_refresh(commitment_id=pk, as_of=data.as_of)
    return len(ids), time.perf_counter() - started


def _ratio_line(key: str, what: str, run_seconds: float, floor: float, rows: int, note: str) -> Line:
    ratio = run_seconds / floor
    return Line(
        key=key,
        what=what,
        figure=seconds(run_seconds),
        floor=f"{seconds(floor)} ({rows:,} rows)",
        ratio=ratio,
        target=TARGET_FLOOR,
        met=ratio <= 2,
        note=note,
        values={"seconds": run_seconds, "floor_seconds": floor, "rows": rows},
    )


def measure_projection(data: BenchData) -> list[Line]:
    """1a–1e: nightly re-run, first build, next fiscal year, one commitment at a time, peak memory."""
    stale = Commitment.objects.filter(needs_projection=True).count()
    first = _project("first build", data.as_of)
    rows = ProjectionYear.objects.count()
    _vacuum()
    nightly_runs = [_project("nightly re-run", data.as_of) for _ in range(3 if first.seconds < 10 else 1)]
    next_year = _project("next fiscal year", date(data.as_of.year + 1, data.as_of.month, min(data.as_of.day, 28)))
    projection_refresh_all(as_of=data.as_of)  # back to the bench's date for the other lines
    _vacuum()
    floors = floor_seconds(rows)
    floor = median(floors)
    projected = data.projected()
    sampled, orm_total = _one_by_one_sample(data)
    orm_estimate = orm_total / max(sampled, 1) * projected
    nightly = median([r.seconds for r in nightly_runs])
    runs = [first, *nightly_runs, next_year]
    worst = max(runs, key=lambda r: r.backend_peak or 0)
    growth = max((r.process_growth or 0) for r in runs)
    return [
        _ratio_line(
            "1a",
            "project_all, nightly re-run (nothing changed)",
            nightly,
            floor,
            rows,
            f"median of {len(nightly_runs)}; computes every row, rewrites {nightly_runs[-1].changed:,}; "
            "and the snapshot of the day's totals",
        ),
        _ratio_line(
            "1b",
            "project_all, first build after the bulk load",
            first.seconds,
            floor,
            rows,
            f"writes every row ({_index_count()} indexes, 3 foreign-key checks each) and clears {stale:,} stale flags",
        ),
        _ratio_line(
            "1c",
            "project_all, next fiscal year",
            next_year.seconds,
            floor,
            rows,
            f"as of one year later: {next_year.changed:,} rows rewritten (this year's live authority lapses by date, "
            "next year's spreads start)",
        ),
        Line(
            key="1d",
            what="vs one commitment at a time (projection_refresh)",
            figure=f"{seconds(orm_estimate)} (extrapolated)",
            floor=f"project_all {seconds(first.seconds)}",
            ratio=orm_estimate / first.seconds,
            target=TARGET_ORM,
            met=orm_estimate / first.seconds >= 50,
            note=(
                f"projection_refresh (the same SQL by id, as the worker runs it) on a 1 % sample: {sampled:,} "
                f"commitments in {orm_total:.1f} s "
                f"({orm_total / max(sampled, 1) * 1000:.1f} ms each) × {projected:,}; compared with the first build"
            ),
            values={"seconds": orm_estimate, "sample": sampled, "sample_seconds": orm_total, "projected": projected},
        ),
        Line(
            key="1e",
            what="peak memory during project_all",
            figure=f"backend {megabytes(worst.backend_peak)}, this process +{megabytes(growth)}",
            target=TARGET_MEMORY,
            met=None if worst.backend_peak is None else (worst.backend_peak <= MEMORY_LIMIT and growth <= MEMORY_LIMIT),
            note=(
                f"PostgreSQL backend's private memory (RssAnon, sampled every 10 ms) at its peak, in the {worst.label}"
                f"; this process's resident-set growth. work_mem of the run: {settings.PROJECTION_WORK_MEM}"
            ),
            values={"backend_peak": worst.backend_peak, "process_growth": growth, "run": worst.label},
        ),
    ]
