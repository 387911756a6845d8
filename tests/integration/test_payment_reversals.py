"""戻入・取消: full or partial reversals of a payment, never more than it, with their reason, trail and consequences.

Regression for the tester's defect 1 (second half): a payment could not be reversed or corrected at all.
"""

from __future__ import annotations

import random
import threading
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.models import Sum
from django_scopes import scopes_disabled

from commitments.models import Commitment, CommitmentEvent, Contract, ContractChange, Payment, Status
from commitments.services import contracts as contract_services
from commitments.services import payments
from commitments.services.errors import PermissionDeniedError, RowErrors, ServiceError
from commitments.services.payment_reversals import payment_reverse, reversible_rest
from commitments.services.payments import PaymentRefusedError
from tests.support.factories import make_commitment, make_contract, make_org

TODAY = datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def _pay(o, contract, paid_on, amount, reference):
    return payments.payment_record(
        actor=o.officer2, contract=contract, paid_on=paid_on, amount_yen=amount, reference=reference
    )


def _reverse(o, payment, amount, reason="過払の返納", **extra):
    return payment_reverse(actor=o.officer2, payment=payment, amount_yen=amount, reason=reason, **extra)


def _assert_invariants() -> None:
    """Net paid per contract within 0..its amount; each payment's reversals never more than it."""
    for contract in Contract.objects.annotate(net=Sum("payments__amount_yen")):
        assert 0 <= (contract.net or 0) <= contract.amount_yen, (contract.contract_no, contract.net)
    for payment in Payment.objects.filter(reverses__isnull=True).annotate(back=Sum("reversals__amount_yen")):
        assert 0 <= -(payment.back or 0) <= payment.amount_yen, (payment.reference, payment.back)
    for reversal in Payment.objects.filter(reverses__isnull=False).select_related("reverses"):
        assert reversal.amount_yen < 0 and reversal.reason
        assert reversal.fiscal_year == reversal.reverses.fiscal_year
        assert reversal.reverses.paid_on <= reversal.paid_on


@pytest.fixture
def paid(org):
    commitment = make_commitment(org)  # 10,000,000 yen, FY2017–FY2020
    contract = make_contract(org, commitment, "K-1", 1_000_000)
    payment = _pay(org, contract, date(2017, 9, 29), 600_000, "P-1")
    return commitment, contract, payment


@pytest.mark.django_db
def test_a_payment_is_reversed_in_part_then_in_full(org, paid):
    commitment, contract, payment = paid
    with time_machine.travel(TODAY, tick=False):
        first = _reverse(org, payment, 100_000, reference="戻入第1号")
        _assert_invariants()
        second = _reverse(org, payment, 500_000, reason="契約解除による返還", reversed_on=date(2017, 10, 2))
        _assert_invariants()
        with pytest.raises(PaymentRefusedError) as nothing_left:
            _reverse(org, payment, 1)
    assert str(nothing_left.value) == "この支出は全額が戻入・取消済です。"
    stored = list(
        Payment.objects.order_by("id").values_list(
            "paid_on", "fiscal_year", "amount_yen", "reverses_id", "reason", "reference", "recorded_by"
        )
    )
    assert stored == [
        (date(2017, 9, 29), 2017, 600_000, None, "", "P-1", org.officer2.pk),
        (date(2026, 12, 3), 2017, -100_000, payment.pk, "過払の返納", "戻入第1号", org.officer2.pk),
        (date(2017, 10, 2), 2017, -500_000, payment.pk, "契約解除による返還", "", org.officer2.pk),
    ]
    assert (first.amount_yen, second.amount_yen, reversible_rest(payment)) == (-100_000, -500_000, 0)
    assert Payment.objects.filter(contract=contract).aggregate(net=Sum("amount_yen"))["net"] == 0
    events = list(
        CommitmentEvent.objects.filter(commitment=commitment, action="payment_reverse")
        .order_by("id")
        .values_list("note", "from_status", "to_status", "actor")
    )
    assert events == [
        (
            "K-1 平成29年9月29日 P-1 600,000円 のうち △100,000円（平成29年度）：過払の返納",
            "active",
            "active",
            org.officer2.pk,
        ),
        (
            "K-1 平成29年9月29日 P-1 600,000円 のうち △500,000円（平成29年度）：契約解除による返還",
            "active",
            "active",
            org.officer2.pk,
        ),
    ]
    assert CommitmentEvent.objects.filter(action="payment_reverse").first().action_label == "支出の戻入・取消"
    assert Commitment.objects.get(pk=commitment.pk).needs_projection is True


