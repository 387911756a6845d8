"""The contract admin and the commitment page: 変更理由 required, refusals beside their field, 契約解除, the entries."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import time_machine

from commitments.models import Contract, ContractChange
from commitments.services import contracts
from tests.support.contract_books import AFTER, DEADLINE_REFUSAL, IN_YEAR, R8, assert_books_hold
from tests.support.factories import make_commitment, make_contract

A = "/admin/commitments/contract"


def _text(response: Any) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _form_errors(response: Any) -> dict[str, list[str]]:
    form = response.context["adminform"].form if response.context.get("adminform") else response.context["form"]
    return {name: list(messages) for name, messages in form.errors.items()}


def _post(contract: Contract | None, commitment: Any = None, **changes: str) -> dict[str, str]:
    """The contract form as the browser sends it (a new one, or `contract` as saved)."""
    data = {
        "contract_no": contract.contract_no if contract else "R8-委託-9",
        "counterparty": contract.counterparty if contract else "株式会社登録",
        "signed_on": contract.signed_on.isoformat() if contract else "2026-06-01",
        "start_on": contract.start_on.isoformat() if contract else "2026-07-01",
        "end_on": contract.end_on.isoformat() if contract else "2027-06-30",
        "amount_yen": str(contract.amount_yen) if contract else "2,400,000",
        "payment_terms": contract.payment_terms if contract else "quarterly",
        "note": "",
        "expected_version": str(contract.version) if contract else "",
        "installments-TOTAL_FORMS": "0",
        "installments-INITIAL_FORMS": "0",
        "payments-TOTAL_FORMS": "0",
        "payments-INITIAL_FORMS": "0",
    }
    if commitment is not None:
        data["commitment"] = str(commitment.pk)
    return data | changes


@pytest.fixture
def booked(org):
    """A 7,500,000 commitment of FY2026 with a 7,000,000 quarterly contract."""
    with time_machine.travel(IN_YEAR, tick=False):
        commitment = make_commitment(org, limit_yen=7_500_000, **R8)
        contract = make_contract(
            org,
            commitment,
            "R8-委託-1",
            7_000_000,
            signed_on=date(2026, 6, 1),
            start_on=date(2026, 7, 1),
            end_on=date(2027, 6, 30),
            payment_terms="quarterly",
        )
    return commitment, contract


def test_the_change_form_asks_for_the_reason_and_records_the_change(client, org, booked):
    commitment, contract = booked
    with time_machine.travel(IN_YEAR, tick=False):
        client.force_login(org.officer2)
        page = client.get(f"{A}/{contract.pk}/change/")
        assert "変更理由" in _text(page) and "契約を解除" in _text(page)
        missing = client.post(f"{A}/{contract.pk}/change/", _post(contract, amount_yen="6,000,000"))
        assert missing.status_code == 200
        assert "change_reason" in _form_errors(missing)
        assert Contract.objects.get(pk=contract.pk).amount_yen == 7_000_000

        saved = client.post(
            f"{A}/{contract.pk}/change/", _post(contract, amount_yen="6,000,000", change_reason="仕様の縮小")
        )
        assert saved.status_code == 302
    entry = ContractChange.objects.get(contract=contract)
    assert (entry.kind, entry.reason, entry.amount_delta_yen, entry.actor) == (
        "change",
        "仕様の縮小",
        -1_000_000,
        org.officer2,
    )
    with time_machine.travel(IN_YEAR, tick=False):
        page = _text(client.get(f"{A}/{contract.pk}/change/"))
    assert "2026年11月16日 変更契約 仕様の縮小 7,000,000 → 6,000,000 officer2" in page
    assert_books_hold(commitment)


def test_an_increase_after_the_deadline_is_refused_beside_the_amount(client, org, booked):
    commitment, contract = booked
    with time_machine.travel(AFTER, tick=False):
        client.force_login(org.officer2)
        response = client.post(
            f"{A}/{contract.pk}/change/", _post(contract, amount_yen="7,500,000", change_reason="追加業務")
        )
    assert response.status_code == 200
    assert _form_errors(response) == {"amount_yen": [DEADLINE_REFUSAL]}
    assert Contract.objects.get(pk=contract.pk).amount_yen == 7_000_000
    assert_books_hold(commitment)


def test_a_contract_signed_after_today_is_refused_beside_the_date(client, org, booked):
    commitment, _contract = booked
    with time_machine.travel(IN_YEAR, tick=False):
        client.force_login(org.officer2)
        response = client.post(
            f"{A}/add/", _post(None, commitment, signed_on="2026-11-17", start_on="2026-12-01", amount_yen="500,000")
        )
    assert response.status_code == 200
    assert _form_errors(response) == {
        "signed_on": ["契約締結日 2026年11月17日 は今日（2026年11月16日）より後です。締結前の契約は登録できません。"]
    }
    assert Contract.objects.count() == 1


def test_the_same_add_form_sent_twice_registers_once(client, org, booked):
    commitment, _contract = booked
    client.force_login(org.officer2)
    data = _post(None, commitment, amount_yen="500,000", start_on="2026-12-01", end_on="2027-03-31")
    with time_machine.travel(IN_YEAR, tick=False):
        first = client.post(f"{A}/add/", data)
        assert first.status_code == 302
        second = client.post(f"{A}/add/", data, follow=True)
    registered = Contract.objects.get(contract_no="R8-委託-9")
    assert second.redirect_chain[-1][0] == f"{A}/{registered.pk}/change/"
    assert "契約番号 R8-委託-9 は同じ内容で登録済です。新たには登録していません。" in _text(second)
    assert Contract.objects.filter(commitment=commitment).count() == 2
    # Other content under the number: refused beside it, naming the recorded contract.
    with time_machine.travel(IN_YEAR, tick=False):
        other = client.post(f"{A}/add/", data | {"amount_yen": "400,000"})
    assert other.status_code == 200
    assert _form_errors(other)["contract_no"] == [
        "契約番号 R8-委託-9 は登録済です（庁舎清掃業務委託、株式会社登録、契約金額 500,000円、締結日 2026年6月1日）。"
        "内容が異なるため登録できません（相違：契約金額（円））。変更は変更契約で行ってください。"
    ]
    assert_books_hold(commitment)


def test_cancelling_from_the_contract_page(client, org, booked):
    commitment, contract = booked
    client.force_login(org.officer2)
    url = f"{A}/{contract.pk}/cancel/"
    with time_machine.travel(IN_YEAR, tick=False):
        assert "解除理由" in _text(client.get(url))
        future = client.post(url, {"reason": "事業の中止", "cancelled_on": "2026-11-17"})
        assert future.status_code == 200
        assert _form_errors(future) == {"cancelled_on": ["解除日 2026年11月17日 は今日（2026年11月16日）より後です。"]}
        done = client.post(url, {"reason": "事業の中止", "cancelled_on": "2026-11-10"}, follow=True)
    assert "契約 R8-委託-1 を解除しました。" in _text(done)
    cancelled = Contract.objects.get(pk=contract.pk)
    assert (cancelled.status, cancelled.cancelled_on, cancelled.amount_yen) == ("cancelled", date(2026, 11, 10), 0)
    # Closed now: no cancel link, no change form, the entry listed.
    page = _text(client.get(f"{A}/{contract.pk}/change/"))
    assert "契約を解除" not in page and "変更理由" not in page
    assert "2026年11月10日 契約解除 事業の中止 7,000,000 → 0 officer2" in page
    assert client.post(f"{A}/{contract.pk}/change/", _post(cancelled, change_reason="復活")).status_code == 403
    assert client.get(url).status_code == 403
    assert_books_hold(commitment)


def test_cancelling_selected_contracts_from_the_list(client, org, booked):
    commitment, contract = booked
    client.force_login(org.officer2)
    action = {"action": "cancel_selected", "_selected_action": [str(contract.pk)]}
    with time_machine.travel(IN_YEAR, tick=False):
        asked = client.post(f"{A}/", action)
        assert asked.status_code == 200 and "解除理由" in _text(asked)
        client.post(f"{A}/", action | {"confirm": "1", "reason": "入札のやり直し", "cancelled_on": ""})
    entry = ContractChange.objects.get(contract=contract)
    assert (entry.kind, entry.reason, entry.changed_on) == ("cancel", "入札のやり直し", date(2026, 11, 16))
    assert_books_hold(commitment)


def test_the_commitment_page_lists_each_change_and_the_cancellation(client, org, booked):
    commitment, contract = booked
    with time_machine.travel(IN_YEAR, tick=False):
        contracts.contract_update(
            actor=org.officer2, contract=contract, expected_version=1, reason="仕様の縮小", amount_yen=6_000_000
        )
        contracts.contract_cancel(actor=org.officer, contract=contract, reason="受託者の事業停止")
    client.force_login(org.auditor)
    page = _text(client.get(f"/commitments/{commitment.pk}/"))
    assert "R8-委託-1 株式会社テスト 解除（令和8年11月16日）" in page
    assert "令和8年11月16日 変更契約 仕様の縮小 7,000,000 → 6,000,000 officer2" in page
    assert "令和8年11月16日 契約解除 受託者の事業停止 6,000,000 → 0 officer" in page
    assert "R8-委託-1 契約解除（令和8年11月16日）：受託者の事業停止。契約金額 6,000,000円 → 0円。" in page  # the trail
    client.force_login(org.officer2)
    admin_page = _text(client.get(f"/admin/commitments/commitment/{commitment.pk}/change/"))
    assert "解除（2026年11月16日）" in admin_page
