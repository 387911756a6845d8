"""The demo's monthly report reaches a real SMTP server once per period, sent by the real worker over Redis."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from commitments.models import ReportDelivery, ReportSubscription, User
from commitments.services import reports as report_services
from commitments.tasks import report_send
from tests.support.polling import wait_for


@pytest.mark.django_db(transaction=True)
def test_monthly_report_through_worker_and_smtp(celery_worker, smtp_server):
    call_command("load_demo", stdout=io.StringIO())
    subscription = ReportSubscription.objects.get(organization__name="地方公共団体情報システム機構")
    assert subscription.active and subscription.periodic_task.enabled
    assert (subscription.cron, subscription.first_business_day_only) == ("0 7 1-7 * 1-5", True)
    assert [g.name for g in subscription.recipient_groups.all()] == ["management"]

    # "Send now" claims this month and queues the send when the claim commits.
    delivery, queued = report_services.subscription_send_now(
        subscription=subscription, actor=User.objects.get(username="admin")
    )
    assert queued
    wait_for(lambda: smtp_server.messages, timeout=30)

    [(recipients, message)] = smtp_server.messages
    assert recipients == ["manager@jlis.example"]
    subject = str(message["Subject"]).strip()
    assert subject.startswith("【債務負担行為】令和")
    assert subject.endswith("月次報告（地方公共団体情報システム機構）")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "集計対象の債務負担行為: 32 件（失効 32 件）" in text
    assert "限度額の合計: 25,395,623 千円" in text
    # FY2017 planned total 5,465,241,000 yen = 5,465,241 千円; the individual-number-card segment 3,921,192 千円.
    assert "■ 平成29年度  合計 5,465,241" in text
    assert "個人番号カード発行等事業: 3,921,192" in text
    assert "総合計: 25,395,623 千円" in text
    assert "http://testserver/exposure/summary/?basis=planned" in text
    assert "要確認事項:" in text
    assert ">令和元年度</th>" in html
    assert "25,395,623" in html
    # The chart is inline: multipart/related holds the HTML and the PNG it names by Content-ID.
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    [image] = [p for p in related.iter_parts() if p.get_content_type() == "image/png"]
    assert f"cid:{image['Content-ID'].strip('<>')}" in html
    assert image.get_content().startswith(b"\x89PNG")

    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename().endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(attachment.get_content())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "（単位：千円）"
    assert rows[3][0] == "事業区分" and rows[3][1] == "平成29年度"
    assert rows[-3][0] == "合計"
    assert rows[-3][-1] == 25_395_623
    # Under the table, after a blank row.
    assert rows[-1][0] == "※単位未満四捨五入のため、合計と内訳が一致しない場合があります。"

    delivery.refresh_from_db()
    assert delivery.status == ReportDelivery.Status.SENT and delivery.attempts == 1
    assert delivery.trigger == "send_now" and delivery.requested_by.username == "admin"
    assert bytes(delivery.message).count(b"Content-ID: <exposure-chart>") == 1  # the sent e-mail is kept

    # The same task again (a retry, a duplicated message) and "send now" again send nothing more.
    assert report_send.delay(delivery.pk).get(timeout=30)["sent"] is False
    _, queued = report_services.subscription_send_now(
        subscription=subscription, actor=User.objects.get(username="admin")
    )
    assert not queued
    assert len(smtp_server.messages) == 1
    assert ReportDelivery.objects.filter(subscription=subscription).count() == 1
