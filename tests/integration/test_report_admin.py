"""Subscriptions and the delivery log in the admin (schedule kept in step, send now, resend) and the preview page."""

from __future__ import annotations

import io
from email import message_from_bytes, policy

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django_celery_beat.models import PeriodicTask
from openpyxl import load_workbook

from commitments.models import ReportDelivery, ReportSubscription
from commitments.reporting.period import period_parse
from commitments.services import projection
from commitments.services import reports as report_services
from commitments.services.errors import ServiceError
from tests.support.factories import make_commitment, make_org

pytestmark = pytest.mark.django_db
APRIL = period_parse("monthly", "2026-04")
FORM = {
    "name": "経営会議向け月次報告",
    "kind": "exposure_summary",
    "basis": "planned",
    "language": "ja",
    "active": "on",
    "extra_addresses": "board@example.jp",
    "attach_xlsx": "on",
    "cadence": "monthly",
    "minute": "0",
    "hour": "7",
    "day_of_month": "1-7",
    "month_of_year": "*",
    "day_of_week": "1-5",
    "first_business_day_only": "on",
}


@pytest.fixture
def subscription(org) -> ReportSubscription:
    projection.projection_refresh(commitment_id=make_commitment(org).pk)
    subscription = ReportSubscription(name="月次報告", organization=org.organization, first_business_day_only=False)
    report_services.subscription_save(subscription=subscription, actor=org.officer)
    subscription.recipient_groups.set([Group.objects.get(name="management")])
    return subscription


def test_officer_creates_edits_deactivates_and_deletes_a_subscription_in_step_with_beat(org, client):
    client.force_login(org.officer)
    url = "/admin/commitments/reportsubscription/"
    management = Group.objects.get(name="management")
    data = {**FORM, "organization": org.organization.pk, "recipient_groups": [management.pk]}
    response = client.post(url + "add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    subscription = ReportSubscription.objects.get()
    task = subscription.periodic_task
    assert task.enabled and task.task == "commitments.tasks.report_due"
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_month, task.crontab.day_of_week) == (
        "0",
        "7",
        "1-7",
        "1-5",
    )
    assert str(task.crontab.timezone) == "Asia/Tokyo"
    page = client.get(f"{url}{subscription.pk}/change/").content.decode()
    assert "次回の送信予定" in page and "07:00" in page

    client.post(f"{url}{subscription.pk}/change/", {**data, "hour": "8", "active": ""})
    task.refresh_from_db()
    assert (task.crontab.hour, task.enabled) == ("8", False)

    response = client.post(f"{url}{subscription.pk}/change/", {**data, "minute": "61"})
    assert response.status_code == 200 and "crontab の書式が正しくありません" in response.content.decode()
    response = client.post(
        url + "add/", {**FORM, "name": "宛先なし", "extra_addresses": "", "organization": org.organization.pk}
    )
    assert "宛先（利用者・グループ・アドレス）を1つ以上指定してください" in response.content.decode()

    client.post(f"{url}{subscription.pk}/delete/", {"post": "yes"})
    assert not ReportSubscription.objects.exists()
    assert not PeriodicTask.objects.filter(pk=task.pk).exists()


def test_next_send_times_skip_holidays_and_weekends(subscription):
    import datetime
    from zoneinfo import ZoneInfo

    from commitments.services.reports_schedule import next_send_times

    tokyo = ZoneInfo("Asia/Tokyo")
    subscription.first_business_day_only = True
    times = next_send_times(subscription=subscription, after=datetime.datetime(2026, 11, 26, 12, tzinfo=tokyo), count=4)
    assert [t.strftime("%Y-%m-%d %H:%M") for t in times] == [
        "2026-12-01 07:00",
        "2027-01-04 07:00",
        "2027-02-01 07:00",
        "2027-03-01 07:00",
    ]


def test_send_now_action_claims_the_current_period_once(org, subscription, client, django_capture_on_commit_callbacks):
    client.force_login(org.officer)
    url = "/admin/commitments/reportsubscription/"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(url, {"action": "send_now_selected", "_selected_action": [subscription.pk]})
    delivery = ReportDelivery.objects.get()
    assert (delivery.status, delivery.trigger, delivery.requested_by) == ("pending", "send_now", org.officer)
    assert len(callbacks) == 1  # the send is queued when the claim commits
    report_services.delivery_send(delivery_id=delivery.pk)  # what the worker does with it
    response = client.post(url, {"action": "send_now_selected", "_selected_action": [subscription.pk]}, follow=True)
    assert "「送信済」のため送信しません" in response.content.decode()
    assert ReportDelivery.objects.count() == 1 and len(mail.outbox) == 1

    # Auditors may read subscriptions and the log but not send.
    client.force_login(org.auditor)
    assert client.get(url).status_code == 302  # auditors are not staff: the admin sends them to its login
    with pytest.raises(ServiceError):
        report_services.subscription_send_now(subscription=subscription, actor=org.auditor)


