"""The equal and monthly spreading rules and the yearly outflow, with amounts worked out by hand."""

import ast
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commitments import projection
from commitments.projection import (
    ContractFlows,
    Installment,
    YearOutflow,
    equal_split,
    monthly_split,
    project_outflow,
)


def test_module_imports_only_the_standard_library():
    """The module must stay importable without Django or any third-party package."""
    tree = ast.parse(Path(projection.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


def test_equal_split_seven_years_remainder_in_first_year():
    # 構内電話交換機のリース: 10,889 千円 over FY2017-FY2023.
    # 10,889,000 / 7 = 1,555,571.4 -> 1,555,000 a year; first year 10,889,000 - 6 x 1,555,000 = 1,559,000.
    assert equal_split(10_889_000, 2017, 2023) == {
        2017: 1_559_000,
        2018: 1_555_000,
        2019: 1_555_000,
        2020: 1_555_000,
        2021: 1_555_000,
        2022: 1_555_000,
        2023: 1_555_000,
    }


def test_equal_split_single_year_takes_everything():
    assert equal_split(77_928_000, 2018, 2018) == {2018: 77_928_000}


def test_equal_split_amount_below_rounding_goes_to_first_year():
    # 1,500 yen over 3 years: 500 a year rounds down to 0, so the first year takes all 1,500.
    assert equal_split(1_500, 2020, 2022) == {2020: 1_500, 2021: 0, 2022: 0}


def test_equal_split_exact_division():
    # 個人番号カード管理システム: 12,210,900 千円 over 4 years = 3,052,725,000 each, no remainder.
    assert equal_split(12_210_900_000, 2017, 2020) == {
        2017: 3_052_725_000,
        2018: 3_052_725_000,
        2019: 3_052_725_000,
        2020: 3_052_725_000,
    }


def test_equal_split_refuses_negative_and_reversed():
    with pytest.raises(ValueError):
        equal_split(-1, 2017, 2018)
    with pytest.raises(ValueError):
        equal_split(1_000, 2018, 2017)


@given(amount=st.integers(min_value=0, max_value=10**13), first=st.integers(2000, 2050), length=st.integers(1, 50))
def test_equal_split_sums_to_amount_and_rounds_to_thousands(amount, first, length):
    result = equal_split(amount, first, first + length - 1)
    assert sum(result.values()) == amount
    assert all(v >= 0 for v in result.values())
    assert all(v % 1000 == 0 for fy, v in result.items() if fy != first)


def _outflow(limit: int, first: int, last: int, authorized: int, as_of: int, contracts=()):
    live = as_of <= authorized  # approved authority is live until its 行為年度 ends
    return project_outflow(
        limit_yen=limit,
        first_fy=first,
        last_fy=last,
        planned=equal_split(limit, first, last),
        contracts=list(contracts),
        payments_by_fy={},
        live=live,
        as_of_fy=as_of,
    )


def test_projection_uncontracted_zero_once_authority_year_ended():
    # Authorised FY2017, seen from FY2018 with no contract: the authority has lapsed.
    years = _outflow(2_400_000, 2017, 2018, authorized=2017, as_of=2018)
    assert [(y.fiscal_year, y.planned, y.uncontracted) for y in years] == [(2017, 1_200_000, 0), (2018, 1_200_000, 0)]


def test_projection_uncontracted_spread_while_authority_live():
    # 2,400 千円 over FY2017-2018, as of FY2017, nothing contracted: all authority still uncontracted.
    years = _outflow(2_400_000, 2017, 2018, authorized=2017, as_of=2017)
    assert [(y.fiscal_year, y.uncontracted) for y in years] == [(2017, 1_200_000), (2018, 1_200_000)]


def test_projection_subtracts_the_contracts_from_the_authority():
    # 3,000 千円 over FY2017-2019 authorised FY2018, 1,000 千円 contracted (lump sum due FY2019), as of FY2018:
    # 2,000,000 uncontracted over FY2018-2019.
    contract = ContractFlows(
        amount_yen=1_000_000, installments=(Installment(date(2019, 6, 30), 1_000_000),), paid_yen=0
    )
    years = _outflow(3_000_000, 2017, 2019, authorized=2018, as_of=2018, contracts=[contract])
    assert [(y.fiscal_year, y.planned, y.contracted, y.uncontracted) for y in years] == [
        (2017, 1_000_000, 0, 0),
        (2018, 1_000_000, 0, 1_000_000),
        (2019, 1_000_000, 1_000_000, 1_000_000),
    ]


# --- monthly_split -------------------------------------------------------------------------------


def test_monthly_split_five_year_lease_from_october():
    # 10,889,000 yen, 60 months from 2017-10 (to 2022-09): FY2017 Oct-Mar 6 months, FY2018-2021 12 each,
    # FY2022 Apr-Sep 6. 12 months: 10,889,000 x 12 / 60 = 2,177,800 -> 2,177,000;
    # 6 months: 1,088,900 -> 1,088,000. FY2017 = 10,889,000 - 4 x 2,177,000 - 1,088,000 = 1,093,000.
    assert monthly_split(10_889_000, date(2017, 10, 1), 60) == {
        2017: 1_093_000,
        2018: 2_177_000,
        2019: 2_177_000,
        2020: 2_177_000,
        2021: 2_177_000,
        2022: 1_088_000,
    }


def test_monthly_split_start_in_january_belongs_to_previous_fiscal_year():
    # 1,200,000 yen, 12 months from 2018-01: Jan-Mar 2018 is FY2017 (3 months), Apr-Dec 2018 is FY2018 (9).
    # FY2018 = 1,200,000 x 9 / 12 = 900,000; FY2017 takes the rest, 300,000.
    assert monthly_split(1_200_000, date(2018, 1, 15), 12) == {2017: 300_000, 2018: 900_000}


def test_monthly_split_three_years_from_june_remainder_in_first_year():
    # 5,000,000 yen, 36 months 2017-06 .. 2020-05: FY2017 10 months, FY2018 12, FY2019 12, FY2020 2.
    # 12 months: 5,000,000 x 12 / 36 = 1,666,666.7 -> 1,666,000; 2 months: 277,777.8 -> 277,000.
    # FY2017 = 5,000,000 - 2 x 1,666,000 - 277,000 = 1,391,000.
    assert monthly_split(5_000_000, date(2017, 6, 1), 36) == {
        2017: 1_391_000,
        2018: 1_666_000,
        2019: 1_666_000,
        2020: 277_000,
    }


def test_monthly_split_within_one_fiscal_year():
    assert monthly_split(1_000_001, date(2017, 4, 1), 7) == {2017: 1_000_001}


def test_monthly_split_small_amount_all_in_first_year():
    # 999 yen, 6 months from 2017-12: FY2017 4 months, FY2018 2 months; 999 x 2 / 6 = 333 -> 0.
    assert monthly_split(999, date(2017, 12, 1), 6) == {2017: 999, 2018: 0}


def test_monthly_split_with_span_fills_untouched_years_with_zero():
    # 1,200,000 yen, 12 months from 2018-01 inside a FY2016-2019 span.
    assert monthly_split(1_200_000, date(2018, 1, 1), 12, first_fy=2016, last_fy=2019) == {
        2016: 0,
        2017: 300_000,
        2018: 900_000,
        2019: 0,
    }


def test_monthly_split_refuses_months_outside_the_span():
    # 2017-10 + 60 months runs to FY2022.
    with pytest.raises(ValueError):
        monthly_split(10_889_000, date(2017, 10, 1), 60, first_fy=2017, last_fy=2021)
    # 2018-01 is FY2017, before a span starting FY2018.
    with pytest.raises(ValueError):
        monthly_split(1_200_000, date(2018, 1, 1), 12, first_fy=2018, last_fy=2020)


def test_monthly_split_refuses_negative_amount_and_no_months():
    with pytest.raises(ValueError):
        monthly_split(-1, date(2017, 4, 1), 12)
    with pytest.raises(ValueError):
        monthly_split(1_000, date(2017, 4, 1), 0)


# --- project_outflow -----------------------------------------------------------------------------

# One contract of 6,000,000 yen under a 10,000,000 yen limit over FY2017-2019, 2,000,000 due in each year.
SIX_MILLION = ContractFlows(
    amount_yen=6_000_000,
    installments=(
        Installment(date(2018, 3, 31), 2_000_000),  # FY2017
        Installment(date(2019, 3, 31), 2_000_000),  # FY2018
        Installment(date(2020, 3, 31), 2_000_000),  # FY2019
    ),
    paid_yen=2_500_000,
)
PLANNED_TEN_MILLION = {2017: 3_334_000, 2018: 3_333_000, 2019: 3_333_000}


def _rows(years: list[YearOutflow]) -> list[tuple[int, int, int, int, int]]:
    return [(y.fiscal_year, y.planned, y.paid, y.contracted, y.uncontracted) for y in years]


def test_outflow_live_partly_paid_contract():
    # Paid 2,500,000 in FY2017 settles the FY2017 installment and 500,000 of FY2018's (earliest first):
    # contracted FY2017 0, FY2018 1,500,000, FY2019 2,000,000.
    # Uncontracted 10,000,000 - 6,000,000 = 4,000,000 over FY2017-2019: 1,333,000 a year, FY2017 1,334,000.
    years = project_outflow(
        limit_yen=10_000_000,
        first_fy=2017,
        last_fy=2019,
        planned=PLANNED_TEN_MILLION,
        contracts=[SIX_MILLION],
        payments_by_fy={2017: 2_500_000},
        live=True,
        as_of_fy=2017,
    )
    assert _rows(years) == [
        (2017, 3_334_000, 2_500_000, 0, 1_334_000),
        (2018, 3_333_000, 0, 1_500_000, 1_333_000),
        (2019, 3_333_000, 0, 2_000_000, 1_333_000),
    ]
    assert [y.total for y in years] == [3_834_000, 2_833_000, 3_333_000]
    assert sum(y.total for y in years) == 10_000_000


def test_outflow_not_live_has_no_uncontracted():
    years = project_outflow(
        limit_yen=10_000_000,
        first_fy=2017,
        last_fy=2019,
        planned=PLANNED_TEN_MILLION,
        contracts=[SIX_MILLION],
        payments_by_fy={2017: 2_500_000},
        live=False,
        as_of_fy=2017,
    )
    assert _rows(years) == [
        (2017, 3_334_000, 2_500_000, 0, 0),
        (2018, 3_333_000, 0, 1_500_000, 0),
        (2019, 3_333_000, 0, 2_000_000, 0),
    ]
    assert sum(y.total for y in years) == 6_000_000


def test_outflow_uncontracted_starts_in_the_current_year():
    # As of FY2018: 4,000,000 over FY2018-2019, 2,000,000 each; nothing in FY2017.
    years = project_outflow(
        limit_yen=10_000_000,
        first_fy=2017,
        last_fy=2019,
        planned=PLANNED_TEN_MILLION,
        contracts=[SIX_MILLION],
        payments_by_fy={2017: 2_500_000},
        live=True,
        as_of_fy=2018,
    )
    assert [y.uncontracted for y in years] == [0, 2_000_000, 2_000_000]


def test_outflow_current_year_is_clamped_into_the_span():
    kwargs = {
        "limit_yen": 3_000_000,
        "first_fy": 2017,
        "last_fy": 2019,
        "planned": {2017: 1_000_000, 2018: 1_000_000, 2019: 1_000_000},
        "contracts": [],
        "payments_by_fy": {},
        "live": True,
    }
    # Before the span: spread from the first year.
    assert [y.uncontracted for y in project_outflow(as_of_fy=2015, **kwargs)] == [1_000_000, 1_000_000, 1_000_000]
    # After the span: everything in the last year.
    assert [y.uncontracted for y in project_outflow(as_of_fy=2021, **kwargs)] == [0, 0, 3_000_000]


def test_outflow_payment_order_follows_due_dates_not_input_order():
    # Installments given out of order; 2,500,000 paid settles FY2017 (due first) and 500,000 of FY2018.
    contract = ContractFlows(
        amount_yen=6_000_000,
        installments=tuple(reversed(SIX_MILLION.installments)),
        paid_yen=2_500_000,
    )
    years = project_outflow(
        limit_yen=6_000_000,
        first_fy=2017,
        last_fy=2019,
        planned={},
        contracts=[contract],
        payments_by_fy={2017: 2_500_000},
        live=True,
        as_of_fy=2017,
    )
    assert _rows(years) == [
        (2017, 0, 2_500_000, 0, 0),
        (2018, 0, 0, 1_500_000, 0),
        (2019, 0, 0, 2_000_000, 0),
    ]


def test_outflow_two_contracts_over_the_limit_leave_no_uncontracted():
    # Two contracts of 700,000 + 400,000 = 1,100,000 against a 1,000,000 limit: nothing left to contract.
    # Contract A: 350,000 due FY2017 and 350,000 due FY2018, 350,001 paid -> FY2018 open 349,999.
    # Contract B: 400,000 lump sum due FY2018, nothing paid.
    a = ContractFlows(
        amount_yen=700_000,
        installments=(Installment(date(2017, 9, 30), 350_000), Installment(date(2018, 9, 30), 350_000)),
        paid_yen=350_001,
    )
    b = ContractFlows(amount_yen=400_000, installments=(Installment(date(2019, 1, 31), 400_000),), paid_yen=0)
    years = project_outflow(
        limit_yen=1_000_000,
        first_fy=2017,
        last_fy=2018,
        planned={2017: 500_000, 2018: 500_000},
        contracts=[a, b],
        payments_by_fy={2017: 350_000, 2018: 1},
        live=True,
        as_of_fy=2017,
    )
    assert _rows(years) == [
        (2017, 500_000, 350_000, 0, 0),
        (2018, 500_000, 1, 749_999, 0),
    ]


def test_outflow_never_drops_money_outside_the_span():
    # A payment recorded in FY2016 and an installment due in FY2020 (2021-01-31) on a FY2017-2018 span.
    contract = ContractFlows(
        amount_yen=3_000_000,
        installments=(Installment(date(2017, 3, 31), 1_000_000), Installment(date(2021, 1, 31), 2_000_000)),
        paid_yen=1_000_000,
    )
    years = project_outflow(
        limit_yen=3_000_000,
        first_fy=2017,
        last_fy=2018,
        planned={2017: 1_500_000, 2018: 1_500_000},
        contracts=[contract],
        payments_by_fy={2016: 1_000_000},
        live=False,
        as_of_fy=2017,
    )
    assert _rows(years) == [
        (2016, 0, 1_000_000, 0, 0),
        (2017, 1_500_000, 0, 0, 0),
        (2018, 1_500_000, 0, 0, 0),
        (2020, 0, 0, 2_000_000, 0),
    ]


def test_outflow_fully_paid_contract_has_nothing_contracted():
    contract = ContractFlows(amount_yen=2_000_000, installments=SIX_MILLION.installments[:1], paid_yen=2_000_000)
    years = project_outflow(
        limit_yen=2_000_000,
        first_fy=2017,
        last_fy=2017,
        planned={2017: 2_000_000},
        contracts=[contract],
        payments_by_fy={2017: 2_000_000},
        live=True,
        as_of_fy=2017,
    )
    assert _rows(years) == [(2017, 2_000_000, 2_000_000, 0, 0)]


@pytest.mark.parametrize(
    "contract",
    [
        # Installments do not sum to the amount.
        ContractFlows(amount_yen=6_000_001, installments=SIX_MILLION.installments, paid_yen=0),
        # Paid more than the amount.
        ContractFlows(amount_yen=6_000_000, installments=SIX_MILLION.installments, paid_yen=6_000_001),
        # Negative paid.
        ContractFlows(amount_yen=6_000_000, installments=SIX_MILLION.installments, paid_yen=-1),
        # A negative installment, even though the sum is right.
        ContractFlows(
            amount_yen=1_000,
            installments=(Installment(date(2017, 5, 31), 2_000), Installment(date(2017, 6, 30), -1_000)),
            paid_yen=0,
        ),
    ],
)
def test_outflow_refuses_inconsistent_contracts(contract):
    with pytest.raises(ValueError):
        project_outflow(
            limit_yen=10_000_000,
            first_fy=2017,
            last_fy=2019,
            planned={},
            contracts=[contract],
            payments_by_fy={},
            live=True,
            as_of_fy=2017,
        )


@pytest.mark.parametrize(
    "override",
    [{"limit_yen": -1}, {"planned": {2017: -1}}, {"payments_by_fy": {2017: -1}}, {"first_fy": 2020}],
)
def test_outflow_refuses_negative_amounts_and_reversed_span(override):
    kwargs = {
        "limit_yen": 1_000_000,
        "first_fy": 2017,
        "last_fy": 2019,
        "planned": {},
        "contracts": [],
        "payments_by_fy": {},
        "live": True,
        "as_of_fy": 2017,
    }
    with pytest.raises(ValueError):
        project_outflow(**(kwargs | override))
