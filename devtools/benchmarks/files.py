"""Line 6: importing a 10,000-row budget table, and an XLSX export of 100,000 rows with its peak memory."""

from __future__ import annotations

import csv
import io
import tempfile
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction

from commitments import exports, fiscal, selectors
from commitments.models import Commitment, CommitmentEvent, PlannedAmount, Segment
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


def _floor_sources(ids: list[int]) -> list[tuple[str, str]]:
    """(table, SELECT of the rows the import wrote for these commitments): the commitments, their 年割額 and import
    events, and the history rows of each."""
    sources: list[tuple[str, str]] = []
    for model, column in ((Commitment, "id"), (PlannedAmount, "commitment_id"), (CommitmentEvent, "commitment_id")):
        tables = [model._meta.db_table]
        history = getattr(model, "history", None)
        if history is not None:
            tables.append(history.model._meta.db_table)
        for table in tables:
            ids_sql = ",".join(str(int(pk)) for pk in ids)
            sources.append((table, f"SELECT * FROM {table} WHERE {column} IN ({ids_sql})"))
    return sources


def _foreign_keys(cursor: Any, table: str) -> list[str]:
    """The definitions of `table`'s foreign keys, made immediate (the floor's transaction is rolled back, so a
    deferred check would never run)."""
    cursor.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [table]
    )
    return [definition.replace("DEFERRABLE INITIALLY DEFERRED", "") for (definition,) in cursor.fetchall()]


def copy_floor(ids: list[int], *, keys: bool = True) -> tuple[float, int]:
    """Seconds to COPY the rows the import wrote for these commitments into empty copies of their tables, in one
    transaction rolled back; and how many rows. The rows are read out first (COPY TO), so only the writing is timed.

    With `keys` — the import's counterpart of the projection's indexed floor — the copies are tables like the real
    ones (logged) with the same indexes, checks and foreign keys (LIKE … INCLUDING ALL, then each key of the table,
    checked immediately); no triggers. Without, the bare floor: temporary tables (no WAL) with the indexes and
    checks only."""
    if not ids:
        return 0.0, 0
    sources = _floor_sources(ids)
    blocks: list[tuple[str, bytes]] = []
    rows = 0
    connection.ensure_connection()
    with transaction.atomic():
        raw = connection.connection
        with raw.cursor() as cursor:
            for table, select in sources:
                cursor.execute(f"SELECT count(*) FROM ({select}) AS s")
                rows += cursor.fetchone()[0]
                data = bytearray()
                with cursor.copy(f"COPY ({select}) TO STDOUT") as copy:
                    for chunk in copy:
                        data += chunk
                blocks.append((table, bytes(data)))
                # Gone with the rollback (a temporary table may hold no key to the real tables).
                temporary = "" if keys else "TEMP"
                cursor.execute(f"CREATE {temporary} TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
                for n, definition in enumerate(_foreign_keys(cursor, table) if keys else []):
                    cursor.execute(f"ALTER TABLE floor_{table} ADD CONSTRAINT floor_fk_{n} {definition}")
            started = time.perf_counter()
            for table, data in blocks:
                with cursor.copy(f"COPY floor_{table} FROM STDIN") as copy:
                    copy.write(data)
            elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed, rows


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
    ids = [o.commitment_id for o in result.outcomes if o.commitment_id is not None]
    floor, floor_rows = copy_floor(ids)
    bare, _ = copy_floor(ids, keys=False)
    ratio = elapsed / floor if floor else None
    return Line(
        key="6a",
        what=what,
        figure=seconds(elapsed),
        floor=f"COPY of the same rows {seconds(floor)} ({floor_rows:,} rows)",
        ratio=ratio,
        target="< 10 s and ≤ 5× floor, all-or-nothing",
        met=elapsed < 10 and ratio is not None and ratio <= 5 and whole,
        note=(
            f"import_file (read, check, write, approve, project): {created:,} commitments created; the same table "
            f"with its last span reversed was {'refused whole' if refused and nothing_written else 'NOT refused whole'}"
            "; the floor COPYs the commitments, 年割額, import events and their history rows it wrote into empty "
            "copies of their tables with the same indexes and foreign keys (checked immediately; no triggers); "
            f"{elapsed / bare if bare else 0:.2f}× the bare floor ({seconds(bare)}: temporary tables, no keys)"
        ),
        values={
            "seconds": elapsed,
            "floor_seconds": floor,
            "floor_rows": floor_rows,
            "bare_floor_seconds": bare,
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
