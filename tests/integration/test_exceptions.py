"""The exceptions page: near the limit, lapsing authority, contracts ending soon, text-only limits, stale projections.

Seen on 2026-02-10 (FY2025): authority of FY2025 lapses on 2026-03-31, 49 days later.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.utils import translation
from openpyxl import load_workbook

from commitments import selectors
from commitments.models import Commitment
from commitments.services import payments
from commitments.services.projection import projection_refresh_all
from tests.support.factories import make_commitment, make_contract, make_org

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 2, 10, 10, 0, tzinfo=TOKYO)
TODAY = NOW.date()
TEXT_LIMIT = "寄附金額に応じた諸経費にかかる金額"


def _text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def portfolio(org):
    o = org
    span = {"first_burden_fy": 2025, "last_burden_fy": 2027}
    near90 = make_commitment(o, matter="窓口業務委託", seq=1, limit_yen=10_000_000, authorized_fy=2025, **span)
    make_contract(
        o, near90, "K-90", 9_000_000, signed_on=datetime.date(2025, 6, 1), start_on=datetime.date(2025, 7, 1),
        end_on=datetime.date(2026, 3, 31),
    )  # fmt: skip
    near89 = make_commitment(o, matter="施設警備業務", seq=2, limit_yen=10_000_000, authorized_fy=2025, **span)
    k89 = make_contract(
        o, near89, "K-89", 8_900_000, signed_on=datetime.date(2025, 6, 1), start_on=datetime.date(2025, 7, 1),
        end_on=datetime.date(2027, 3, 31),
    )  # fmt: skip
    make_commitment(o, matter="未契約の測量業務", seq=3, limit_yen=3_000_000, authorized_fy=2025, **span)
    make_commitment(
        o, matter="ふるさと納税返礼品等業務", seq=4, limit_yen=None, limit_text="寄附金額に応じた諸経費にかかる金額",
        authorized_fy=2025, first_burden_fy=2025, last_burden_fy=2030,
    )  # fmt: skip
    full = make_commitment(
        o, matter="複合機賃貸借", seq=1, limit_yen=5_000_000, authorized_fy=2024, first_burden_fy=2024,
        last_burden_fy=2026,
    )  # fmt: skip
    make_contract(
        o, full, "K-100", 5_000_000, signed_on=datetime.date(2024, 6, 1), start_on=datetime.date(2024, 7, 1),
        end_on=datetime.date(2027, 3, 31),
    )  # fmt: skip
    make_commitment(
        o,
        matter="来年度の業務",
        seq=1,
        limit_yen=2_000_000,
        authorized_fy=2026,
        first_burden_fy=2026,
        last_burden_fy=2027,
    )
    make_commitment(o, approve=False, matter="起案中の業務", seq=9, authorized_fy=2025, **span)
    other = make_org("別の市", prefix="x_")
    elsewhere = make_commitment(other, matter="別の市の業務", authorized_fy=2025, **span)
    make_contract(
        other, elsewhere, "X-1", 1_000_000, signed_on=datetime.date(2025, 6, 1), end_on=datetime.date(2026, 3, 1)
    )
    projection_refresh_all(as_of=TODAY)
    # a payment after the last projection run: 施設警備業務 waits for its projection
    payments.payment_record(actor=o.officer2, contract=k89, paid_on=datetime.date(2026, 1, 30), amount_yen=1_000_000)
    return o


def _rows(report, key):
    return [row.cells for row in report.section(key).rows]


def test_sections_by_hand(portfolio, django_assert_num_queries):
    with django_assert_num_queries(8):
        report = selectors.exceptions_report(organization=portfolio.organization, today=TODAY, days=60)
    assert [(s.key, s.count) for s in report.sections] == [
        ("near_limit", 1),
        ("lapsing", 4),
        ("contracts_ending", 1),
        ("text_limits", 1),
        ("stale", 1),
        ("over_planned", 3),
    ]
    from decimal import Decimal

    # 複合機賃貸借 is fully contracted too, but its contracting window (令和6年度) is over: not an exception
    assert _rows(report, "near_limit") == [
        [1, "窓口業務委託", "令和7年度", "契約済", 10_000_000, 9_000_000, Decimal("90.0"), 1_000_000, "令和7年度"],
    ]
    lapses = datetime.date(2026, 3, 31)
    assert _rows(report, "lapsing") == [
        [1, "窓口業務委託", "令和7年度", "契約済", 10_000_000, 9_000_000, 1_000_000, lapses, 49],
        [2, "施設警備業務", "令和7年度", "契約済", 10_000_000, 8_900_000, 1_100_000, lapses, 49],
        [3, "未契約の測量業務", "令和7年度", "承認済", 3_000_000, 0, 3_000_000, lapses, 49],
        [4, "ふるさと納税返礼品等業務", "令和7年度", "承認済", TEXT_LIMIT, 0, None, lapses, 49],
    ]  # fmt: skip
    assert _rows(report, "contracts_ending") == [["K-90", "株式会社テスト", "窓口業務委託", lapses, 49, 9_000_000]]
    assert _rows(report, "text_limits") == [
        [4, "ふるさと納税返礼品等業務", "令和7年度", "承認済", "寄附金額に応じた諸経費にかかる金額", None,
         "令和7年度から令和12年度まで"],
    ]  # fmt: skip
    assert [r.matter for r in report.section("stale").rows] == ["施設警備業務"]
    # Each contract is paid in one sum at its end; 年割額 are the limits spread equally (rounded down to 1,000 yen,
    # the remainder in the first year): 10,000,000 over 令和7-9年度 = 3,334,000 + 3,333,000 + 3,333,000;
    # 5,000,000 over 令和6-8年度 = 1,668,000 + 1,666,000 + 1,666,000. Years from 令和7年度 (today's) on.
    hint = "年割額の補正が必要です（%s円の超過）"
    assert _rows(report, "over_planned") == [
        [1, "複合機賃貸借", "令和6年度", "契約済", "令和8年度", 1_666_000, 5_000_000, 3_334_000, hint % "3,334,000"],
        [1, "窓口業務委託", "令和7年度", "契約済", "令和7年度", 3_334_000, 9_000_000, 5_666_000, hint % "5,666,000"],
        [2, "施設警備業務", "令和7年度", "契約済", "令和8年度", 3_333_000, 8_900_000, 5_567_000, hint % "5,567,000"],
    ]  # fmt: skip


def test_a_shorter_window_and_another_threshold(portfolio, settings):
    report = selectors.exceptions_report(organization=portfolio.organization, today=TODAY, days=30)
    assert report.section("lapsing").count == 0
    assert report.section("contracts_ending").count == 0
    assert "あと49日" in report.section("lapsing").note
    settings.COMMITMENT_WARN_PERCENT = 89
    report = selectors.exceptions_report(organization=portfolio.organization, today=TODAY)
    assert [r.matter for r in report.section("near_limit").rows] == ["窓口業務委託", "施設警備業務"]
    assert report.section("near_limit").title == "契約額が限度額の89%以上"


def test_page_counts_links_and_days(client, portfolio):
    with time_machine.travel(NOW, tick=False):
        client.force_login(portfolio.auditor)
        response = client.get("/reports/exceptions/")
        assert response.status_code == 200
        html = response.content.decode()
        text = _text(response)
        assert "契約額が限度額の90%以上 ： 1 件" in text
        assert "60日以内に失効する未契約の権限 ： 4 件" in text
        assert "60日以内に契約期間が終わる契約 ： 1 件" in text
        assert "限度額が文言のもの ： 1 件" in text
        assert "推計が未更新のもの ： 1 件" in text
        assert "支払予定額が年割額を超える年度 ： 3 件" in text
        hint = "年割額の補正が必要です（5,666,000円の超過）"
        assert f"窓口業務委託 令和7年度 契約済 令和7年度 3,334 9,000 5,666 {hint}" in text
        assert "窓口業務委託 令和7年度 契約済 10,000 9,000 90.0 1,000 令和7年度" in text
        assert "K-90 株式会社テスト 窓口業務委託 令和8年3月31日 49 9,000" in text
        assert re.search(r'<a href="/commitments/\d+/">施設警備業務</a>', html)
        assert "別の市の業務" not in text and "起案中の業務" not in text and "来年度の業務" not in text
        assert 'href="/reports/exceptions/export.xlsx?"' in html
        text = _text(client.get("/reports/exceptions/", {"days": "30", "unit": "円"}))
        assert "30日以内に失効する未契約の権限 ： 0 件" in text
        assert "窓口業務委託 令和7年度 契約済 10,000,000 9,000,000 90.0 1,000,000" in text
        response = client.get("/reports/exceptions/", {"days": "abc"})
        assert response.status_code == 200 and "日数は0〜3660の整数" in response.content.decode()
        assert client.get("/reports/exceptions/export.csv", {"days": "-1"}).status_code == 400


def test_the_last_update_reads_as_the_pages_state_a_moment(client, portfolio):
    """最終更新 of a commitment awaiting its projection: one style of date on the page, in the CSV and in the XLSX."""
    updated = datetime.datetime(2026, 2, 10, 9, 5, tzinfo=TOKYO)
    Commitment.objects.filter(organization=portfolio.organization, matter="施設警備業務").update(updated_at=updated)
    client.force_login(portfolio.auditor)
    with time_machine.travel(NOW, tick=False):
        page = _text(client.get("/reports/exceptions/"))
        flat = client.get("/reports/exceptions/export.csv").getvalue().decode("utf-8-sig")
        workbook = load_workbook(io.BytesIO(client.get("/reports/exceptions/export.xlsx").getvalue()))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        english = _text(client.get("/reports/exceptions/"))
        translation.deactivate()
    assert "施設警備業務 令和7年度 契約済 令和8年2月10日 09:05" in page
    assert "契約期間の終了日が2026年2月10日から2026年4月11日までの契約" in page  # the note of the section above
    header, *lines = list(csv.reader(io.StringIO(flat)))
    [stale] = [line for line in lines if line[0] == "推計が未更新のもの"]
    assert stale[header.index("事項")] == "施設警備業務"
    assert stale[header.index("最終更新")] == "令和8年2月10日 09:05"
    sheet = workbook["推計が未更新のもの"]
    assert [c.value for c in sheet[7]] == [2, "施設警備業務", "令和7年度", "契約済", "令和8年2月10日 09:05"]
    assert "10 February 2026 09:05" in english and "2026-02-10" not in page + flat + english


def test_access(client, portfolio):
    assert client.get("/reports/exceptions/").status_code == 302
    client.force_login(portfolio.auditor)
    for url in ["/reports/exceptions/", "/reports/exceptions/export.csv", "/reports/exceptions/export.xlsx"]:
        assert client.post(url).status_code == 403
    client.force_login(portfolio.manager)
    assert client.get("/reports/exceptions/").status_code == 200
    from commitments.models import User

    nobody = User.objects.create_user("no-role", password="x", organization=portfolio.organization)
    client.force_login(nobody)
    assert client.get("/reports/exceptions/").status_code == 403
    assert client.get("/reports/chousho/").status_code == 403
