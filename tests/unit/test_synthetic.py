"""Pure synthetic-data drawing (devtools.synthetic): every drawn commitment keeps the rules; a seed fixes it.

No database: these run with unreachable DATABASE_URL / REDIS_URL.
"""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from commitments import fiscal
from commitments.projection import monthly_split
from devtools import synthetic
from devtools.synthetic import (
    ROUND_YEN,
    DrawContext,
    DrawnCommitment,
    DrawnContract,
    Kind,
    Spread,
    State,
    draw_commitment,
    explicit_split,
    month_end,
    round_down,
    split_amount,
)

ROOT = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("Asia/Tokyo")
PER_EXAMPLE = 25  # commitments drawn per hypothesis example
FAST = settings(max_examples=100, deadline=None)
ALL_STATES = {v for k, v in vars(State).items() if k.isupper()}

seeds = st.integers(0, 2**32 - 1)
as_of_dates = st.dates(date(2009, 4, 1), date(2042, 3, 31))
segment_counts = st.integers(1, len(synthetic.SEGMENTS))


def _context(as_of: date, segments: int = len(synthetic.SEGMENTS), seq: dict[int, int] | None = None) -> DrawContext:
    """A drawing context over `segments` segments (ids 101, 102, …) as of a date."""
    return DrawContext(
        segment_ids=[101 + n for n in range(segments)],
        segment_weights=synthetic.SEGMENT_WEIGHTS[:segments],
        as_of=as_of,
        tz=TZ,
        seq=dict(seq or {}),
    )


def _draw(seed: int, ctx: DrawContext, count: int = PER_EXAMPLE) -> list[DrawnCommitment]:
    """`count` commitments drawn from one random stream."""
    rng = random.Random(seed)
    return [draw_commitment(rng, ctx) for _ in range(count)]


def _check_commitment(c: DrawnCommitment, ctx: DrawContext) -> None:
    """Limit, span, state fields and 年割額 of one drawn commitment."""
    assert c.segment_id in ctx.segment_ids
    assert c.kind in synthetic.KINDS and c.status in ALL_STATES
    assert (c.limit_yen is None) == bool(c.limit_text)
    for amount in (c.limit_yen, c.estimated_limit_yen):
        assert amount is None or (
            synthetic.MIN_LIMIT_YEN <= amount <= synthetic.MAX_LIMIT_YEN and amount % ROUND_YEN == 0
        )
    assert c.estimated_limit_yen is None or c.limit_yen is None
    assert synthetic.FIRST_FY <= c.first_burden_fy <= c.last_burden_fy <= synthetic.LAST_FY
    assert c.last_burden_fy - c.first_burden_fy < 10
    assert c.authorized_fy in (c.first_burden_fy, c.first_burden_fy - 1)
    assert c.contract_until_fy is None or c.authorized_fy < c.contract_until_fy <= c.last_burden_fy
    # 年割額: one per year of the span, summing to the limit (text limits: to the estimate, or 0).
    assert sorted(c.planned) == list(range(c.first_burden_fy, c.last_burden_fy + 1))
    assert sum(c.planned.values()) == c.exposure_yen
    assert all(amount >= 0 for amount in c.planned.values())
    if c.spread_rule == Spread.MONTHLY:
        assert c.kind == Kind.LEASE and c.limit_yen is not None
        expected = monthly_split(
            c.limit_yen, c.spread_start_month, c.spread_months, first_fy=c.first_burden_fy, last_fy=c.last_burden_fy
        )
        assert c.planned == expected
    else:
        assert c.spread_start_month is None and c.spread_months is None
    # Entered, submitted and approved in order, a month before the as-of date at the latest.
    assert c.created_at.date() <= ctx.as_of - timedelta(days=30)
    assert (c.submitted_at is None) == (c.status == State.DRAFT)
    assert (c.approved_at is None) == (c.status in (State.DRAFT, State.SUBMITTED))
    assert c.submitted_at is None or c.created_at < c.submitted_at
    assert c.approved_at is None or c.submitted_at < c.approved_at
    if c.status in (State.DRAFT, State.SUBMITTED):
        assert c.resolution == "" and c.contract_until_fy is None
    if c.status == State.LAPSED:
        assert c.deadline_fy < ctx.as_of_fy


