"""Bulk writes of planned rows in the caller's transaction (COPY): commitments, 年割額, 財源内訳, opening balances.

Every row passes the same rules as the services (limit > 0 or words, 行為年度 ≤ first ≤ last ≤ first + 49, 年割額
summing to the limit, contracts inside the limit and signed in the 行為年度, schedules inside the span, payments not
above the contract), and the database checks them again. History rows are written beside the rows, carrying the
importing officer and 「取込: <file> <row>行」, as django-simple-history would.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from commitments import fiscal
from commitments.models import (
    Commitment,
    CommitmentEvent,
    CommitmentFunding,
    Contract,
    FundingSource,
    Installment,
    Organization,
    Payment,
    PaymentTerms,
    PlannedAmount,
    Segment,
    SpreadRule,
    Status,
    User,
    WorkflowItemKind,
)
from commitments.services import workflow
from commitments.services.imports.plans import RowPlan

CHUNK = 1_000
ID_BLOCK = 2_000
REASON_MAX = 100  # django-simple-history's history_change_reason is a CharField(max_length=100)
OPENING_COUNTERPARTY = "（期首残高）"
HISTORY_FIELDS = frozenset({"history_id", "history_date", "history_change_reason", "history_type", "history_user_id"})


def change_reason(file_name: str, row: int) -> str:
    """「取込: fuji_R08_….csv 12行」, shortened in the middle of the file name to fit the history column."""
    tail = f" {row}行"
    room = REASON_MAX - len("取込: ") - len(tail)
    name = file_name if len(file_name) <= room else file_name[: room // 2 - 1] + "…" + file_name[-(room - room // 2) :]
    return f"取込: {name}{tail}"


class _Table:
    """Rows for one model, written with COPY; ids come from the table's sequence, defaults from the model's fields."""

    def __init__(self, model: type[Model], now: datetime.datetime) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.defaults: dict[str, Any] = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            else:  # the model's default, "" for text fields without one, else None (as Model() would set)
                self.defaults[f.attname] = f.get_default()
        self.rows: list[dict[str, Any]] = []
        self.reasons: list[str] = []
        self.free: list[int] = []

    def _next_id(self) -> int:
        if not self.free:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.model._meta.db_table, ID_BLOCK],
                )
                self.free = sorted((row[0] for row in cursor.fetchall()), reverse=True)
        return self.free.pop()

    def add(self, reason: str = "", **values: Any) -> int:
        """Queue one row (unknown fields take the model's defaults); returns its id."""
        row = {"id": self._next_id(), **self.defaults, **values}
        self.rows.append(row)
        self.reasons.append(reason)
        return row["id"]

    def flush(self, user_id: int, when: datetime.datetime) -> int:
        """COPY the queued rows, then their history rows (history_type '+'); returns how many."""
        if not self.rows:
            return 0
        columns = ["id", *(f.attname for f in self.fields)]
        _copy(self.model, columns, ([row[c] for c in columns] for row in self.rows))
        history = getattr(self.model, "history", None)
        if history is not None:
            tracked = [f.attname for f in history.model._meta.concrete_fields if f.attname not in HISTORY_FIELDS]
            extra = ["history_date", "history_change_reason", "history_type", "history_user_id"]
            _copy(
                history.model,
                [*tracked, *extra],
                (
                    [*(row[c] for c in tracked), when, reason, "+", user_id]
                    for row, reason in zip(self.rows, self.reasons, strict=True)
                ),
            )
        written = len(self.rows)
        self.rows, self.reasons = [], []
        return written


def _copy(model: type[Model], columns: Sequence[str], rows: Any) -> None:
    quote = connection.ops.quote_name
    names = {f.attname: f.column for f in model._meta.concrete_fields}
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(names[c]) for c in columns)}) FROM STDIN"
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


@dataclass
class Existing:
    """A commitment already in the database with the same key as a row (idempotency)."""

    pk: int
    status: str
    has_contract: bool
    funded_years: set[int]


@dataclass
class WriteContext:
    """Who imports, from which file, for which budget year; the organization's funding sources and contract numbers."""

    organization: Organization
    actor: User
    approver: User
    file_name: str
    format_label: str
    budget_year: int | None
    resolution: str
    sources: dict[str, FundingSource] = field(default_factory=dict)
    contract_numbers: set[str] = field(default_factory=set)
    now: datetime.datetime = field(default_factory=timezone.now)


@dataclass
class WriteCounts:
    """What the write changed: ids to project and how many rows were new, already there, or completed."""

    created: list[int] = field(default_factory=list)
    existing: list[int] = field(default_factory=list)
    enriched: list[int] = field(default_factory=list)
    contracts: int = 0
    payments: int = 0
    funding: int = 0


