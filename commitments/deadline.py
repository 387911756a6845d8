"""The 契約締結期限 of a commitment: the one rule saying whether its authority can still be contracted on a date."""

from __future__ import annotations

import datetime
from typing import Protocol

from commitments import fiscal


class HasContractDeadline(Protocol):
    """Anything that knows the last fiscal year in which contracts may be signed (a Commitment)."""

    @property
    def contract_deadline_fy(self) -> int: ...


def contract_deadline(commitment: HasContractDeadline) -> datetime.date:
    """The last day contracts may be signed: 31 March closing the 行為年度, or the year an approved 補正 set."""
    return fiscal.fiscal_year_end(commitment.contract_deadline_fy)


def contract_deadline_passed(commitment: HasContractDeadline, on: datetime.date) -> bool:
    """True once `on` is after the deadline: no contract may be signed or raised, and what is freed lapses."""
    return on > contract_deadline(commitment)


def contract_deadline_label(commitment: HasContractDeadline) -> str:
    """The deadline as written in messages: 令和8年度末＝2027年3月31日."""
    end = contract_deadline(commitment)
    return f"{fiscal.format_fiscal_year(commitment.contract_deadline_fy)}末＝{end.year}年{end.month}月{end.day}日"
