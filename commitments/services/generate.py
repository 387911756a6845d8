"""Synthetic commitments for load tests and demos, bulk-loaded with PostgreSQL COPY.

Deterministic for a (seed, as_of) pair: the same call writes the same rows, ids aside. Rows are formatted into COPY
buffers one batch at a time and written in one transaction per batch, so memory stays flat however many are asked
for. Every CheckConstraint and domain rule holds (年割額 sum to the limit, contracts within the limit and signed in the
行為年度, schedules inside the burden span, payments settle the earliest installments first). Synthetic data has no
past: no history (simple_history) rows, approval events or amendments are written.
"""

from __future__ import annotations

import io
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from itertools import pairwise
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
    CommitmentKind,
    Contract,
    Installment,
    Organization,
    Payment,
    PaymentTerms,
    PlannedAmount,
    Segment,
    SpreadRule,
    Status,
    User,
)
from commitments.projection import Installment as Due
from commitments.projection import equal_split, installment_schedule, monthly_split

DEFAULT_ORGANIZATION = "合成データ団体"
BATCH_SIZE = 50_000
ANALYZE_FROM = 10_000  # refresh planner statistics after loads at least this large
FIRST_FY, LAST_FY = 2010, 2040
MIN_LIMIT_YEN, MAX_LIMIT_YEN = 100_000, 1_000_000_000
ROUND_YEN = 1_000
COPY_CHUNK = 1 << 22  # bytes handed to COPY at a time

SEGMENTS = [
    ("general", "一般事業"),
    ("juki", "本人確認情報処理事業"),
    ("jpki", "公的個人認証サービス事業"),
    ("card", "個人番号カード発行等事業"),
    ("middle-server", "中間サーバー共同化・集約化等事業"),
    ("lgwan", "総合行政ネットワーク運営事業"),
    ("juki-related", "本人確認情報処理事業関連事業"),
]
SEGMENT_WEIGHTS = [30, 15, 15, 15, 10, 10, 5]
KINDS = {
    CommitmentKind.SERVICE: (34, ["清掃業務委託", "警備業務委託", "設備保守点検業務", "システム運用保守業務"]),
    CommitmentKind.LEASE: (24, ["複合機の賃借", "公用車のリース", "電話交換機のリース", "端末機器の賃借"]),
    CommitmentKind.SYSTEM: (14, ["基幹系システム更改", "ネットワーク機器更新", "データセンター移行"]),
    CommitmentKind.CONSTRUCTION: (12, ["改修工事", "耐震補強工事", "空調設備更新工事"]),
    CommitmentKind.SUBSIDY: (5, ["整備費補助", "借入金利子補給"]),
    CommitmentKind.GUARANTEE: (3, ["借入金に対する損失補償", "債務保証"]),
    CommitmentKind.OTHER: (8, ["用地取得", "調査研究委託"]),
}
PLACES = ["本庁舎", "第二庁舎", "市民会館", "浄水場", "図書館", "消防本部", "総合体育館", "清掃工場", "保健センター"]
LIMIT_TEXTS = (
    "寄附金額に応じた諸経費にかかる金額 借入金の元利償還金に相当する金額 "
    "損失補償契約に基づく損失の額 利子補給契約に基づく利子補給金の額"
).split()
COUNTERPARTIES = (
    "株式会社サンプル情報 合同会社テスト設備 株式会社見本リース 架空建設株式会社 "
    "株式会社ダミー保守 例示システムズ株式会社 仮称ビルサービス株式会社 模擬電機株式会社"
).split()
SPAN_YEARS = list(range(1, 11))
SPAN_WEIGHTS = [8, 10, 14, 14, 20, 10, 8, 6, 5, 5]
TERMS = [PaymentTerms(t) for t in "annual semiannual quarterly lump_sum monthly".split()]
TERMS_WEIGHTS = [41, 21, 16, 18, 4]  # about ten installments a contract on average
LEASE_TERMS_WEIGHTS = [27, 20, 28, 10, 15]

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
PAYMENT_COLUMNS = "contract_id paid_on fiscal_year amount_yen reference recorded_by_id created_at".split()


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


@dataclass
class _Context:
    """The organization, its segments and users, the as-of date and the next seq per 行為年度."""

    organization_id: int
    segment_ids: list[int]
    segment_weights: list[int]
    officer_id: int
    approver_id: int
    as_of: date
    tz: ZoneInfo
    seq: dict[int, int]

    @property
    def as_of_fy(self) -> int:
        """The fiscal year of the as-of date."""
        return fiscal.fiscal_year_of(self.as_of)


