"""What is stored is the record, in Japanese, whatever language the user works in; what is sent follows the
recipient's choice, whatever language the sender works in."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.utils import translation

from commitments.models import CommitmentEvent, ReportSubscription
from commitments.reporting.period import period_parse
from commitments.services import lifecycle
from commitments.services import reports as report_services
from tests.support.factories import make_amendment, make_commitment

NOW = datetime.datetime(2026, 2, 10, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def test_trail_notes_written_by_an_english_session_are_stored_in_japanese(org):
    with translation.override("en"):
        commitment = make_commitment(org, last_burden_fy=2019)
        make_amendment(org, commitment, new_limit_yen=12_000_000)
        lapsing = make_commitment(org, matter="未契約のまま年度を越す委託", authorized_fy=2017, first_burden_fy=2018)
        lifecycle.commitments_rollover(as_of=datetime.date(2018, 4, 1))
    notes = list(CommitmentEvent.objects.filter(commitment=commitment).values_list("action", "note"))
    assert ("amend", "補正第1号") in notes
    assert ("amendment_create", "補正第1号") in notes
    assert commitment.history.filter(history_change_reason="補正第1号").exists()
    lapsed = CommitmentEvent.objects.get(commitment=lapsing, action="lapse")
    assert lapsed.note == "平成29年度末までに契約がなく失効"
    assert lapsing.history.filter(history_change_reason="行為年度の終了による失効").exists()


def _subscription(org, language: str) -> ReportSubscription:
    subscription = ReportSubscription(
        name=f"月次報告 {language}", organization=org.organization, first_business_day_only=False, language=language
    )
    report_services.subscription_save(subscription=subscription, actor=org.officer)
    return subscription


def test_report_follows_the_subscription_not_the_active_language(org):
    make_commitment(org, authorized_fy=2025, first_burden_fy=2025, last_burden_fy=2027)
    japanese, english = _subscription(org, "ja"), _subscription(org, "en")
    period = period_parse("monthly", "2026-02")
    with time_machine.travel(NOW, tick=False):
        with translation.override("en"):
            built_ja = report_services.report_build(subscription=japanese, period=period, today=NOW.date())
        with translation.override("ja"):
            built_en = report_services.report_build(subscription=english, period=period, today=NOW.date())
    assert built_ja.subject.startswith("【債務負担行為】令和8年2月")
    assert "経営層各位" in built_ja.text and "To the management" not in built_ja.text
    assert built_en.subject.startswith("[Commitments] February 2026 report")
    assert "To the management of テスト市" in built_en.text and "経営層各位" not in built_en.text
    # The exception lines' labels and states are the recipient's language too.
    assert "状態 承認済" in built_ja.text and "限度額 10,000" in built_ja.text
    assert "Status Approved" in built_en.text and "行為年度" not in built_en.text and "承認済" not in built_en.text
