"""Properties of the spreading rules, installment schedules and the yearly outflow over generated inputs."""

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from commitments.projection import (
    ContractFlows,
    Installment,
    PaymentTerms,
    equal_split,
    fiscal_year_of_date,
    installment_schedule,
    monthly_split,
    project_outflow,
)

MAX_YEN = 10**10
FAST = settings(max_examples=200, deadline=None)
PERIODS = {PaymentTerms.MONTHLY: 1, PaymentTerms.QUARTERLY: 3, PaymentTerms.SEMIANNUAL: 6, PaymentTerms.ANNUAL: 12}


def _months_inclusive(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


@st.composite
def _split(draw: st.DrawFn, total: int, parts: int) -> list[int]:
    """total split into `parts` non-negative integers that sum to it."""
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=parts - 1, max_size=parts - 1)))
    bounds = [0, *cuts, total]
    return [b - a for a, b in pairwise(bounds)]


@st.composite
def _date_in(draw: st.DrawFn, first_fy: int, last_fy: int) -> date:
    """A date inside fiscal years first..last."""
    start = date(first_fy, 4, 1)
    end = date(last_fy + 1, 3, 31)
    return start + timedelta(days=draw(st.integers(0, (end - start).days)))


@st.composite
def _contract(draw: st.DrawFn, window_first: int, window_last: int) -> ContractFlows:
    amount = draw(st.integers(0, MAX_YEN))
    count = draw(st.integers(1, 6))
    amounts = draw(_split(amount, count))
    dues = [draw(_date_in(window_first, window_last)) for _ in range(count)]
    installments = tuple(Installment(due_on=d, amount_yen=a) for d, a in zip(dues, amounts, strict=True))
    return ContractFlows(amount_yen=amount, installments=installments, paid_yen=draw(st.integers(0, amount)))


@st.composite
def outflow_inputs(draw: st.DrawFn) -> dict:
    """Consistent inputs for project_outflow, every year within a window of at most 10 years."""
    window_first = draw(st.integers(2000, 2040))
    window_last = window_first + draw(st.integers(0, 9))
    first_fy = draw(st.integers(window_first, window_last))
    last_fy = draw(st.integers(first_fy, window_last))
    contracts = draw(st.lists(_contract(window_first, window_last), max_size=4))
    contracted_total = sum(c.amount_yen for c in contracts)
    limit = contracted_total + draw(st.integers(0, MAX_YEN))
    total_paid = sum(c.paid_yen for c in contracts)
    years = list(range(window_first, window_last + 1))
    payments = dict(zip(years, draw(_split(total_paid, len(years))), strict=True))
    planned = equal_split(limit, first_fy, last_fy) if draw(st.booleans()) else {}
    return {
        "limit_yen": limit,
        "first_fy": first_fy,
        "last_fy": last_fy,
        "planned": planned,
        "contracts": contracts,
        "payments_by_fy": payments,
        "live": draw(st.booleans()),
        "as_of_fy": draw(st.integers(window_first - 2, window_last + 2)),
    }


@FAST
@given(outflow_inputs())
def test_outflow_rows_are_non_negative_sorted_and_cover_the_span(inputs):
    years = project_outflow(**inputs)
    fys = [y.fiscal_year for y in years]
    assert fys == sorted(set(fys))
    assert set(range(inputs["first_fy"], inputs["last_fy"] + 1)) <= set(fys)
    for y in years:
        assert min(y.planned, y.paid, y.contracted, y.uncontracted) >= 0


@FAST
@given(outflow_inputs())
def test_outflow_totals_add_up(inputs):
    years = project_outflow(**inputs)
    contracted_total = sum(c.amount_yen for c in inputs["contracts"])
    paid = sum(y.paid for y in years)
    assert paid <= contracted_total
    assert paid == sum(inputs["payments_by_fy"].values())
    assert sum(y.contracted for y in years) == sum(c.amount_yen - c.paid_yen for c in inputs["contracts"])
    expected = inputs["limit_yen"] if inputs["live"] else contracted_total
    assert sum(y.total for y in years) == expected


