"""Drawing synthetic commitments, contracts, schedules and payments: pure, no Django, no database.

Every random choice goes through one random.Random, in a fixed order, so a seed (and the context: segments, as-of
date, next seq per 行為年度) fixes the data. Every domain rule holds: 年割額 sum to the limit (or estimate), contracts
stay within the limit and are signed in the contract window, schedules lie inside the burden span, payments settle
the earliest installments first and never exceed what fell due by the as-of date. services.generate writes what is
drawn here with COPY. Choice values are plain strings equal to those of commitments.models (not imported here).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from datetime import time as clock
from itertools import pairwise

from commitments import fiscal, rules
from commitments.projection import Installment as Due
from commitments.projection import PaymentTerms, equal_split, installment_schedule, monthly_split


class Kind:
    """Commitment kinds drawn here (the values of models.CommitmentKind)."""

    LEASE = "lease"
    SERVICE = "service"
    CONSTRUCTION = "construction"
    SYSTEM = "system"
    GUARANTEE = "guarantee"
    SUBSIDY = "subsidy"
    OTHER = "other"


class State:
    """Commitment life-cycle states (the values of models.Status)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    ACTIVE = "active"
    COMPLETED = "completed"
    LAPSED = "lapsed"
    ABOLISHED = "abolished"


class Spread:
    """年割 rules (the values of models.SpreadRule)."""

    EQUAL = "equal"
    MONTHLY = "monthly"
    EXPLICIT = "explicit"


FIRST_FY, LAST_FY = 2010, 2040
MIN_LIMIT_YEN, MAX_LIMIT_YEN = 100_000, 1_000_000_000
ROUND_YEN = 1_000

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
    Kind.SERVICE: (34, ["清掃業務委託", "警備業務委託", "設備保守点検業務", "システム運用保守業務"]),
    Kind.LEASE: (24, ["複合機の賃借", "公用車のリース", "電話交換機のリース", "端末機器の賃借"]),
    Kind.SYSTEM: (14, ["基幹系システム更改", "ネットワーク機器更新", "データセンター移行"]),
    Kind.CONSTRUCTION: (12, ["改修工事", "耐震補強工事", "空調設備更新工事"]),
    Kind.SUBSIDY: (5, ["整備費補助", "借入金利子補給"]),
    Kind.GUARANTEE: (3, ["借入金に対する損失補償", "債務保証"]),
    Kind.OTHER: (8, ["用地取得", "調査研究委託"]),
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


@dataclass
class DrawContext:
    """What drawing depends on besides the random stream: segments, as-of date, time zone, next seq per 行為年度."""

    segment_ids: list[int]
    segment_weights: list[int]
    as_of: date
    tz: tzinfo
    seq: dict[int, int] = field(default_factory=dict)

    @property
    def as_of_fy(self) -> int:
        """The fiscal year of the as-of date."""
        return fiscal.fiscal_year_of(self.as_of)


@dataclass
class DrawnContract:
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
class DrawnCommitment:
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
    contracts: list[DrawnContract] = field(default_factory=list)

    @property
    def exposure_yen(self) -> int:
        """The limit, else the estimate, else 0 (as Commitment.exposure_limit_yen)."""
        return self.limit_yen if self.limit_yen is not None else (self.estimated_limit_yen or 0)

    @property
    def deadline_fy(self) -> int:
        """Last fiscal year in which contracts may be signed."""
        return self.contract_until_fy or self.authorized_fy


RULE_FIELDS = rules.COMMITMENT_RULE_FIELDS


def problems(c: DrawnCommitment) -> list[rules.Problem]:
    """The rules of commitments.rules a drawn commitment breaks: none, unless drawing has a bug."""
    found = rules.commitment_problems({name: getattr(c, name) for name in RULE_FIELDS})
    found += rules.planned_problems(c.planned)
    amounts = [k.amount_yen for k in c.contracts]
    amounts += [due.amount_yen for k in c.contracts for due in k.installments]
    amounts += [amount for k in c.contracts for _paid_on, _fy, amount in k.payments]
    found += [rules.Problem("amount_yen", error) for amount in amounts if (error := rules.amount_error(amount))]
    return found


def round_down(amount: float) -> int:
    """An amount rounded down to 1,000 yen."""
    return int(amount) // ROUND_YEN * ROUND_YEN


