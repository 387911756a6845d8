"""The equal spreading rule and the yearly outflow, with amounts worked out by hand."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commitments.projection import equal_split, project_commitment


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


def test_projection_uncontracted_zero_once_authority_year_ended():
    # Authorised FY2017, seen from FY2018 with no contract: the authority has lapsed.
    years = project_commitment(
        limit_yen=2_400_000, first_fy=2017, last_fy=2018, authorized_fy=2017, as_of_fy=2018, approved=True
    )
    assert [(y.fiscal_year, y.planned, y.uncontracted) for y in years] == [(2017, 1_200_000, 0), (2018, 1_200_000, 0)]


def test_projection_uncontracted_spread_while_authority_live():
    # 2,400 千円 over FY2017-2018, as of FY2017, nothing contracted: all authority still uncontracted.
    years = project_commitment(
        limit_yen=2_400_000, first_fy=2017, last_fy=2018, authorized_fy=2017, as_of_fy=2017, approved=True
    )
    assert [(y.fiscal_year, y.uncontracted) for y in years] == [(2017, 1_200_000), (2018, 1_200_000)]
