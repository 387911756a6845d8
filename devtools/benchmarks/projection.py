"""Line 1: the nightly run and the full build against the indexed INSERT … SELECT generate_series floor (floors.py),
one commitment at a time, and the backend's memory."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection
from django.utils import timezone

from commitments.models import APPROVED_STATES, Commitment, ProjectionYear
from commitments.services.projection import projection_night, projection_refresh, projection_refresh_all
from devtools.benchmarks import floors
from devtools.benchmarks.data import BenchData
from devtools.benchmarks.measure import MB, Line, MemorySampler, median, megabytes, seconds

TARGET_FLOOR = "≤ 2× floor"
TARGET_QUIET = "< 1 s"
TARGET_ORM = "≥ 50× faster"
TARGET_MEMORY = "≤ 512 MB"
MEMORY_LIMIT = 512 * MB
NEXT_YEAR_RUNS = 3  # line 1c: the 1 April night, measured this many times (the median is reported)


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


def _project(label: str, as_of: date, *, full: bool) -> Run:
    """Time a full run (projection_refresh_all) or a night (projection_night) while sampling the backend's private
    memory and this process's; `changed` counts the rows it wrote."""
    stamp = timezone.now()
    with MemorySampler(_backend_pid(), "RssAnon") as backend, MemorySampler() as process:
        started = time.perf_counter()
        if full:
            projection_refresh_all(as_of=as_of)
        else:
            projection_night(as_of=as_of)
        elapsed = time.perf_counter() - started
    changed = ProjectionYear.objects.filter(computed_at__gte=stamp).count()
    return Run(label, elapsed, backend.peak, process.growth, changed)


