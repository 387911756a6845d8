"""契約解除: the amount becomes what was paid, the schedule keeps what that settles, the rest returns or lapses."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from commitments.models import Commitment, CommitmentEvent, Contract, ContractChange, Payment, ProjectionYear, Status
from commitments.services import contracts, payments
from commitments.services.errors import InvalidTransitionError, LimitExceededError, ServiceError
from commitments.services.projection import projection_refresh
from tests.support.contract_books import (
    AFTER,
    IN_YEAR,
    R8,
    TOKYO,
    assert_books_hold,
    contract_schedule,
    last_event,
)
from tests.support.factories import make_commitment, make_contract

BEFORE_DEADLINE = datetime(2027, 3, 20, 10, 0, tzinfo=TOKYO)


def _monthly_cleaning(o, commitment) -> Contract:
    """7,200,000 over July 2026 – June 2027: twelve installments of 600,000 at each month's end."""
    return make_contract(
        o,
        commitment,
        "R8-清掃-1",
        7_200_000,
        signed_on=date(2026, 6, 1),
        start_on=date(2026, 7, 1),
        end_on=date(2027, 6, 30),
        payment_terms="monthly",
    )


def _pay(o, contract, paid_on: date, amount: int, reference: str) -> Payment:
    return payments.payment_record(
        actor=o.officer2, contract=contract, paid_on=paid_on, amount_yen=amount, reference=reference
    )


@pytest.fixture
def cleaning(org):
    """A 10,000,000 commitment of FY2026 and its monthly contract with 2,250,000 paid (three months and a half)."""
    with time_machine.travel(IN_YEAR, tick=False):
        commitment = make_commitment(org, limit_yen=10_000_000, **R8)
        contract = _monthly_cleaning(org, commitment)
        _pay(org, contract, date(2026, 7, 31), 600_000, "支-1")
        _pay(org, contract, date(2026, 8, 31), 600_000, "支-2")
        third = _pay(org, contract, date(2026, 9, 30), 600_000, "支-3")
        _pay(org, contract, date(2026, 10, 31), 450_000, "支-4")
    return commitment, contract, third


def test_cancelling_cuts_the_contract_to_what_was_paid_and_frees_the_rest(org, cleaning):
    commitment, contract, _third = cleaning
    with time_machine.travel(IN_YEAR, tick=False):
        entry = contracts.contract_cancel(
            actor=org.officer2, contract=contract, reason="受託者の事業停止", cancelled_on=date(2026, 11, 15)
        )

    cancelled = Contract.objects.get(pk=contract.pk)
    assert (cancelled.status, cancelled.cancelled_on, cancelled.amount_yen, cancelled.version) == (
        "cancelled",
        date(2026, 11, 15),
        2_250_000,
        2,
    )
    # First due, first settled: three months in full, October's 600,000 down to the 450,000 paid; the rest removed.
    assert contract_schedule(contract) == [
        (date(2026, 7, 31), 600_000),
        (date(2026, 8, 31), 600_000),
        (date(2026, 9, 30), 600_000),
        (date(2026, 10, 31), 450_000),
    ]
    assert (entry.kind, entry.reason, entry.amount_delta_yen, entry.changed_on, entry.actor) == (
        "cancel",
        "受託者の事業停止",
        -4_950_000,
        date(2026, 11, 15),
        org.officer2,
    )
    assert (entry.before["amount_yen"], entry.before["status"], len(entry.before["schedule"])) == (
        7_200_000,
        "active",
        12,
    )
    assert entry.after["amount_yen"] == 2_250_000
    assert (entry.after["status"], entry.after["cancelled_on"]) == ("cancelled", "2026-11-15")
    assert entry.after["schedule"] == [
        ["2026-07-31", 600_000],
        ["2026-08-31", 600_000],
        ["2026-09-30", 600_000],
        ["2026-10-31", 450_000],
    ]
    event = last_event(commitment)
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "contract_cancel",
        org.officer2,
        "active",
        "active",
    )
    assert event.note == (
        "R8-清掃-1 契約解除（令和8年11月15日）：受託者の事業停止。契約金額 7,200,000円 → 2,250,000円。"
        "減額 4,950,000円 は限度額に戻り、新たな契約に充てられます"
    )
    assert Commitment.objects.get(pk=commitment.pk).needs_projection
    assert_books_hold(commitment)

    # The projection: 2,250,000 paid in FY2026, nothing contracted left to pay.
    projection_refresh(commitment_id=commitment.pk, as_of=date(2026, 11, 16))
    rows = {p.fiscal_year: (p.paid_yen, p.contracted_yen) for p in ProjectionYear.objects.filter(commitment=commitment)}
    assert rows == {2026: (2_250_000, 0), 2027: (0, 0), 2028: (0, 0)}

    # The 7,750,000 freed before the deadline serves a new contract, to the yen.
    with time_machine.travel(IN_YEAR, tick=False):
        with pytest.raises(LimitExceededError, match="契約済 2,250,000円、今回 7,750,001円、超過額 1円"):
            make_contract(
                org,
                commitment,
                "R8-清掃-2",
                7_750_001,
                signed_on=date(2026, 11, 16),
                start_on=date(2026, 12, 1),
                end_on=date(2027, 3, 31),
            )
        make_contract(
            org,
            commitment,
            "R8-清掃-2",
            7_750_000,
            signed_on=date(2026, 11, 16),
            start_on=date(2026, 12, 1),
            end_on=date(2027, 3, 31),
        )
    assert_books_hold(commitment)