def test_resend_is_explicit_logged_and_keeps_its_own_copy(org, subscription, client):
    report_services.subscription_send_sync(subscription=subscription, period=APRIL)
    original = ReportDelivery.objects.get()
    client.force_login(org.officer)
    url = "/admin/commitments/reportdelivery/"
    page = client.post(url, {"action": "resend_selected", "_selected_action": [original.pk]})
    assert "再送の理由" in page.content.decode()  # asks why first
    client.post(
        url, {"action": "resend_selected", "_selected_action": [original.pk], "confirm": "1", "reason": "宛先漏れ"}
    )
    resend = ReportDelivery.objects.exclude(pk=original.pk).get()
    assert (resend.trigger, resend.resend_of, resend.requested_by, resend.reason) == (
        "resend",
        original,
        org.officer,
        "宛先漏れ",
    )
    report_services.delivery_send(delivery_id=resend.pk)
    assert [m.subject for m in mail.outbox] == [
        "【債務負担行為】令和8年4月 月次報告（テスト市）",
        "【債務負担行為】【再送】令和8年4月 月次報告（テスト市）",
    ]
    with pytest.raises(ServiceError, match="理由"):
        report_services.delivery_resend(delivery=original, actor=org.officer, reason=" ")
    # The scheduled claim stays unique per period; resends are the only extra rows.
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportDelivery.objects.create(
            subscription=subscription, organization=org.organization, kind="exposure_summary", period="2026-04"
        )

    # The log keeps each sent e-mail whole; auditors download it and its attachment.
    client.force_login(make_org("監査用", prefix="x-").auditor)
    assert client.get(f"/admin/commitments/reportdelivery/{original.pk}/message/").status_code in (302, 403)
    client.force_login(org.officer)
    page = client.get(f"{url}{original.pk}/change/").content.decode()
    assert "exposure_summary_2026-04.xlsx" in page
    eml = client.get(f"{url}{original.pk}/message/")
    message = message_from_bytes(eml.content, policy=policy.default)
    assert str(message["Subject"]).strip() == mail.outbox[0].subject
    xlsx = client.get(f"{url}{original.pk}/message/", {"part": "0"})
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[-3][0] == "合計" and rows[-3][-1] == 10_000  # 千円, the e-mail's unit
    assert rows[-1][0] == "※単位未満四捨五入のため、合計と内訳が一致しない場合があります。"


def test_preview_renders_the_email_without_sending(org, subscription, client):
    client.force_login(org.manager)
    url = "/reports/preview/"
    page = client.get(url, {"subscription": subscription.pk, "period": "2026-04"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "【債務負担行為】令和8年4月 月次報告（テスト市）" in body
    assert "manager@example.jp" in body and "総合計: 10,000 千円" in body and "次回の送信予定" in body
    html = client.get(url, {"subscription": subscription.pk, "period": "2026-04", "part": "html"})
    assert 'id="preview-html"' in body and "part=chart" in body and "cid:" not in body
    assert "part=chart" in html.content.decode() and "cid:" not in html.content.decode()
    chart = client.get(url, {"subscription": subscription.pk, "part": "chart"})
    assert chart["Content-Type"] == "image/png" and chart.content.startswith(b"\x89PNG")
    xlsx = client.get(url, {"subscription": subscription.pk, "part": "0"})
    assert load_workbook(io.BytesIO(xlsx.content)).active["A1"].value.startswith("テスト市")
    assert client.get(url, {"subscription": subscription.pk, "period": "2026-13"}).status_code == 400
    assert mail.outbox == [] and not ReportDelivery.objects.exists()

    other = make_org("ほか市", prefix="other-")
    client.force_login(other.auditor)
    assert client.get(url, {"subscription": subscription.pk}).status_code == 404
    assert subscription.name not in client.get(url).content.decode()
    assert client.post(url, {"subscription": subscription.pk}).status_code == 403
    client.logout()
    assert client.get(url, {"subscription": subscription.pk}).status_code == 302


def test_preview_without_recipients_says_what_to_do(org, subscription, client):
    """No user of the body in the recipient groups: the preview says nothing would be sent, and how to fix it."""
    org.manager.groups.clear()
    client.force_login(org.auditor)
    body = client.get("/reports/preview/", {"subscription": subscription.pk, "period": "2026-04"}).content.decode()
    assert "宛先がありません（送信されません）" in body
    assert "管理画面の「利用者」で経営層などの利用者を登録するか、「定期報告」の宛先を変更してください。" in body


def test_send_report_command_says_what_it_did(subscription):
    out = io.StringIO()
    call_command("send_report", "--subscription", "月次報告", "--period", "2026-04", "--dry-run", stdout=out)
    assert "件名: 【債務負担行為】令和8年4月 月次報告（テスト市）" in out.getvalue()
    assert mail.outbox == []
    call_command("send_report", "--subscription", "月次報告", "--period", "2026-04", stdout=io.StringIO())
    out = io.StringIO()
    call_command("send_report", "--subscription", "月次報告", "--period", "2026-04", stdout=out)
    assert "送信済みのため、送信しませんでした" in out.getvalue()
    assert len(mail.outbox) == 1
    with pytest.raises(CommandError, match="ありません"):
        call_command("send_report", "--subscription", "ない報告", stdout=io.StringIO())
    with pytest.raises(CommandError, match="読み取れません"):
        call_command("send_report", "--subscription", "月次報告", "--period", "4月", stdout=io.StringIO())
