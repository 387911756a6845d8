"""Line 6: importing a 10,000-row budget table, and an XLSX export of 100,000 rows with its peak memory."""

from __future__ import annotations

import csv
import io
import tempfile
import time
from collections.abc import Iterator
from typing import Any

from commitments import exports, fiscal, selectors
from commitments.models import Commitment, Segment
from devtools.benchmarks.data import BenchData
from devtools.benchmarks.measure import MB, Line, MemorySampler, megabytes, seconds, skipped

IMPORT_ROWS = 10_000
EXPORT_ROWS = 100_000


def import_table(data: BenchData, rows: int, *, broken_last: bool = False) -> bytes:
    """A seed-format table (番号・事項・限度額（千円）・行為年度・負担年度・事業区分) of `rows` new commitments."""
    codes = list(Segment.objects.filter(organization=data.organization).values_list("code", flat=True))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["番号", "事項", "限度額", "行為年度", "負担年度", "事業区分"])
    fy = data.as_of_fy
    for i in range(rows):
        last = fy - 5 if broken_last and i == rows - 1 else fy + i % 5  # a span ending before it starts
        span = f"{fiscal.format_fiscal_year(fy)}から{fiscal.format_fiscal_year(last)}"
        limit = f"{1_000 + (i * 37) % 90_000:,}"
        matter = f"ベンチマーク取込 {i + 1:05d} 業務委託"
        writer.writerow([i + 1, matter, limit, fiscal.format_fiscal_year(fy), span, codes[i % len(codes)]])
    return out.getvalue().encode("utf-8")


def measure_import(data: BenchData, rows: int = IMPORT_ROWS) -> Line:
    """6a: import_file of a `rows`-row table, approved on import; and the same table with one bad row, refused whole."""
    try:
        from commitments.services.imports import ImportOptions, ImportRefused, import_file
    except ImportError as exc:
        return skipped("6a", f"import of {rows:,} rows", "< 10 s, all-or-nothing", f"no import service ({exc})")
    what = f"import of a {rows:,}-row table"
    before = Commitment.objects.count()
    broken = import_table(data, rows, broken_last=True)
    refused = False
    try:
        import_file(
            actor=data.officer,
            organization=data.organization,
            data=broken,
            options=ImportOptions(file_name="bench-broken.csv"),
            approver=data.approver,
        )
    except ImportRefused:
        refused = True
    nothing_written = Commitment.objects.count() == before
    good = import_table(data, rows)
    started = time.perf_counter()
    result = import_file(
        actor=data.officer,
        organization=data.organization,
        data=good,
        options=ImportOptions(file_name="bench.csv"),
        approver=data.approver,
    )
    elapsed = time.perf_counter() - started
    created = Commitment.objects.count() - before
    whole = refused and nothing_written and created == rows
    return Line(
        key="6a",
        what=what,
        figure=seconds(elapsed),
        target="< 10 s, all-or-nothing",
        met=elapsed < 10 and whole,
        note=(
            f"import_file (read, check, write, approve, project): {created:,} commitments created; the same table "
            f"with its last span reversed was {'refused whole' if refused and nothing_written else 'NOT refused whole'}"
        ),
        values={
            "seconds": elapsed,
            "created": created,
            "refused_broken": refused and nothing_written,
            "outcomes": len(result.outcomes),
        },
    )


def _exposure_rows(data: BenchData, years: list[int], limit: int) -> Iterator[list[Any]]:
    commitments = selectors.exposure_commitments(
        organization_ids=[data.organization.pk], fiscal_years=years, basis="total"
    )[:limit]
    for c in commitments.iterator(chunk_size=2_000):
        yield [c.seq, c.matter, c.segment.name, c.limit_yen, *(getattr(c, f"fy_{fy}") for fy in years), c.total_yen]


def _export(data: BenchData, rows: int) -> tuple[float, int | None, int]:
    """Write `rows` rows of the exposure table to an XLSX file; seconds, peak RSS growth, file size."""
    years = list(range(data.as_of_fy - 2, data.as_of_fy + 8))
    columns = [
        exports.Column("番号", "integer"),
        exports.Column("事項", "text", 40),
        exports.Column("事業区分", "text"),
        exports.Column("限度額", "amount"),
        *(exports.Column(fiscal.format_fiscal_year(fy), "amount") for fy in years),
        exports.Column("合計", "amount"),
    ]
    sheet = exports.Sheet(
        title="負担額", heading="債務負担行為 年度別負担額", columns=columns, rows=_exposure_rows(data, years, rows)
    )
    with tempfile.TemporaryFile() as target, MemorySampler() as memory:
        started = time.perf_counter()
        exports.write_xlsx([sheet], target)
        elapsed = time.perf_counter() - started
        size = target.tell()
    return elapsed, memory.growth, size


def measure_export(data: BenchData, rows: int = EXPORT_ROWS) -> Line:
    """6b: the exposure table (10 fiscal years) as XLSX through exports.write_xlsx, and the same at a tenth."""
    rows = min(rows, data.projected())
    small_seconds, small_growth, _ = _export(data, max(rows // 10, 1))
    elapsed, growth, size = _export(data, rows)
    bounded = growth is not None and small_growth is not None and growth <= max(2 * small_growth, 64 * MB)
    return Line(
        key="6b",
        what=f"XLSX export of {rows:,} rows",
        figure=f"{seconds(elapsed)}, memory +{megabytes(growth)}",
        floor=f"{rows // 10:,} rows: +{megabytes(small_growth)}",
        target="streaming, bounded memory",
        met=bounded,
        note=(
            f"exposure_commitments().iterator() → exports.write_xlsx (openpyxl write-only) → a temporary file of "
            f"{size / MB:.1f} MB; this process's peak resident-set growth, against a tenth of the rows"
        ),
        values={
            "seconds": elapsed,
            "growth": growth,
            "small_growth": small_growth,
            "small_seconds": small_seconds,
            "bytes": size,
            "rows": rows,
        },
    )