def month_end(month_index: int) -> date:
    """The last day of a month given as year * 12 + month - 1."""
    following = month_index + 1
    return date(following // 12, following % 12 + 1, 1) - timedelta(days=1)


def split_amount(rng: random.Random, total: int, parts: int) -> list[int]:
    """Split a whole-千円 total into `parts` positive whole-千円 amounts."""
    units = total // ROUND_YEN
    parts = min(parts, units)
    cuts = sorted(rng.sample(range(1, units), parts - 1))
    return [(b - a) * ROUND_YEN for a, b in pairwise([0, *cuts, units])]


def explicit_split(rng: random.Random, amount: int, first: int, last: int) -> dict[int, int]:
    """Uneven 年割額 (as an officer enters them), rounded down to 1,000 yen, remainder in the first year."""
    weights = [rng.uniform(0.3, 1.7) for _ in range(first, last + 1)]
    total = sum(weights)
    result = {fy: round_down(amount * w / total) for fy, w in zip(range(first, last + 1), weights, strict=True)}
    result[first] = amount - sum(v for fy, v in result.items() if fy != first)
    return result


def draw_amount(rng: random.Random) -> int:
    """A limit between 100 千円 and 10 億円, lognormal around 15 百万円, in whole 千円."""
    amount = rng.lognormvariate(math.log(15_000_000), 1.5)
    return round_down(min(max(amount, MIN_LIMIT_YEN), MAX_LIMIT_YEN))


def draw_span(rng: random.Random) -> tuple[int, int, int]:
    """(authorized_fy, first_fy, last_fy) inside FY2010–FY2040; authorised a year early now and then."""
    years = rng.choices(SPAN_YEARS, SPAN_WEIGHTS)[0]
    first = rng.randint(FIRST_FY, LAST_FY - years + 1)
    authorized = first - 1 if first > FIRST_FY and rng.random() < 0.12 else first
    return authorized, first, first + years - 1


def draw_limit(rng: random.Random, kind: str) -> tuple[int | None, str, int | None]:
    """(limit_yen, limit_text, estimated_limit_yen): about 2 % are words only, half of those with an estimate."""
    text_share = 0.2 if kind in (Kind.GUARANTEE, Kind.SUBSIDY) else 0.005
    if rng.random() < text_share:
        estimate = draw_amount(rng) if rng.random() < 0.5 else None
        return None, rng.choice(LIMIT_TEXTS), estimate
    return draw_amount(rng), "", None


def draw_spread(rng: random.Random, c: DrawnCommitment) -> None:
    """The 年割 rule (mostly equal; monthly for many leases; explicit rarely) and the 年割額 it gives."""
    amount, first, last = c.exposure_yen, c.first_burden_fy, c.last_burden_fy
    r = rng.random()
    if c.limit_yen is not None and c.kind == Kind.LEASE and r < 0.45:
        span_months = (last - first + 1) * 12
        offset = rng.randrange(min(12, span_months))
        months = rng.randint(max(1, span_months - offset - 11), span_months - offset)
        start = fiscal.fiscal_year_start(first)
        start = date(start.year + (start.month - 1 + offset) // 12, (start.month - 1 + offset) % 12 + 1, 1)
        c.spread_rule, c.spread_start_month, c.spread_months = Spread.MONTHLY, start, months
        c.planned = monthly_split(amount, start, months, first_fy=first, last_fy=last)
    elif c.limit_yen is not None and c.kind in (Kind.SYSTEM, Kind.CONSTRUCTION) and r < 0.08:
        c.spread_rule, c.planned = Spread.EXPLICIT, explicit_split(rng, amount, first, last)
    else:
        c.planned = equal_split(amount, first, last)


def draw_times(rng: random.Random, ctx: DrawContext, authorized_fy: int) -> tuple[datetime, datetime, datetime]:
    """Entry, submission and approval times: January–February before the 行為年度, never after the as-of date."""
    day = date(authorized_fy, 1, 10) + timedelta(days=rng.randrange(40))
    day = min(day, ctx.as_of - timedelta(days=30))
    created = datetime.combine(day, clock(9 + rng.randrange(8), rng.randrange(60)), ctx.tz)
    submitted = created + timedelta(days=1 + rng.randrange(5), minutes=rng.randrange(480))
    return created, submitted, submitted + timedelta(days=1 + rng.randrange(10), minutes=rng.randrange(480))


def draw_status(rng: random.Random, ctx: DrawContext, c: DrawnCommitment) -> bool:
    """Set the state (before payments settle active → completed); True when the commitment gets contracts."""
    r = rng.random()
    can_sign = c.authorized_fy <= ctx.as_of_fy
    if r < 0.015:
        c.status = State.DRAFT
        return False
    if r < 0.03:
        c.status = State.SUBMITTED
        return False
    if r < 0.05:
        c.status = State.ABOLISHED
        return can_sign and rng.random() < 0.5
    if not can_sign:
        c.status = State.APPROVED
        return False
    if c.deadline_fy >= ctx.as_of_fy:
        contracted = rng.random() < 0.5
        c.status = State.ACTIVE if contracted else State.APPROVED
        return contracted
    contracted = rng.random() < 0.85
    c.status = State.ACTIVE if contracted else State.LAPSED
    return contracted


def draw_commitment(rng: random.Random, ctx: DrawContext) -> DrawnCommitment:
    """One commitment with its 年割額, state, contracts, schedules and payments (takes the next seq of its year)."""
    segment_id = rng.choices(ctx.segment_ids, ctx.segment_weights)[0]
    kind = rng.choices(list(KINDS), [w for w, _names in KINDS.values()])[0]
    matter = rng.choice(PLACES) + rng.choice(KINDS[kind][1])
    authorized, first, last = draw_span(rng)
    limit_yen, limit_text, estimate = draw_limit(rng, kind)
    until = min(authorized + rng.randint(1, 2), last) if last > authorized and rng.random() < 0.02 else None
    created, submitted, approved = draw_times(rng, ctx, authorized)
    seq = ctx.seq.get(authorized, 0) + 1
    ctx.seq[authorized] = seq
    c = DrawnCommitment(
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
        spread_rule=Spread.EQUAL,
        spread_start_month=None,
        spread_months=None,
        planned={},
        status=State.DRAFT,
        created_at=created,
        submitted_at=submitted,
        approved_at=approved,
        resolution=f"第{rng.randint(1, 4)}回定例会 議案第{rng.randint(1, 99)}号",
    )
    draw_spread(rng, c)
    if draw_status(rng, ctx, c):
        draw_contracts(rng, ctx, c)
    settle(ctx, c)
    return c


def draw_contracts(rng: random.Random, ctx: DrawContext, c: DrawnCommitment) -> None:
    """1–3 contracts signed inside the contract window, within the limit, paid out inside the burden span."""
    if c.exposure_yen:
        share = 1.0 if rng.random() < 0.35 else rng.uniform(0.5, 1.0)
        total = round_down(c.exposure_yen * share)
    else:
        total = draw_amount(rng)
    amounts = split_amount(rng, total, rng.choices([1, 2, 3], [70, 20, 10])[0])
    window_start = fiscal.fiscal_year_start(c.authorized_fy)
    window_days = (min(fiscal.fiscal_year_end(c.deadline_fy), ctx.as_of) - window_start).days
    signed = sorted(window_start + timedelta(days=rng.randint(0, window_days)) for _ in amounts)
    weights = LEASE_TERMS_WEIGHTS if c.kind == Kind.LEASE else TERMS_WEIGHTS
    span_first = c.first_burden_fy * 12 + 3  # April of the first burden year, as year * 12 + month - 1
    span_last = (c.last_burden_fy + 1) * 12 + 2  # March after the last burden year
    for n, (amount, signed_on) in enumerate(zip(amounts, signed, strict=True), start=1):
        signed_month = signed_on.year * 12 + signed_on.month - 1
        start_month = min(max(span_first, signed_month + rng.choice((0, 1, 1, 2))), span_last)
        end_month = span_last if rng.random() < 0.75 else rng.randint(start_month, span_last)
        start_on = max(date(start_month // 12, start_month % 12 + 1, 1), signed_on)
        end_on = month_end(end_month)
        terms = rng.choices(TERMS, weights)[0]
        installments = installment_schedule(amount, start_on, end_on, terms)
        c.contracts.append(
            DrawnContract(
                contract_no=f"{c.authorized_fy}-{c.seq:06d}-{n}",
                counterparty=rng.choice(COUNTERPARTIES),
                signed_on=signed_on,
                start_on=start_on,
                end_on=end_on,
                amount_yen=amount,
                payment_terms=terms,
                installments=installments,
                payments=draw_payments(rng, ctx, installments),
            )
        )


def draw_payments(rng: random.Random, ctx: DrawContext, installments: list[Due]) -> list[tuple[date, int, int]]:
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
        part = round_down(amount * rng.uniform(0.2, 0.8))
        if part and rng.random() < 0.5:
            payments.append((paid_on, fy, part))
    return payments


def settle(ctx: DrawContext, c: DrawnCommitment) -> None:
    """Drafts have no submission or approval; active ones fully paid after their window closed are completed."""
    if c.status == State.DRAFT:
        c.submitted_at = None
    if c.status in (State.DRAFT, State.SUBMITTED):
        c.approved_at = None
        c.resolution = ""
        c.contract_until_fy = None  # only an approved amendment extends the window
    if c.status == State.ACTIVE and c.deadline_fy < ctx.as_of_fy:
        paid = sum(p[2] for k in c.contracts for p in k.payments)
        if paid == sum(k.amount_yen for k in c.contracts):
            c.status = State.COMPLETED
