"""Building report e-mails: recipients, the same numbers as the pages, change since the last report, every kind."""

from __future__ import annotations

import datetime
import io
from email import message_from_bytes, policy

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from commitments import selectors
from commitments.models import ReportDelivery, ReportKind, ReportSubscription
from commitments.reporting.period import period_of, period_parse
from commitments.services import projection
from commitments.services import reports as report_services
from tests.support.factories import make_commitment, make_org, make_user

pytestmark = pytest.mark.django_db
APRIL = period_parse("monthly", "2026-04")
MAY = period_parse("monthly", "2026-05")

NOTE = "※単位未満四捨五入のため、合計と内訳が一致しない場合があります。"


def subscribe(o, **fields) -> ReportSubscription:
    subscription = ReportSubscription(
        name=fields.pop("name", "月次報告"), organization=o.organization, first_business_day_only=False, **fields
    )
    report_services.subscription_save(subscription=subscription, actor=o.officer)
    subscription.recipient_groups.set([Group.objects.get(name="management")])
    return subscription


@pytest.fixture
def books(org):
    """Two approved commitments in two segments, projected (10,000,000 yen over FY2017–2020; 3,000,000 in FY2018)."""
    first = make_commitment(org)
    second = make_commitment(
        org, segment=org.other_segment, matter="浄水場運転管理業務委託", limit_yen=3_000_000, first_burden_fy=2018,
        last_burden_fy=2018,
    )  # fmt: skip
    for commitment in (first, second):
        projection.projection_refresh(commitment_id=commitment.pk)
    return org


def test_recipients_are_group_members_of_the_organization_chosen_users_and_free_addresses(books):
    o = books
    other = make_org("ほか市", prefix="other-")
    inactive = make_user("retired", o.organization, "management", email="retired@example.jp")
    inactive.is_active = False
    inactive.save()
    subscription = subscribe(o, extra_addresses="cfo@example.jp\nMANAGER@example.jp, board@example.jp")
    subscription.recipient_users.set([o.auditor])
    assert other.manager.email not in report_services.subscription_recipients(subscription)
    assert report_services.subscription_recipients(subscription) == [
        "auditor@example.jp",
        "board@example.jp",
        "cfo@example.jp",
        "manager@example.jp",
    ]