@pytest.mark.django_db
def test_what_a_reversal_may_not_be(org, paid):
    _commitment, _contract, payment = paid
    with time_machine.travel(TODAY, tick=False):
        cases = [
            (
                {"amount": 600_001},
                "amount_yen",
                "戻入・取消の額 600,001円 が、この支出のうち取り消していない額 600,000円 を超えます"
                "（支出額 600,000円、戻入・取消済 0円）。",
            ),
            ({"amount": 0}, "amount_yen", "戻入・取消の額は正の金額で入力してください。"),
            ({"amount": -5}, "amount_yen", "戻入・取消の額は正の金額で入力してください。"),
            ({"amount": 100, "reason": " 　"}, "reason", "戻入・取消の理由を入力してください。"),
            (
                {"amount": 100, "reversed_on": date(2026, 12, 4)},
                "reversed_on",
                "戻入・取消の日 2026年12月4日 は今日（2026年12月3日）より後です。",
            ),
            (
                {"amount": 100, "reversed_on": date(2017, 9, 28)},
                "reversed_on",
                "戻入・取消の日 2017年9月28日 が取り消す支出の支出日 2017年9月29日 より前です。",
            ),
        ]
        for case, field, message in cases:
            with pytest.raises(PaymentRefusedError) as refused:
                _reverse(org, payment, case.pop("amount"), **case)
            assert (refused.value.field, str(refused.value)) == (field, message)

        reversal = _reverse(org, payment, 200_000)
        with pytest.raises(PaymentRefusedError) as of_a_reversal:
            _reverse(org, reversal, 100)
        assert str(of_a_reversal.value) == "戻入・取消の行はさらに取り消せません。取り消した元の支出を開いてください。"
        with pytest.raises(PaymentRefusedError) as over_the_rest:
            _reverse(org, payment, 400_001)
        assert str(over_the_rest.value) == (
            "戻入・取消の額 400,001円 が、この支出のうち取り消していない額 400,000円 を超えます"
            "（支出額 600,000円、戻入・取消済 200,000円）。"
        )
        with pytest.raises(PermissionDeniedError):
            payment_reverse(actor=org.auditor, payment=payment, amount_yen=1, reason="監査")
        stranger = make_org("他市", prefix="x_")
        with pytest.raises(PermissionDeniedError):
            payment_reverse(actor=stranger.officer2, payment=payment, amount_yen=1, reason="他団体")
    assert list(Payment.objects.order_by("id").values_list("amount_yen", flat=True)) == [600_000, -200_000]
    _assert_invariants()


@pytest.mark.django_db
def test_a_completed_commitment_goes_back_to_active_and_completes_again(org):
    commitment = make_commitment(org, limit_yen=3_000_000)
    contract = make_contract(org, commitment, "K-1", 3_000_000)
    _pay(org, contract, date(2017, 12, 28), 1_000_000, "P-1")
    last = _pay(org, contract, date(2018, 3, 30), 2_000_000, "P-2")
    assert Commitment.objects.get(pk=commitment.pk).status == Status.COMPLETED

    with time_machine.travel(TODAY, tick=False):
        _reverse(org, last, 500_000, reason="検収不合格分の返納")
    reopened = Commitment.objects.get(pk=commitment.pk)
    assert reopened.status == Status.ACTIVE
    trail = list(
        CommitmentEvent.objects.filter(commitment=commitment)
        .order_by("id")
        .values_list("action", "from_status", "to_status", "note")
    )
    assert trail[-2:] == [
        (
            "payment_reverse",
            "completed",
            "completed",
            "K-1 平成30年3月30日 P-2 2,000,000円 のうち △500,000円（平成29年度）：検収不合格分の返納",
        ),
        ("reopen", "completed", "active", "支出の戻入・取消により未払額 500,000円"),
    ]

    _pay(org, contract, date(2018, 3, 30), 500_000, "P-3")
    assert Commitment.objects.get(pk=commitment.pk).status == Status.COMPLETED
    _assert_invariants()


