"""Report schedules in words, as a finance office says them; the five crontab fields stay behind them."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from commitments.reporting.schedule_words import schedule_words, send_time_words


def _words(minute: str, hour: str, dom: str, month: str, dow: str, first: bool = False, lang: str = "ja") -> str:
    with translation.override(lang):
        return schedule_words(
            minute=minute, hour=hour, day_of_month=dom, month_of_year=month, day_of_week=dow,
            first_business_day_only=first,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (("0", "7", "1-7", "*", "1-5", True), "毎月第1営業日 7:00"),  # the default subscription
        (("30", "8", "*", "*", "*"), "毎日 8:30"),
        (("0", "9", "*", "*", "1-5"), "毎週月〜金曜日 9:00"),
        (("0", "9", "*", "*", "1,3"), "毎週月・水曜日 9:00"),
        (("15", "6", "1,15", "*", "*"), "毎月1・15日 6:15"),
        (("0", "7", "1-7", "4", "1"), "4月の1〜7日のうち月曜日 7:00"),
        (("0", "7", "1-7", "4,10", "1-5", True), "4・10月の第1営業日 7:00"),
        (("*/15", "7-9", "*", "*", "*"), "毎日 7-9時*/15分"),
    ],
)
def test_schedule_in_words(fields: tuple, words: str) -> None:
    assert _words(*fields) == words


def test_schedule_in_english() -> None:
    assert _words("0", "7", "1-7", "*", "1-5", True, lang="en") == "every month: first business day at 7:00"
    assert _words("0", "9", "*", "*", "1-5", lang="en") == "every Mon–Fri at 9:00"


def test_send_time_has_the_weekday_in_the_page_language() -> None:
    moment = datetime.datetime(2026, 12, 7, 7, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # a Monday
    with translation.override("ja"):
        assert send_time_words(moment) == "2026年12月7日(月) 07:00"
    with translation.override("en"):
        assert send_time_words(moment) == "Dec. 7, 2026 (Mon) 07:00"