def test_the_email_shows_the_numbers_of_the_summary_page_with_chart_and_attachments(books, client):
    subscription = subscribe(books, attach_csv=True)
    built = report_services.report_build(subscription=subscription, period=APRIL, today=datetime.date(2026, 4, 1))
    table = selectors.exposure_table(organization_ids=[books.organization.pk], basis="planned", by="segment")

    assert built.subject == "【債務負担行為】令和8年4月 月次報告（テスト市）"
    assert built.recipients == ["manager@example.jp"]
    # 10,000,000 over four years (2,500 千円 each) plus 3,000 千円 in FY2018 (水道事業).
    assert table.totals == {2017: 2_500_000, 2018: 5_500_000, 2019: 2_500_000, 2020: 2_500_000}
    assert "■ 平成30年度  合計 5,500\n" in built.text
    assert "  - 水道事業: 3,000\n" in built.text
    assert "総合計: 13,000 千円" in built.text
    assert "比較できる前回の報告・集計がない" in built.text
    assert "http://testserver/exposure/summary/?basis=planned" in built.text

    # The summary page (same basis) shows the same figures.
    client.force_login(books.auditor)
    page = client.get("/exposure/summary/", {"basis": "planned"}).content.decode()
    assert "5,500" in page and "13,000" in page

    raw = built.email().message().as_bytes()
    message = message_from_bytes(raw, policy=policy.default)
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    html = related.get_body(("html",)).get_content()
    [image] = [p for p in related.iter_parts() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<exposure-chart>"
    assert 'src="cid:exposure-chart"' in html
    assert image.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "水道事業" in html and "5,500" in html
    names = [a.get_filename() for a in message.iter_attachments()]
    assert names == ["exposure_summary_2026-04.xlsx", "exposure_summary_2026-04.csv"]
    xlsx, csv = list(message.iter_attachments())
    # The summary page's table, in the e-mail's unit (千円) like its body.
    rows = list(load_workbook(io.BytesIO(xlsx.get_content())).active.iter_rows(values_only=True))
    assert rows[1][0] == "（単位：千円）"
    assert rows[-3] == ("合計", 2_500, 5_500, 2_500, 2_500, 13_000)
    assert rows[-1][0] == NOTE  # under the table, after a blank line
    assert csv.get_content().startswith("\ufeff事業区分,平成29年度（千円）,")
    assert csv.get_content().splitlines()[-2:] == ["合計,2500,5500,2500,2500,13000", NOTE]
    # The body says it too, under its table (HTML) and under its 総合計 (text).
    assert NOTE in html
    assert f"総合計: 13,000 千円\n{NOTE}" in built.text


def test_change_since_the_last_successful_report(books):
    o = books
    subscription = subscribe(o)
    april, _ = report_services.delivery_claim(subscription=subscription, period=APRIL, trigger="command")
    outcome = report_services.delivery_send(delivery_id=april.pk)
    assert outcome.sent and len(mail.outbox) == 1
    april.refresh_from_db()
    assert april.totals["years"] == {"2017": 2_500_000, "2018": 5_500_000, "2019": 2_500_000, "2020": 2_500_000}

    added = make_commitment(
        o, matter="庁舎警備業務委託", limit_yen=2_000_000, first_burden_fy=2019, last_burden_fy=2020
    )
    projection.projection_refresh(commitment_id=added.pk)
    may, _ = report_services.delivery_claim(subscription=subscription, period=MAY, trigger="command")
    report_services.delivery_send(delivery_id=may.pk)
    text = mail.outbox[1].body
    assert "前回の報告（2026-04、" in text
    assert "■ 令和元年度  合計 3,500（+1,000）" in text
    assert "  - 一般会計: 3,500（+1,000）" in text
    assert "■ 平成30年度  合計 5,500（±0）" in text
    assert "総合計: 15,000 千円（+2,000）" in text


def test_first_report_compares_with_the_nightly_snapshot_before_the_period(books):
    projection.projection_refresh_all(as_of=datetime.date(2026, 3, 31))
    added = make_commitment(
        books, matter="庁舎警備業務委託", limit_yen=2_000_000, first_burden_fy=2019, last_burden_fy=2020
    )
    projection.projection_refresh(commitment_id=added.pk)
    subscription = subscribe(books)
    built = report_services.report_build(subscription=subscription, period=APRIL)
    assert "2026-03-31 時点の夜間集計" in built.text
    assert "総合計: 15,000 千円（+2,000）" in built.text


def test_chousho_exceptions_and_matrix_kinds_use_their_selectors(books):
    o = books
    today = datetime.date(2026, 4, 1)
    chousho = subscribe(o, name="調書", kind=ReportKind.CHOUSHO, budget_year=2018, attach_csv=True)
    built = report_services.report_build(subscription=chousho, period=APRIL, today=today)
    report = selectors.chousho_report(organization=o.organization, budget_year=2018)
    assert built.subject == "【債務負担行為】令和8年4月 月次報告・調書（平成30年度）（テスト市）"
    assert f"当該年度以降の支出予定額: {report.totals['planned_yen'] // 1000:,}" in built.text
    assert [a.filename for a in built.attachments] == ["chousho_2018_2026-04.xlsx", "chousho_2018_2026-04.csv"]
    sheet = load_workbook(io.BytesIO(built.attachments[0].content)).active
    assert any(row[0] == "合計" for row in sheet.iter_rows(values_only=True))
    assert "/reports/chousho/?fy=2018" in built.text

    make_commitment(
        o, matter="ふるさと納税返礼品等業務", limit_yen=None, limit_text="寄附金額に応じた諸経費にかかる金額",
        estimated_limit_yen=6_000_000, authorized_fy=2026, first_burden_fy=2026, last_burden_fy=2027,
    )  # fmt: skip
    exceptions = subscribe(o, name="要確認", kind=ReportKind.EXCEPTIONS)
    built = report_services.report_build(subscription=exceptions, period=APRIL, today=today)
    expected = selectors.exceptions_report(organization=o.organization, today=today)
    assert expected.section("text_limits").count == 1
    assert f"要確認事項: {expected.total} 件" in built.text
    assert "◆ 限度額が文言のもの: 1 件" in built.text
    assert (
        "  - ふるさと納税返礼品等業務\n      行為年度 令和8年度 ／ 状態 承認済 ／ 限度額（文言） 寄附金額に応じた"
        in built.text
    )
    assert "見込額 6,000千円" in built.text and "<b>ふるさと納税返礼品等業務</b>" in built.html
    assert built.subject.endswith("月次報告・要確認事項（テスト市）")
    assert len(load_workbook(io.BytesIO(built.attachments[0].content)).sheetnames) == len(expected.sections)

    matrix = subscribe(o, name="全件", kind=ReportKind.EXPOSURE_MATRIX)
    built = report_services.report_build(subscription=matrix, period=APRIL, today=today)
    rows = list(load_workbook(io.BytesIO(built.attachments[0].content)).active.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r[0] == "番号"))
    # The exposure page's download: 番号, 事項, 事業区分, 限度額, the years, 合計, and a 合計 row (千円).
    assert rows[header][:4] == ("番号", "事項", "事業区分", "限度額") and rows[header][-1] == "合計"
    # Every approved commitment, as on the page: the limit in words (not yet projected) shows its estimate.
    assert {r[1:4] for r in rows[header + 1 : -3]} == {
        ("庁舎清掃業務委託", "一般会計", 10_000),
        ("浄水場運転管理業務委託", "水道事業", 3_000),
        ("ふるさと納税返礼品等業務（※文言：寄附金額に応じた諸経費にかかる金額）", "一般会計", 6_000),
    }
    assert rows[-3][1] == "合計" and rows[-3][3] == 13_000 and rows[-3][-1] == 13_000
    assert rows[-1][0] == NOTE
    assert "全 3 件の事項別・年度別の表を添付" in built.text