@dataclass
class _Contract:
    """One drawn contract with its schedule and payments (paid_on, fiscal_year, amount)."""

    contract_no: str
    counterparty: str
    signed_on: date
    start_on: date
    end_on: date
    amount_yen: int
    payment_terms: str
    installments: list[Due]
    payments: list[tuple[date, int, int]]


@dataclass
class _Commitment:
    """One drawn commitment (fields named as the table's columns), its 年割額 and contracts."""

    seq: int
    segment_id: int
    kind: str
    matter: str
    limit_yen: int | None
    limit_text: str
    estimated_limit_yen: int | None
    authorized_fy: int
    first_burden_fy: int
    last_burden_fy: int
    contract_until_fy: int | None
    spread_rule: str
    spread_start_month: date | None
    spread_months: int | None
    planned: dict[int, int]
    status: str
    created_at: datetime
    submitted_at: datetime | None
    approved_at: datetime | None
    resolution: str
    contracts: list[_Contract] = field(default_factory=list)

    @property
    def exposure_yen(self) -> int:
        """The limit, else the estimate, else 0 (as Commitment.exposure_limit_yen)."""
        return self.limit_yen if self.limit_yen is not None else (self.estimated_limit_yen or 0)

    @property
    def deadline_fy(self) -> int:
        """Last fiscal year in which contracts may be signed."""
        return self.contract_until_fy or self.authorized_fy


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
        self, ctx: _Context, commitment_id: int, c: _Commitment, contract_ids: list[int], result: GenerateResult
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
                self.payments.write(f"{contract_id}\t{paid_on}\t{fy}\t{amount}\t\t{ctx.officer_id}\t{stamp}\n".encode())
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


def _commitment_row(ctx: _Context, commitment_id: int, c: _Commitment) -> list[Any]:
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


def _contract_row(ctx: _Context, contract_id: int, commitment_id: int, k: _Contract) -> list[Any]:
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


# Drawing: every random choice goes through one random.Random, in a fixed order, so a seed fixes the data.


def _round_down(amount: float) -> int:
    """An amount rounded down to 1,000 yen."""
    return int(amount) // ROUND_YEN * ROUND_YEN


def _draw_amount(rng: random.Random) -> int:
    """A limit between 100 千円 and 10 億円, lognormal around 15 百万円, in whole 千円."""
    amount = rng.lognormvariate(math.log(15_000_000), 1.5)
    return _round_down(min(max(amount, MIN_LIMIT_YEN), MAX_LIMIT_YEN))


def _draw_span(rng: random.Random) -> tuple[int, int, int]:
    """(authorized_fy, first_fy, last_fy) inside FY2010–FY2040; authorised a year early now and then."""
    years = rng.choices(SPAN_YEARS, SPAN_WEIGHTS)[0]
    first = rng.randint(FIRST_FY, LAST_FY - years + 1)
    authorized = first - 1 if first > FIRST_FY and rng.random() < 0.12 else first
    return authorized, first, first + years - 1


def _draw_limit(rng: random.Random, kind: str) -> tuple[int | None, str, int | None]:
    """(limit_yen, limit_text, estimated_limit_yen): about 2 % are words only, half of those with an estimate."""
    text_share = 0.2 if kind in (CommitmentKind.GUARANTEE, CommitmentKind.SUBSIDY) else 0.005
    if rng.random() < text_share:
        estimate = _draw_amount(rng) if rng.random() < 0.5 else None
        return None, rng.choice(LIMIT_TEXTS), estimate
    return _draw_amount(rng), "", None


def _explicit_split(rng: random.Random, amount: int, first: int, last: int) -> dict[int, int]:
    """Uneven 年割額 (as an officer enters them), rounded down to 1,000 yen, remainder in the first year."""
    weights = [rng.uniform(0.3, 1.7) for _ in range(first, last + 1)]
    total = sum(weights)
    result = {fy: _round_down(amount * w / total) for fy, w in zip(range(first, last + 1), weights, strict=True)}
    result[first] = amount - sum(v for fy, v in result.items() if fy != first)
    return result


