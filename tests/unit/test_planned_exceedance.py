"""Installments above the 年割額: the one rule (`projection.planned_exceedances`), figures worked out by hand."""

from datetime import date

from commitments.projection import (
    Installment,
    PlannedExceedance,
    due_by_fiscal_year,
    installment_schedule,
    planned_exceedances,
)


def test_eight_monthly_installments_in_fy2027_exceed_its_8_000_000():
    # 8,764,696 yen paid monthly April-November 2027: 8 x 1,095,587, all due in FY2027.
    schedule = installment_schedule(8_764_696, date(2027, 4, 1), date(2027, 11, 30), "monthly")
    assert [i.amount_yen for i in schedule] == [1_095_587] * 8
    due = due_by_fiscal_year(schedule)
    assert due == {2027: 8_764_696}
    # 24,000,000 spread equally over FY2026-FY2028: 8,000,000 a year.
    planned = {2026: 8_000_000, 2027: 8_000_000, 2028: 8_000_000}
    found = planned_exceedances(planned=planned, due=due)
    assert found == [PlannedExceedance(fiscal_year=2027, planned=8_000_000, due=8_764_696)]
    assert found[0].over == 764_696


def test_due_is_summed_by_the_fiscal_year_of_the_due_date():
    # 31 March belongs to the year before, 1 April to the next.
    installments = [
        Installment(date(2027, 3, 31), 300_000),
        Installment(date(2027, 4, 1), 500_000),
        Installment(date(2028, 3, 31), 250_000),
    ]
    assert due_by_fiscal_year(installments) == {2026: 300_000, 2027: 750_000}


def test_equal_to_the_planned_amount_is_not_over_and_years_come_in_order():
    planned = {2026: 1_000_000, 2027: 1_000_000, 2028: 1_000_000}
    due = {2028: 1_000_001, 2026: 1_000_000, 2027: 999_999}
    assert planned_exceedances(planned=planned, due=due) == [
        PlannedExceedance(fiscal_year=2028, planned=1_000_000, due=1_000_001)
    ]


def test_a_year_without_planned_amount_counts_as_zero():
    found = planned_exceedances(planned={2026: 2_000_000}, due={2026: 1_500_000, 2027: 500_000})
    assert found == [PlannedExceedance(fiscal_year=2027, planned=0, due=500_000)]
    assert found[0].over == 500_000


def test_no_planned_amounts_at_all_is_nothing_to_exceed():
    # A limit in words without an estimate has no 年割額.
    assert planned_exceedances(planned={}, due={2026: 1_500_000}) == []
