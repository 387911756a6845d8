"""The officer's year in the admin: edit conflicts, 年割額, contracts with warnings, payments by CSV, amendments."""

from __future__ import annotations

import re

import pytest

from commitments.models import Amendment, Commitment, Contract, Payment, PlannedAmount, Status
from tests.support.factories import make_commitment


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _draft_post(commitment: Commitment, **changes: str) -> dict[str, str]:
    data = {
        "organization": str(commitment.organization_id),
        "segment": str(commitment.segment_id),
        "kind": "service",
        "seq": "",
        "matter": commitment.matter,
        "limit_amount": "10,000",
        "limit_unit": "千円",
        "limit_text": "",
        "authorized_fy": "平成29年度",
        "first_burden_fy": "H29",
        "last_burden_fy": "平成32年度",
        "spread_rule": commitment.spread_rule,
        "expected_version": str(commitment.version),
        "planned_amounts-TOTAL_FORMS": "0",
        "planned_amounts-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


@pytest.fixture
def draft(org):
    return make_commitment(org, approve=False)


def test_second_editor_of_a_draft_gets_a_conflict_and_overwrites_nothing(client, org, draft):
    url = f"/admin/commitments/commitment/{draft.pk}/change/"
    opened_by_both = _draft_post(draft)  # both officers opened version 1

    client.force_login(org.officer2)
    first = client.post(url, opened_by_both | {"matter": "庁舎清掃業務委託（第1案）"})
    assert first.status_code == 302

    client.force_login(org.officer)
    second = client.post(url, opened_by_both | {"matter": "庁舎清掃業務委託（第2案）"})
    assert second.status_code == 200
    assert "他の利用者が先に更新しました（あなたが開いた版 1、現在の版 2）" in _text(second)
    assert "庁舎清掃業務委託（第2案）" in second.content.decode()  # the input stays on screen
    assert Commitment.objects.get(pk=draft.pk).matter == "庁舎清掃業務委託（第1案）"


def test_fill_buttons_spread_the_limit_equally_or_monthly(client, org, draft):
    url = f"/admin/commitments/commitment/{draft.pk}/change/"
    client.force_login(org.officer2)
    response = client.post(url, _draft_post(draft, _fill_equal="1"), follow=True)
    assert "年割額を「均等」で計算しました。" in _messages(response)
    rows = dict(PlannedAmount.objects.filter(commitment=draft).values_list("fiscal_year", "amount_yen"))
    assert rows == {2017: 2_500_000, 2018: 2_500_000, 2019: 2_500_000, 2020: 2_500_000}

    # A 48-month lease starting 平成29年10月: FY2017 has 6 months, FY2018–2020 have 12, FY2021 would have 6 —
    # outside the span, so the officer is told beside the field (commitments.rules) instead of getting a wrong split.
    current = Commitment.objects.get(pk=draft.pk)
    response = client.post(
        url,
        _draft_post(current, spread_rule="monthly", spread_start_month="平成29年10月", spread_months="48"),
        follow=True,
    )
    assert response.context["adminform"].form.errors == {
        "spread_months": ["月割の期間が負担年度の範囲を超えています。"]
    }
    assert Commitment.objects.get(pk=draft.pk).spread_rule == "equal"

    # 42 months from 2017-10 fit: 6 + 12 + 12 + 12 = 42 months; 10,000,000 × 12/42 = 2,857,142 → 2,857,000.
    current = Commitment.objects.get(pk=draft.pk)
    response = client.post(
        url,
        _draft_post(
            current, spread_rule="monthly", spread_start_month="2017-10", spread_months="42", _fill_monthly="1"
        ),
        follow=True,
    )
    rows = dict(PlannedAmount.objects.filter(commitment=draft).values_list("fiscal_year", "amount_yen"))
    assert rows == {2017: 1_429_000, 2018: 2_857_000, 2019: 2_857_000, 2020: 2_857_000}


def test_explicit_planned_amounts_typed_inline_and_checked_at_submit(client, org, draft):
    url = f"/admin/commitments/commitment/{draft.pk}/change/"
    client.force_login(org.officer2)
    data = _draft_post(draft, spread_rule="explicit")
    assert client.post(url, data).status_code == 302
    current = Commitment.objects.get(pk=draft.pk)
    existing = list(PlannedAmount.objects.filter(commitment=draft).order_by("fiscal_year"))
    data = _draft_post(current, spread_rule="explicit")
    data.update(
        {"planned_amounts-TOTAL_FORMS": str(len(existing)), "planned_amounts-INITIAL_FORMS": str(len(existing))}
    )
    amounts = ["４，０００，０００", "3,000,000", "2,000,000", "1,000,000"]
    for i, (row, amount) in enumerate(zip(existing, amounts, strict=True)):
        data.update(
            {
                f"planned_amounts-{i}-id": str(row.pk),
                f"planned_amounts-{i}-commitment": str(draft.pk),
                f"planned_amounts-{i}-fiscal_year": f"H{row.fiscal_year - 1988}",
                f"planned_amounts-{i}-amount_yen": amount,
            }
        )
    assert client.post(url, data).status_code == 302
    rows = dict(PlannedAmount.objects.filter(commitment=draft).values_list("fiscal_year", "amount_yen"))
    assert rows == {2017: 4_000_000, 2018: 3_000_000, 2019: 2_000_000, 2020: 1_000_000}

    # Break the sum: the submit action refuses and names the difference.
    row = PlannedAmount.objects.get(commitment=draft, fiscal_year=2020)
    data["planned_amounts-3-amount_yen"] = "900,000"
    data["expected_version"] = str(Commitment.objects.get(pk=draft.pk).version)
    assert client.post(url, data).status_code == 302
    assert PlannedAmount.objects.get(pk=row.pk).amount_yen == 900_000
    response = client.post(
        "/admin/commitments/commitment/", {"action": "submit_selected", "_selected_action": [draft.pk]}, follow=True
    )
    assert any(
        "年割額の合計（9,900,000円）が限度額（10,000,000円）と一致しません。差額 △100,000円。" in m
        for m in _messages(response)
    )
    assert Commitment.objects.get(pk=draft.pk).status == Status.DRAFT


def _contract_post(commitment: Commitment, **changes: str) -> dict[str, str]:
    data = {
        "commitment": str(commitment.pk),
        "contract_no": "R8-001",
        "counterparty": "株式会社清掃",
        "signed_on": "2017-04-03",
        "start_on": "2017-04-01",
        "end_on": "2021-03-31",
        "amount_yen": "9,000,000",
        "payment_terms": "annual",
        "note": "",
        "expected_version": "",
        "installments-TOTAL_FORMS": "0",
        "installments-INITIAL_FORMS": "0",
        "payments-TOTAL_FORMS": "0",
        "payments-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_contract_in_admin_warns_at_90_percent_and_refuses_above_the_limit(client, org):
    commitment = make_commitment(org)
    client.force_login(org.officer2)
    response = client.post("/admin/commitments/contract/add/", _contract_post(commitment), follow=True)
    assert "契約額の合計が限度額の 90% に達しました（限度額 10,000,000円、契約済 9,000,000円、残額 1,000,000円）。" in (
        _messages(response)
    )
    contract = Contract.objects.get(contract_no="R8-001")
    assert list(contract.installments.values_list("fiscal_year", "amount_yen")) == [
        (2017, 2_250_000),
        (2018, 2_250_000),
        (2019, 2_250_000),
        (2020, 2_250_000),
    ]
    assert Commitment.objects.get(pk=commitment.pk).status == Status.ACTIVE

    response = client.post(
        "/admin/commitments/contract/add/", _contract_post(commitment, contract_no="R8-002", amount_yen="1,000,001")
    )
    assert response.status_code == 200
    assert (
        "限度額を超えるため登録できません。限度額 10,000,000円、契約済 9,000,000円、今回 1,000,001円、超過額 1円。"
        in _text(response)
    )
    assert not Contract.objects.filter(contract_no="R8-002").exists()


def test_contract_signed_outside_the_authorising_year_is_refused_in_the_form(client, org):
    commitment = make_commitment(org)
    client.force_login(org.officer2)
    response = client.post("/admin/commitments/contract/add/", _contract_post(commitment, signed_on="2018-04-02"))
    assert response.status_code == 200
    assert "契約締結日 2018年4月2日（平成30年度）は行為年度（平成29年度）の外です。" in _text(response)
    assert not Contract.objects.exists()


def test_payment_csv_upload_is_all_or_nothing_with_line_numbers(client, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    commitment = make_commitment(org)
    client.force_login(org.officer2)
    client.post("/admin/commitments/contract/add/", _contract_post(commitment))
    bad = "支出日,契約番号,支出額,支出命令番号\n2018/3/30,R8-001,2250000,A-1\n2018/3/31,R8-999,100,A-2\n"
    response = client.post(
        "/admin/commitments/payment/upload/",
        {"file": SimpleUploadedFile("pay.csv", bad.encode("cp932"), content_type="text/csv")},
    )
    text = _text(response)
    assert "取込みを中止しました（1 行に誤りがあります）。何も登録されていません。" in text
    assert "3 契約番号「R8-999」が見つかりません。" in text
    assert not Payment.objects.exists()

    good = (
        "支出日,契約番号,支出額,支出命令番号\n"
        '２０１８/３/３０,R8-001,"２，２５０，０００",A-1\n'
        "2018-05-15,R8-001,100000,A-2\n"
    )
    response = client.post(
        "/admin/commitments/payment/upload/",
        {"file": SimpleUploadedFile("pay.csv", good.encode("utf-8-sig"), content_type="text/csv")},
        follow=True,
    )
    assert "支出実績の CSV を取り込みました：新規 2 件、登録済 0 件。" in _messages(response)
    assert sorted(Payment.objects.values_list("fiscal_year", "amount_yen")) == [(2017, 2_250_000), (2018, 100_000)]


def test_amendment_through_the_admin_changes_the_commitment_on_approval(client, org):
    commitment = make_commitment(org)
    client.force_login(org.officer2)
    response = client.post(
        "/admin/commitments/amendment/add/",
        {
            "commitment": str(commitment.pk),
            "reason": "清掃範囲の拡大",
            "new_matter": "",
            "new_limit_amount": "12,000",
            "limit_unit": "千円",
            "new_limit_text": "",
            "new_estimated_limit_yen": "",
            "new_first_burden_fy": "",
            "new_last_burden_fy": "令和3年度",
            "new_contract_until_fy": "",
            "planned_lines": "",
            "expected_version": "",
        },
    )
    assert response.status_code == 302, _text(response)[:2000]
    amendment = Amendment.objects.get(commitment=commitment)
    client.post("/admin/commitments/amendment/", {"action": "submit_selected", "_selected_action": [amendment.pk]})

    client.force_login(org.approver)
    response = client.post(
        "/admin/commitments/amendment/",
        {
            "action": "approve_selected",
            "_selected_action": [amendment.pk],
            "confirm": "1",
            "resolution": "令和2年第4回定例会 議案第7号",
        },
        follow=True,
    )
    assert "1 件を承認しました。" in _messages(response)
    changed = Commitment.objects.get(pk=commitment.pk)
    assert (changed.limit_yen, changed.last_burden_fy) == (12_000_000, 2021)
    # 12,000,000 over FY2017–2021 equally: 2,400,000 each.
    rows = dict(PlannedAmount.objects.filter(commitment=commitment).values_list("fiscal_year", "amount_yen"))
    assert rows == {2017: 2_400_000, 2018: 2_400_000, 2019: 2_400_000, 2020: 2_400_000, 2021: 2_400_000}
    # The approved commitment itself stays read-only: a direct POST to its change page is refused.
    client.force_login(org.officer2)
    assert client.post(f"/admin/commitments/commitment/{commitment.pk}/change/", {}).status_code == 403