def _check_contract(c: DrawnCommitment, k: DrawnContract, ctx: DrawContext) -> None:
    """Signed in the contract window; installments sum to the amount inside the span; payments FIFO and bounded."""
    assert k.amount_yen > 0 and k.amount_yen % ROUND_YEN == 0
    assert k.counterparty in synthetic.COUNTERPARTIES and k.payment_terms in synthetic.TERMS
    assert k.signed_on <= min(k.start_on, ctx.as_of) and k.start_on <= k.end_on
    assert c.authorized_fy <= fiscal.fiscal_year_of(k.signed_on) <= c.deadline_fy
    assert fiscal.fiscal_year_start(c.first_burden_fy) <= k.start_on
    assert k.end_on <= fiscal.fiscal_year_end(c.last_burden_fy)
    assert sum(i.amount_yen for i in k.installments) == k.amount_yen
    for due in k.installments:
        assert k.start_on <= due.due_on <= k.end_on and due.amount_yen >= 0
        assert c.first_burden_fy <= due.fiscal_year <= c.last_burden_fy
    # Payments settle the earliest non-zero installments in order; only the last may be part-paid.
    due_by_as_of = sum(i.amount_yen for i in k.installments if i.due_on <= ctx.as_of)
    assert sum(p[2] for p in k.payments) <= due_by_as_of <= k.amount_yen
    owed = [i for i in k.installments if i.amount_yen]
    assert len(k.payments) <= len(owed)
    for n, ((paid_on, fy, amount), due) in enumerate(zip(k.payments, owed, strict=False)):
        assert due.due_on <= paid_on <= min(due.due_on + timedelta(days=20), ctx.as_of)
        assert fy == due.fiscal_year and c.first_burden_fy <= fy <= c.last_burden_fy
        assert 0 < amount <= due.amount_yen
        assert amount == due.amount_yen or n == len(k.payments) - 1


def _check_contracts(c: DrawnCommitment, ctx: DrawContext) -> None:
    """Contracts only where the state allows, within the limit; completed ones fully paid after the window."""
    total = sum(k.amount_yen for k in c.contracts)
    if c.exposure_yen:
        assert total <= c.exposure_yen
    if c.status in (State.DRAFT, State.SUBMITTED, State.APPROVED, State.LAPSED):
        assert not c.contracts
    if c.status in (State.ACTIVE, State.COMPLETED):
        assert 1 <= len(c.contracts) <= 3
    for n, k in enumerate(c.contracts, start=1):
        assert k.contract_no == f"{c.authorized_fy}-{c.seq:06d}-{n}"
        _check_contract(c, k, ctx)
    assert [k.signed_on for k in c.contracts] == sorted(k.signed_on for k in c.contracts)
    paid = sum(p[2] for k in c.contracts for p in k.payments)
    if c.status == State.COMPLETED:
        assert paid == total > 0 and c.deadline_fy < ctx.as_of_fy
    if c.status == State.ACTIVE and c.deadline_fy < ctx.as_of_fy:
        assert paid < total


@FAST
@given(seed=seeds, as_of=as_of_dates, segments=segment_counts)
def test_every_drawn_commitment_keeps_the_domain_rules(seed, as_of, segments):
    ctx = _context(as_of, segments)
    drawn = _draw(seed, ctx)
    for c in drawn:
        _check_commitment(c, ctx)
        _check_contracts(c, ctx)
    # seq numbers run 1, 2, … within each 行為年度, and the context remembers the last one.
    by_year: dict[int, list[int]] = {}
    for c in drawn:
        by_year.setdefault(c.authorized_fy, []).append(c.seq)
    assert all(seqs == list(range(1, len(seqs) + 1)) for seqs in by_year.values())
    assert ctx.seq == {fy: len(seqs) for fy, seqs in by_year.items()}


