"""The monthly e-mail carries each coming year's share of its frame and says when a year first crosses the threshold."""

from __future__ import annotations

from django.contrib.auth.models import Group

from commitments.models import Organization, ReportSubscription
from commitments.reporting.period import period_parse
from commitments.services import reports as report_services
from tests.integration.test_burden import books, today  # noqa: F401  (fixtures)


def _send(subscription: ReportSubscription, month: str) -> str:
    """Claim and send one month's report; its plain text (built again from fresh rows, as the task does)."""
    subscription = ReportSubscription.objects.get(pk=subscription.pk)
    delivery, _ = report_services.delivery_claim(
        subscription=subscription, period=period_parse("monthly", month), trigger="command"
    )
    outcome = report_services.delivery_send(delivery_id=delivery.pk)
    assert outcome.sent, outcome
    return report_services.report_build(
        subscription=subscription, period=period_parse("monthly", month), exclude_id=delivery.pk
    ).text


def test_share_by_year_and_the_first_crossing_of_the_threshold(org, books, today):  # noqa: F811
    subscription = ReportSubscription(name="月次報告", organization=org.organization, first_business_day_only=False)
    report_services.subscription_save(subscription=subscription, actor=org.officer)
    subscription.recipient_groups.set([Group.objects.get(name="management")])
    Organization.objects.filter(pk=org.organization.pk).update(burden_warning_percent=11)

    april = _send(subscription, "2026-04")
    assert "財政見通しに対する将来の年度の負担（警告の割合 11%）" in april
    assert "  - 令和9年度: 104,500 ／ 見通し 1,000,000（10.45%）\n" in april
    assert "  - 令和10年度: 14,500（財政見通しなし）\n" in april
    assert "初めて超えた" not in april

    Organization.objects.filter(pk=org.organization.pk).update(burden_warning_percent=10)
    may = _send(subscription, "2026-05")
    assert "  - 令和9年度: 104,500 ／ 見通し 1,000,000（10.45%） ※警告の割合を超えています（今回初めて）\n" in may
    assert "警告の割合を初めて超えた年度: 令和9年度\n" in may

    june = _send(subscription, "2026-06")  # still above, but said before
    assert "  - 令和9年度: 104,500 ／ 見通し 1,000,000（10.45%） ※警告の割合を超えています\n" in june
    assert "初めて超えた" not in june and "今回初めて" not in june