def _vacuum() -> None:
    """What autovacuum does between two nightly runs (outside any timing)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) commitments_projectionyear")
        cursor.execute("VACUUM (ANALYZE) commitments_commitment")


def _change_one_percent(data: BenchData) -> tuple[int, int]:
    """Raise the limit of every 100th approved commitment by 1,000 yen (raw SQL: only the triggers see it); returns
    how many commitments and how many projection rows they have."""
    with connection.cursor() as cursor:
        cursor.execute(
            """WITH picked AS (
                   SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM commitments_commitment
                                    WHERE organization_id = %s AND status = ANY(%s) AND limit_yen IS NOT NULL) AS c
                    WHERE n %% 100 = 0),
               raised AS (UPDATE commitments_commitment c SET limit_yen = c.limit_yen + 1000 FROM picked p
                           WHERE c.id = p.id RETURNING c.id)
               SELECT count(*), (SELECT count(*) FROM commitments_projectionyear y WHERE y.commitment_id IN
                                 (SELECT id FROM picked)) FROM raised""",
            [data.organization.pk, list(APPROVED_STATES)],
        )
        commitments, rows = cursor.fetchone()
    return int(commitments), int(rows)


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
        floor=f"{seconds(floor)} (indexed, {rows:,} rows)",
        ratio=ratio,
        target=TARGET_FLOOR,
        met=ratio <= 2,
        note=note,
        values={"seconds": run_seconds, "floor_seconds": floor, "rows": rows},
    )


def _floor(rows: int, *, indexed: bool = True) -> float:
    """The median floor for `rows` rows (at least one row: a floor of nothing is a commit)."""
    return median(floors.floor_seconds(max(rows, 1), indexed=indexed))


def measure_projection(data: BenchData) -> list[Line]:
    """1a–1g: the nightly run (quiet, 1 % changed, next fiscal year), the full build and the repair run, one
    commitment at a time, peak memory; each against the indexed floor of the rows it wrote."""
    stale = Commitment.objects.filter(needs_projection=True).count()
    first = _project("first build", data.as_of, full=True)
    rows = ProjectionYear.objects.count()
    _vacuum()
    quiet_runs = [_project("quiet night", data.as_of, full=False) for _ in range(3)]
    changed_commitments, changed_rows = _change_one_percent(data)
    one_percent = _project("night after 1 % changed", data.as_of, full=False)
    repair = _project("repair run (--full)", data.as_of, full=True)
    # The year moves once per run of the bench, so the night is measured three times, each followed by the night
    # back to the bench's date (which the other lines read): a median, like the other short lines'.
    next_as_of = date(data.as_of.year + 1, data.as_of.month, min(data.as_of.day, 28))
    next_runs: list[Run] = []
    for _ in range(NEXT_YEAR_RUNS):
        next_runs.append(_project("1 April night", next_as_of, full=False))
        projection_night(as_of=data.as_of)
    next_year = sorted(next_runs, key=lambda r: r.seconds)[len(next_runs) // 2]
    _vacuum()
    floor_all = _floor(rows)
    floor_bare = _floor(rows, indexed=False)
    floor_changed = _floor(changed_rows)
    floor_next_year = _floor(next_year.changed)
    projected = data.projected()
    sampled, orm_total = _one_by_one_sample(data)
    orm_estimate = orm_total / max(sampled, 1) * projected
    quiet = median([r.seconds for r in quiet_runs])
    runs = [first, *quiet_runs, one_percent, repair, *next_runs]
    worst = max(runs, key=lambda r: r.backend_peak or 0)
    growth = max((r.process_growth or 0) for r in runs)
    return [
        Line(
            key="1a",
            what="nightly run, nothing changed",
            figure=seconds(quiet),
            floor=f"{seconds(floor_all)} (indexed, {rows:,} rows)",
            ratio=quiet / floor_all,
            target=TARGET_QUIET,
            met=quiet < 1,
            note=f"median of {len(quiet_runs)}; rewrites {quiet_runs[-1].changed:,} rows; takes the marks, checks "
            "the stale flags, keeps the snapshot of the day's totals",
            values={"seconds": quiet, "floor_seconds": floor_all, "rows": rows},
        ),
        _ratio_line(
            "1b",
            "full build after the bulk load",
            first.seconds,
            floor_all,
            rows,
            f"into an empty table: indexes and foreign keys dropped and rebuilt around one INSERT; clears {stale:,} "
            f"stale flags; {first.seconds / floor_bare:.2f}× the bare floor ({seconds(floor_bare)}, no index)",
        ),
        _ratio_line(
            "1c",
            "1 April night (next fiscal year)",
            next_year.seconds,
            floor_next_year,
            next_year.changed,
            f"median of {len(next_runs)} ({', '.join(seconds(r.seconds) for r in next_runs)}), as of one year later, "
            f"each followed by the night back: the commitments whose spread depends on the year, "
            f"{next_year.changed:,} rows rewritten; against the indexed floor of those rows",
        ),
        Line(
            key="1d",
            what="vs one commitment at a time (projection_refresh)",
            figure=f"{seconds(orm_estimate)} (extrapolated)",
            floor=f"full build {seconds(first.seconds)}",
            ratio=orm_estimate / first.seconds,
            target=TARGET_ORM,
            met=orm_estimate / first.seconds >= 50,
            note=(
                f"projection_refresh (the same SQL by id, as the worker runs it) on a 1 % sample: {sampled:,} "
                f"commitments in {orm_total:.1f} s "
                f"({orm_total / max(sampled, 1) * 1000:.1f} ms each) × {projected:,}; compared with the full build"
            ),
            values={"seconds": orm_estimate, "sample": sampled, "sample_seconds": orm_total, "projected": projected},
        ),
        Line(
            key="1e",
            what="peak memory during the projection runs",
            figure=f"backend {megabytes(worst.backend_peak)}, this process +{megabytes(growth)}",
            target=TARGET_MEMORY,
            met=None if worst.backend_peak is None else (worst.backend_peak <= MEMORY_LIMIT and growth <= MEMORY_LIMIT),
            note=(
                f"PostgreSQL backend's private memory (RssAnon, sampled every 10 ms) at its peak, in the {worst.label}"
                f"; this process's resident-set growth. work_mem of the runs: {settings.PROJECTION_WORK_MEM}"
            ),
            values={"backend_peak": worst.backend_peak, "process_growth": growth, "run": worst.label},
        ),
        _ratio_line(
            "1f",
            "nightly run, 1 % of commitments changed",
            one_percent.seconds,
            floor_changed,
            changed_rows,
            f"{changed_commitments:,} limits raised by raw SQL (marked by the triggers); {one_percent.changed:,} rows "
            "rewritten; against the indexed floor of those commitments' rows",
        ),
        _ratio_line(
            "1g",
            "repair run (project_outflows --all --full), nothing changed",
            repair.seconds,
            floor_all,
            rows,
            f"recomputes every row from the books and compares it with the stored one; rewrites {repair.changed:,}",
        ),
    ]