@FAST
@given(outflow_inputs())
def test_outflow_uncontracted_only_from_the_current_year_within_the_span(inputs):
    years = project_outflow(**inputs)
    start = max(inputs["first_fy"], min(inputs["as_of_fy"], inputs["last_fy"]))
    for y in years:
        if not inputs["live"] or not start <= y.fiscal_year <= inputs["last_fy"]:
            assert y.uncontracted == 0


@FAST
@given(outflow_inputs())
def test_outflow_contracted_is_the_latest_installments(inputs):
    # Paying earliest-first means every contracted yen sits no earlier than any fully settled installment:
    # per contract, the open amount equals the tail of its installments in due order.
    for contract in inputs["contracts"]:
        years = project_outflow(**{**inputs, "contracts": [contract], "payments_by_fy": {}, "live": False})
        open_by_fy = {y.fiscal_year: y.contracted for y in years if y.contracted}
        tail: dict[int, int] = {}
        left = contract.amount_yen - contract.paid_yen
        for installment in sorted(contract.installments, key=lambda i: i.due_on, reverse=True):
            take = min(left, installment.amount_yen)
            left -= take
            if take:
                tail[installment.fiscal_year] = tail.get(installment.fiscal_year, 0) + take
        assert open_by_fy == tail


@FAST
@given(amount=st.integers(0, MAX_YEN), first=st.integers(2000, 2040), length=st.integers(1, 10))
def test_equal_split_exact_rounded_non_negative(amount, first, length):
    result = equal_split(amount, first, first + length - 1)
    assert list(result) == list(range(first, first + length))
    assert sum(result.values()) == amount
    assert all(v >= 0 for v in result.values())
    assert all(v % 1000 == 0 for fy, v in result.items() if fy != first)


@FAST
@given(
    amount=st.integers(0, MAX_YEN),
    year=st.integers(2000, 2040),
    month=st.integers(1, 12),
    months=st.integers(1, 120),
    pad_before=st.integers(0, 2),
    pad_after=st.integers(0, 2),
)
def test_monthly_split_exact_rounded_non_negative(amount, year, month, months, pad_before, pad_after):
    start = date(year, month, 1)
    result = monthly_split(amount, start, months)
    first = fiscal_year_of_date(start)
    last_index = year * 12 + month - 1 + months - 1
    last = fiscal_year_of_date(date(last_index // 12, last_index % 12 + 1, 1))
    assert list(result) == list(range(first, last + 1))
    assert sum(result.values()) == amount
    assert all(v >= 0 for v in result.values())
    assert all(v % 1000 == 0 for fy, v in result.items() if fy != first)
    padded = monthly_split(amount, start, months, first_fy=first - pad_before, last_fy=last + pad_after)
    assert list(padded) == list(range(first - pad_before, last + pad_after + 1))
    assert {fy: v for fy, v in padded.items() if v or fy in result} == result


@FAST
@given(
    amount=st.integers(0, MAX_YEN),
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    days=st.integers(0, 3650),
    terms=st.sampled_from([*PERIODS, PaymentTerms.LUMP_SUM]),
)
def test_installment_schedule_exact_ordered_and_counted(amount, start, days, terms):
    end = start + timedelta(days=days)
    installments = installment_schedule(amount, start, end, terms)
    assert sum(i.amount_yen for i in installments) == amount
    assert all(i.amount_yen >= 0 for i in installments)
    dues = [i.due_on for i in installments]
    assert dues == sorted(dues)
    assert all(start <= d <= end for d in dues)
    assert dues[-1] == end
    n = _months_inclusive(start, end)
    expected_count = 1 if terms is PaymentTerms.LUMP_SUM else -(-n // PERIODS[terms])
    assert len(installments) == expected_count
