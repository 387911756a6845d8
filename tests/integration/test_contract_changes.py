"""変更契約 as an entry with its reason, and the 契約締結期限: no increase once it has passed, what a decrease frees."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from commitments.models import Commitment, CommitmentEvent, Contract, ContractChange, Status
from commitments.services import closing, contracts, payments
from commitments.services.errors import ServiceError
from tests.support.contract_books import (
    AFTER,
    DEADLINE_REFUSAL,
    FIRST_SECOND_AFTER,
    IN_YEAR,
    LAST_MINUTE,
    R8,
    TOKYO,
    assert_books_hold,
    contract_schedule,
    last_event,
)
from tests.support.factories import make_amendment, make_commitment, make_contract


def _quarterly(o, commitment, contract_no: str, amount_yen: int) -> Contract:
    """Signed 2026-06-01, 2026-07-01 to 2027-06-30, paid quarterly (four installments)."""
    return make_contract(
        o,
        commitment,
        contract_no,
        amount_yen,
        signed_on=date(2026, 6, 1),
        start_on=date(2026, 7, 1),
        end_on=date(2027, 6, 30),
        payment_terms="quarterly",
    )


@pytest.mark.django_db
def test_a_change_needs_a_reason_and_is_recorded_as_an_entry_with_the_terms_before_and_after(org):
    with time_machine.travel(IN_YEAR, tick=False):
        commitment = make_commitment(org, limit_yen=10_000_000, **R8)
        contract = _quarterly(org, commitment, "R8-保守-1", 6_000_000)
        for blank in ("", "  　"):
            with pytest.raises(ServiceError) as refused:
                contracts.contract_update(
                    actor=org.officer2, contract=contract, expected_version=1, reason=blank, amount_yen=4_800_000
                )
            assert str(refused.value) == "変更・解除の理由を入力してください。"
        assert not ContractChange.objects.exists()
        assert Contract.objects.get(pk=contract.pk).amount_yen == 6_000_000

        outcome = contracts.contract_update(
            actor=org.officer2,
            contract=contract,
            expected_version=1,
            reason="点検回数の削減",
            amount_yen=4_800_000,
            end_on=date(2027, 3, 31),
        )

    # Three quarters of 1,600,000 instead of four of 1,500,000.
    assert contract_schedule(contract) == [
        (date(2026, 9, 30), 1_600_000),
        (date(2026, 12, 31), 1_600_000),
        (date(2027, 3, 31), 1_600_000),
    ]
    entry = ContractChange.objects.get(contract=contract)
    assert outcome.change == entry
    assert (entry.kind, entry.reason, entry.amount_delta_yen, entry.changed_on, entry.actor) == (
        "change",
        "点検回数の削減",
        -1_200_000,
        date(2026, 11, 16),
        org.officer2,
    )
    common = {
        "contract_no": "R8-保守-1",
        "counterparty": "株式会社テスト",
        "signed_on": "2026-06-01",
        "start_on": "2026-07-01",
        "payment_terms": "quarterly",
        "note": "",
        "status": "active",
        "cancelled_on": None,
    }
    assert entry.before == common | {
        "end_on": "2027-06-30",
        "amount_yen": 6_000_000,
        "schedule": [
            ["2026-09-30", 1_500_000],
            ["2026-12-31", 1_500_000],
            ["2027-03-31", 1_500_000],
            ["2027-06-30", 1_500_000],
        ],
    }
    assert entry.after == common | {
        "end_on": "2027-03-31",
        "amount_yen": 4_800_000,
        "schedule": [["2026-09-30", 1_600_000], ["2026-12-31", 1_600_000], ["2027-03-31", 1_600_000]],
    }
    event = last_event(commitment)
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "contract_change",
        org.officer2,
        "active",
        "active",
    )
    assert event.note == (
        "R8-保守-1 変更契約：点検回数の削減。契約金額 6,000,000円 → 4,800,000円。"
        "減額 1,200,000円 は限度額に戻り、新たな契約に充てられます"
    )
    assert contract.history.order_by("-history_id").first().history_change_reason == "点検回数の削減"
    assert Commitment.objects.get(pk=commitment.pk).needs_projection
    assert_books_hold(commitment)

    # Saving nothing new is not a change.
    with time_machine.travel(IN_YEAR, tick=False), pytest.raises(ServiceError, match="変更する内容がありません"):
        contracts.contract_update(actor=org.officer2, contract=contract, expected_version=2, reason="再保存")
    assert ContractChange.objects.count() == 1


@pytest.mark.django_db
def test_lapsed_authority_cannot_be_reused_by_raising_a_contract_after_the_deadline(org):
    # Defect 5: 7,500,000 of authority, 7,000,000 contracted; 500,000 lapses at the year end.
    with time_machine.travel(IN_YEAR, tick=False):
        commitment = make_commitment(org, limit_yen=7_500_000, **R8)
        contract = _quarterly(org, commitment, "R8-委託-1", 7_000_000)
    with time_machine.travel(FIRST_SECOND_AFTER, tick=False):  # the year-end close of FY2026 on 1 April
        closed = closing.fiscal_year_close(actor=org.approver, organization=org.organization, fiscal_year=2026)
    assert [line.id for line in closed.closed_remainder] == [commitment.pk]
    assert last_event(commitment).note == "未契約の限度額 500,000円 は失効（契約済 7,000,000円 のみ存続）"

    for moment in (FIRST_SECOND_AFTER, AFTER):
        with time_machine.travel(moment, tick=False), pytest.raises(contracts.ContractFieldError) as refused:
            contracts.contract_update(
                actor=org.officer2, contract=contract, expected_version=1, reason="追加業務", amount_yen=7_500_000
            )
        assert str(refused.value) == DEADLINE_REFUSAL
        assert refused.value.field == "amount_yen"
    assert Contract.objects.get(pk=contract.pk).amount_yen == 7_000_000
    assert not ContractChange.objects.exists()
    assert_books_hold(commitment)

    # A decrease is still allowed; what it frees lapses too, and the trail says so.
    with time_machine.travel(AFTER, tick=False):
        contracts.contract_update(
            actor=org.officer2, contract=contract, expected_version=1, reason="仕様の縮小", amount_yen=6_800_000
        )
    assert contract_schedule(contract) == [
        (date(2026, 9, 30), 1_700_000),
        (date(2026, 12, 31), 1_700_000),
        (date(2027, 3, 31), 1_700_000),
        (date(2027, 6, 30), 1_700_000),
    ]
    assert last_event(commitment).note == (
        "R8-委託-1 変更契約：仕様の縮小。契約金額 7,000,000円 → 6,800,000円。"
        "減額 200,000円 は契約締結期限（令和8年度末＝2027年3月31日）を過ぎているため失効"
    )
    # The freed 200,000 cannot be taken back, nor used by a new contract signed now.
    with time_machine.travel(AFTER, tick=False):
        with pytest.raises(contracts.ContractFieldError, match="契約締結期限（令和8年度末＝2027年3月31日）を過ぎた"):
            contracts.contract_update(
                actor=org.officer2, contract=contract, expected_version=2, reason="再増額", amount_yen=7_000_000
            )
        with pytest.raises(ServiceError, match=r"契約締結日 2027年4月20日（令和9年度）は行為年度（令和8年度）の外です"):
            make_contract(
                org,
                commitment,
                "R8-委託-2",
                200_000,
                signed_on=date(2027, 4, 20),
                start_on=date(2027, 5, 1),
                end_on=date(2027, 9, 30),
            )
    assert Contract.objects.filter(commitment=commitment).count() == 1
    assert_books_hold(commitment)


@pytest.mark.django_db
def test_the_last_day_of_the_deadline_still_allows_an_increase(org):
    with time_machine.travel(IN_YEAR, tick=False):
        commitment = make_commitment(org, limit_yen=7_500_000, **R8)
        contract = _quarterly(org, commitment, "R8-委託-1", 7_000_000)
    with time_machine.travel(LAST_MINUTE, tick=False):
        outcome = contracts.contract_update(
            actor=org.officer2, contract=contract, expected_version=1, reason="追加業務", amount_yen=7_500_000
        )
    assert outcome.warnings == [
        "契約額の合計が限度額の 100% に達しました（限度額 7,500,000円、契約済 7,500,000円、残額 0円）。"
    ]
    assert (outcome.change.amount_delta_yen, outcome.change.changed_on) == (500_000, date(2027, 3, 31))
    assert Contract.objects.get(pk=contract.pk).amount_yen == 7_500_000
    assert_books_hold(commitment)


@pytest.mark.django_db
def test_an_approved_extension_of_the_deadline_allows_the_increase_until_its_new_end(org):
    with time_machine.travel(IN_YEAR, tick=False):
        commitment = make_commitment(org, limit_yen=7_500_000, **R8)
        contract = _quarterly(org, commitment, "R8-委託-1", 7_000_000)
        make_amendment(org, commitment, new_contract_until_fy=2027, reason="契約締結期限の延長")
    with time_machine.travel(AFTER, tick=False):
        contracts.contract_update(
            actor=org.officer2, contract=contract, expected_version=1, reason="追加業務", amount_yen=7_200_000
        )
    assert Contract.objects.get(pk=contract.pk).amount_yen == 7_200_000
    with time_machine.travel(datetime(2028, 4, 1, 9, 0, tzinfo=TOKYO), tick=False):
        with pytest.raises(contracts.ContractFieldError) as refused:
            contracts.contract_update(
                actor=org.officer2, contract=contract, expected_version=2, reason="追加業務", amount_yen=7_300_000
            )
    assert str(refused.value).startswith("契約締結期限（令和9年度末＝2028年3月31日）を過ぎたため")
    assert_books_hold(commitment)


@pytest.mark.django_db
def test_a_decrease_to_what_was_paid_after_the_deadline_completes_the_commitment(org):
    with time_machine.travel(IN_YEAR, tick=False):
        commitment = make_commitment(org, limit_yen=10_000_000, **R8)
        contract = _quarterly(org, commitment, "R8-委託-1", 10_000_000)
        payments.payment_record(actor=org.officer2, contract=contract, paid_on=date(2026, 9, 30), amount_yen=2_500_000)
    with time_machine.travel(AFTER, tick=False):
        with pytest.raises(ServiceError, match="契約金額を支出済額 2,500,000円 より少なくはできません"):
            contracts.contract_update(
                actor=org.officer2, contract=contract, expected_version=1, reason="打切り", amount_yen=2_499_999
            )
        contracts.contract_update(
            actor=org.officer2,
            contract=contract,
            expected_version=1,
            reason="業務の打切り",
            amount_yen=2_500_000,
            end_on=date(2026, 9, 30),
        )
    done = Commitment.objects.get(pk=commitment.pk)
    assert done.status == Status.COMPLETED
    trail = list(CommitmentEvent.objects.filter(commitment=commitment).order_by("id").values_list("action", flat=True))
    assert trail[-2:] == ["contract_change", "complete"]
    assert contract_schedule(contract) == [(date(2026, 9, 30), 2_500_000)]
    assert_books_hold(commitment)


@pytest.mark.django_db
def test_a_decrease_before_the_deadline_leaves_the_commitment_active(org):
    with time_machine.travel(IN_YEAR, tick=False):
        commitment = make_commitment(org, limit_yen=10_000_000, **R8)
        contract = _quarterly(org, commitment, "R8-委託-1", 10_000_000)
        payments.payment_record(actor=org.officer2, contract=contract, paid_on=date(2026, 9, 30), amount_yen=2_500_000)
        contracts.contract_update(
            actor=org.officer2,
            contract=contract,
            expected_version=1,
            reason="業務の打切り",
            amount_yen=2_500_000,
            end_on=date(2026, 9, 30),
        )
    # 7,500,000 of authority can still be contracted until 31 March: not complete.
    assert Commitment.objects.get(pk=commitment.pk).status == Status.ACTIVE
    assert_books_hold(commitment)