@FAST
@given(seed=seeds, as_of=as_of_dates, start=st.dictionaries(st.integers(2009, 2040), st.integers(1, 500)))
def test_numbering_continues_after_existing_seq(seed, as_of, start):
    ctx = _context(as_of, seq=start)
    for c in _draw(seed, ctx, 5):
        assert c.seq > start.get(c.authorized_fy, 0)


def test_the_same_seed_draws_the_same_commitments_and_another_seed_others():
    as_of = date(2025, 9, 30)
    first = _draw(5, _context(as_of), 300)
    assert first == _draw(5, _context(as_of), 300)
    assert first != _draw(6, _context(as_of), 300)
    # One stream drawn in two runs gives the same commitments as drawn in one.
    rng, ctx = random.Random(5), _context(as_of)
    assert [draw_commitment(rng, ctx) for _ in range(120)] + [draw_commitment(rng, ctx) for _ in range(180)] == first


def test_a_large_draw_covers_every_state_kind_and_spread_rule():
    drawn = _draw(11, _context(date(2025, 9, 30)), 1_000)
    assert {c.status for c in drawn} == ALL_STATES
    assert {c.kind for c in drawn} == set(synthetic.KINDS)
    assert {c.spread_rule for c in drawn} == {Spread.EQUAL, Spread.MONTHLY, Spread.EXPLICIT}
    assert any(c.limit_yen is None and c.estimated_limit_yen for c in drawn)
    assert any(c.limit_yen is None and c.estimated_limit_yen is None for c in drawn)
    contracts = [k for c in drawn for k in c.contracts]
    assert 0.35 * len(drawn) <= sum(1 for c in drawn if c.contracts) <= 0.65 * len(drawn)
    assert 6 <= sum(len(k.installments) for k in contracts) / len(contracts) <= 14


@FAST
@given(seed=seeds, units=st.integers(1, 10**6), parts=st.integers(1, 3))
def test_split_amount_gives_positive_whole_thousands_summing_to_the_total(seed, units, parts):
    amounts = split_amount(random.Random(seed), units * ROUND_YEN, parts)
    assert sum(amounts) == units * ROUND_YEN
    assert len(amounts) == min(parts, units)
    assert all(a > 0 and a % ROUND_YEN == 0 for a in amounts)


@FAST
@given(seed=seeds, units=st.integers(0, 10**6), first=st.integers(2010, 2040), years=st.integers(1, 10))
def test_explicit_split_sums_to_the_amount_over_the_span(seed, units, first, years):
    amount = units * ROUND_YEN
    planned = explicit_split(random.Random(seed), amount, first, first + years - 1)
    assert sorted(planned) == list(range(first, first + years))
    assert sum(planned.values()) == amount
    assert all(v >= 0 and v % ROUND_YEN == 0 for v in planned.values())


@FAST
@given(month=st.integers(2000 * 12, 2100 * 12), amount=st.floats(0, 10**12))
def test_month_end_and_round_down(month, amount):
    last = month_end(month)
    assert last.year * 12 + last.month - 1 == month and (last + timedelta(days=1)).day == 1
    rounded = round_down(amount)
    assert rounded % ROUND_YEN == 0 and 0 <= amount - rounded < ROUND_YEN


def test_choice_values_match_the_models():
    from commitments.models import CommitmentKind, PaymentTerms, SpreadRule, Status

    def values(namespace: type) -> set[str]:
        return {v for k, v in vars(namespace).items() if k.isupper()}

    assert values(Kind) == set(CommitmentKind.values) == set(synthetic.KINDS)
    assert values(State) == set(Status.values)
    assert values(Spread) == set(SpreadRule.values)
    assert set(synthetic.TERMS) <= set(PaymentTerms.values)


def test_the_module_imports_no_django():
    code = "import sys, devtools.synthetic; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
