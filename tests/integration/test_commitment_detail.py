"""Auditors read one commitment's whole record: parts, approval trail, and every change with before/after."""

from __future__ import annotations

import datetime
import re

import pytest

from commitments.services import amendments, approval, contracts, payments
from tests.support.factories import make_org


def _text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def amended(org):
    o = org
    c = approval.commitment_create(
        actor=o.officer,
        organization=o.organization,
        segment=o.segment,
        matter="庁舎設備保守業務委託",
        limit_yen=10_000_000,
        limit_text="",
        authorized_fy=2026,
        first_burden_fy=2026,
        last_burden_fy=2028,
    )
    approval.commitment_submit(actor=o.officer, commitment=c)
    approval.commitment_approve(actor=o.approver, commitment=c, resolution="令和8年第1回定例会 議案第10号")
    k = contracts.contract_register(
        actor=o.officer,
        commitment=c,
        contract_no="K-2026-001",
        counterparty="株式会社保守サービス",
        signed_on=datetime.date(2026, 5, 1),
        start_on=datetime.date(2026, 6, 1),
        end_on=datetime.date(2028, 5, 31),
        amount_yen=9_600_000,
        payment_terms="quarterly",
    ).contract
    payments.payment_record(
        actor=o.officer, contract=k, paid_on=datetime.date(2026, 9, 30), amount_yen=1_200_000, reference="支-0931"
    )
    a = amendments.amendment_create(actor=o.officer2, commitment=c, reason="点検項目の追加", new_limit_yen=12_000_000)
    amendments.amendment_submit(actor=o.officer2, amendment=a)
    amendments.amendment_approve(actor=o.approver, amendment=a, resolution="令和8年第3回定例会 議案第5号")
    return c


def test_auditor_reads_history_trail_and_parts(client, org, amended):
    client.force_login(org.auditor)
    text = _text(client.get(f"/commitments/{amended.pk}/"))
    # The amendment's effect, before → after.
    assert "限度額（円）：10,000,000円 → 12,000,000円" in text
    # The approval trail in Japanese, with the resolution.
    assert "approver 承認 承認待ち → 承認済 令和8年第1回定例会 議案第10号" in text
    assert "契約登録 承認済 → 契約済 K-2026-001 株式会社保守サービス 9,600,000円" in text
    # History: who changed the 年割額 and from what to what (10,000,000 → 12,000,000 spread equally).
    assert "approver 年割額：令和8年度 変更 年割額（円） 3,334,000円 4,000,000円" in text
    assert (
        "approver 債務負担行為：庁舎設備保守業務委託 変更（補正第1号） 限度額（円） 10,000,000円 12,000,000円" in text
    )
    # The generated schedule is one history entry, not eight.
    assert (
        "支払予定：K-2026-001 株式会社保守サービス 作成 件数 8件 合計 9,600,000円 年度 令和8年度から令和10年度まで"
        in text
    )
    # The schedule and the payment.
    assert "令和9年2月28日 令和8年度 1,200,000" in text
    assert "令和8年9月30日 令和8年度 1,200,000 支-0931" in text


def test_other_organization_gets_404(client, amended):
    other = make_org("別の町", prefix="b_")
    client.force_login(other.auditor)
    assert client.get(f"/commitments/{amended.pk}/").status_code == 404


def test_anonymous_redirected_to_login(client, amended):
    response = client.get(f"/commitments/{amended.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
