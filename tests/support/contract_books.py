"""One 令和8年度 commitment's books as the contract tests read them: the clock around its 契約締結期限, the refusal
past it, the invariants every operation must keep, and the schedule and trail as recorded."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Sum

from commitments.models import Commitment, CommitmentEvent, Contract, Installment, Payment

TOKYO = ZoneInfo("Asia/Tokyo")
# A 令和8年度 (FY2026) commitment: contracts may be signed or raised until 31 March 2027.
R8 = {"authorized_fy": 2026, "first_burden_fy": 2026, "last_burden_fy": 2028}
IN_YEAR = datetime(2026, 11, 16, 10, 0, tzinfo=TOKYO)
LAST_MINUTE = datetime(2027, 3, 31, 23, 59, tzinfo=TOKYO)
FIRST_SECOND_AFTER = datetime(2027, 4, 1, 0, 0, 1, tzinfo=TOKYO)  # still 31 March in UTC
AFTER = datetime(2027, 4, 20, 10, 0, tzinfo=TOKYO)
DEADLINE_REFUSAL = (
    "契約締結期限（令和8年度末＝2027年3月31日）を過ぎたため、契約金額は増額できません。"
    "増額は新たな債務負担となるため補正が必要です。"
)


def assert_books_hold(commitment: Commitment) -> None:
    """The invariants after every operation: Σ contracts ≤ limit; net paid ≤ amount; schedules sum to amounts."""
    c = Commitment.objects.get(pk=commitment.pk)
    contracted = Contract.objects.filter(commitment=c).aggregate(t=Sum("amount_yen"))["t"] or 0
    if c.limit_yen is not None:
        assert contracted <= c.limit_yen, (contracted, c.limit_yen)
    for k in Contract.objects.filter(commitment=c):
        paid = Payment.objects.filter(contract=k).aggregate(t=Sum("amount_yen"))["t"] or 0
        assert 0 <= paid <= k.amount_yen, (k.contract_no, paid, k.amount_yen)
        scheduled = Installment.objects.filter(contract=k).aggregate(t=Sum("amount_yen"))["t"] or 0
        assert scheduled == k.amount_yen, (k.contract_no, scheduled, k.amount_yen)


def contract_schedule(contract: Contract) -> list[tuple[date, int]]:
    """A contract's installments as (due date, amount), earliest first."""
    return list(Installment.objects.filter(contract=contract).order_by("due_on").values_list("due_on", "amount_yen"))


def last_event(commitment: Commitment) -> CommitmentEvent:
    """The commitment's latest trail event."""
    return CommitmentEvent.objects.filter(commitment=commitment).order_by("id").last()
