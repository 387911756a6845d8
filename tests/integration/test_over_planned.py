"""Installments above the 年割額, flagged wherever the commitment is read: its page, the exceptions list (page, CSV,
a past day's books) and the report e-mail, each with the amount over and the 補正 it calls for.

The case the office met: 24,000,000 yen authorised in 令和8年度 for 令和8–10年度, spread equally (8,000,000 a year);
a contract of 8,764,696 yen paid monthly April–November 2027 (8 × 1,095,587), so 令和9年度 is due 8,764,696 against
a 年割額 of 8,000,000: 764,696 over.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group

from commitments import selectors
from commitments.models import Commitment, PlannedAmount, ReportKind, ReportSubscription
from commitments.reporting.period import period_parse
from commitments.services import reports as report_services
from commitments.services.projection import projection_refresh_all
from tests.support.factories import make_commitment, make_contract

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2027, 1, 15, 10, 0, tzinfo=TOKYO)  # 令和8年度
TODAY = NOW.date()
MATTER = "基幹系システム運用保守業務"
HINT = "年割額の補正が必要です（764,696円の超過）"


@pytest.fixture
def over(org):
    with time_machine.travel(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=TOKYO), tick=False):
        commitment = make_commitment(
            org, matter=MATTER, seq=5, limit_yen=24_000_000, authorized_fy=2026, first_burden_fy=2026,
            last_burden_fy=2028,
        )  # fmt: skip
        within = make_commitment(
            org, matter="庁舎設備保守", seq=6, limit_yen=9_000_000, authorized_fy=2026, first_burden_fy=2026,
            last_burden_fy=2028,
        )  # fmt: skip
    with time_machine.travel(datetime.datetime(2026, 7, 1, 10, 0, tzinfo=TOKYO), tick=False):
        make_contract(
            org, commitment, "K-2026-07", 8_764_696, signed_on=datetime.date(2026, 7, 1),
            start_on=datetime.date(2027, 4, 1), end_on=datetime.date(2027, 11, 30), payment_terms="monthly",
        )  # fmt: skip
        # Within the 年割額 elsewhere: 3,000,000 due in 令和8年度 against its 3,000,000 is no exception.
        make_contract(
            org, within, "K-2026-08", 3_000_000, signed_on=datetime.date(2026, 7, 1),
            start_on=datetime.date(2026, 8, 1), end_on=datetime.date(2027, 3, 31),
        )  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        projection_refresh_all(as_of=TODAY)
    org.commitment = commitment
    return org


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_planned_amounts_are_8_000_000_a_year(over):
    planned = dict(PlannedAmount.objects.filter(commitment=over.commitment).values_list("fiscal_year", "amount_yen"))
    assert planned == {2026: 8_000_000, 2027: 8_000_000, 2028: 8_000_000}


def test_exceptions_section_today_and_in_the_books_of_other_days(over):
    report = selectors.exceptions_report(organization=over.organization, today=TODAY)
    section = report.section("over_planned")
    assert section.title == "支払予定額が年割額を超える年度"
    assert "年割額の補正が必要です" in section.note
    expected = [5, MATTER, "令和8年度", "契約済", "令和9年度", 8_000_000, 8_764_696, 764_696, HINT]
    assert [r.cells for r in section.rows] == [expected]
    # The same from the dated records: after the signing day, and nothing before it.
    later = selectors.exceptions_report(organization=over.organization, today=TODAY, as_of=datetime.date(2026, 7, 2))
    assert [r.cells for r in later.section("over_planned").rows] == [expected]
    before = selectors.exceptions_report(organization=over.organization, today=TODAY, as_of=datetime.date(2026, 6, 30))
    assert before.section("over_planned").rows == []
    # In 令和10年度 the year 令和9年度 is past: no 補正 of it can be made any more.
    after = selectors.exceptions_report(organization=over.organization, today=TODAY, as_of=datetime.date(2028, 4, 1))
    assert after.section("over_planned").rows == []


def test_commitment_page_flags_the_year(client, over):
    with time_machine.travel(NOW, tick=False):
        client.force_login(over.auditor)
        html = client.get(f"/commitments/{over.commitment.pk}/").content.decode()
    text = _text(html)
    assert 'id="over-planned"' in html
    assert "支払予定額が年割額を超える年度があります。年割額の補正が必要です。" in text
    assert "令和9年度：支払予定額 8,764,696円が年割額 8,000,000円を 764,696円 超えています" in text
    assert text.count("超えています") == 1  # 令和8年度 and 令和10年度 are within their 年割額


def test_commitment_within_its_planned_amounts_has_no_flag(client, over):
    within = Commitment.objects.get(organization=over.organization, matter="庁舎設備保守")
    with time_machine.travel(NOW, tick=False):
        client.force_login(over.auditor)
        html = client.get(f"/commitments/{within.pk}/").content.decode()
    assert 'id="over-planned"' not in html and "年割額の補正" not in html


def test_exceptions_page_and_csv(client, over):
    with time_machine.travel(NOW, tick=False):
        client.force_login(over.auditor)
        text = _text(client.get("/reports/exceptions/", {"unit": "円"}).content.decode())
        response = client.get("/reports/exceptions/export.csv", {"unit": "円"})
    assert "支払予定額が年割額を超える年度 ： 1 件" in text
    assert f"5 {MATTER} 令和8年度 契約済 令和9年度 8,000,000 8,764,696 764,696 {HINT}" in text
    data = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    [row] = [r for r in rows if r["区分"] == "支払予定額が年割額を超える年度"]
    amounts = (row["年割額（円）"], row["支払予定額（円）"], row["超過額（円）"])
    assert (row["事項"], row["年度"], *amounts, row["対応"]) == (
        MATTER,
        "令和9年度",
        "8000000",
        "8764696",
        "764696",
        HINT,
    )


def test_report_email_lists_the_year_and_the_hint(over):
    subscription = ReportSubscription(
        name="月次報告", organization=over.organization, first_business_day_only=False, kind=ReportKind.EXCEPTIONS
    )
    report_services.subscription_save(subscription=subscription, actor=over.officer)
    subscription.recipient_groups.set([Group.objects.get(name="management")])
    with time_machine.travel(NOW, tick=False):
        built = report_services.report_build(
            subscription=subscription, period=period_parse("monthly", "2027-01"), today=TODAY
        )
    assert "◆ 支払予定額が年割額を超える年度: 1 件" in built.text
    assert f"  - {MATTER}\n" in built.text
    assert "年度 令和9年度 ／ 年割額 8,000千円" in built.text
    assert f"対応 {HINT}" in built.text
    assert HINT in built.html
