"""Synthetic commitments for load tests and demos, bulk-loaded with PostgreSQL COPY.

Deterministic for a (seed, as_of) pair: the same call writes the same rows, ids aside. The rows are drawn by the pure
devtools.synthetic (which keeps every CheckConstraint and domain rule); this module sets up the organization, its
segments and users, hands out ids, formats the rows into COPY buffers one batch at a time and writes them in one
transaction per batch, so memory stays flat however many are asked for. Synthetic data has no past: no history
(simple_history) rows, approval events or amendments are written.
"""

from __future__ import annotations

import io
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Max, Model
from django.utils import timezone

from commitments import fiscal
from commitments.models import (
    APPROVED_STATES,
    Commitment,
    Contract,
    Installment,
    Organization,
    Payment,
    PlannedAmount,
    Segment,
    Status,
    User,
)
from devtools.synthetic import (
    SEGMENT_WEIGHTS,
    SEGMENTS,
    DrawContext,
    DrawnCommitment,
    DrawnContract,
    draw_commitment,
    problems,
)

DEFAULT_ORGANIZATION = "合成データ団体"
BATCH_SIZE = 50_000
# Refresh planner statistics after every load: with stale ones (tables "empty") PostgreSQL joins payments to
# contracts by nested sequential scans, and a few thousand per-commitment queries then take minutes.
ANALYZE_FROM = 1
COPY_CHUNK = 1 << 22  # bytes handed to COPY at a time

COMMITMENT_COLUMNS = (
    "id organization_id segment_id seq matter limit_yen limit_text estimated_limit_yen authorized_fy first_burden_fy "
    "last_burden_fy kind contract_until_fy spread_rule spread_start_month spread_months status version created_by_id "
    "submitted_by_id submitted_at approved_by_id approved_at resolution rejection_reason needs_projection created_at "
    "updated_at"
).split()
PLANNED_COLUMNS = "commitment_id fiscal_year amount_yen".split()
CONTRACT_COLUMNS = (
    "id organization_id commitment_id contract_no counterparty signed_on start_on end_on amount_yen payment_terms "
    "note version registered_by_id created_at"
).split()
INSTALLMENT_COLUMNS = "contract_id due_on fiscal_year amount_yen".split()
PAYMENT_COLUMNS = (
    "organization_id contract_id paid_on fiscal_year amount_yen reference recorded_by_id created_at reason".split()
)


@dataclass
class GenerateResult:
    """What a run wrote, and how long it took."""

    organization: str
    seed: int
    as_of: date
    commitments: int = 0
    planned: int = 0
    contracts: int = 0
    installments: int = 0
    payments: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


@dataclass(kw_only=True)
class _Context(DrawContext):
    """The drawing context plus the organization and the synthetic users the rows are written with."""

    organization_id: int
    officer_id: int
    approver_id: int


class _IdPool:
    """Ids drawn from a table's sequence in blocks with nextval, handed out one at a time."""

    def __init__(self, model: type[Model], block: int) -> None:
        self.table = model._meta.db_table
        self.block = block
        self.free: list[int] = []  # in descending order: the next id is at the end

    def take(self, n: int = 1) -> list[int]:
        """The next n ids (fetching a block from the sequence when the pool runs dry)."""
        if len(self.free) < n:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.table, max(self.block, n - len(self.free))],
                )
                self.free = sorted([*self.free, *(row[0] for row in cursor.fetchall())], reverse=True)
        return [self.free.pop() for _ in range(n)]


def _copy_value(value: Any) -> str:
    """One value in PostgreSQL COPY text format (the generator writes no tabs, newlines or backslashes)."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return str(value)


def _copy_line(values: Sequence[Any]) -> str:
    """One row in PostgreSQL COPY text format."""
    return "\t".join(map(_copy_value, values)) + "\n"


class _Batch:
    """COPY buffers for one batch of commitments and their children."""

    def __init__(self) -> None:
        self.commitments = io.BytesIO()
        self.planned = io.BytesIO()
        self.contracts = io.BytesIO()
        self.installments = io.BytesIO()
        self.payments = io.BytesIO()

    def add(
        self, ctx: _Context, commitment_id: int, c: DrawnCommitment, contract_ids: list[int], result: GenerateResult
    ) -> None:
        """Format one commitment with its 年割額, contracts, installments and payments."""
        self.commitments.write(_copy_line(_commitment_row(ctx, commitment_id, c)).encode())
        for fy, amount in c.planned.items():
            self.planned.write(f"{commitment_id}\t{fy}\t{amount}\n".encode())
        for contract_id, k in zip(contract_ids, c.contracts, strict=True):
            self.contracts.write(_copy_line(_contract_row(ctx, contract_id, commitment_id, k)).encode())
            for due in k.installments:
                self.installments.write(f"{contract_id}\t{due.due_on}\t{due.fiscal_year}\t{due.amount_yen}\n".encode())
            for paid_on, fy, amount in k.payments:
                stamp = datetime.combine(paid_on, clock(16), ctx.tz)
                self.payments.write(
                    f"{ctx.organization_id}\t{contract_id}\t{paid_on}\t{fy}\t{amount}\t\t{ctx.officer_id}\t{stamp}\t\n".encode()
                )
            result.installments += len(k.installments)
            result.payments += len(k.payments)
        result.commitments += 1
        result.planned += len(c.planned)
        result.contracts += len(c.contracts)
        result.statuses[c.status] += 1

    def write(self) -> None:
        """COPY the buffers into their tables, parents first, on the current transaction's connection."""
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            for model, columns, buffer in (
                (Commitment, COMMITMENT_COLUMNS, self.commitments),
                (Contract, CONTRACT_COLUMNS, self.contracts),
                (PlannedAmount, PLANNED_COLUMNS, self.planned),
                (Installment, INSTALLMENT_COLUMNS, self.installments),
                (Payment, PAYMENT_COLUMNS, self.payments),
            ):
                if buffer.tell():
                    sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
                    with cursor.copy(sql) as copy, buffer.getbuffer() as data:
                        for offset in range(0, len(data), COPY_CHUNK):
                            copy.write(data[offset : offset + COPY_CHUNK])


