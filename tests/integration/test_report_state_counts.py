"""The report e-mail counts commitments by state: lapsed authority is not called 承認済."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group

from commitments.models import ReportSubscription
from commitments.reporting.period import period_parse
from commitments.services import lifecycle
from commitments.services import reports as report_services
from tests.support.factories import make_commitment

pytestmark = pytest.mark.django_db


def _built(o, language: str) -> str:
    subscription = ReportSubscription(
        name=f"月次報告（{language}）", organization=o.organization, first_business_day_only=False, language=language
    )
    report_services.subscription_save(subscription=subscription, actor=o.officer)
    subscription.recipient_groups.set([Group.objects.get(name="management")])
    built = report_services.report_build(
        subscription=subscription, period=period_parse("monthly", "2026-12"), today=datetime.date(2026, 12, 3)
    )
    return built.text + built.html


def test_lapsed_commitments_are_counted_as_lapsed_not_approved(org):
    live = make_commitment(
        org,
        matter="令和8年度の事項",
        limit_yen=4_000_000,
        authorized_fy=2026,
        first_burden_fy=2026,
        last_burden_fy=2028,
    )
    for matter in ("平成29年度の事項一", "平成29年度の事項二"):
        old = make_commitment(org, matter=matter, limit_yen=1_000_000)
        assert lifecycle.commitment_lapse(actor=org.approver, commitment_id=old.pk, as_of=datetime.date(2018, 4, 1))
    assert live.status == "approved"
    text = _built(org, "ja")
    assert "集計対象の債務負担行為: 3 件（承認済 1 件、失効 2 件）" in text
    assert "承認済の債務負担行為: 3 件" not in text
    english = _built(org, "en")
    assert "Commitments counted: 3 (Approved 1, Lapsed 2)" in english
