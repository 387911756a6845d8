"""Contract installments by payment terms, with amounts and due dates worked out by hand."""

from datetime import date

import pytest

from commitments.projection import Installment, PaymentTerms, fiscal_year_of_date, installment_schedule


def _plan(installments: list[Installment]) -> list[tuple[date, int, int]]:
    return [(i.due_on, i.amount_yen, i.fiscal_year) for i in installments]


@pytest.mark.parametrize(
    ("d", "fy"),
    [
        (date(2017, 4, 1), 2017),
        (date(2018, 3, 31), 2017),
        (date(2018, 1, 1), 2017),
        (date(2017, 12, 31), 2017),
        (date(2017, 3, 31), 2016),
        (date(2019, 4, 30), 2019),
    ],
)
def test_fiscal_year_of_date(d, fy):
    assert fiscal_year_of_date(d) == fy


def test_installment_fiscal_year_follows_due_date():
    assert Installment(date(2018, 3, 31), 1).fiscal_year == 2017
    assert Installment(date(2018, 4, 1), 1).fiscal_year == 2018


def test_payment_terms_values_match_the_model_choices():
    assert [t.value for t in PaymentTerms] == ["monthly", "quarterly", "semiannual", "annual", "lump_sum", "explicit"]


def test_quarterly_one_year_from_october():
    # 12,000,000 yen, 2017-10-01 .. 2018-09-30: N = 12 months, 4 quarters of 3,000,000.
    assert _plan(installment_schedule(12_000_000, date(2017, 10, 1), date(2018, 9, 30), PaymentTerms.QUARTERLY)) == [
        (date(2017, 12, 31), 3_000_000, 2017),
        (date(2018, 3, 31), 3_000_000, 2017),
        (date(2018, 6, 30), 3_000_000, 2018),
        (date(2018, 9, 30), 3_000_000, 2018),
    ]


def test_quarterly_odd_amount_remainder_in_first():
    # 10,000,001 yen over FY2017: 10,000,001 x 3 / 12 = 2,500,000.25 -> 2,500,000;
    # first = 10,000,001 - 3 x 2,500,000 = 2,500,001.
    assert _plan(installment_schedule(10_000_001, date(2017, 4, 1), date(2018, 3, 31), "quarterly")) == [
        (date(2017, 6, 30), 2_500_001, 2017),
        (date(2017, 9, 30), 2_500_000, 2017),
        (date(2017, 12, 31), 2_500_000, 2017),
        (date(2018, 3, 31), 2_500_000, 2017),
    ]


def test_monthly_three_months_remainder_in_first():
    # 1,000,000 yen over 3 months: 333,333.3 -> 333,333; first = 1,000,000 - 666,666 = 333,334.
    assert _plan(installment_schedule(1_000_000, date(2017, 4, 1), date(2017, 6, 30), PaymentTerms.MONTHLY)) == [
        (date(2017, 4, 30), 333_334, 2017),
        (date(2017, 5, 31), 333_333, 2017),
        (date(2017, 6, 30), 333_333, 2017),
    ]


def test_quarterly_short_last_period():
    # 10,000,000 yen, 2017-10-01 .. 2018-04-30: N = 7 months; periods Oct-Dec (3), Jan-Mar (3), Apr (1).
    # 3 months: 10,000,000 x 3 / 7 = 4,285,714.29 -> 4,285,714; 1 month: 1,428,571.43 -> 1,428,571.
    # First = 10,000,000 - 4,285,714 - 1,428,571 = 4,285,715.
    assert _plan(installment_schedule(10_000_000, date(2017, 10, 1), date(2018, 4, 30), PaymentTerms.QUARTERLY)) == [
        (date(2017, 12, 31), 4_285_715, 2017),
        (date(2018, 3, 31), 4_285_714, 2017),
        (date(2018, 4, 30), 1_428_571, 2018),
    ]


