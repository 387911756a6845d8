"""Spreading rules, contract installments and the yearly outflow of one commitment: pure functions, no ORM."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

ROUND_TO_YEN = 1_000

# A fiscal year runs April..March; April is month index 3 of its starting calendar year.
_FIRST_MONTH_INDEX = 3


def fiscal_year_of_date(d: date) -> int:
    """The fiscal year (April-March, named by its starting calendar year) that contains a date."""
    return d.year if d.month >= 4 else d.year - 1


def _month_index(d: date) -> int:
    """Months since year 0 of the date's month (January 2017 = 2017 * 12)."""
    return d.year * 12 + d.month - 1


def _fiscal_year_of_month_index(index: int) -> int:
    """The fiscal year of a month given by its _month_index."""
    return (index - _FIRST_MONTH_INDEX) // 12


def _month_end(index: int) -> date:
    """The last day of the month given by its _month_index."""
    year, month0 = divmod(index, 12)
    return date(year, month0 + 1, calendar.monthrange(year, month0 + 1)[1])


def equal_split(amount_yen: int, first_fy: int, last_fy: int) -> dict[int, int]:
    """Spread an amount equally over first..last, each year rounded down to 1,000 yen, remainder in year one."""
    if amount_yen < 0:
        raise ValueError("amount must not be negative")
    if last_fy < first_fy:
        raise ValueError("last fiscal year precedes the first")
    years = list(range(first_fy, last_fy + 1))
    share = (amount_yen // len(years)) // ROUND_TO_YEN * ROUND_TO_YEN
    result = {fy: share for fy in years}
    result[first_fy] = amount_yen - share * (len(years) - 1)
    return result


def monthly_split(
    amount_yen: int, start_month: date, months: int, *, first_fy: int | None = None, last_fy: int | None = None
) -> dict[int, int]:
    """Spread an amount pro rata by months from start_month, each year rounded down to 1,000 yen, remainder first."""
    if amount_yen < 0:
        raise ValueError("amount must not be negative")
    if months < 1:
        raise ValueError("months must be at least 1")
    start = _month_index(start_month)
    end = start + months  # exclusive
    touched_first = _fiscal_year_of_month_index(start)
    touched_last = _fiscal_year_of_month_index(end - 1)
    low = touched_first if first_fy is None else first_fy
    high = touched_last if last_fy is None else last_fy
    if high < low:
        raise ValueError("last fiscal year precedes the first")
    if touched_first < low or touched_last > high:
        raise ValueError(f"months run over FY{touched_first}-FY{touched_last}, outside FY{low}-FY{high}")
    result = dict.fromkeys(range(low, high + 1), 0)
    for fy in range(touched_first + 1, touched_last + 1):
        fy_start = fy * 12 + _FIRST_MONTH_INDEX
        in_year = min(end, fy_start + 12) - max(start, fy_start)
        result[fy] = (amount_yen * in_year) // (months * ROUND_TO_YEN) * ROUND_TO_YEN
    result[touched_first] = amount_yen - sum(v for fy, v in result.items() if fy != touched_first)
    return result


class PaymentTerms(StrEnum):
    """How a contract's amount falls due (same values as models.PaymentTerms)."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    ANNUAL = "annual"
    LUMP_SUM = "lump_sum"
    EXPLICIT = "explicit"


PERIOD_MONTHS: dict[PaymentTerms, int] = {
    PaymentTerms.MONTHLY: 1,
    PaymentTerms.QUARTERLY: 3,
    PaymentTerms.SEMIANNUAL: 6,
    PaymentTerms.ANNUAL: 12,
}


@dataclass(frozen=True)
class Installment:
    """One payment of a contract falling due on a date (yen)."""

    due_on: date
    amount_yen: int

    @property
    def fiscal_year(self) -> int:
        """The fiscal year the installment falls due in."""
        return fiscal_year_of_date(self.due_on)


def installment_schedule(amount_yen: int, start_on: date, end_on: date, terms: PaymentTerms | str) -> list[Installment]:
    """Installments of a contract by its payment terms: pro rata by months to the yen, remainder in the first."""
    rule = PaymentTerms(terms)
    if amount_yen < 0:
        raise ValueError("amount must not be negative")
    if end_on < start_on:
        raise ValueError("contract ends before it starts")
    if rule is PaymentTerms.EXPLICIT:
        raise ValueError("explicit schedules are entered by the officer, not generated")
    if rule is PaymentTerms.LUMP_SUM:
        return [Installment(due_on=end_on, amount_yen=amount_yen)]
    period = PERIOD_MONTHS[rule]
    first_month = _month_index(start_on)
    total_months = _month_index(end_on) - first_month + 1
    installments: list[Installment] = []
    for offset in range(0, total_months, period):
        length = min(period, total_months - offset)
        due_on = min(_month_end(first_month + offset + length - 1), end_on)
        installments.append(Installment(due_on=due_on, amount_yen=amount_yen * length // total_months))
    rest = sum(i.amount_yen for i in installments[1:])
    installments[0] = Installment(due_on=installments[0].due_on, amount_yen=amount_yen - rest)
    return installments


@dataclass(frozen=True)
class YearOutflow:
    """One fiscal year of a commitment's projection (yen)."""

    fiscal_year: int
    planned: int
    paid: int
    contracted: int
    uncontracted: int

    @property
    def total(self) -> int:
        """Everything that flows out in this year."""
        return self.paid + self.contracted + self.uncontracted


@dataclass(frozen=True)
class ContractFlows:
    """What projection needs of one contract: its amount, its installments and the total paid against it."""

    amount_yen: int
    installments: tuple[Installment, ...]
    paid_yen: int


def _uncontracted(*, remaining_yen: int, first_fy: int, last_fy: int, live: bool, as_of_fy: int) -> dict[int, int]:
    """Uncontracted authority spread equally from the current year (clamped into the span) to the last."""
    if not live or remaining_yen <= 0:
        return {}
    return equal_split(remaining_yen, max(first_fy, min(as_of_fy, last_fy)), last_fy)


def _check_not_negative(what: str, values: Iterable[int]) -> None:
    """Raise ValueError if any of the amounts is negative."""
    if any(v < 0 for v in values):
        raise ValueError(f"{what} must not be negative")


def _unpaid_by_fiscal_year(contract: ContractFlows) -> dict[int, int]:
    """A contract's unpaid installments per fiscal year, the amount paid settling the earliest due first."""
    unpaid: dict[int, int] = {}
    left_to_allocate = contract.paid_yen
    for installment in sorted(contract.installments, key=lambda i: i.due_on):
        settled = min(left_to_allocate, installment.amount_yen)
        left_to_allocate -= settled
        open_yen = installment.amount_yen - settled
        if open_yen:
            unpaid[installment.fiscal_year] = unpaid.get(installment.fiscal_year, 0) + open_yen
    return unpaid


def project_outflow(
    *,
    limit_yen: int,
    first_fy: int,
    last_fy: int,
    planned: Mapping[int, int],
    contracts: Sequence[ContractFlows],
    payments_by_fy: Mapping[int, int],
    live: bool,
    as_of_fy: int,
) -> list[YearOutflow]:
    """Per fiscal year: planned, paid, contracted (installments not yet paid) and uncontracted authority."""
    if last_fy < first_fy:
        raise ValueError("last fiscal year precedes the first")
    _check_not_negative("the limit", [limit_yen])
    _check_not_negative("planned amounts", planned.values())
    _check_not_negative("payments", payments_by_fy.values())
    contracted: dict[int, int] = {}
    for contract in contracts:
        _check_not_negative("contract amounts", [contract.amount_yen, contract.paid_yen])
        _check_not_negative("installment amounts", (i.amount_yen for i in contract.installments))
        if sum(i.amount_yen for i in contract.installments) != contract.amount_yen:
            raise ValueError("a contract's installments must sum to its amount")
        if contract.paid_yen > contract.amount_yen:
            raise ValueError("more paid against a contract than its amount")
        for fy, open_yen in _unpaid_by_fiscal_year(contract).items():
            contracted[fy] = contracted.get(fy, 0) + open_yen
    remaining = max(limit_yen - sum(c.amount_yen for c in contracts), 0)
    uncontracted = _uncontracted(
        remaining_yen=remaining, first_fy=first_fy, last_fy=last_fy, live=live, as_of_fy=as_of_fy
    )
    years = set(range(first_fy, last_fy + 1))
    years.update(fy for fy, v in payments_by_fy.items() if v)
    years.update(fy for fy, v in contracted.items() if v)
    return [
        YearOutflow(
            fiscal_year=fy,
            planned=planned.get(fy, 0),
            paid=payments_by_fy.get(fy, 0),
            contracted=contracted.get(fy, 0),
            uncontracted=uncontracted.get(fy, 0),
        )
        for fy in sorted(years)
    ]


@dataclass(frozen=True)
class PlannedExceedance:
    """A fiscal year whose contract installments due exceed the commitment's 年割額 for that year (yen)."""

    fiscal_year: int
    planned: int
    due: int

    @property
    def over(self) -> int:
        """By how much the installments due exceed the 年割額."""
        return self.due - self.planned


def due_by_fiscal_year(installments: Iterable[Installment]) -> dict[int, int]:
    """The installments' amounts summed by the fiscal year they fall due in."""
    due: dict[int, int] = {}
    for installment in installments:
        due[installment.fiscal_year] = due.get(installment.fiscal_year, 0) + installment.amount_yen
    return due


def planned_exceedances(*, planned: Mapping[int, int], due: Mapping[int, int]) -> list[PlannedExceedance]:
    """The years whose installments due are above that year's 年割額, in year order: the 年割額 needs a 補正.

    A commitment without any 年割額 (a limit in words with no estimate) has nothing to exceed; a year of a commitment
    with 年割額 but none for that year counts as a 年割額 of 0.
    """
    if not planned:
        return []
    return [
        PlannedExceedance(fiscal_year=fy, planned=planned.get(fy, 0), due=amount)
        for fy, amount in sorted(due.items())
        if amount > planned.get(fy, 0)
    ]