def test_english_report(books):
    subscription = subscribe(books, language="en")
    built = report_services.report_build(subscription=subscription, period=APRIL)
    assert built.subject == "[Commitments] April 2026 report: exposure by fiscal year and segment (テスト市)"
    assert "== FY2018  total 5,500" in built.text
    assert '<th style="border:1px solid #999">FY2018</th>' in built.html
    # The basis and the chart's unit are the pages' words, in English from the catalogue.
    assert "Amounts: Planned annual amounts (budget), in thousands of yen." in built.text
    assert "Axis: thousand yen" in built.html and "千円" not in built.html
    rounding = "Each figure is rounded to the unit shown, so totals may differ from the sum of their parts."
    assert f"* {rounding}" in built.text and f"※{rounding}" in built.html


def test_no_recipients_is_logged_as_skipped(books):
    subscription = subscribe(books)
    subscription.recipient_groups.clear()
    outcome = report_services.subscription_send_sync(subscription=subscription, period=APRIL)
    assert not outcome.sent
    assert outcome.delivery.status == ReportDelivery.Status.SKIPPED
    assert "宛先がありません" in outcome.delivery.error
    assert mail.outbox == []


def test_periods_and_first_business_day_gate(books):
    subscription = subscribe(books, name="営業日")
    subscription.first_business_day_only = True
    report_services.subscription_save(subscription=subscription, actor=books.officer)
    assert (
        report_services.subscription_due(subscription_id=subscription.pk, today=datetime.date(2026, 5, 1)) is not None
    )
    assert report_services.subscription_due(subscription_id=subscription.pk, today=datetime.date(2026, 6, 2)) is None
    delivery = ReportDelivery.objects.get(subscription=subscription)
    assert (delivery.period, delivery.status, delivery.trigger) == ("2026-05", "pending", "schedule")
    # A second tick for the same month finds the same claim.
    report_services.subscription_due(subscription_id=subscription.pk, today=datetime.date(2026, 5, 1))
    assert ReportDelivery.objects.filter(subscription=subscription).count() == 1
    assert period_of("weekly", datetime.date(2026, 4, 8)).key == "2026-W15"


def test_sweep_requeues_deliveries_left_behind_and_a_dead_workers_claim_can_be_taken_over(
    books, settings, django_capture_on_commit_callbacks
):
    subscription = subscribe(books)
    now = timezone.now()
    waiting, _ = report_services.delivery_claim(subscription=subscription, period=APRIL, trigger="send_now")
    ReportDelivery.objects.filter(pk=waiting.pk).update(claimed_at=now - datetime.timedelta(minutes=5))
    taken = report_services.delivery_acquire(delivery_id=waiting.pk)
    assert taken is not None and report_services.delivery_acquire(delivery_id=waiting.pk) is None  # held: sending
    # The worker died: after the lease the row can be taken again, and the sweep queues it.
    ReportDelivery.objects.filter(pk=waiting.pk).update(
        attempt_started_at=now - datetime.timedelta(seconds=settings.REPORT_SENDING_TIMEOUT + 1)
    )
    exhausted, _ = report_services.delivery_claim(subscription=subscription, period=MAY, trigger="schedule")
    ReportDelivery.objects.filter(pk=exhausted.pk).update(
        status="sending",
        attempts=settings.REPORT_MAX_ATTEMPTS,
        attempt_started_at=now - datetime.timedelta(hours=1),
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert report_services.deliveries_sweep() == 1
    assert len(queued) == 1
    assert ReportDelivery.objects.get(pk=exhausted.pk).status == "failed"
    outcome = report_services.delivery_send(delivery_id=waiting.pk)
    assert outcome.sent and outcome.delivery.attempts == 2
