"""Payments (支出実績): never past the contract, 出納整理期間, CSV all-or-nothing, completion.

The idempotent feed, reversals and the admin: test_payment_feed.py, test_payment_reversals.py, test_payment_admin.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from commitments.models import Commitment, CommitmentEvent, Payment, Status
from commitments.services import payments
from commitments.services.errors import PermissionDeniedError, RowErrors, ServiceError
from tests.support.factories import make_amendment, make_commitment, make_contract


def _pay(o, contract, paid_on, amount_yen, **extra):
    return payments.payment_record(actor=o.officer2, contract=contract, paid_on=paid_on, amount_yen=amount_yen, **extra)


def _saved():
    return list(
        Payment.objects.order_by("id").values_list(
            "contract__contract_no", "paid_on", "fiscal_year", "amount_yen", "reference"
        )
    )


@pytest.mark.django_db
def test_payment_never_exceeds_the_contract(org):
    commitment = make_commitment(org)
    contract = make_contract(org, commitment, "K-1", 1_000_000)

    first = _pay(org, contract, date(2017, 9, 29), 600_000, reference=" 支出第1号 ")
    assert (first.fiscal_year, first.amount_yen, first.reference, first.recorded_by) == (
        2017,
        600_000,
        "支出第1号",
        org.officer2,
    )
    with pytest.raises(ServiceError) as over:
        _pay(org, contract, date(2017, 10, 31), 500_000)
    assert str(over.value) == (
        "契約 K-1 の支出額が契約金額を超えます。"
        "契約金額 1,000,000円、支出済 600,000円、今回 500,000円、超過額 100,000円。"
    )
    _pay(org, contract, date(2017, 10, 31), 400_000)  # exactly fills the contract
    with pytest.raises(ServiceError, match="支出済 1,000,000円、今回 1円、超過額 1円"):
        _pay(org, contract, date(2017, 11, 30), 1)
    with pytest.raises(ServiceError, match="支出額は正の金額でなければなりません"):
        _pay(org, contract, date(2017, 11, 30), 0)
    with pytest.raises(ServiceError, match="訂正・取消は、その支出実績を開いて「戻入・取消」で行ってください"):
        _pay(org, contract, date(2017, 11, 30), -10_000)
    with pytest.raises(PermissionDeniedError):
        payments.payment_record(actor=org.auditor, contract=contract, paid_on=date(2017, 11, 30), amount_yen=1)
    assert sorted(Payment.objects.values_list("amount_yen", flat=True)) == [400_000, 600_000]


@pytest.mark.django_db
def test_closing_period_allows_the_previous_year_in_april_and_may_only(org):
    commitment = make_commitment(org)  # span FY2017–FY2020
    contract = make_contract(org, commitment, "K-1", 5_000_000, end_on=date(2020, 3, 31))

    assert _pay(org, contract, date(2018, 5, 10), 100_000, fiscal_year=2017).fiscal_year == 2017
    assert _pay(org, contract, date(2018, 5, 10), 100_000).fiscal_year == 2018  # default: its own year
    assert _pay(org, contract, date(2018, 4, 2), 100_000, fiscal_year=2017).fiscal_year == 2017

    with pytest.raises(ServiceError) as june:
        _pay(org, contract, date(2018, 6, 1), 100_000, fiscal_year=2017)
    assert str(june.value) == (
        "支出日 2018年6月1日 の会計年度は 平成30年度 のいずれかです（前年度は出納整理期間の4・5月のみ）。"
    )
    with pytest.raises(ServiceError, match="支出日 2018年4月2日 の会計年度は 平成30年度、平成29年度 のいずれか"):
        _pay(org, contract, date(2018, 4, 2), 100_000, fiscal_year=2016)
    with pytest.raises(ServiceError) as next_year:
        _pay(org, contract, date(2018, 3, 31), 100_000, fiscal_year=2018)
    assert "会計年度は 平成29年度 のいずれか" in str(next_year.value)

    # Inside the closing period but before the burden span; and after the span.
    with pytest.raises(ServiceError) as before_span:
        _pay(org, contract, date(2017, 5, 10), 100_000, fiscal_year=2016)
    assert str(before_span.value) == "会計年度 平成28年度 は負担年度（平成29年度から令和2年度まで）の外です。"
    with pytest.raises(ServiceError, match="会計年度 令和3年度 は負担年度（平成29年度から令和2年度まで）の外です"):
        _pay(org, contract, date(2021, 4, 15), 100_000)

    assert list(Payment.objects.order_by("id").values_list("paid_on", "fiscal_year")) == [
        (date(2018, 5, 10), 2017),
        (date(2018, 5, 10), 2018),
        (date(2018, 4, 2), 2017),
    ]


@pytest.fixture
def two_contracts(org):
    commitment = make_commitment(org)
    k1 = make_contract(org, commitment, "K-1", 1_000_000)
    k2 = make_contract(org, commitment, "K-2", 2_000_000, end_on=date(2019, 3, 31))
    return commitment, k1, k2


def _import(o, text):
    return payments.payments_import_csv(actor=o.officer2, organization=o.organization, text=text)


@pytest.mark.django_db
def test_csv_unknown_contract_saves_nothing(org, two_contracts):
    text = (
        "支出日,契約番号,支出額,支出命令番号\n"
        "2017-09-29,K-1,300000,P-1\n"
        "2017-10-31,K-9,100000,P-2\n"
        "2017-11-30,K-2,500000,P-3\n"
    )
    with pytest.raises(RowErrors) as refused:
        _import(org, text)
    assert refused.value.rows == [(3, "契約番号「K-9」が見つかりません。")]
    assert str(refused.value) == "取込みを中止しました（1 行に誤りがあります）。何も登録されていません。"
    assert Payment.objects.count() == 0


@pytest.mark.django_db
def test_csv_over_the_contract_counts_earlier_rows_and_saves_nothing(org, two_contracts):
    commitment, _k1, _k2 = two_contracts
    text = (
        "支出日,契約番号,支出額,支出命令番号\n"
        "2017-09-29,K-1,600000,P-1\n"
        "2017-10-31,K-2,2000000,P-2\n"
        "2017-11-30,K-1,500000,P-3\n"
    )
    with pytest.raises(RowErrors) as refused:
        _import(org, text)
    assert refused.value.rows == [
        (
            4,
            "契約 K-1 の支出額が契約金額を超えます。"
            "契約金額 1,000,000円、支出済 600,000円、今回 500,000円、超過額 100,000円。",
        )
    ]
    assert Payment.objects.count() == 0
    assert Commitment.objects.get(pk=commitment.pk).status == Status.ACTIVE


@pytest.mark.django_db
def test_csv_lists_every_bad_row(org, two_contracts):
    text = (
        "支出日,契約番号,支出額,支出命令番号\n"
        "2017-02-30,K-1,100000,P-1\n"
        "2017-09-29,K-1,100000,P-2\n"
        "\n"
        "2017-10-31,K-2,abc,P-3\n"
        "2017-11-30,K-2,0,P-4\n"
        "2017-12-01,K-2,100000,\n"
        "2017-12-01,K-2,-10000,P-6\n"
    )
    with pytest.raises(RowErrors) as refused:
        _import(org, text)
    assert refused.value.rows == [
        (2, "日付「2017-02-30」は存在しません。"),
        (5, "金額を読み取れません: 'abc'"),
        (6, "支出額は正の金額でなければなりません。"),
        (7, "支出命令番号がありません。支出命令番号は各行に必要です（同じ支出を二重に登録しないための番号です）。"),
        (
            8,
            "支出額に負の金額は入力できません。"
            "登録済の支出の訂正・取消は、その支出実績を開いて「戻入・取消」で行ってください。",
        ),
    ]
    assert str(refused.value) == "取込みを中止しました（5 行に誤りがあります）。何も登録されていません。"
    assert Payment.objects.count() == 0


@pytest.mark.django_db
def test_csv_good_file_saves_every_row(org, two_contracts):
    text = (
        "支出日,契約番号,支出額,支出命令番号\n"
        "2017-09-29,K-1,300000,P-1\n"
        "2017-10-31,K-2,1500000,P-2\n"
        "2018-05-10,K-1,700000,P-3\n"
    )
    result = _import(org, text)
    assert (result.created, result.already, result.errors) == (3, 0, [])
    assert [(row.line, row.label) for row in result.rows] == [(2, "新規"), (3, "新規"), (4, "新規")]
    assert [p.amount_yen for p in result.payments] == [300_000, 1_500_000, 700_000]
    assert _saved() == [
        ("K-1", date(2017, 9, 29), 2017, 300_000, "P-1"),
        ("K-2", date(2017, 10, 31), 2017, 1_500_000, "P-2"),
        ("K-1", date(2018, 5, 10), 2018, 700_000, "P-3"),
    ]


@pytest.mark.django_db
def test_csv_missing_columns_and_empty_files_are_refused(org, two_contracts):
    with pytest.raises(ServiceError, match="CSV の見出しに 支出額 がありません"):
        _import(org, "支出日,契約番号\n2017-09-29,K-1\n")
    with pytest.raises(ServiceError, match="CSV が空です"):
        _import(org, "")
    with pytest.raises(ServiceError, match="取り込む行がありません"):
        _import(org, "支出日,契約番号,支出額\n\n")


# A FY2025 commitment so that "2026/4/30" falls in the 出納整理期間 of FY2025.
_WIDE_CSV = (
    "支出日,契約番号,支出額,支出命令番号,会計年度\n"
    "2026/4/30,Ｋ－２５０１,１，２３４，５６７,支出第１号,令和7年度\n"
    "２０２６／５／１,K-2501,１２３４５６,支出第２号,\n"
)


@pytest.fixture
def fy2025_contract(org):
    commitment = make_commitment(org, authorized_fy=2025, first_burden_fy=2025, last_burden_fy=2027)
    return make_contract(
        org,
        commitment,
        "K-2501",
        3_000_000,
        signed_on=date(2025, 6, 1),
        start_on=date(2025, 7, 1),
        end_on=date(2026, 6, 30),
    )


@pytest.mark.django_db
def test_csv_japanese_headers_fullwidth_digits_and_slash_dates(org, fy2025_contract):
    assert _import(org, _WIDE_CSV).created == 2
    assert _saved() == [
        ("K-2501", date(2026, 4, 30), 2025, 1_234_567, "支出第１号"),
        ("K-2501", date(2026, 5, 1), 2026, 123_456, "支出第２号"),
    ]


@pytest.mark.django_db
def test_csv_cp932_and_bom_uploads_decode(org, fy2025_contract):
    data = _WIDE_CSV.encode("cp932")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # so the Shift_JIS branch is really taken
    assert payments.decode_upload(data) == _WIDE_CSV
    assert payments.decode_upload(("\ufeff" + _WIDE_CSV).encode("utf-8")) == _WIDE_CSV

    _import(org, payments.decode_upload(data))
    assert [row[2:4] for row in _saved()] == [(2025, 1_234_567), (2026, 123_456)]


@pytest.mark.django_db
def test_commitment_completes_when_all_contracted_is_paid_and_no_authority_left(org):
    commitment = make_commitment(org, limit_yen=3_000_000)
    contract = make_contract(org, commitment, "K-1", 3_000_000)  # contracts total == limit
    _pay(org, contract, date(2017, 12, 28), 1_000_000)
    assert Commitment.objects.get(pk=commitment.pk).status == Status.ACTIVE

    _pay(org, contract, date(2018, 3, 30), 2_000_000)
    done = Commitment.objects.get(pk=commitment.pk)
    assert done.status == Status.COMPLETED
    event = CommitmentEvent.objects.filter(commitment=commitment).order_by("id").last()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "complete",
        "active",
        "completed",
        org.officer2,
    )


@pytest.mark.django_db
def test_commitment_stays_active_while_authority_can_still_be_contracted(org):
    commitment = make_commitment(org, limit_yen=3_000_000)
    first = make_contract(org, commitment, "K-1", 2_000_000)
    # Contract deadline extended far ahead: 1,000,000 of authority can still be contracted today.
    make_amendment(org, commitment, new_contract_until_fy=2099)
    _pay(org, first, date(2018, 3, 30), 2_000_000)
    assert Commitment.objects.get(pk=commitment.pk).status == Status.ACTIVE

    second = make_contract(org, commitment, "K-2", 1_000_000)
    _pay(org, second, date(2018, 3, 30), 999_999)
    assert Commitment.objects.get(pk=commitment.pk).status == Status.ACTIVE
    _pay(org, second, date(2018, 3, 30), 1)
    assert Commitment.objects.get(pk=commitment.pk).status == Status.COMPLETED


@pytest.mark.django_db
def test_commitment_completes_once_its_contract_deadline_has_passed(org):
    # FY2017 authority ended on 2018-03-31: the uncontracted 9,000,000 lapsed, so paying the one contract completes.
    commitment = make_commitment(org, limit_yen=10_000_000)
    contract = make_contract(org, commitment, "K-1", 1_000_000)
    _pay(org, contract, date(2018, 3, 30), 1_000_000)
    assert Commitment.objects.get(pk=commitment.pk).status == Status.COMPLETED
