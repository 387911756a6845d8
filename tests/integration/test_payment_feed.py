"""The payment feed is idempotent by 支出命令番号, finds 契約番号 as matched, and refuses payments dated after today.

Regression tests for the tester's defects 1 (a CSV uploaded twice recorded every row twice; a retry duplicated rows),
6 (payments dated in the future were recorded and could complete a commitment) and 8 (contract numbers stored with
全角 or spaces were not found by the CSV).
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django_scopes import scopes_disabled

from commitments.models import Commitment, Contract, Payment, Status
from commitments.services import payments
from commitments.services.errors import RowErrors, ServiceError
from commitments.services.payments import PaymentRefusedError
from tests.support.factories import make_commitment, make_contract, make_org

TOKYO = ZoneInfo("Asia/Tokyo")
HEAD = "支出日,契約番号,支出額,支出命令番号\n"
P1_DIFFERENT = (
    "支出命令番号「P-1」（平成29年度）は登録済の支出（2017年9月29日、契約 K-1、300,000円）のものです。"
    "内容が異なるため登録できません。登録済の支出が誤りなら、その支出の「戻入・取消」で取り消してください。"
)


@pytest.fixture
def contracts(org):
    commitment = make_commitment(org)  # 10,000,000 yen, FY2017–FY2020
    k1 = make_contract(org, commitment, "K-1", 1_000_000)
    k2 = make_contract(org, commitment, "K-2", 2_000_000, end_on=date(2019, 3, 31))
    return k1, k2


def _import(o, text):
    return payments.payments_import_csv(actor=o.officer2, organization=o.organization, text=text)


def _rows(result) -> list[tuple[int, str, str]]:
    return [(row.line, row.label, row.message) for row in result.rows]


def _stored() -> list[tuple[str, date, int, int, str]]:
    return list(
        Payment.objects.order_by("id").values_list(
            "contract__contract_no", "paid_on", "fiscal_year", "amount_yen", "reference"
        )
    )


FILE = HEAD + "2017-09-29,K-1,300000,P-1\n2017-10-31,K-2,1500000,P-2\n2018-05-10,K-1,700000,P-3\n"


@pytest.mark.django_db
def test_the_same_csv_uploaded_twice_records_each_payment_once(org, contracts):
    first = _import(org, FILE)
    assert (first.created, first.already) == (3, 0)

    again = _import(org, FILE)
    assert (again.created, again.already, again.errors) == (0, 3, [])
    again_note = "の支出は登録済です（%s）。二重には登録していません。"
    assert _rows(again) == [
        (2, "登録済", "支出命令番号「P-1」（平成29年度）" + again_note % "2017年9月29日、契約 K-1、300,000円"),
        (3, "登録済", "支出命令番号「P-2」（平成29年度）" + again_note % "2017年10月31日、契約 K-2、1,500,000円"),
        (4, "登録済", "支出命令番号「P-3」（平成30年度）" + again_note % "2018年5月10日、契約 K-1、700,000円"),
    ]
    assert [row.payment.pk for row in again.rows] == [row.payment.pk for row in first.rows]
    assert _stored() == [
        ("K-1", date(2017, 9, 29), 2017, 300_000, "P-1"),
        ("K-2", date(2017, 10, 31), 2017, 1_500_000, "P-2"),
        ("K-1", date(2018, 5, 10), 2018, 700_000, "P-3"),
    ]


@pytest.mark.django_db
def test_a_retry_after_an_error_records_only_what_is_new(org, contracts):
    _import(org, HEAD + "2017-09-29,K-1,300000,P-1\n2017-10-31,K-2,1500000,P-2\n")
    retry = HEAD + (
        "2017-09-29,K-1,300000,P-1\n"  # recorded by the first upload
        "2017-10-31,K-2,1500000,P-2\n"  # recorded by the first upload
        "2017-11-30,K-1,200000,P-3\n"
        "2017-12-28,K-9,100000,P-4\n"  # no such contract
    )
    with pytest.raises(RowErrors) as refused:
        _import(org, retry)
    assert refused.value.rows == [(5, "契約番号「K-9」が見つかりません。")]
    assert [row.label for row in refused.value.result.rows] == ["登録済", "登録済", "新規", "誤り"]
    assert len(_stored()) == 2  # all or nothing: P-3 is not kept

    fixed = _import(org, retry.replace("K-9", "K-2"))
    assert (fixed.created, fixed.already) == (2, 2)
    assert [(p.reference, p.amount_yen) for p in fixed.payments] == [("P-3", 200_000), ("P-4", 100_000)]
    assert sum(amount for *_rest, amount, _ref in _stored()) == 2_100_000  # 300,000 + 1,500,000 + 200,000 + 100,000


@pytest.mark.django_db
def test_the_same_number_with_other_content_is_a_row_error_naming_the_recorded_payment(org, contracts):
    _import(org, HEAD + "2017-09-29,K-1,300000,P-1\n")
    for changed in ("2017-09-30,K-1,300000,P-1", "2017-09-29,K-2,300000,P-1", "2017-09-29,K-1,300001,P-1"):
        with pytest.raises(RowErrors) as refused:
            _import(org, HEAD + "2017-10-31,K-2,100000,P-9\n" + changed + "\n")
        assert refused.value.rows == [(3, P1_DIFFERENT)]
    assert _stored() == [("K-1", date(2017, 9, 29), 2017, 300_000, "P-1")]


@pytest.mark.django_db
def test_the_same_number_twice_in_one_file(org, contracts):
    twice = _import(org, HEAD + "2017-09-29,K-1,300000,P-1\n2017-09-29,K-1,300000,P-1\n")
    assert _rows(twice) == [(2, "新規", ""), (3, "登録済", "2 行目と同じ支出です。")]
    assert _stored() == [("K-1", date(2017, 9, 29), 2017, 300_000, "P-1")]

    with pytest.raises(RowErrors) as refused:
        _import(org, HEAD + "2017-10-31,K-2,100000,P-2\n2017-11-30,K-2,100000,P-3\n2017-10-31,K-2,200000,P-2\n")
    assert refused.value.rows == [
        (4, "支出命令番号「P-2」は 2 行目（2017年10月31日、契約 K-2、100,000円）と同じですが、内容が異なります。")
    ]
    assert len(_stored()) == 1


@pytest.mark.django_db
def test_a_blank_or_missing_order_number_is_a_row_error(org, contracts):
    missing = "支出命令番号がありません。支出命令番号は各行に必要です（同じ支出を二重に登録しないための番号です）。"
    with pytest.raises(RowErrors) as blank:
        _import(org, HEAD + "2017-09-29,K-1,300000,P-1\n2017-10-31,K-1,100000,\n2017-11-30,K-1,100000,　\n")
    assert blank.value.rows == [(3, missing), (4, missing)]
    with pytest.raises(RowErrors) as no_column:
        _import(org, "支出日,契約番号,支出額\n2017-09-29,K-1,300000\n2017-10-31,K-1,100000\n")
    assert no_column.value.rows == [(2, missing), (3, missing)]
    assert Payment.objects.count() == 0


@pytest.mark.django_db
def test_an_order_number_is_unique_per_organization_and_fiscal_year_only(org, contracts):
    other = make_org("別の町", prefix="b_")
    other_contract = make_contract(other, make_commitment(other), "K-1", 1_000_000)
    result = _import(org, HEAD + "2017-09-29,K-1,300000,P-1\n2018-06-29,K-1,300000,P-1\n")
    assert (result.created, result.already) == (2, 0)
    _import(other, HEAD + "2017-09-29,K-1,300000,P-1\n")
    assert Payment.objects.filter(contract=other_contract).values_list("reference", "amount_yen").get() == (
        "P-1",
        300_000,
    )
    assert Payment.objects.filter(reference="P-1").count() == 3


@pytest.mark.django_db
def test_contract_numbers_stored_with_zenkaku_or_spaces_are_found(org):
    commitment = make_commitment(org)
    wide = make_contract(org, commitment, "第１２３号", 1_000_000)
    spaced = make_contract(org, commitment, "R8 委託 7", 2_000_000)
    result = _import(
        org,
        HEAD
        + "2017-09-29,第123号,100000,P-1\n"
        + "2017-09-29,R8委託7,200000,P-2\n"
        + "2017-10-31,ｒ８　委託　７,300000,P-3\n"
        + "2017-10-31, 第 １２３ 号 ,400000,P-4\n",
    )
    assert result.created == 4
    assert [(p.contract_id, p.amount_yen) for p in result.payments] == [
        (wide.pk, 100_000),
        (spaced.pk, 200_000),
        (spaced.pk, 300_000),
        (wide.pk, 400_000),
    ]


@pytest.mark.django_db
def test_two_stored_contracts_sharing_a_key_are_a_row_error_naming_both(org):
    commitment = make_commitment(org)
    first = make_contract(org, commitment, "K-1", 1_000_000)
    # Registered before numbers were matched through the key (today's registration refuses the second).
    Contract.objects.create(
        organization=org.organization,
        commitment=commitment,
        contract_no="Ｋ－１",
        counterparty=first.counterparty,
        signed_on=first.signed_on,
        start_on=first.start_on,
        end_on=first.end_on,
        amount_yen=500_000,
        payment_terms=first.payment_terms,
        registered_by=org.officer2,
    )
    with pytest.raises(RowErrors) as refused:
        _import(org, HEAD + "2017-09-29,k-1,100000,P-1\n")
    assert refused.value.rows == [
        (2, "契約番号「k-1」に当たる契約が複数あります（「K-1」、「Ｋ－１」）。登録済の契約番号を確かめてください。")
    ]
    assert Payment.objects.count() == 0


def _record(o, contract, paid_on, amount, reference):
    return payments.payment_record_once(
        actor=o.officer2, contract=contract, paid_on=paid_on, amount_yen=amount, reference=reference
    )


@pytest.mark.django_db
def test_single_entry_of_a_recorded_payment_records_nothing_more(org, contracts):
    k1, k2 = contracts
    first = _record(org, k1, date(2017, 9, 29), 300_000, " P-1 ")
    again = _record(org, k1, date(2017, 9, 29), 300_000, "P-1")
    assert (first.created, again.created, again.payment.pk) == (True, False, first.payment.pk)
    assert payments.payment_record(
        actor=org.officer2, contract=k1, paid_on=date(2017, 9, 29), amount_yen=300_000, reference="P-1"
    ).pk == (first.payment.pk)
    with pytest.raises(PaymentRefusedError) as refused:
        _record(org, k2, date(2017, 9, 29), 300_000, "P-1")
    assert (refused.value.field, str(refused.value), refused.value.recorded.pk) == (
        "reference",
        P1_DIFFERENT,
        first.payment.pk,
    )
    # The same payment again, although the contract is now fully paid: 登録済, not "over the contract".
    _record(org, k1, date(2017, 10, 31), 700_000, "P-2")
    assert _record(org, k1, date(2017, 10, 31), 700_000, "P-2").created is False
    assert _stored() == [
        ("K-1", date(2017, 9, 29), 2017, 300_000, "P-1"),
        ("K-1", date(2017, 10, 31), 2017, 700_000, "P-2"),
    ]


@pytest.mark.django_db
def test_a_unique_violation_the_check_did_not_see_becomes_the_same_message(org, contracts, monkeypatch):
    """Another transaction recorded the number after this one's check: the database refuses, the message is ours."""
    k1, k2 = contracts
    _record(org, k1, date(2017, 9, 29), 300_000, "P-1")
    original = payments._recorded
    calls = []

    def not_yet_committed(*args: Any) -> Payment | None:
        calls.append(args)
        return None if len(calls) == 1 else original(*args)

    monkeypatch.setattr(payments, "_recorded", not_yet_committed)
    with pytest.raises(PaymentRefusedError) as refused:
        _record(org, k2, date(2017, 9, 29), 300_000, "P-1")
    assert str(refused.value) == P1_DIFFERENT
    assert len(calls) == 2  # the check, then the lookup after the database refused the row
    assert Payment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_officers_recording_one_order_number_under_two_commitments_at_once():
    """Real threads, each in its own transaction: one row, the other officer gets the Japanese message (no 500)."""
    o = make_org()
    ka = make_contract(o, make_commitment(o, matter="甲の事項"), "K-A", 1_000_000)
    kb = make_contract(o, make_commitment(o, matter="乙の事項"), "K-B", 1_000_000)
    start = threading.Barrier(2, timeout=10)
    results: list[Any] = [None, None]

    def run(index: int, contract: Contract) -> None:
        try:
            start.wait()
            with scopes_disabled():  # a new thread starts with no scope: run as the tests' own thread does
                results[index] = _record(o, contract, date(2017, 9, 29), 400_000, "P-1")
        except Exception as exc:  # reported to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, k)) for i, k in enumerate((ka, kb))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    errors = [r for r in results if isinstance(r, Exception)]
    recorded = [r for r in results if isinstance(r, payments.PaymentOutcome)]
    assert len(errors) == 1 and len(recorded) == 1, results
    assert isinstance(errors[0], PaymentRefusedError), repr(errors[0])
    winner = recorded[0].payment.contract.contract_no
    assert str(errors[0]) == P1_DIFFERENT.replace("K-1", winner).replace("300,000", "400,000")
    assert list(Payment.objects.values_list("contract__contract_no", "reference", "amount_yen")) == [
        (winner, "P-1", 400_000)
    ]