def test_a_cancelled_contract_is_closed_to_changes_and_a_second_cancellation(org, cleaning):
    commitment, contract, _third = cleaning
    with time_machine.travel(IN_YEAR, tick=False):
        contracts.contract_cancel(actor=org.officer2, contract=contract, reason="受託者の事業停止")
        with pytest.raises(InvalidTransitionError) as again:
            contracts.contract_cancel(actor=org.officer2, contract=contract, reason="二重操作")
        assert str(again.value) == "契約 R8-清掃-1 は解除済です（解除日 2026年11月16日）。"
        with pytest.raises(InvalidTransitionError) as changed:
            contracts.contract_update(
                actor=org.officer2, contract=contract, expected_version=2, reason="復活", amount_yen=7_200_000
            )
        assert str(changed.value) == "契約 R8-清掃-1 は解除済のため変更できません。"
    assert ContractChange.objects.filter(contract=contract).count() == 1
    assert Contract.objects.get(pk=contract.pk).cancelled_on == date(2026, 11, 16)  # today by default
    assert_books_hold(commitment)


@pytest.mark.parametrize(
    ("reason", "cancelled_on", "message", "field"),
    [
        ("", None, "変更・解除の理由を入力してください。", "change_reason"),
        ("事業停止", date(2026, 11, 17), "解除日 2026年11月17日 は今日（2026年11月16日）より後です。", "cancelled_on"),
        ("事業停止", date(2026, 5, 31), "解除日 2026年5月31日 が契約締結日 2026年6月1日 より前です。", "cancelled_on"),
    ],
)
def test_a_cancellation_needs_a_reason_and_a_day_between_signing_and_today(
    org, cleaning, reason, cancelled_on, message, field
):
    commitment, contract, _third = cleaning
    with time_machine.travel(IN_YEAR, tick=False), pytest.raises(contracts.ContractFieldError) as refused:
        contracts.contract_cancel(actor=org.officer2, contract=contract, reason=reason, cancelled_on=cancelled_on)
    assert (str(refused.value), refused.value.field) == (message, field)
    assert Contract.objects.get(pk=contract.pk).status == "active"
    assert not ContractChange.objects.exists()
    assert_books_hold(commitment)


def test_a_reversal_after_the_cancellation_trims_the_contract_again(org, cleaning):
    commitment, contract, third = cleaning
    with time_machine.travel(IN_YEAR, tick=False):
        contracts.contract_cancel(actor=org.officer2, contract=contract, reason="受託者の事業停止")
        # 250,000 of September's payment comes back (戻入): a negative row naming the payment.
        Payment.objects.create(
            organization=org.organization,
            contract=contract,
            reverses=third,
            reason="過払の戻入",
            paid_on=date(2026, 11, 16),
            fiscal_year=2026,
            amount_yen=-250_000,
            recorded_by=org.officer2,
        )
        entry = contracts.contract_trim_to_paid(actor=org.officer2, contract=contract)

    assert Contract.objects.get(pk=contract.pk).amount_yen == 2_000_000
    assert contract_schedule(contract) == [
        (date(2026, 7, 31), 600_000),
        (date(2026, 8, 31), 600_000),
        (date(2026, 9, 30), 600_000),
        (date(2026, 10, 31), 200_000),
    ]
    assert (entry.kind, entry.reason, entry.amount_delta_yen, entry.changed_on) == (
        "change",
        "解除後の戻入による減額",
        -250_000,
        date(2026, 11, 16),
    )
    assert (entry.before["amount_yen"], entry.after["amount_yen"]) == (2_250_000, 2_000_000)
    assert last_event(commitment).note == (
        "R8-清掃-1 解除後の戻入による減額。契約金額 2,250,000円 → 2,000,000円。"
        "減額 250,000円 は限度額に戻り、新たな契約に充てられます"
    )
    assert_books_hold(commitment)
    # Nothing more to trim; an active contract is left alone.
    with time_machine.travel(IN_YEAR, tick=False):
        assert contracts.contract_trim_to_paid(actor=org.officer2, contract=contract) is None
        other = make_contract(
            org,
            commitment,
            "R8-清掃-2",
            1_000_000,
            signed_on=date(2026, 11, 16),
            start_on=date(2026, 12, 1),
            end_on=date(2027, 3, 31),
        )
        assert contracts.contract_trim_to_paid(actor=org.officer2, contract=other) is None
    assert ContractChange.objects.count() == 2