class _Batch:
    """The tables one chunk of rows writes to."""

    def __init__(self, ctx: WriteContext) -> None:
        self.ctx = ctx
        self.commitments = _Table(Commitment, ctx.now)
        self.planned = _Table(PlannedAmount, ctx.now)
        self.events = _Table(CommitmentEvent, ctx.now)
        self.funding = _Table(CommitmentFunding, ctx.now)
        self.contracts = _Table(Contract, ctx.now)
        self.installments = _Table(Installment, ctx.now)
        self.payments = _Table(Payment, ctx.now)

    def flush(self, counts: WriteCounts) -> None:
        user, when = self.ctx.actor.pk, self.ctx.now
        self.commitments.flush(user, when)
        self.planned.flush(user, when)
        self.events.flush(user, when)
        counts.funding += self.funding.flush(user, when)
        counts.contracts += self.contracts.flush(user, when)
        self.installments.flush(user, when)
        counts.payments += self.payments.flush(user, when)


def _status(plan: RowPlan) -> str:
    return Status.ACTIVE if plan.opening else Status.APPROVED


def _note(plan: RowPlan, ctx: WriteContext, extra: str = "") -> str:
    parts = [
        f"{change_reason(ctx.file_name, plan.row)}（{ctx.format_label}"
        + (f"、一連番号 {plan.seq}" if plan.seq else "")
        + "）",
        f"承認者 {ctx.approver.get_full_name() or ctx.approver.username}",
    ]
    if ctx.resolution:
        parts.append(ctx.resolution)
    if plan.basis:
        parts.append(f"行為年度 {fiscal.format_fiscal_year(plan.authorized_fy)}（{plan.basis}）")
    if plan.opening and plan.spent_yen + plan.planned_yen:
        parts.append(
            f"期首残高：支出済 {fiscal.format_amount(plan.spent_yen, unit='円')}円、"
            f"契約済の支出予定 {fiscal.format_amount(plan.planned_yen, unit='円')}円"
        )
    parts.extend(plan.flags)
    if extra:
        parts.append(extra)
    return "。".join(parts)


def _contract_number(plan: RowPlan, ctx: WriteContext) -> str:
    year = fiscal.format_fiscal_year(ctx.budget_year or plan.authorized_fy, style="wareki_short")
    base = f"期首-{year}-{plan.seq or plan.row}"
    number, n = base, 1
    while number in ctx.contract_numbers:
        n += 1
        number = f"{base}-{n}"
    ctx.contract_numbers.add(number)
    return number


def _add_opening(batch: _Batch, plan: RowPlan, commitment_id: int) -> None:
    """The opening contract (spent + planned), its schedule and the opening payment of the spent part."""
    ctx = batch.ctx
    reason = change_reason(ctx.file_name, plan.row)
    year = ctx.budget_year or plan.first_fy
    contract_id = batch.contracts.add(
        reason,
        organization_id=ctx.organization.pk,
        commitment_id=commitment_id,
        contract_no=_contract_number(plan, ctx),
        counterparty=OPENING_COUNTERPARTY,
        signed_on=fiscal.fiscal_year_start(plan.authorized_fy),
        start_on=fiscal.fiscal_year_start(plan.first_fy),
        end_on=fiscal.fiscal_year_end(plan.last_fy),
        amount_yen=plan.spent_yen + plan.planned_yen,
        payment_terms=PaymentTerms.EXPLICIT,
        note=(
            f"{ctx.format_label}（{fiscal.format_fiscal_year(year)}）から取り込んだ期首残高。契約締結日は記載がないため"
            "行為年度の初日、支払予定は前年度末までの支出額を前年度末に、支出予定額を各年度末に（年度別の額が印刷されていればその額で、なければ均等に）置いたもの。"
        ),
        is_opening=True,
        registered_by_id=ctx.actor.pk,
    )
    dues: list[tuple[datetime.date, int]] = []
    if plan.spent_yen:
        dues.append((fiscal.fiscal_year_end(year - 1), plan.spent_yen))
    if plan.planned_yen:  # the 年割額 from the budget year on: the book's per-year amounts, else the equal split
        split = {fy: yen for fy, yen in plan.planned_amounts.items() if fy >= year}
        dues.extend((fiscal.fiscal_year_end(fy), yen) for fy, yen in sorted(split.items()) if yen)
    for due, yen in dues:
        batch.installments.add(
            reason, contract_id=contract_id, due_on=due, fiscal_year=fiscal.fiscal_year_of(due), amount_yen=yen
        )
    if plan.spent_yen:
        batch.payments.add(
            reason,
            organization_id=ctx.organization.pk,
            contract_id=contract_id,
            paid_on=fiscal.fiscal_year_end(year - 1),
            fiscal_year=year - 1,
            amount_yen=plan.spent_yen,
            reference=f"期首残高（{fiscal.format_fiscal_year(year - 1)}末までの支出(見込)額）",
            is_opening=True,
            recorded_by_id=ctx.actor.pk,
        )


