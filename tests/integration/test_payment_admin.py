"""Payments in the admin: errors beside the field, a payment entered twice recorded once, read-only payments
corrected by 「戻入・取消」, the upload's 新規/登録済 counts, and reversals on the commitment's page."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from commitments.models import Payment
from commitments.services import payments
from commitments.services.payment_reversals import payment_reverse
from tests.support.factories import make_commitment, make_contract

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
ADD = "/admin/commitments/payment/add/"
UPLOAD = "/admin/commitments/payment/upload/"
NEGATIVE = (
    "支出額に負の金額は入力できません。登録済の支出の訂正・取消は、その支出実績を開いて「戻入・取消」で行ってください。"
)


@pytest.fixture
def contract(org):
    return make_contract(org, make_commitment(org), "K-1", 1_000_000)  # FY2017–FY2020, signed 2017-06-01


def _post(contract, **changes: str) -> dict[str, str]:
    data = {"contract": str(contract.pk), "paid_on": "2017-09-29", "fiscal_year": "", "amount_yen": "300,000"}
    return data | {"reference": "P-1"} | changes


def _errors(response) -> dict[str, list[str]]:
    form = response.context["adminform"].form if "adminform" in response.context else response.context["form"]
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_a_negative_amount_is_refused_beside_the_field_pointing_to_the_reversal(client, org, contract):
    client.force_login(org.officer2)
    for typed in ("-10,000", "△10,000", "－１００００"):
        response = client.post(ADD, _post(contract, amount_yen=typed))
        assert response.status_code == 200
        assert _errors(response) == {"amount_yen": [NEGATIVE]}
    assert not Payment.objects.exists()


def test_a_payment_dated_after_today_is_refused_beside_the_date(client, org, contract):
    client.force_login(org.officer2)
    with time_machine.travel(TODAY, tick=False):
        response = client.post(ADD, _post(contract, paid_on="2028-09-30"))
    assert response.status_code == 200
    assert _errors(response) == {
        "paid_on": [
            "支出日 2028年9月30日 は今日（2026年12月3日）より後です。支出実績は支出した日以後に登録してください。"
        ]
    }
    assert not Payment.objects.exists()


def test_a_payment_entered_twice_is_recorded_once(client, org, contract):
    client.force_login(org.officer2)
    first = client.post(ADD, _post(contract), follow=True)
    payment = Payment.objects.get()
    assert first.redirect_chain[-1][1] == 302
    again = client.post(ADD, _post(contract, reference=" P-1 "), follow=True)
    assert again.redirect_chain == [(f"/admin/commitments/payment/{payment.pk}/change/", 302)]
    assert _messages(again) == [
        "支出命令番号「P-1」（平成29年度）の支出は登録済です（2017年9月29日、契約 K-1、300,000円）。"
        "二重には登録していません。"
    ]
    assert Payment.objects.count() == 1

    other = client.post(ADD, _post(contract, amount_yen="300,001"))
    assert other.status_code == 200
    assert _errors(other) == {
        "reference": [
            "支出命令番号「P-1」（平成29年度）は登録済の支出（2017年9月29日、契約 K-1、300,000円）のものです。"
            "内容が異なるため登録できません。登録済の支出が誤りなら、その支出の「戻入・取消」で取り消してください。"
        ]
    }
    assert list(Payment.objects.values_list("amount_yen", flat=True)) == [300_000]


def test_a_unique_violation_at_save_is_a_message_not_a_500(client, org, contract, monkeypatch):
    """The check ran before another transaction committed the number: the database refuses, the officer reads why."""
    k2 = make_contract(org, make_commitment(org, matter="別の事項"), "K-2", 1_000_000)
    payments.payment_record(
        actor=org.officer, contract=k2, paid_on=date(2017, 9, 29), amount_yen=50_000, reference="P-1"
    )
    original = payments._recorded
    calls: list[Any] = []

    def not_yet_committed(*args: Any) -> Payment | None:
        calls.append(args)
        return None if len(calls) <= 2 else original(*args)  # the form's check and the service's check miss it

    monkeypatch.setattr(payments, "_recorded", not_yet_committed)
    client.force_login(org.officer2)
    response = client.post(ADD, _post(contract), follow=True)
    assert response.status_code == 200
    assert _messages(response) == [
        "支出命令番号「P-1」（平成29年度）は登録済の支出（2017年9月29日、契約 K-2、50,000円）のものです。"
        "内容が異なるため登録できません。登録済の支出が誤りなら、その支出の「戻入・取消」で取り消してください。"
    ]
    assert len(calls) == 3
    assert list(Payment.objects.values_list("contract__contract_no", "amount_yen")) == [("K-2", 50_000)]


@pytest.fixture
def payment(org, contract):
    return payments.payment_record(
        actor=org.officer2, contract=contract, paid_on=date(2017, 9, 29), amount_yen=600_000, reference="P-1"
    )


def test_a_payment_is_read_only_and_offers_its_reversal(client, org, payment):
    client.force_login(org.officer2)
    url = f"/admin/commitments/payment/{payment.pk}/"
    page = client.get(url + "change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{url}reverse/"' in html
    assert 'id="payment-reverse-form"' in html
    assert 'name="amount_yen" value="600,000"' in html  # the rest not yet reversed
    assert "取り消していない額：600,000円" in _text(page)
    assert client.post(url + "change/", _post(payment.contract, amount_yen="1")).status_code == 403
    assert client.post(url + "delete/", {"post": "yes"}).status_code == 403
    version = payment.history.get().history_id
    assert client.get(f"{url}history/").status_code == 200
    assert client.get(f"{url}history/{version}/").status_code == 200
    assert Payment.objects.get().amount_yen == 600_000

    client.force_login(org.approver)  # reads payments in the admin, may not enter them
    reader = client.get(url + "change/")
    assert reader.status_code == 200 and "payment-reverse-form" not in reader.content.decode()
    assert client.get(url + "reverse/").status_code == 403
    assert client.post(url + "reverse/", {"amount_yen": "1", "reason": "承認者"}).status_code == 403
    assert Payment.objects.count() == 1


def test_a_reversal_through_the_admin(client, org, payment):
    client.force_login(org.officer2)
    reverse_url = f"/admin/commitments/payment/{payment.pk}/reverse/"
    with time_machine.travel(TODAY, tick=False):
        over = client.post(reverse_url, {"amount_yen": "600,001", "reason": "過払", "reversed_on": ""})
        assert over.status_code == 200
        assert _errors(over) == {
            "amount_yen": [
                "戻入・取消の額 600,001円 が、この支出のうち取り消していない額 600,000円 を超えます"
                "（支出額 600,000円、戻入・取消済 0円）。"
            ]
        }
        future = client.post(reverse_url, {"amount_yen": "1", "reason": "過払", "reversed_on": "2026-12-04"})
        assert _errors(future) == {"reversed_on": ["戻入・取消の日 2026年12月4日 は今日（2026年12月3日）より後です。"]}
        done = client.post(
            reverse_url, {"amount_yen": "１００，０００", "reason": "過払の返納", "reference": "戻入第1号"}, follow=True
        )
    assert done.redirect_chain == [(f"/admin/commitments/payment/{payment.pk}/change/", 302)]
    assert _messages(done) == ["戻入・取消を登録しました（△100,000円、2026-12-03）。"]
    reversal = Payment.objects.get(reverses=payment)
    assert (reversal.amount_yen, reversal.paid_on, reversal.fiscal_year, reversal.reason, reversal.reference) == (
        -100_000,
        date(2026, 12, 3),
        2017,
        "過払の返納",
        "戻入第1号",
    )
    text = _text(done)
    assert "2026年12月3日 平成29年度 △100,000 過払の返納 戻入第1号" in text
    assert "取り消していない額：500,000円" in text

    listing = client.get("/admin/commitments/payment/")
    row = next(r for r in re.findall(r"<tr.*?</tr>", listing.content.decode(), re.S) if "△100,000" in r)
    assert f'href="/admin/commitments/payment/{payment.pk}/change/"' in row
    assert "取消対象" in listing.content.decode()

    contract_page = _text(client.get(f"/admin/commitments/contract/{payment.contract_id}/change/"))
    assert "△100,000 戻入第1号 2017年9月29日 P-1 600,000円 過払の返納" in contract_page

    reversal_page = client.get(f"/admin/commitments/payment/{reversal.pk}/change/")
    assert "過払の返納" in _text(reversal_page)
    assert "payment-reverse-form" not in reversal_page.content.decode()
    assert (
        client.post(
            f"/admin/commitments/payment/{reversal.pk}/reverse/", {"amount_yen": "1", "reason": "取消の取消"}
        ).status_code
        == 200
    )
    assert Payment.objects.count() == 2


def test_the_upload_page_counts_new_and_already_recorded_rows(client, org, contract):
    client.force_login(org.officer2)
    data = "支出日,契約番号,支出額,支出命令番号\n2017-09-29,K-1,300000,P-1\n2017-10-31,K-1,200000,P-2\n".encode("cp932")

    def upload(content: bytes) -> Any:
        return client.post(UPLOAD, {"file": SimpleUploadedFile("pay.csv", content)}, follow=True)

    assert _messages(upload(data)) == ["支出実績の CSV を取り込みました：新規 2 件、登録済 0 件。"]
    assert _messages(upload(data)) == ["支出実績の CSV を取り込みました：新規 0 件、登録済 2 件。"]
    more = data + "2017-11-30,K-1,100000,P-3\n".encode("cp932")
    assert _messages(upload(more)) == ["支出実績の CSV を取り込みました：新規 1 件、登録済 2 件。"]
    bad = more + "2017-12-28,K-1,100000,\n".encode("cp932")
    refused = upload(bad)
    assert _messages(refused) == ["取込みを中止しました（1 行に誤りがあります）。何も登録されていません。"]
    assert "<td>5</td><td>支出命令番号がありません。" in refused.content.decode()
    assert sorted(Payment.objects.values_list("amount_yen", flat=True)) == [100_000, 200_000, 300_000]


def test_the_commitment_page_shows_reversals_under_their_payment(client, org, payment):
    later = payments.payment_record(
        actor=org.officer2, contract=payment.contract, paid_on=date(2017, 10, 31), amount_yen=100_000, reference="P-2"
    )
    with time_machine.travel(TODAY, tick=False):
        payment_reverse(actor=org.officer2, payment=payment, amount_yen=250_000, reason="検収不合格分の返納")
    client.force_login(org.auditor)
    text = _text(client.get(f"/commitments/{payment.contract.commitment_id}/"))
    rows = [
        "平成29年9月29日 平成29年度 600,000 P-1",
        "令和8年12月3日 平成29年度 △250,000 平成29年9月29日 P-1 の戻入・取消：検収不合格分の返納",
        "平成29年10月31日 平成29年度 100,000 P-2",
    ]
    positions = [text.find(row) for row in rows]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), (positions, text)
    assert "支出済 450,000円" in text  # 600,000 − 250,000 + 100,000
    assert later.amount_yen == 100_000
