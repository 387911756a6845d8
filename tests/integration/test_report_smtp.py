"""The monthly management report reaches a real SMTP server once per period, via the real worker."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from commitments.models import ReportDelivery
from commitments.services.reports import monthly_report_send
from commitments.tasks import send_monthly_report
from tests.integration.conftest import wait_for


@pytest.mark.django_db(transaction=True)
def test_monthly_report_through_worker_and_smtp(celery_worker, smtp_server):
    call_command("load_demo", stdout=io.StringIO())

    result = send_monthly_report.delay()
    assert result.get(timeout=30) == 1
    wait_for(lambda: smtp_server.messages)

    [(recipients, message)] = smtp_server.messages
    assert recipients == ["manager@jlis.example"]
    subject = str(message["Subject"]).strip()  # folded header: unfolding leaves the folding space
    assert subject.startswith("【債務負担行為】令和")
    assert subject.endswith("月次報告（地方公共団体情報システム機構）")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "承認済の債務負担行為: 32 件" in text
    assert "限度額の合計: 25,395,623 千円" in text
    # FY2017 planned total 5,465,241,000 yen = 5,465,241 千円; the individual-number-card segment 3,921,192 千円.
    assert "■ 平成29年度  合計 5,465,241" in text
    assert "個人番号カード発行等事業: 3,921,192" in text
    assert "<th>令和元年度</th>" in html
    assert "25,395,623" in html

    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename().endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(attachment.get_content())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][0] == "事業区分" and rows[2][1] == "平成29年度"
    assert rows[-1][0] == "合計"
    assert rows[-1][-1] == 25_395_623_000

    # A duplicated beat tick or a retry in the same month sends nothing more.
    assert send_monthly_report.delay().get(timeout=30) == 0
    assert len(smtp_server.messages) == 1
    assert ReportDelivery.objects.get().state == ReportDelivery.State.SENT


@pytest.mark.django_db
def test_report_for_organization_without_recipients_is_skipped(org):
    delivery = monthly_report_send(organization=org.organization, period=date(2026, 4, 1))
    assert delivery is not None  # the org's manager has an address, so it is sent (locmem backend)
    assert delivery.state == ReportDelivery.State.SENT
    assert delivery.recipients == "manager@example.jp"
    assert monthly_report_send(organization=org.organization, period=date(2026, 4, 1)) is None
