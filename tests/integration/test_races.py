"""Concurrent writers on real threads and real PostgreSQL transactions: the row locks decide, exactly once."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction

from commitments.models import Amendment, AmendmentStatus, Commitment, CommitmentEvent, Contract, Payment, Status
from commitments.services import amendments, approval, contracts, payments
from commitments.services.errors import (
    ConcurrentUpdateError,
    InvalidTransitionError,
    LimitExceededError,
    PermissionDeniedError,
    ServiceError,
)
from commitments.services.workflow import machine
from tests.support.factories import make_amendment, make_commitment, make_contract, make_org, make_user
from tests.support.races import meet_inside, race


def _kinds(results: list[tuple[str, Any]]) -> list[str]:
    return sorted(kind if kind == "ok" else type(value).__name__ for kind, value in results)


@pytest.mark.django_db(transaction=True)
def test_two_contracts_cannot_both_take_the_last_authority(monkeypatch):
    o = make_org()
    meet_inside(monkeypatch, contracts)
    for round_no in range(5):
        commitment = make_commitment(o, matter=f"競合試験{round_no}", limit_yen=10_000_000)

        def register(suffix: str, commitment: Commitment = commitment, round_no: int = round_no) -> Any:
            return contracts.contract_register(
                actor=o.officer2,
                commitment=commitment,
                contract_no=f"R{round_no}-{suffix}",
                counterparty="株式会社競合",
                signed_on=date(2017, 6, 1),
                start_on=date(2017, 7, 1),
                end_on=date(2018, 3, 31),
                amount_yen=6_000_000,
                payment_terms="lump_sum",
            )

        results = race(lambda: register("a"), lambda: register("b"))

        assert _kinds(results) == ["LimitExceededError", "ok"], results
        refused = next(value for kind, value in results if kind == "error")
        assert isinstance(refused, LimitExceededError)
        assert "限度額 10,000,000円、契約済 6,000,000円、今回 6,000,000円、超過額 2,000,000円" in str(refused)
        assert Contract.objects.filter(commitment=commitment).count() == 1
        assert sum(Contract.objects.filter(commitment=commitment).values_list("amount_yen", flat=True)) == 6_000_000
        assert CommitmentEvent.objects.filter(commitment=commitment, action="contract").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_approvers_approve_the_same_amendment_once():
    o = make_org()
    second_approver = make_user("approver2", o.organization, "approver", staff=True)
    for round_no in range(3):
        commitment = make_commitment(o, matter=f"補正競合{round_no}", limit_yen=10_000_000)
        amendment = make_amendment(o, commitment, approve=False, new_limit_yen=12_000_000)
        before = Commitment.objects.get(pk=commitment.pk)
        history_before = before.history.count()

        with pytest.MonkeyPatch.context() as patch:  # only the approvals meet; the set-up above runs freely
            meet_inside(patch, amendments)
            results = race(
                lambda a=amendment: amendments.amendment_approve(actor=o.approver, amendment=a),
                lambda a=amendment: amendments.amendment_approve(actor=second_approver, amendment=a),
            )

        assert _kinds(results) == ["InvalidTransitionError", "ok"], results
        refused = next(value for kind, value in results if kind == "error")
        assert isinstance(refused, InvalidTransitionError)
        assert str(refused) == "「承認済」の補正には実行できません。"
        winner = next(value for kind, value in results if kind == "ok")

        after = Commitment.objects.get(pk=commitment.pk)
        assert after.limit_yen == 12_000_000
        assert after.version == before.version + 1  # changed once
        assert after.history.count() == history_before + 1
        assert CommitmentEvent.objects.filter(commitment=commitment, action="amend").count() == 1
        assert CommitmentEvent.objects.filter(commitment=commitment, action="amendment_approve").count() == 1
        stored = Amendment.objects.get(pk=amendment.pk)
        assert stored.status == AmendmentStatus.APPROVED
        assert stored.approved_by_id == winner.approved_by_id
        assert stored.before["limit_yen"] == 10_000_000 and stored.after["limit_yen"] == 12_000_000


@pytest.mark.django_db(transaction=True)
def test_two_draft_edits_from_the_same_version(monkeypatch):
    o = make_org()
    commitment = make_commitment(o, approve=False, matter="元の事項")
    assert commitment.version == 1
    meet_inside(monkeypatch, machine)  # a draft is edited by the workflow, which checks the permission inside

    results = race(
        lambda: approval.commitment_update_draft(
            actor=o.officer, commitment=commitment, expected_version=1, matter="甲の変更"
        ),
        lambda: approval.commitment_update_draft(
            actor=o.officer2, commitment=commitment, expected_version=1, matter="乙の変更"
        ),
    )

    assert _kinds(results) == ["ConcurrentUpdateError", "ok"], results
    assert isinstance(next(value for kind, value in results if kind == "error"), ConcurrentUpdateError)
    winner = next(value for kind, value in results if kind == "ok")
    stored = Commitment.objects.get(pk=commitment.pk)
    assert stored.version == 2
    assert stored.matter == winner.matter
    assert stored.matter in {"甲の変更", "乙の変更"}


@pytest.mark.django_db(transaction=True)
def test_two_payments_cannot_both_take_the_rest_of_a_contract(monkeypatch):
    o = make_org()
    commitment = make_commitment(o)
    contract = make_contract(o, commitment, "K-1", 1_000_000)
    meet_inside(monkeypatch, payments)

    def pay(reference: str) -> Any:
        return payments.payment_record(
            actor=o.officer2, contract=contract, paid_on=date(2017, 9, 29), amount_yen=600_000, reference=reference
        )

    results = race(lambda: pay("P-a"), lambda: pay("P-b"))

    assert _kinds(results) == ["PaymentRefusedError", "ok"], results  # a ServiceError naming the field
    refused = next(value for kind, value in results if kind == "error")
    assert isinstance(refused, ServiceError)
    assert "契約金額 1,000,000円、支出済 600,000円、今回 600,000円、超過額 200,000円" in str(refused)
    assert list(Payment.objects.filter(contract=contract).values_list("amount_yen", flat=True)) == [600_000]


# Withdrawal must be decided on the stored row under the lock, like every other step, not on the caller's copy.


@pytest.mark.django_db
def test_amendment_withdraw_checks_the_stored_submitter(org):
    commitment = make_commitment(org)
    drafted = amendments.amendment_create(
        actor=org.officer2, commitment=commitment, reason="限度額の増額", new_limit_yen=12_000_000
    )
    amendments.amendment_submit(actor=org.officer2, amendment=drafted)
    # The submitter withdraws with the copy they drafted (submit, approve and reject all accept such a copy).
    assert amendments.amendment_withdraw(actor=org.officer2, amendment=drafted).status == AmendmentStatus.DRAFT

    # officer2's copy says "submitted by officer2", but officer has since submitted it: officer2 may not withdraw.
    stale = amendments.amendment_submit(actor=org.officer2, amendment=drafted)
    amendments.amendment_withdraw(actor=org.officer2, amendment=stale)
    amendments.amendment_submit(actor=org.officer, amendment=drafted)
    with pytest.raises(PermissionDeniedError):
        amendments.amendment_withdraw(actor=org.officer2, amendment=stale)
    stored = Amendment.objects.get(pk=drafted.pk)
    assert (stored.status, stored.submitted_by) == (AmendmentStatus.SUBMITTED, org.officer)


@pytest.mark.django_db
def test_commitment_withdraw_checks_the_stored_submitter(org):
    commitment = make_commitment(org, approve=False)
    stale = approval.commitment_submit(actor=org.officer2, commitment=commitment)
    approval.commitment_withdraw(actor=org.officer2, commitment=stale)
    approval.commitment_submit(actor=org.officer, commitment=commitment)
    with pytest.raises(PermissionDeniedError):
        approval.commitment_withdraw(actor=org.officer2, commitment=stale)
    stored = Commitment.objects.get(pk=commitment.pk)
    assert (stored.status, stored.submitted_by) == (Status.SUBMITTED, org.officer)


@pytest.mark.django_db(transaction=True)
def test_a_payment_under_one_commitment_does_not_wait_for_another_commitment_of_the_organization():
    """The commitment lock is the commitment's row only: it used to lock the organization's row as well."""
    from commitments.services.common import lock_commitment

    o = make_org()
    held = make_commitment(o, matter="ロックを保持する事項")
    other = make_commitment(o, matter="別の事項")
    contract = make_contract(o, other, "K-9", 1_000_000)
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic():
            lock_commitment(held.pk)
            locked.set()
            release.wait(timeout=20)

    def pay() -> Any:
        locked.wait(timeout=10)
        with transaction.atomic():
            connection.cursor().execute("SET LOCAL lock_timeout = '2s'")
            payment = payments.payment_record(
                actor=o.officer2, contract=contract, paid_on=date(2017, 9, 29), amount_yen=400_000, reference="L-1"
            )
        release.set()
        return payment.amount_yen

    results = race(hold, pay)
    release.set()
    assert results[1] == ("ok", 400_000), results  # before: lock timeout while the other commitment was held
