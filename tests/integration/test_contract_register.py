"""Registering a contract: never signed in the future; sent again under the same 契約番号, 登録済 or refused."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from commitments.models import Commitment, CommitmentEvent, Contract, Installment
from commitments.services import contracts
from commitments.services.errors import ServiceError
from tests.support.contract_books import R8, TOKYO, assert_books_hold
from tests.support.factories import make_amendment, make_commitment, make_org
from tests.support.races import meet_inside, race

TODAY = datetime(2026, 6, 10, 15, 0, tzinfo=TOKYO)


def _register(o, commitment, contract_no: str = "R8-委託-7", **overrides):
    fields = {
        "counterparty": "株式会社テスト",
        "signed_on": date(2026, 6, 1),
        "start_on": date(2026, 7, 1),
        "end_on": date(2027, 3, 31),
        "amount_yen": 3_000_000,
        "payment_terms": "semiannual",
    }
    fields.update(overrides)
    return contracts.contract_register(actor=o.officer2, commitment=commitment, contract_no=contract_no, **fields)


@pytest.mark.django_db
def test_a_contract_signed_after_today_is_refused_even_inside_an_extended_window(org):
    # Defect 6: the deadline extended to 令和9年度, a contract "signed" next year was accepted today.
    with time_machine.travel(TODAY, tick=False):
        commitment = make_commitment(org, limit_yen=10_000_000, **R8)
        make_amendment(org, commitment, new_contract_until_fy=2027, reason="契約締結期限の延長")
        commitment.refresh_from_db()
        for signed_on in (date(2027, 6, 1), date(2026, 6, 11)):
            with pytest.raises(contracts.ContractFieldError) as refused:
                _register(org, commitment, signed_on=signed_on, start_on=date(2027, 7, 1), end_on=date(2028, 3, 31))
            day = f"{signed_on.year}年{signed_on.month}月{signed_on.day}日"
            assert str(refused.value) == (
                f"契約締結日 {day} は今日（2026年6月10日）より後です。締結前の契約は登録できません。"
            )
            assert refused.value.field == "signed_on"
        assert not Contract.objects.exists()
        # Signed today is fine.
        contract = _register(org, commitment, signed_on=date(2026, 6, 10)).contract
        # …and a change may not move the date into the future either.
        with pytest.raises(
            contracts.ContractFieldError, match="契約締結日 2026年6月11日 は今日（2026年6月10日）より後です"
        ):
            contracts.contract_update(
                actor=org.officer2,
                contract=contract,
                expected_version=1,
                reason="日付訂正",
                signed_on=date(2026, 6, 11),
            )
    assert Contract.objects.get(pk=contract.pk).signed_on == date(2026, 6, 10)
    assert_books_hold(commitment)


@pytest.mark.django_db
def test_the_same_contract_sent_again_is_registered_once(org):
    with time_machine.travel(TODAY, tick=False):
        commitment = make_commitment(org, limit_yen=10_000_000, **R8)
        first = _register(org, commitment, "R8-委託-7")
        version = Commitment.objects.get(pk=commitment.pk).version
        events = CommitmentEvent.objects.count()
        # The number as another feed writes it: 全角, a space, lower case.
        again = _register(org, commitment, "ｒ８－委託－ ７")
    assert (first.existing, again.existing) == (False, True)
    assert again.contract.pk == first.contract.pk
    assert again.warnings == []
    assert Contract.objects.count() == 1
    assert Contract.objects.get().contract_no == "R8-委託-7"  # as first recorded
    # Six months of nine, then three: 2,000,000 and 1,000,000, written once.
    assert list(Installment.objects.order_by("due_on").values_list("due_on", "amount_yen")) == [
        (date(2026, 12, 31), 2_000_000),
        (date(2027, 3, 31), 1_000_000),
    ]
    assert Commitment.objects.get(pk=commitment.pk).version == version
    assert CommitmentEvent.objects.count() == events
    assert_books_hold(commitment)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "differs"),
    [
        ({"amount_yen": 3_000_001}, "契約金額（円）"),
        ({"counterparty": "株式会社別会社", "end_on": date(2027, 9, 30)}, "契約相手方、契約期間（終了）"),
        (
            {
                "payment_terms": "explicit",
                "installments": [(date(2026, 12, 31), 1_000_000), (date(2027, 3, 31), 2_000_000)],
            },
            "支払条件",
        ),
    ],
)
def test_the_same_number_with_other_content_is_refused_naming_the_recorded_contract(org, changes, differs):
    with time_machine.travel(TODAY, tick=False):
        commitment = make_commitment(org, limit_yen=10_000_000, **R8)
        _register(org, commitment, "R8-委託-7")
        with pytest.raises(contracts.ContractFieldError) as refused:
            _register(org, commitment, "R8-委託-7", **changes)
    assert str(refused.value) == (
        "契約番号 R8-委託-7 は登録済です（庁舎清掃業務委託、株式会社テスト、契約金額 3,000,000円、"
        "締結日 2026年6月1日）。"
        f"内容が異なるため登録できません（相違：{differs}）。変更は変更契約で行ってください。"
    )
    assert refused.value.field == "contract_no"
    assert Contract.objects.count() == 1


@pytest.mark.django_db
def test_an_explicit_schedule_sent_again_must_match_the_recorded_one(org):
    explicit = {
        "payment_terms": "explicit",
        "installments": [(date(2026, 12, 31), 1_000_000), (date(2027, 3, 31), 2_000_000)],
    }
    with time_machine.travel(TODAY, tick=False):
        commitment = make_commitment(org, limit_yen=10_000_000, **R8)
        first = _register(org, commitment, "R8-委託-7", **explicit)
        assert _register(org, commitment, "R8-委託-7", **explicit).existing
        with pytest.raises(ServiceError, match=r"内容が異なるため登録できません（相違：支払予定）"):
            _register(
                org,
                commitment,
                "R8-委託-7",
                payment_terms="explicit",
                installments=[(date(2026, 12, 31), 1_500_000), (date(2027, 3, 31), 1_500_000)],
            )
    assert list(first.contract.installments.values_list("amount_yen", flat=True)) == [1_000_000, 2_000_000]


@pytest.mark.django_db
def test_a_change_cannot_take_a_number_already_used_as_matched(org):
    with time_machine.travel(TODAY, tick=False):
        commitment = make_commitment(org, limit_yen=10_000_000, **R8)
        _register(org, commitment, "R8-委託-7")
        other = _register(org, commitment, "R8-委託-8", amount_yen=1_000_000).contract
        with pytest.raises(contracts.ContractFieldError) as refused:
            contracts.contract_update(
                actor=org.officer2, contract=other, expected_version=1, reason="番号訂正", contract_no="Ｒ８－委託－７"
            )
    assert str(refused.value) == "契約番号 R8-委託-7 は登録済です（庁舎清掃業務委託、株式会社テスト）。"
    assert Contract.objects.get(pk=other.pk).contract_no == "R8-委託-8"


@pytest.mark.django_db(transaction=True)
def test_two_feeds_sending_one_contract_at_once_register_it_once(monkeypatch):
    o = make_org()
    with time_machine.travel(TODAY, tick=False):
        commitment = make_commitment(o, limit_yen=10_000_000, **R8)
    meet_inside(monkeypatch, contracts)  # both wait inside their transactions, then run at once
    for round_no in range(3):
        numbers = (f"R8-並行-{round_no}", f"Ｒ８－並行－{round_no}")
        with time_machine.travel(TODAY, tick=False):
            results = race(*(lambda n=n: _register(o, commitment, n, amount_yen=1_000_000) for n in numbers))
        assert [kind for kind, _value in results] == ["ok", "ok"], results
        outcomes = [value for _kind, value in results]
        assert sorted(outcome.existing for outcome in outcomes) == [False, True]
        assert outcomes[0].contract.pk == outcomes[1].contract.pk
    assert Contract.objects.filter(commitment=commitment).count() == 3
    assert_books_hold(commitment)