def _commitment_row(ctx: _Context, commitment_id: int, c: DrawnCommitment) -> list[Any]:
    """The commitment's values in COMMITMENT_COLUMNS order."""
    approved = c.status in APPROVED_STATES
    stamps = [c.approved_at or c.submitted_at or c.created_at]
    stamps += [datetime.combine(k.signed_on, clock(10), ctx.tz) for k in c.contracts]
    stamps += [datetime.combine(p[0], clock(16), ctx.tz) for k in c.contracts for p in k.payments[-1:]]
    if c.status == Status.LAPSED:
        stamps.append(datetime.combine(fiscal.fiscal_year_start(c.deadline_fy + 1), clock(0, 5), ctx.tz))
    given = {
        "id": commitment_id,
        "organization_id": ctx.organization_id,
        "version": 1,
        "created_by_id": ctx.officer_id,
        "submitted_by_id": ctx.officer_id if c.submitted_at else None,
        "approved_by_id": ctx.approver_id if approved else None,
        "rejection_reason": "",
        "needs_projection": approved,
        "updated_at": max(stamps),
    }
    return [given[name] if name in given else getattr(c, name) for name in COMMITMENT_COLUMNS]


def _contract_row(ctx: _Context, contract_id: int, commitment_id: int, k: DrawnContract) -> list[Any]:
    """The contract's values in CONTRACT_COLUMNS order."""
    given = {
        "id": contract_id,
        "organization_id": ctx.organization_id,
        "commitment_id": commitment_id,
        "note": "",
        "version": 1,
        "registered_by_id": ctx.officer_id,
        "created_at": datetime.combine(k.signed_on, clock(10), ctx.tz),
    }
    return [given[name] if name in given else getattr(k, name) for name in CONTRACT_COLUMNS]


# Set-up and the run.


def _role_user(organization: Organization, role: str) -> User:
    """The synthetic officer or approver of an organization (no password: they never log in)."""
    user, created = User.objects.get_or_create(
        username=f"synthetic-{role}-{organization.pk}",
        defaults={"organization": organization, "is_staff": True, "last_name": f"合成{role}"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.set(Group.objects.filter(name=role))
    return user


@transaction.atomic
def _setup(organization_name: str, as_of: date) -> _Context:
    """The organization (created if missing) with its segments and synthetic users, and the next seq per year."""
    organization, _created = Organization.objects.get_or_create(name=organization_name)
    segments = list(Segment.objects.filter(organization=organization).order_by("sort_order", "code"))
    if not segments:
        segments = [
            Segment.objects.create(organization=organization, code=code, name=name, sort_order=n)
            for n, (code, name) in enumerate(SEGMENTS, start=1)
        ]
    weights = [SEGMENT_WEIGHTS[n] if n < len(SEGMENT_WEIGHTS) else 5 for n in range(len(segments))]
    seq = dict(
        Commitment.objects.filter(organization=organization, seq__isnull=False)
        .values_list("authorized_fy")
        .annotate(top=Max("seq"))
        .values_list("authorized_fy", "top")
    )
    return _Context(
        organization_id=organization.pk,
        segment_ids=[s.pk for s in segments],
        segment_weights=weights,
        officer_id=_role_user(organization, "finance_officer").pk,
        approver_id=_role_user(organization, "approver").pk,
        as_of=as_of,
        tz=ZoneInfo(settings.TIME_ZONE),
        seq=seq,
    )


def _analyze() -> None:
    """Refresh the planner statistics of the loaded tables."""
    with connection.cursor() as cursor:
        for model in (Commitment, PlannedAmount, Contract, Installment, Payment):
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def generate_commitments(
    *,
    count: int,
    seed: int = 1,
    organization_name: str = DEFAULT_ORGANIZATION,
    as_of: date | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[GenerateResult], None] | None = None,
) -> GenerateResult:
    """Load `count` synthetic commitments with 年割額, contracts, schedules and payments; one transaction per batch."""
    if count < 0 or batch_size < 1:
        raise ValueError("count must not be negative and batch_size must be positive")
    started = time.monotonic()
    as_of = as_of or timezone.localdate()
    ctx = _setup(organization_name, as_of)
    result = GenerateResult(organization=organization_name, seed=seed, as_of=as_of)
    rng = random.Random(seed)
    block = max(1, min(batch_size, count))
    commitment_ids, contract_ids = _IdPool(Commitment, block), _IdPool(Contract, block)
    while result.commitments < count:
        with transaction.atomic():
            batch = _Batch()
            for commitment_id in commitment_ids.take(min(batch_size, count - result.commitments)):
                c = draw_commitment(rng, ctx)
                if broken := problems(c):  # COPY skips the forms and services: the rules are checked here
                    raise ValueError(f"drawn commitment {c.authorized_fy}-{c.seq} breaks a rule: {broken[0]}")
                batch.add(ctx, commitment_id, c, contract_ids.take(len(c.contracts)), result)
            batch.write()
        result.seconds = time.monotonic() - started
        if progress is not None:
            progress(result)
    if count >= ANALYZE_FROM:
        _analyze()
    result.seconds = time.monotonic() - started
    return result