def _draw_spread(rng: random.Random, c: _Commitment) -> None:
    """The 年割 rule (mostly equal; monthly for many leases; explicit rarely) and the 年割額 it gives."""
    amount, first, last = c.exposure_yen, c.first_burden_fy, c.last_burden_fy
    r = rng.random()
    if c.limit_yen is not None and c.kind == CommitmentKind.LEASE and r < 0.45:
        span_months = (last - first + 1) * 12
        offset = rng.randrange(min(12, span_months))
        months = rng.randint(max(1, span_months - offset - 11), span_months - offset)
        start = fiscal.fiscal_year_start(first)
        start = date(start.year + (start.month - 1 + offset) // 12, (start.month - 1 + offset) % 12 + 1, 1)
        c.spread_rule, c.spread_start_month, c.spread_months = SpreadRule.MONTHLY, start, months
        c.planned = monthly_split(amount, start, months, first_fy=first, last_fy=last)
    elif c.limit_yen is not None and c.kind in (CommitmentKind.SYSTEM, CommitmentKind.CONSTRUCTION) and r < 0.08:
        c.spread_rule, c.planned = SpreadRule.EXPLICIT, _explicit_split(rng, amount, first, last)
    else:
        c.planned = equal_split(amount, first, last)


def _draw_times(rng: random.Random, ctx: _Context, authorized_fy: int) -> tuple[datetime, datetime, datetime]:
    """Entry, submission and approval times: January–February before the 行為年度, never after the as-of date."""
    day = date(authorized_fy, 1, 10) + timedelta(days=rng.randrange(40))
    day = min(day, ctx.as_of - timedelta(days=30))
    created = datetime.combine(day, clock(9 + rng.randrange(8), rng.randrange(60)), ctx.tz)
    submitted = created + timedelta(days=1 + rng.randrange(5), minutes=rng.randrange(480))
    return created, submitted, submitted + timedelta(days=1 + rng.randrange(10), minutes=rng.randrange(480))


def _draw_status(rng: random.Random, ctx: _Context, c: _Commitment) -> bool:
    """Set the state (before payments settle active → completed); True when the commitment gets contracts."""
    r = rng.random()
    can_sign = c.authorized_fy <= ctx.as_of_fy
    if r < 0.015:
        c.status = Status.DRAFT
        return False
    if r < 0.03:
        c.status = Status.SUBMITTED
        return False
    if r < 0.05:
        c.status = Status.ABOLISHED
        return can_sign and rng.random() < 0.5
    if not can_sign:
        c.status = Status.APPROVED
        return False
    if c.deadline_fy >= ctx.as_of_fy:
        contracted = rng.random() < 0.5
        c.status = Status.ACTIVE if contracted else Status.APPROVED
        return contracted
    contracted = rng.random() < 0.85
    c.status = Status.ACTIVE if contracted else Status.LAPSED
    return contracted


def _draw_commitment(rng: random.Random, ctx: _Context) -> _Commitment:
    """One commitment with its 年割額 and state, not yet its contracts."""
    segment_id = rng.choices(ctx.segment_ids, ctx.segment_weights)[0]
    kind = rng.choices(list(KINDS), [w for w, _names in KINDS.values()])[0]
    matter = rng.choice(PLACES) + rng.choice(KINDS[kind][1])
    authorized, first, last = _draw_span(rng)
    limit_yen, limit_text, estimate = _draw_limit(rng, kind)
    until = min(authorized + rng.randint(1, 2), last) if last > authorized and rng.random() < 0.02 else None
    created, submitted, approved = _draw_times(rng, ctx, authorized)
    seq = ctx.seq.get(authorized, 0) + 1
    ctx.seq[authorized] = seq
    c = _Commitment(
        seq=seq,
        segment_id=segment_id,
        kind=kind,
        matter=matter,
        limit_yen=limit_yen,
        limit_text=limit_text,
        estimated_limit_yen=estimate,
        authorized_fy=authorized,
        first_burden_fy=first,
        last_burden_fy=last,
        contract_until_fy=until,
        spread_rule=SpreadRule.EQUAL,
        spread_start_month=None,
        spread_months=None,
        planned={},
        status=Status.DRAFT,
        created_at=created,
        submitted_at=submitted,
        approved_at=approved,
        resolution=f"第{rng.randint(1, 4)}回定例会 議案第{rng.randint(1, 99)}号",
    )
    _draw_spread(rng, c)
    if _draw_status(rng, ctx, c):
        _draw_contracts(rng, ctx, c)
    _settle(ctx, c)
    return c


def _split_amount(rng: random.Random, total: int, parts: int) -> list[int]:
    """Split a whole-千円 total into `parts` positive whole-千円 amounts."""
    units = total // ROUND_YEN
    parts = min(parts, units)
    cuts = sorted(rng.sample(range(1, units), parts - 1))
    return [(b - a) * ROUND_YEN for a, b in pairwise([0, *cuts, units])]


def _month_end(month_index: int) -> date:
    """The last day of a month given as year * 12 + month - 1."""
    following = month_index + 1
    return date(following // 12, following % 12 + 1, 1) - timedelta(days=1)


def _draw_contracts(rng: random.Random, ctx: _Context, c: _Commitment) -> None:
    """1–3 contracts signed inside the contract window, within the limit, paid out inside the burden span."""
    if c.exposure_yen:
        share = 1.0 if rng.random() < 0.35 else rng.uniform(0.5, 1.0)
        total = _round_down(c.exposure_yen * share)
    else:
        total = _draw_amount(rng)
    amounts = _split_amount(rng, total, rng.choices([1, 2, 3], [70, 20, 10])[0])
    window_start = fiscal.fiscal_year_start(c.authorized_fy)
    window_days = (min(fiscal.fiscal_year_end(c.deadline_fy), ctx.as_of) - window_start).days
    signed = sorted(window_start + timedelta(days=rng.randint(0, window_days)) for _ in amounts)
    weights = LEASE_TERMS_WEIGHTS if c.kind == CommitmentKind.LEASE else TERMS_WEIGHTS
    span_first = c.first_burden_fy * 12 + 3  # April of the first burden year, as year * 12 + month - 1
    span_last = (c.last_burden_fy + 1) * 12 + 2  # March after the last burden year
    for n, (amount, signed_on) in enumerate(zip(amounts, signed, strict=True), start=1):
        signed_month = signed_on.year * 12 + signed_on.month - 1
        start_month = min(max(span_first, signed_month + rng.choice((0, 1, 1, 2))), span_last)
        end_month = span_last if rng.random() < 0.75 else rng.randint(start_month, span_last)
        start_on = max(date(start_month // 12, start_month % 12 + 1, 1), signed_on)
        end_on = _month_end(end_month)
        terms = rng.choices(TERMS, weights)[0]
        installments = installment_schedule(amount, start_on, end_on, terms)
        c.contracts.append(
            _Contract(
                contract_no=f"{c.authorized_fy}-{c.seq:06d}-{n}",
                counterparty=rng.choice(COUNTERPARTIES),
                signed_on=signed_on,
                start_on=start_on,
                end_on=end_on,
                amount_yen=amount,
                payment_terms=terms,
                installments=installments,
                payments=_draw_payments(rng, ctx, installments),
            )
        )


def _draw_payments(rng: random.Random, ctx: _Context, installments: list[Due]) -> list[tuple[date, int, int]]:
    """Payments settling the earliest installments first, paid by the as-of date; some in arrears or part-paid."""
    payments: list[tuple[date, int, int]] = []
    for due in installments:
        paid_on = due.due_on + timedelta(days=rng.randrange(21))  # March dues paid in April stay in their year
        if paid_on > ctx.as_of:
            break
        if due.amount_yen:
            payments.append((paid_on, due.fiscal_year, due.amount_yen))
    if payments and rng.random() < 0.08:
        paid_on, fy, amount = payments.pop()
        part = _round_down(amount * rng.uniform(0.2, 0.8))
        if part and rng.random() < 0.5:
            payments.append((paid_on, fy, part))
    return payments


def _settle(ctx: _Context, c: _Commitment) -> None:
    """Drafts have no submission or approval; active ones fully paid after their window closed are completed."""
    if c.status == Status.DRAFT:
        c.submitted_at = None
    if c.status in (Status.DRAFT, Status.SUBMITTED):
        c.approved_at = None
        c.resolution = ""
        c.contract_until_fy = None  # only an approved amendment extends the window
    if c.status == Status.ACTIVE and c.deadline_fy < ctx.as_of_fy:
        paid = sum(p[2] for k in c.contracts for p in k.payments)
        if paid == sum(k.amount_yen for k in c.contracts):
            c.status = Status.COMPLETED


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
                c = _draw_commitment(rng, ctx)
                batch.add(ctx, commitment_id, c, contract_ids.take(len(c.contracts)), result)
            batch.write()
        result.seconds = time.monotonic() - started
        if progress is not None:
            progress(result)
    if count >= ANALYZE_FROM:
        _analyze()
    result.seconds = time.monotonic() - started
    return result
