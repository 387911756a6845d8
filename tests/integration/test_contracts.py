"""Contracts under a commitment: state, availability control (限度額), 行為年度, schedules, changes."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from commitments.models import Commitment, CommitmentEvent, Contract, Installment, Status
from commitments.services import amendments, approval, contracts, payments
from commitments.services.errors import (
    ConcurrentUpdateError,
    InvalidTransitionError,
    LimitExceededError,
    ServiceError,
)
from tests.support.factories import make_amendment, make_commitment, make_contract, make_org, register_contract

# Inside FY2017 (平成29年度), the 行為年度 of the factories' commitments: their authority can still be contracted.
IN_FY2017 = datetime(2017, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def _schedule(contract):
    return list(
        Installment.objects.filter(contract=contract)
        .order_by("due_on")
        .values_list("due_on", "amount_yen", "fiscal_year")
    )


@pytest.mark.django_db
def test_refused_on_draft_and_submitted_commitments(org):
    draft = make_commitment(org, approve=False)
    with pytest.raises(InvalidTransitionError, match="「起案中」の債務負担行為には契約を登録できません"):
        register_contract(org, draft, "K-1", 1_000_000)
    approval.commitment_submit(actor=org.officer2, commitment=draft)
    with pytest.raises(InvalidTransitionError, match="「承認待ち」の債務負担行為には契約を登録できません"):
        register_contract(org, draft, "K-1", 1_000_000)
    assert not Contract.objects.exists()
    assert Commitment.objects.get(pk=draft.pk).status == Status.SUBMITTED


@pytest.mark.django_db
def test_first_contract_activates_and_is_recorded(org):
    commitment = make_commitment(org)
    assert commitment.status == Status.APPROVED
    version = commitment.version

    outcome = register_contract(org, commitment, "K-1", 1_000_000)

    active = Commitment.objects.get(pk=commitment.pk)
    assert active.status == Status.ACTIVE
    assert active.version == version + 1
    assert outcome.warnings == []
    assert outcome.contract.registered_by == org.officer2
    event = CommitmentEvent.objects.filter(commitment=commitment).order_by("id").last()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "contract",
        "approved",
        "active",
        org.officer2,
    )
    assert event.note == "K-1 株式会社テスト 1,000,000円"

    register_contract(org, commitment, "K-2", 500_000)
    second = CommitmentEvent.objects.filter(commitment=commitment).order_by("id").last()
    assert (second.action, second.from_status, second.to_status) == ("contract", "active", "active")
    assert Commitment.objects.get(pk=commitment.pk).status == Status.ACTIVE


@pytest.mark.django_db
def test_availability_warns_at_90_percent_and_refuses_past_the_limit(org):
    commitment = make_commitment(org, limit_yen=10_000_000)

    assert register_contract(org, commitment, "K-1", 8_000_000).warnings == []  # 80 %

    warned = register_contract(org, commitment, "K-2", 1_000_000)  # 9,000,000 = 90 %
    assert warned.warnings == [
        "契約額の合計が限度額の 90% に達しました（限度額 10,000,000円、契約済 9,000,000円、残額 1,000,000円）。"
    ]

    before_version = Commitment.objects.get(pk=commitment.pk).version
    before_events = CommitmentEvent.objects.filter(commitment=commitment).count()
    with pytest.raises(LimitExceededError) as refused:
        register_contract(org, commitment, "K-3", 1_000_001)
    assert str(refused.value) == (
        "限度額を超えるため登録できません。限度額 10,000,000円、契約済 9,000,000円、今回 1,000,001円、超過額 1円。"
    )
    # Nothing of the refused contract was saved.
    assert not Contract.objects.filter(contract_no="K-3").exists()
    assert Contract.objects.filter(commitment=commitment).count() == 2
    assert Installment.objects.filter(contract__commitment=commitment).count() == 2
    assert Commitment.objects.get(pk=commitment.pk).version == before_version
    assert CommitmentEvent.objects.filter(commitment=commitment).count() == before_events

    # Exactly filling the limit is allowed (with the warning: nothing left).
    full = register_contract(org, commitment, "K-3", 1_000_000)
    assert full.warnings == [
        "契約額の合計が限度額の 100% に達しました（限度額 10,000,000円、契約済 10,000,000円、残額 0円）。"
    ]
    with pytest.raises(LimitExceededError, match="契約済 10,000,000円、今回 1円、超過額 1円"):
        register_contract(org, commitment, "K-4", 1)


@pytest.mark.django_db
def test_just_below_90_percent_has_no_warning(org):
    commitment = make_commitment(org, limit_yen=10_000_000)
    assert register_contract(org, commitment, "K-1", 8_999_999).warnings == []
    assert len(register_contract(org, commitment, "K-2", 1).warnings) == 1  # exactly 9,000,000


@pytest.mark.django_db
def test_text_limit_warns_over_the_estimate_but_never_refuses(org):
    commitment = make_commitment(
        org, limit_yen=None, limit_text="寄附金額に応じた諸経費にかかる金額", estimated_limit_yen=2_000_000
    )
    assert register_contract(org, commitment, "K-1", 2_000_000).warnings == []
    over = register_contract(org, commitment, "K-2", 500_000)
    assert over.warnings == ["契約額の合計 2,500,000円 が見込額 2,000,000円 を超えています（限度額は文言）。"]
    assert Contract.objects.filter(commitment=commitment).count() == 2


@pytest.mark.django_db
def test_signed_outside_the_authorising_year_needs_an_amendment(org):
    commitment = make_commitment(org)  # 行為年度 FY2017 (平成29年度)
    with pytest.raises(ServiceError) as late:
        register_contract(
            org,
            commitment,
            "K-1",
            1_000_000,
            signed_on=date(2018, 4, 1),
            start_on=date(2018, 4, 1),
            end_on=date(2019, 3, 31),
        )
    assert str(late.value) == (
        "契約締結日 2018年4月1日（平成30年度）は行為年度（平成29年度）の外です。期限を延長する補正の承認が必要です。"
    )
    with pytest.raises(ServiceError, match="契約締結日 2017年3月31日（平成28年度）は行為年度"):
        register_contract(org, commitment, "K-1", 1_000_000, signed_on=date(2017, 3, 31))
    assert not Contract.objects.exists()
    # 2018-03-31 is still FY2017.
    register_contract(org, commitment, "K-0", 1_000_000, signed_on=date(2018, 3, 31), start_on=date(2018, 3, 31))

    # A submitted (not yet approved) extension does not help.
    pending = make_amendment(org, commitment, approve=False, new_contract_until_fy=2018)
    with pytest.raises(ServiceError, match="行為年度（平成29年度）の外です"):
        register_contract(
            org,
            commitment,
            "K-1",
            1_000_000,
            signed_on=date(2018, 4, 1),
            start_on=date(2018, 4, 1),
            end_on=date(2019, 3, 31),
        )

    amendments.amendment_approve(actor=org.approver, amendment=pending)
    assert Commitment.objects.get(pk=commitment.pk).contract_until_fy == 2018
    commitment.refresh_from_db()
    register_contract(
        org,
        commitment,
        "K-1",
        1_000_000,
        signed_on=date(2018, 4, 1),
        start_on=date(2018, 4, 1),
        end_on=date(2019, 3, 31),
    )
    with pytest.raises(ServiceError) as still_late:
        register_contract(
            org,
            commitment,
            "K-2",
            1_000_000,
            signed_on=date(2019, 4, 1),
            start_on=date(2019, 4, 1),
            end_on=date(2020, 3, 31),
        )
    assert "契約締結日 2019年4月1日（令和元年度）は行為年度（平成29年度から平成30年度まで）の外です。" in str(
        still_late.value
    )
    assert sorted(Contract.objects.values_list("contract_no", flat=True)) == ["K-0", "K-1"]


@pytest.mark.django_db
def test_quarterly_terms_generate_installments(org):
    commitment = make_commitment(org, limit_yen=20_000_000)
    contract = register_contract(
        org,
        commitment,
        "K-Q",
        12_000_000,
        signed_on=date(2017, 9, 15),
        start_on=date(2017, 10, 1),
        end_on=date(2018, 9, 30),
        payment_terms="quarterly",
    ).contract
    assert _schedule(contract) == [
        (date(2017, 12, 31), 3_000_000, 2017),
        (date(2018, 3, 31), 3_000_000, 2017),
        (date(2018, 6, 30), 3_000_000, 2018),
        (date(2018, 9, 30), 3_000_000, 2018),
    ]


@pytest.mark.django_db
def test_monthly_terms_put_the_remainder_in_the_first_month(org):
    commitment = make_commitment(org)
    # 1,000,000 over 3 months: 333,333 a month, the first takes 333,334.
    contract = register_contract(
        org,
        commitment,
        "K-M",
        1_000_000,
        start_on=date(2018, 2, 1),
        end_on=date(2018, 4, 30),
        payment_terms="monthly",
    ).contract
    assert _schedule(contract) == [
        (date(2018, 2, 28), 333_334, 2017),
        (date(2018, 3, 31), 333_333, 2017),
        (date(2018, 4, 30), 333_333, 2018),
    ]


@pytest.mark.django_db
def test_explicit_schedule_must_sum_to_the_amount_and_stay_in_the_span(org):
    commitment = make_commitment(org)  # span FY2017–FY2020
    explicit = {"payment_terms": "explicit", "end_on": date(2021, 3, 31)}
    with pytest.raises(ServiceError, match="個別指定の支払条件では支払予定を入力してください"):
        register_contract(org, commitment, "K-E", 3_000_000, **explicit)
    with pytest.raises(ServiceError) as short:
        register_contract(
            org,
            commitment,
            "K-E",
            3_000_000,
            installments=[(date(2018, 3, 31), 1_000_000), (date(2019, 3, 31), 1_900_000)],
            **explicit,
        )
    assert str(short.value) == "支払予定額の合計 2,900,000円 が契約金額 3,000,000円 と一致しません。"
    with pytest.raises(ServiceError) as outside:
        register_contract(
            org,
            commitment,
            "K-E",
            3_000_000,
            installments=[(date(2018, 3, 31), 1_000_000), (date(2021, 4, 30), 2_000_000)],
            **explicit,
        )
    assert str(outside.value) == "負担年度（平成29年度から令和2年度まで）外に支払予定があります：令和3年度"
    with pytest.raises(ServiceError, match="同じ支払予定日が重複しています"):
        register_contract(
            org,
            commitment,
            "K-E",
            3_000_000,
            installments=[(date(2018, 3, 31), 1_000_000), (date(2018, 3, 31), 2_000_000)],
            **explicit,
        )
    assert not Contract.objects.exists()
    assert Commitment.objects.get(pk=commitment.pk).status == Status.APPROVED

    contract = register_contract(
        org,
        commitment,
        "K-E",
        3_000_000,
        installments=[(date(2019, 3, 31), 2_000_000), (date(2018, 3, 31), 1_000_000)],
        **explicit,
    ).contract
    assert _schedule(contract) == [(date(2018, 3, 31), 1_000_000, 2017), (date(2019, 3, 31), 2_000_000, 2018)]


@pytest.mark.django_db
def test_generated_installments_outside_the_span_are_refused(org):
    commitment = make_commitment(org, last_burden_fy=2018)  # span FY2017–FY2018
    with pytest.raises(ServiceError) as refused:
        register_contract(
            org,
            commitment,
            "K-1",
            2_400_000,
            start_on=date(2018, 10, 1),
            end_on=date(2019, 9, 30),
            payment_terms="semiannual",
        )
    assert str(refused.value) == "負担年度（平成29年度から平成30年度まで）外に支払予定があります：令和元年度"
    assert not Contract.objects.exists()


@pytest.mark.django_db
def test_schedule_set_replaces_an_explicit_schedule(org):
    commitment = make_commitment(org)
    contract = register_contract(
        org,
        commitment,
        "K-E",
        3_000_000,
        payment_terms="explicit",
        end_on=date(2020, 3, 31),
        installments=[(date(2018, 3, 31), 3_000_000)],
    ).contract
    with pytest.raises(ServiceError, match="支払予定額の合計 2,999,999円 が契約金額 3,000,000円 と一致しません"):
        contracts.contract_schedule_set(
            actor=org.officer2, contract=contract, installments=[(date(2018, 3, 31), 2_999_999)], reason="分割払へ"
        )
    with pytest.raises(ServiceError, match="外に支払予定があります：平成28年度"):
        contracts.contract_schedule_set(
            actor=org.officer2,
            contract=contract,
            installments=[(date(2017, 3, 31), 1_000_000), (date(2018, 3, 31), 2_000_000)],
            reason="分割払へ",
        )
    assert _schedule(contract) == [(date(2018, 3, 31), 3_000_000, 2017)]

    updated = contracts.contract_schedule_set(
        actor=org.officer2,
        contract=contract,
        installments=[(date(2018, 3, 31), 1_000_000), (date(2019, 3, 31), 1_200_000), (date(2020, 3, 31), 800_000)],
        reason="分割払へ",
    )
    assert updated.version == 2
    assert _schedule(contract) == [
        (date(2018, 3, 31), 1_000_000, 2017),
        (date(2019, 3, 31), 1_200_000, 2018),
        (date(2020, 3, 31), 800_000, 2019),
    ]

    generated = register_contract(org, commitment, "K-L", 1_000_000).contract
    with pytest.raises(ServiceError, match="支払予定を直接入力できるのは支払条件が「個別指定」の契約だけです"):
        contracts.contract_schedule_set(
            actor=org.officer2, contract=generated, installments=[(date(2018, 3, 31), 1_000_000)], reason="分割払へ"
        )


@pytest.mark.django_db
def test_duplicate_contract_number_is_refused_within_the_organization(org):
    first = make_commitment(org)
    second = make_commitment(org, matter="複合機の賃借")
    register_contract(org, first, "K-1", 1_000_000)
    with pytest.raises(ServiceError) as duplicate:
        register_contract(org, second, "K-1", 1_000_000)
    assert str(duplicate.value) == (
        "契約番号 K-1 は登録済です（庁舎清掃業務委託、株式会社テスト、契約金額 1,000,000円、締結日 2017年6月1日）。"
        "内容が異なるため登録できません（相違：債務負担行為）。変更は変更契約で行ってください。"
    )
    with pytest.raises(ServiceError, match="契約番号 K-1 は登録済です"):
        register_contract(org, second, "  K-1 ", 1_000_000)  # stripped before the check
    assert Contract.objects.filter(contract_no="K-1").count() == 1

    other = make_org("別の市", prefix="b_")
    elsewhere = make_commitment(other)
    register_contract(other, elsewhere, "K-1", 1_000_000)  # another organization's numbering
    assert Contract.objects.filter(contract_no="K-1").count() == 2


@pytest.mark.django_db
def test_contract_update_detects_a_stale_version(org):
    commitment = make_commitment(org)
    contract = register_contract(org, commitment, "K-1", 1_000_000).contract
    changed = contracts.contract_update(
        actor=org.officer2,
        contract=contract,
        expected_version=1,
        reason="相手方の商号変更",
        counterparty="株式会社変更後",
    ).contract
    assert changed.version == 2
    with pytest.raises(ConcurrentUpdateError):
        contracts.contract_update(
            actor=org.officer, contract=contract, expected_version=1, reason="変更契約", counterparty="上書き"
        )
    fresh = Contract.objects.get(pk=contract.pk)
    assert (fresh.counterparty, fresh.version) == ("株式会社変更後", 2)
    event = CommitmentEvent.objects.filter(commitment=commitment).order_by("id").last()
    assert (event.action, event.note) == ("contract_change", "K-1 変更契約：相手方の商号変更")


@pytest.mark.django_db
@time_machine.travel(IN_FY2017, tick=False)
def test_contract_update_rechecks_paid_limit_and_regenerates_the_schedule(org):
    commitment = make_commitment(org, limit_yen=10_000_000)
    register_contract(org, commitment, "K-A", 8_000_000)
    contract = register_contract(
        org, commitment, "K-B", 1_000_000, start_on=date(2017, 7, 1), end_on=date(2018, 6, 30), payment_terms="annual"
    ).contract
    payments.payment_record(actor=org.officer2, contract=contract, paid_on=date(2017, 9, 29), amount_yen=600_000)

    with pytest.raises(ServiceError) as below_paid:
        contracts.contract_update(
            actor=org.officer2, contract=contract, expected_version=1, reason="変更契約", amount_yen=599_999
        )
    assert str(below_paid.value) == "契約金額を支出済額 600,000円 より少なくはできません。"

    with pytest.raises(LimitExceededError) as over:
        contracts.contract_update(
            actor=org.officer2, contract=contract, expected_version=1, reason="変更契約", amount_yen=2_000_001
        )
    assert str(over.value) == (
        "限度額を超えるため登録できません。限度額 10,000,000円、契約済 8,000,000円、今回 2,000,001円、超過額 1円。"
    )
    assert Contract.objects.get(pk=contract.pk).amount_yen == 1_000_000

    # 600,000 is allowed (equal to paid); then up to the limit, with the schedule regenerated quarterly.
    outcome = contracts.contract_update(
        actor=org.officer2,
        contract=contract,
        expected_version=1,
        reason="変更契約",
        amount_yen=2_000_000,
        payment_terms="quarterly",
    )
    assert outcome.warnings == [
        "契約額の合計が限度額の 100% に達しました（限度額 10,000,000円、契約済 10,000,000円、残額 0円）。"
    ]
    assert _schedule(contract) == [
        (date(2017, 9, 30), 500_000, 2017),
        (date(2017, 12, 31), 500_000, 2017),
        (date(2018, 3, 31), 500_000, 2017),
        (date(2018, 6, 30), 500_000, 2018),
    ]
    contracts.contract_update(
        actor=org.officer2, contract=contract, expected_version=2, reason="変更契約", amount_yen=600_000
    )
    assert Contract.objects.get(pk=contract.pk).amount_yen == 600_000


@pytest.mark.django_db
@time_machine.travel(IN_FY2017, tick=False)
def test_contract_update_keeps_an_explicit_schedule_that_must_still_sum(org):
    commitment = make_commitment(org)
    contract = register_contract(
        org,
        commitment,
        "K-E",
        2_000_000,
        payment_terms="explicit",
        end_on=date(2019, 3, 31),
        installments=[(date(2018, 3, 31), 1_000_000), (date(2019, 3, 31), 1_000_000)],
    ).contract
    contracts.contract_update(
        actor=org.officer2, contract=contract, expected_version=1, reason="変更契約", note="覚書締結"
    )
    assert _schedule(contract) == [(date(2018, 3, 31), 1_000_000, 2017), (date(2019, 3, 31), 1_000_000, 2018)]
    with pytest.raises(ServiceError, match="支払予定額の合計 2,000,000円 が契約金額 2,500,000円 と一致しません"):
        contracts.contract_update(
            actor=org.officer2, contract=contract, expected_version=2, reason="変更契約", amount_yen=2_500_000
        )
    contracts.contract_update(
        actor=org.officer2,
        contract=contract,
        expected_version=2,
        reason="変更契約",
        amount_yen=2_500_000,
        installments=[(date(2018, 3, 31), 1_000_000), (date(2019, 3, 31), 1_500_000)],
    )
    assert _schedule(contract) == [(date(2018, 3, 31), 1_000_000, 2017), (date(2019, 3, 31), 1_500_000, 2018)]


@pytest.mark.django_db
def test_contracts_refused_once_abolished(org):
    commitment = make_commitment(org)
    make_contract(org, commitment, "K-1", 1_000_000)
    make_amendment(org, commitment, abolish=True, reason="事業の中止")
    commitment.refresh_from_db()
    assert commitment.status == Status.ABOLISHED
    with pytest.raises(InvalidTransitionError, match="「廃止」の債務負担行為には契約を登録できません"):
        register_contract(org, commitment, "K-2", 1_000_000)


@pytest.mark.django_db
def test_abolished_authority_cannot_be_used_by_raising_a_contract(org):
    # 廃止 abolishes the uncontracted part of the limit (補正.abolish: 未契約の限度額を廃止します).
    commitment = make_commitment(org, limit_yen=10_000_000)
    contract = make_contract(org, commitment, "K-1", 4_000_000)
    make_amendment(org, commitment, abolish=True, reason="事業の中止")
    with pytest.raises(ServiceError):
        contracts.contract_update(
            actor=org.officer2, contract=contract, expected_version=1, reason="変更契約", amount_yen=9_000_000
        )
    assert Contract.objects.get(pk=contract.pk).amount_yen == 4_000_000
    # Reducing it (変更契約 to a smaller amount) is still possible.
    contracts.contract_update(
        actor=org.officer2, contract=contract, expected_version=1, reason="変更契約", amount_yen=3_500_000
    )
    assert Contract.objects.get(pk=contract.pk).amount_yen == 3_500_000
    # What the decrease frees does not come back to an abolished commitment, and the trail says so.
    event = CommitmentEvent.objects.filter(commitment=commitment).order_by("id").last()
    assert event.note == (
        "K-1 変更契約：変更契約。契約金額 4,000,000円 → 3,500,000円。減額 500,000円 は廃止済のため限度額に戻りません"
    )