@pytest.mark.django_db
def test_a_reversal_under_a_cancelled_contract_trims_it_to_the_net_paid(org, paid):
    _commitment, contract, payment = paid
    with time_machine.travel(TODAY, tick=False):
        contract_services.contract_cancel(
            actor=org.officer2, contract=contract, reason="事業の中止", cancelled_on=date(2017, 12, 1)
        )
        assert Contract.objects.get(pk=contract.pk).amount_yen == 600_000
        _reverse(org, payment, 100_000)
    trimmed = Contract.objects.get(pk=contract.pk)
    assert (trimmed.status, trimmed.amount_yen) == ("cancelled", 500_000)
    change = ContractChange.objects.filter(contract=contract).order_by("id").last()
    assert (change.kind, change.before["amount_yen"], change.after["amount_yen"]) == ("change", 600_000, 500_000)
    assert Payment.objects.filter(contract=contract).aggregate(net=Sum("amount_yen"))["net"] == 500_000
    _assert_invariants()


@pytest.mark.django_db
def test_a_negative_payment_is_refused_and_points_to_the_reversal(org, paid):
    _commitment, contract, _payment = paid
    message = (
        "支出額に負の金額は入力できません。"
        "登録済の支出の訂正・取消は、その支出実績を開いて「戻入・取消」で行ってください。"
    )
    for amount in ("-10,000", "△10,000", "▲10000"):
        with pytest.raises(RowErrors) as refused:
            payments.payments_import_csv(
                actor=org.officer2,
                organization=org.organization,
                text=f'支出日,契約番号,支出額,支出命令番号\n2017-10-31,K-1,"{amount}",P-2\n',
            )
        assert refused.value.rows == [(2, message)]
    with pytest.raises(PaymentRefusedError) as direct:
        _pay(org, contract, date(2017, 10, 31), -10_000, "P-2")
    assert (direct.value.field, str(direct.value)) == ("amount_yen", message)
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_payments_and_reversals_in_any_order_keep_the_books_sound(org):
    """Forty random payments and reversals, each accepted or refused; the invariants hold after every step."""
    commitment = make_commitment(org, limit_yen=10_000_000, last_burden_fy=2020)
    contracts = [
        make_contract(org, commitment, f"K-{i}", amount, end_on=date(2020, 3, 31))
        for i, amount in enumerate((1_000_000, 2_500_000, 300_000), start=1)
    ]
    rng = random.Random(20261203)
    accepted = refused = 0
    with time_machine.travel(TODAY, tick=False):
        for step in range(40):
            try:
                recorded = list(Payment.objects.filter(reverses__isnull=True))
                if recorded and rng.random() < 0.45:
                    target = rng.choice(recorded)
                    _reverse(org, target, rng.choice([1, 50_000, 200_000, target.amount_yen]))
                else:
                    contract = rng.choice(contracts)
                    paid_on = date(2017 + rng.randrange(3), rng.choice([6, 9, 12]), 1)
                    _pay(org, contract, paid_on, rng.choice([1, 100_000, 400_000, 900_000]), f"R-{step}")
                accepted += 1
            except ServiceError:
                refused += 1
            _assert_invariants()
    assert accepted > 10 and refused > 5, (accepted, refused)


@pytest.mark.django_db(transaction=True)
def test_two_reversals_of_the_rest_at_once_take_it_once():
    o = make_org()
    contract = make_contract(o, make_commitment(o), "K-1", 1_000_000)
    payment = _pay(o, contract, date(2017, 9, 29), 600_000, "P-1")
    start = threading.Barrier(2, timeout=10)
    results: list[Any] = [None, None]

    def run(index: int) -> None:
        try:
            start.wait()
            with scopes_disabled():  # a new thread starts with no scope: run as the tests' own thread does
                results[index] = _reverse(o, payment, 600_000, reason=f"返納{index}")
        except Exception as exc:  # reported to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], PaymentRefusedError), results
    assert str(errors[0]) == "この支出は全額が戻入・取消済です。"
    assert sorted(Payment.objects.values_list("amount_yen", flat=True)) == [-600_000, 600_000]