# --- defect 6: no future -------------------------------------------------------------------------------------------

TODAY = datetime(2026, 12, 3, 10, 0, tzinfo=TOKYO)


@pytest.fixture
def fy2026(org):
    with time_machine.travel(TODAY, tick=False):
        commitment = make_commitment(
            org, limit_yen=3_000_000, authorized_fy=2026, first_burden_fy=2026, last_burden_fy=2028
        )
        contract = make_contract(
            org,
            commitment,
            "R8-1",
            3_000_000,
            signed_on=date(2026, 6, 1),
            start_on=date(2026, 7, 1),
            end_on=date(2028, 9, 30),
        )
    return commitment, contract


@pytest.mark.django_db
def test_a_payment_dated_after_today_is_refused_and_completes_nothing(org, fy2026):
    commitment, contract = fy2026
    with time_machine.travel(TODAY, tick=False):
        _record(org, contract, date(2026, 12, 3), 1_000_000, "R8-0001")  # today is fine
        with pytest.raises(PaymentRefusedError) as future:
            _record(org, contract, date(2028, 9, 30), 2_000_000, "R10-0001")
        assert (future.value.field, str(future.value)) == (
            "paid_on",
            "支出日 2028年9月30日 は今日（2026年12月3日）より後です。支出実績は支出した日以後に登録してください。",
        )
        with pytest.raises(PaymentRefusedError, match="支出日 2026年12月4日 は今日（2026年12月3日）より後です"):
            _record(org, contract, date(2026, 12, 4), 2_000_000, "R8-0002")
        with pytest.raises(RowErrors) as csv_row:
            _import(org, HEAD + "2026-11-30,R8-1,500000,R8-0003\n2028-09-30,R8-1,1500000,R10-0001\n")
        assert csv_row.value.rows == [
            (3, "支出日 2028年9月30日 は今日（2026年12月3日）より後です。支出実績は支出した日以後に登録してください。")
        ]
    assert list(Payment.objects.values_list("paid_on", "amount_yen")) == [(date(2026, 12, 3), 1_000_000)]
    assert Commitment.objects.get(pk=commitment.pk).status == Status.ACTIVE


@pytest.mark.django_db
def test_today_is_the_date_in_tokyo(org, fy2026):
    _commitment, contract = fy2026
    # 15:30 UTC on 3 December is 00:30 on 4 December in Tokyo: the 4th is today, the 5th is not.
    with time_machine.travel(datetime(2026, 12, 3, 15, 30, tzinfo=ZoneInfo("UTC")), tick=False):
        assert _record(org, contract, date(2026, 12, 4), 100_000, "R8-0004").created
        with pytest.raises(ServiceError, match="支出日 2026年12月5日 は今日（2026年12月4日）より後です"):
            _record(org, contract, date(2026, 12, 5), 100_000, "R8-0005")