def test_semiannual_ending_mid_month():
    # 6,000,000 yen, 2017-04-15 .. 2018-02-14: N = 11 months (Apr..Feb); periods Apr-Sep (6), Oct-Feb (5).
    # 5 months: 6,000,000 x 5 / 11 = 2,727,272.7 -> 2,727,272; first = 3,272,728.
    # The last falls due on 2018-02-14, not the month end 2018-02-28.
    assert _plan(installment_schedule(6_000_000, date(2017, 4, 15), date(2018, 2, 14), PaymentTerms.SEMIANNUAL)) == [
        (date(2017, 9, 30), 3_272_728, 2017),
        (date(2018, 2, 14), 2_727_272, 2017),
    ]


def test_annual_two_full_years():
    # 1,000,000 yen, 2017-07-01 .. 2019-06-30: N = 24, two years of 500,000.
    assert _plan(installment_schedule(1_000_000, date(2017, 7, 1), date(2019, 6, 30), PaymentTerms.ANNUAL)) == [
        (date(2018, 6, 30), 500_000, 2018),
        (date(2019, 6, 30), 500_000, 2019),
    ]


def test_annual_short_last_year():
    # 2,500,000 yen, 2017-10-01 .. 2019-03-31: N = 18; periods 12 and 6 months.
    # 6 months: 2,500,000 x 6 / 18 = 833,333.3 -> 833,333; first = 1,666,667.
    assert _plan(installment_schedule(2_500_000, date(2017, 10, 1), date(2019, 3, 31), PaymentTerms.ANNUAL)) == [
        (date(2018, 9, 30), 1_666_667, 2018),
        (date(2019, 3, 31), 833_333, 2018),
    ]


def test_monthly_over_a_leap_february_ending_mid_month():
    # 290,000 yen, 2020-01-10 .. 2020-03-05: N = 3; 96,666.7 -> 96,666; first = 290,000 - 193,332 = 96,668.
    assert _plan(installment_schedule(290_000, date(2020, 1, 10), date(2020, 3, 5), PaymentTerms.MONTHLY)) == [
        (date(2020, 1, 31), 96_668, 2019),
        (date(2020, 2, 29), 96_666, 2019),
        (date(2020, 3, 5), 96_666, 2019),
    ]


def test_contract_within_one_month_is_one_installment_due_on_its_end():
    assert _plan(installment_schedule(123_457, date(2017, 5, 10), date(2017, 5, 20), PaymentTerms.QUARTERLY)) == [
        (date(2017, 5, 20), 123_457, 2017),
    ]


def test_lump_sum_due_on_end():
    assert _plan(installment_schedule(5_000_000, date(2017, 4, 1), date(2018, 3, 15), PaymentTerms.LUMP_SUM)) == [
        (date(2018, 3, 15), 5_000_000, 2017),
    ]


def test_zero_amount_gives_zero_installments():
    assert _plan(installment_schedule(0, date(2017, 4, 1), date(2017, 9, 30), "quarterly")) == [
        (date(2017, 6, 30), 0, 2017),
        (date(2017, 9, 30), 0, 2017),
    ]


def test_explicit_terms_are_not_generated():
    with pytest.raises(ValueError):
        installment_schedule(1_000_000, date(2017, 4, 1), date(2018, 3, 31), PaymentTerms.EXPLICIT)
    with pytest.raises(ValueError):
        installment_schedule(1_000_000, date(2017, 4, 1), date(2018, 3, 31), "explicit")


def test_unknown_terms_refused():
    with pytest.raises(ValueError):
        installment_schedule(1_000_000, date(2017, 4, 1), date(2018, 3, 31), "weekly")


def test_negative_amount_and_reversed_dates_refused():
    with pytest.raises(ValueError):
        installment_schedule(-1, date(2017, 4, 1), date(2018, 3, 31), PaymentTerms.MONTHLY)
    with pytest.raises(ValueError):
        installment_schedule(1_000, date(2018, 4, 1), date(2018, 3, 31), PaymentTerms.MONTHLY)


def test_installment_is_frozen():
    installment = Installment(date(2017, 4, 30), 1)
    with pytest.raises(AttributeError):
        installment.amount_yen = 2  # type: ignore[misc]
