"""The monthly e-mail's "change since the last report" across the 1 April year-end close."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail

from commitments.models import Commitment, ReportSubscription, Status
from commitments.services import closing, projection
from commitments.services import reports as report_services
from commitments.services.reports_delivery import period_parse
from tests.support.factories import make_commitment, make_contract

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def _at(day: date) -> time_machine.travel:
    return time_machine.travel(datetime(day.year, day.month, day.day, 9, 0, tzinfo=TOKYO), tick=False)


def test_change_since_the_march_report_shows_what_the_close_lapsed(org):
    with _at(date(2026, 6, 1)):
        span = {"authorized_fy": 2026, "first_burden_fy": 2026, "last_burden_fy": 2027}
        unused = make_commitment(org, matter="未契約のまま失効する事項", limit_yen=6_000_000, **span)
        used = make_commitment(org, matter="契約済の事項", limit_yen=2_000_000, **span)
        make_contract(
            org, used, "K-1", 2_000_000, signed_on=date(2026, 6, 1), start_on=date(2026, 7, 1), end_on=date(2027, 6, 30)
        )  # lump sum due 2027-06-30: 2,000,000 contracted in FY2027
        subscription = ReportSubscription(
            name="月次報告", organization=org.organization, first_business_day_only=False, basis="total"
        )
        report_services.subscription_save(subscription=subscription, actor=org.officer)
        subscription.recipient_groups.set([Group.objects.get(name="management")])

    with _at(date(2027, 3, 1)):
        projection.projection_refresh_all(as_of=date(2027, 3, 1))
        # FY2026: 3,000,000 uncontracted; FY2027: 3,000,000 uncontracted + 2,000,000 contracted.
        march, _ = report_services.delivery_claim(
            subscription=subscription, period=period_parse("monthly", "2027-03"), trigger="command"
        )
        assert report_services.delivery_send(delivery_id=march.pk).sent
        assert "総合計: 8,000 千円" in mail.outbox[0].body

    with _at(date(2027, 4, 1)):
        result = closing.fiscal_year_close(actor=org.approver, organization=org.organization, fiscal_year=2026)
        assert not result.already
        assert Commitment.objects.get(pk=unused.pk).status == Status.LAPSED
        projection.projection_refresh_all(as_of=date(2027, 4, 1))
        april, _ = report_services.delivery_claim(
            subscription=subscription, period=period_parse("monthly", "2027-04"), trigger="command"
        )
        assert report_services.delivery_send(delivery_id=april.pk).sent
    text = mail.outbox[1].body
    assert "前回の報告（2027-03、" in text
    assert "■ 令和9年度  合計 2,000（△3,000）" in text  # the lapsed authority's FY2027 share is gone
    assert "総合計: 2,000 千円（△6,000）" in text
    assert "集計対象の債務負担行為: 2 件（契約済 1 件、失効 1 件）" in text
