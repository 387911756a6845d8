"""One bench run: the data, then every measure in an order that lets each see the data it needs."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection

from devtools.benchmarks import files, pages, projection, reads, worker
from devtools.benchmarks.data import bench_data
from devtools.benchmarks.measure import Line, seconds

LINE_KEYS = (
    *("0", "1a", "1b", "1c", "1d", "1e", "1f", "1g", "2"),
    *("3a", "3b", "3c", "3d", "3e", "3f", "3g", "3h", "3i", "3j", "4", "5", "6a", "6b"),
)


@dataclass
class BenchReport:
    """Everything a run measured, with where and on what."""

    size: int
    seed: int
    as_of: date
    database: str
    server: str
    cpus: int
    lines: list[Line] = field(default_factory=list)
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        """The report as plain JSON values (lines in table order)."""
        return {
            "size": self.size,
            "seed": self.seed,
            "as_of": self.as_of.isoformat(),
            "database": self.database,
            "server": self.server,
            "cpus": self.cpus,
            "seconds": self.seconds,
            "lines": [line.as_json() for line in self.lines],
        }


def _server() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), current_setting('fsync')")
        version, fsync = cursor.fetchone()
    return f"PostgreSQL {version}, fsync {fsync}"


def bench_run(
    *, size: int, seed: int, as_of: date, database: str, use_worker: bool, say: Callable[[str], None]
) -> BenchReport:
    """Generate `size` commitments and measure lines 1–6 on them (the current database must be a scratch one)."""
    started = time.perf_counter()
    report = BenchReport(
        size=size, seed=seed, as_of=as_of, database=database, server=_server(), cpus=os.cpu_count() or 0
    )
    say(f"generating {size:,} commitments …")
    data = bench_data(size=size, seed=seed, as_of=as_of)
    counts = ", ".join(f"{table} {n:,}" for table, n in data.counts.items())
    lines = [
        Line(
            key="0",
            what="data: generate_commitments (COPY)",
            figure=seconds(data.seconds),
            note=counts,
            values={"seconds": data.seconds, **data.counts},
        )
    ]
    steps: list[tuple[str, Callable[[], Line | list[Line]]]] = [
        ("1 project_all", lambda: projection.measure_projection(data)),
        ("2 exposure by segment", lambda: reads.measure_segment_exposure(data)),
        ("3 exposure page", lambda: reads.measure_exposure_page(data)),
        ("4 admin changelist", lambda: reads.measure_admin_changelist(data)),
        ("3c exposure page vs a small organization", lambda: reads.measure_page_against_small(data)),
        ("3d exposure page vs its in-memory floor", lambda: reads.measure_page_against_floor(data)),
        ("3e summary page vs a small organization", lambda: pages.measure_summary_against_small(data)),
        ("3f summary page vs its in-memory floor", lambda: pages.measure_summary_against_floor(data)),
        ("3g burden page vs a small organization", lambda: pages.measure_burden_against_small(data)),
        ("3h burden page vs its in-memory floor", lambda: pages.measure_burden_against_floor(data)),
        ("3i 調書 page vs a small organization", lambda: pages.measure_chousho_against_small(data)),
        ("3j 調書 page vs its in-memory floor", lambda: pages.measure_chousho_against_floor(data)),
        ("6b XLSX export", lambda: files.measure_export(data)),
        ("5 approval through a worker", lambda: worker.measure_approval(data, use_worker=use_worker)),
        ("6a import", lambda: files.measure_import(data)),
    ]
    for label, step in steps:
        say(f"measuring {label} …")
        result = step()
        lines.extend(result if isinstance(result, list) else [result])
    report.lines = sorted(lines, key=lambda line: LINE_KEYS.index(line.key))
    report.seconds = time.perf_counter() - started
    return report