def _add_funding(batch: _Batch, plan: RowPlan, commitment_id: int) -> None:
    ctx = batch.ctx
    if ctx.budget_year is None:
        return
    for name, yen in plan.funding.items():
        if name not in ctx.sources:
            continue  # the 調書's 未設定 column: amounts no source is stated for
        batch.funding.add(
            change_reason(ctx.file_name, plan.row),
            commitment_id=commitment_id,
            budget_year=ctx.budget_year,
            source_id=ctx.sources[name].pk,
            amount_yen=yen,
        )


def _add_new(batch: _Batch, plan: RowPlan, segment: Segment, seq: int | None) -> int:
    ctx = batch.ctx
    reason = change_reason(ctx.file_name, plan.row)
    pk = batch.commitments.add(
        reason,
        organization_id=ctx.organization.pk,
        segment_id=segment.pk,
        seq=seq,
        matter=plan.matter,
        limit_yen=plan.limit.yen,
        limit_text=plan.limit.text,
        estimated_limit_yen=plan.estimated_yen,
        authorized_fy=plan.authorized_fy,
        first_burden_fy=plan.first_fy,
        last_burden_fy=plan.last_fy,
        span_text=plan.span_text,
        kind=plan.kind,
        spread_rule=SpreadRule.EXPLICIT if plan.explicit else SpreadRule.EQUAL,
        status=_status(plan),
        created_by_id=ctx.actor.pk,
        submitted_by_id=ctx.actor.pk,
        submitted_at=ctx.now,
        approved_by_id=ctx.approver.pk,
        approved_at=ctx.now,
        resolution=ctx.resolution[:200],
        # Projected before the import's transaction commits (import_file), so never seen stale.
        needs_projection=False,
    )
    for fy, yen in sorted(plan.planned_amounts.items()):
        batch.planned.add(reason, commitment_id=pk, fiscal_year=fy, amount_yen=yen)
    batch.events.add(
        commitment_id=pk,
        actor_id=ctx.actor.pk,
        action="import",
        from_status="",
        to_status=_status(plan),
        note=_note(plan, ctx),
        at=ctx.now,
    )
    _add_funding(batch, plan, pk)
    if plan.opening and plan.spent_yen + plan.planned_yen:
        _add_opening(batch, plan, pk)
    return pk


def write_new(
    items: Sequence[tuple[RowPlan, Segment, int | None]],
    ctx: WriteContext,
    counts: WriteCounts,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Create the new rows' commitments with their 年割額, import events, funding and opening balances, by chunks."""
    first = len(counts.created)
    for start in range(0, len(items), CHUNK):
        batch = _Batch(ctx)
        counts.created.extend(
            _add_new(batch, plan, segment, seq) for plan, segment, seq in items[start : start + CHUNK]
        )
        batch.flush(counts)
        if progress is not None:
            progress(len(counts.created))
    # The importing officer drafted every new commitment: one set-based insert, not one per row.
    workflow.authorship_record_many(
        kind=WorkflowItemKind.COMMITMENT, item_ids=counts.created[first:], actor=ctx.actor, action="import"
    )


def complete_existing(items: Sequence[tuple[RowPlan, Existing]], ctx: WriteContext, counts: WriteCounts) -> None:
    """Rows already imported: add what a 調書 brings and they lack (this year's funding split, the opening balance)."""
    batch = _Batch(ctx)
    for plan, existing in items:
        added: list[str] = []
        before = existing.status
        stated = any(name in ctx.sources for name in plan.funding)
        if stated and ctx.budget_year not in existing.funded_years:
            _add_funding(batch, plan, existing.pk)
            added.append("財源内訳")
        wants_opening = plan.opening and plan.spent_yen + plan.planned_yen > 0
        if wants_opening and not existing.has_contract and existing.status in (Status.APPROVED, Status.ACTIVE):
            _add_opening(batch, plan, existing.pk)
            commitment = Commitment.objects.select_for_update().get(pk=existing.pk)
            commitment.status, commitment.needs_projection = Status.ACTIVE, True
            commitment.version += 1
            commitment._history_user = ctx.actor  # type: ignore[attr-defined]
            commitment._change_reason = change_reason(ctx.file_name, plan.row)  # type: ignore[attr-defined]
            commitment.save()
            added.append("期首残高")
        if added:
            batch.events.add(
                commitment_id=existing.pk,
                actor_id=ctx.actor.pk,
                action="import",
                from_status=before,
                to_status=Status.ACTIVE if "期首残高" in added else before,
                note=_note(plan, ctx, extra=f"登録済の債務負担行為に{'・'.join(added)}を追加"),
                at=ctx.now,
            )
            counts.enriched.append(existing.pk)
        else:
            counts.existing.append(existing.pk)
    batch.flush(counts)
