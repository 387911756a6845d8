"""The 契約締結期限 of a commitment: the one rule saying whether its authority can still be contracted on a date, and
how long after the year-end close a contract signed in time may still be entered (出納整理期間, or a reopening)."""

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
    end = date_label(contract_deadline(commitment))
    return f"{fiscal.format_fiscal_year(commitment.contract_deadline_fy)}末＝{end}"


# 出納整理期間: after the year-end close, a contract signed by the deadline may still be entered until 31 May.
LATE_ENTRY_LAST_DAY = (5, 31)
# An approver's reopening (再開) accepts such contracts for this many days from the day it is recorded.
REOPEN_DAYS = 30


def late_entry_end(commitment: HasContractDeadline) -> datetime.date:
    """The last day a contract signed in time may be entered once the year is closed: 31 May after the deadline."""
    month, day = LATE_ENTRY_LAST_DAY
    return datetime.date(contract_deadline(commitment).year, month, day)


def late_entry_until(commitment: HasContractDeadline, reopened_until: datetime.date | None = None) -> datetime.date:
    """The last day of late entry: the 出納整理期間's end, or an approver's reopening if that runs later."""
    end = late_entry_end(commitment)
    return max(end, reopened_until) if reopened_until is not None else end


def late_entry_open(
    commitment: HasContractDeadline, on: datetime.date, reopened_until: datetime.date | None = None
) -> bool:
    """True while a contract signed by the deadline may still be entered on `on` after the year-end close."""
    return on <= late_entry_until(commitment, reopened_until)


def reopen_until(on: datetime.date) -> datetime.date:
    """The last day a reopening recorded on `on` accepts late contracts (REOPEN_DAYS later)."""
    return on + datetime.timedelta(days=REOPEN_DAYS)


def date_label(day: datetime.date) -> str:
    """A date as written in messages: 2027年5月31日."""
    return f"{day.year}年{day.month}月{day.day}日"


def earliest_open_deadline_fy(on: datetime.date) -> int:
    """The earliest deadline year whose 出納整理期間 still runs on `on` (the SQL-friendly form of late_entry_end)."""
    month, day = LATE_ENTRY_LAST_DAY
    return on.year - 1 if on <= datetime.date(on.year, month, day) else on.year