def _two_contracts(org):
    """10,000,000: A of 6,000,000 paid in full, B of 4,000,000 with 1,000,000 paid."""
    with time_machine.travel(IN_YEAR, tick=False):
        commitment = make_commitment(org, limit_yen=10_000_000, **R8)
        a = make_contract(
            org,
            commitment,
            "R8-A",
            6_000_000,
            signed_on=date(2026, 6, 1),
            start_on=date(2026, 7, 1),
            end_on=date(2026, 10, 31),
        )
        b = make_contract(
            org,
            commitment,
            "R8-B",
            4_000_000,
            signed_on=date(2026, 6, 1),
            start_on=date(2026, 7, 1),
            end_on=date(2027, 6, 30),
        )
        _pay(org, a, date(2026, 10, 31), 6_000_000, "支-A")
        _pay(org, b, date(2026, 11, 10), 1_000_000, "支-B")
    return commitment, b


def test_cancelling_after_the_deadline_lapses_the_rest_and_completes_a_paid_commitment(org):
    commitment, b = _two_contracts(org)
    with time_machine.travel(AFTER, tick=False):
        contracts.contract_cancel(actor=org.officer2, contract=b, reason="事業の見直し")

    assert contract_schedule(b) == [(date(2027, 6, 30), 1_000_000)]  # the lump sum due at the end keeps what was paid
    done = Commitment.objects.get(pk=commitment.pk)
    assert done.status == Status.COMPLETED
    events = list(CommitmentEvent.objects.filter(commitment=commitment).order_by("id"))
    cancel, complete = events[-2], events[-1]
    assert (cancel.action, cancel.to_status) == ("contract_cancel", "active")
    assert cancel.note == (
        "R8-B 契約解除（令和9年4月20日）：事業の見直し。契約金額 4,000,000円 → 1,000,000円。"
        "減額 3,000,000円 は契約締結期限（令和8年度末＝2027年3月31日）を過ぎているため失効"
    )
    assert (complete.action, complete.from_status, complete.to_status) == ("complete", "active", "completed")
    assert_books_hold(commitment)


def test_cancelling_before_the_deadline_keeps_the_commitment_active_with_authority_left(org):
    commitment, b = _two_contracts(org)
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        contracts.contract_cancel(actor=org.officer2, contract=b, reason="事業の見直し")
    assert Commitment.objects.get(pk=commitment.pk).status == Status.ACTIVE
    assert last_event(commitment).action == "contract_cancel"
    assert_books_hold(commitment)


def test_a_cancellation_without_any_payment_leaves_nothing(org):
    with time_machine.travel(IN_YEAR, tick=False):
        commitment = make_commitment(org, limit_yen=10_000_000, **R8)
        contract = _monthly_cleaning(org, commitment)
        entry = contracts.contract_cancel(actor=org.officer2, contract=contract, reason="入札のやり直し")
    assert (Contract.objects.get(pk=contract.pk).amount_yen, contract_schedule(contract)) == (0, [])
    assert entry.amount_delta_yen == -7_200_000
    assert Commitment.objects.get(pk=commitment.pk).status == Status.ACTIVE
    assert_books_hold(commitment)


def test_refused_on_a_completed_commitment(org):
    _commitment, b = _two_contracts(org)
    with time_machine.travel(AFTER, tick=False):
        contracts.contract_cancel(actor=org.officer2, contract=b, reason="事業の見直し")
        a = Contract.objects.get(contract_no="R8-A")
        with pytest.raises(ServiceError, match="「完了」の債務負担行為の契約は解除できません"):
            contracts.contract_cancel(actor=org.officer2, contract=a, reason="念のため")
