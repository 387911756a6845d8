"""Report calendar, periods and chart: pure functions, no database."""

from __future__ import annotations

import datetime
import io

import pytest
from PIL import Image

from commitments.reporting.calendar import (
    first_business_day,
    is_business_day,
    is_first_business_day,
    national_holidays,
)
from commitments.reporting.chart import HEIGHT, WIDTH, ChartSeries, color_of, stacked_bar_png
from commitments.reporting.period import period_of
from commitments.services.errors import ServiceError
from commitments.services.reports import period_parse

D = datetime.date


def test_national_holidays_2026_as_published_by_the_cabinet_office():
    assert sorted(national_holidays(2026)) == [
        D(2026, 1, 1), D(2026, 1, 12), D(2026, 2, 11), D(2026, 2, 23), D(2026, 3, 20), D(2026, 4, 29),
        D(2026, 5, 3), D(2026, 5, 4), D(2026, 5, 5), D(2026, 5, 6), D(2026, 7, 20), D(2026, 8, 11),
        D(2026, 9, 21), D(2026, 9, 22), D(2026, 9, 23), D(2026, 10, 12), D(2026, 11, 3), D(2026, 11, 23),
    ]  # fmt: skip
    assert national_holidays(2026)[D(2026, 5, 6)] == "憲法記念日 振替休日"  # 憲法記念日 on a Sunday
    assert national_holidays(2026)[D(2026, 9, 22)] == "国民の休日"  # between 敬老の日 and 秋分の日


def test_special_years_and_equinoxes():
    assert D(2019, 5, 1) in national_holidays(2019) and D(2019, 10, 22) in national_holidays(2019)
    assert D(2020, 7, 24) in national_holidays(2020) and D(2020, 10, 12) not in national_holidays(2020)
    assert D(2021, 8, 9) in national_holidays(2021)  # 山の日 moved to Sunday 8 August, substitute on Monday
    assert D(2025, 3, 20) in national_holidays(2025) and D(2025, 9, 23) in national_holidays(2025)
    assert D(2027, 3, 21) in national_holidays(2027) and D(2027, 3, 22) in national_holidays(2027)


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2026, 1, D(2026, 1, 5)),  # 1–3 January closed (行政機関の休日), 4 January a Sunday
        (2027, 1, D(2027, 1, 4)),
        (2026, 5, D(2026, 5, 1)),
        (2027, 5, D(2027, 5, 6)),  # 1–2 weekend, 3–5 holidays
        (2026, 8, D(2026, 8, 3)),
        (2026, 11, D(2026, 11, 2)),
        (2030, 9, D(2030, 9, 2)),
    ],
)
def test_first_business_day(year, month, expected):
    assert first_business_day(year, month) == expected
    assert is_first_business_day(expected)
    assert not is_first_business_day(expected + datetime.timedelta(days=1))


def test_first_business_day_always_falls_in_the_crontab_window():
    """The default crontab (days 1–7, Monday–Friday) always contains the first business day."""
    for year in range(2020, 2060):
        for month in range(1, 13):
            day = first_business_day(year, month)
            assert day.day <= 7 and day.weekday() < 5 and is_business_day(day)


def test_periods():
    assert period_of("monthly", D(2026, 4, 30)).key == "2026-04"
    assert period_of("monthly", D(2026, 4, 30)).label() == "令和8年4月"
    assert period_of("monthly", D(2019, 4, 1)).label() == "平成31年4月"
    assert period_of("monthly", D(2026, 4, 30)).label("en") == "April 2026"
    week = period_of("weekly", D(2027, 1, 1))
    assert (week.key, week.start, week.end) == ("2026-W53", D(2026, 12, 28), D(2027, 1, 3))
    assert period_of("daily", D(2026, 4, 6)).label() == "令和8年4月6日"
    assert period_parse("monthly", "2026-04").previous().key == "2026-03"
    assert period_parse("weekly", "2026-W15").start == D(2026, 4, 6)
    assert period_parse("monthly", "2026-01").key < period_parse("monthly", "2026-12").key  # keys sort by time
    for cadence, text in [("monthly", "2026-13"), ("monthly", "2026/04"), ("weekly", "2026-W54"), ("daily", "x")]:
        with pytest.raises(ServiceError):
            period_parse(cadence, text)


def test_chart_is_a_png_with_one_stacked_bar_per_year():
    png = stacked_bar_png(
        ["H29", "H30", "R1"], [ChartSeries(color_of(0), [100, 200, 0]), ChartSeries(color_of(1), [50, 0, 300])]
    )
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)
    colours = {colour for _count, colour in image.convert("RGB").getcolors(maxcolors=100_000)}
    assert (0x00, 0x72, 0xB2) in colours and (0xE6, 0x9F, 0x00) in colours
    empty = Image.open(io.BytesIO(stacked_bar_png([], [])))
    assert empty.size == (WIDTH, HEIGHT)


def test_retry_delay_backs_off_exponentially_with_jitter_and_a_cap(settings):
    """Half of each back-off is fixed: a retry never comes at once (full jitter allowed 0 s, and five refused
    connections could end a delivery in a fraction of a second)."""
    from commitments.services.reports_delivery import retry_delay

    settings.REPORT_RETRY_BACKOFF, settings.REPORT_RETRY_BACKOFF_MAX = 60, 1800
    for retries, ceiling in [(0, 60), (1, 120), (2, 240), (3, 480), (8, 1800)]:
        delays = {retry_delay(retries) for _ in range(200)}
        assert max(delays) <= ceiling and min(delays) >= ceiling // 2 and len(delays) > 1
    settings.REPORT_RETRY_BACKOFF = 0
    assert retry_delay(3) == 0
