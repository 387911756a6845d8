"""Spreading rules and the yearly outflow of one commitment: pure functions, no ORM."""

from __future__ import annotations

from dataclasses import dataclass

ROUND_TO_YEN = 1_000


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


def authority_is_live(*, approved: bool, authorized_fy: int, as_of_fy: int, lapsed: bool = False) -> bool:
    """Authority can still be contracted: approved, not lapsed, and its 行為年度 not yet ended."""
    return approved and not lapsed and as_of_fy <= authorized_fy


def project_commitment(
    *,
    limit_yen: int,
    first_fy: int,
    last_fy: int,
    authorized_fy: int,
    as_of_fy: int,
    approved: bool,
    lapsed: bool = False,
    contracted_total_yen: int = 0,
) -> list[YearOutflow]:
    """Per fiscal year: planned (年割額), and uncontracted authority spread over the remaining years."""
    planned = equal_split(limit_yen, first_fy, last_fy)
    uncontracted: dict[int, int] = {}
    live = authority_is_live(approved=approved, authorized_fy=authorized_fy, as_of_fy=as_of_fy, lapsed=lapsed)
    remaining = max(limit_yen - contracted_total_yen, 0)
    if live and remaining:
        uncontracted = equal_split(remaining, max(first_fy, as_of_fy), last_fy)
    return [
        YearOutflow(fiscal_year=fy, planned=planned[fy], paid=0, contracted=0, uncontracted=uncontracted.get(fy, 0))
        for fy in range(first_fy, last_fy + 1)
    ]
