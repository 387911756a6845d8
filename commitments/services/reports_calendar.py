"""Business days of a Japanese public body: weekdays that are not national holidays nor 12/29–1/3. No ORM.

Holidays follow 国民の祝日に関する法律 as in force since 2020 (with the 2019–2021 one-off dates); the equinoxes use
the usual approximation valid 1980–2099. A later change of the law needs a change here (and a test).
"""

from __future__ import annotations

import datetime
from functools import cache

_FIXED = {
    (1, 1): "元日",
    (2, 11): "建国記念の日",
    (4, 29): "昭和の日",
    (5, 3): "憲法記念日",
    (5, 4): "みどりの日",
    (5, 5): "こどもの日",
    (11, 3): "文化の日",
    (11, 23): "勤労感謝の日",
}
# One-off dates: the 2019 enthronement and the moves for the Tokyo Olympics.
_SPECIAL: dict[int, dict[tuple[int, int], str]] = {
    2019: {(4, 30): "国民の休日", (5, 1): "天皇の即位の日", (5, 2): "国民の休日", (10, 22): "即位礼正殿の儀"},
    2020: {(7, 23): "海の日", (7, 24): "スポーツの日", (8, 10): "山の日"},
    2021: {(7, 22): "海の日", (7, 23): "スポーツの日", (8, 8): "山の日"},
}
_MOVED = {2020: {"海の日", "スポーツの日", "山の日"}, 2021: {"海の日", "スポーツの日", "山の日"}}


def _nth_monday(year: int, month: int, n: int) -> datetime.date:
    first = datetime.date(year, month, 1)
    return first + datetime.timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def _equinox(year: int, base: float) -> int:
    return int(base + 0.242194 * (year - 1980) - (year - 1980) // 4)


@cache
def national_holidays(year: int) -> dict[datetime.date, str]:
    """The national holidays of a year, substitute holidays (振替休日) and 国民の休日 included."""
    days: dict[datetime.date, str] = {datetime.date(year, m, d): name for (m, d), name in _FIXED.items()}
    if year >= 2020:
        days[datetime.date(year, 2, 23)] = "天皇誕生日"
    elif year <= 2018:
        days[datetime.date(year, 12, 23)] = "天皇誕生日"
    moved = _MOVED.get(year, set())
    days[_nth_monday(year, 1, 2)] = "成人の日"
    days[_nth_monday(year, 9, 3)] = "敬老の日"
    if "海の日" not in moved:
        days[_nth_monday(year, 7, 3)] = "海の日"
    if "スポーツの日" not in moved:
        days[_nth_monday(year, 10, 2)] = "スポーツの日" if year >= 2020 else "体育の日"
    if "山の日" not in moved and year >= 2016:
        days[datetime.date(year, 8, 11)] = "山の日"
    days[datetime.date(year, 3, _equinox(year, 20.8431))] = "春分の日"
    days[datetime.date(year, 9, _equinox(year, 23.2488))] = "秋分の日"
    days.update({datetime.date(year, m, d): name for (m, d), name in _SPECIAL.get(year, {}).items()})
    # 国民の休日: a weekday between two holidays.
    for day in sorted(days):
        between = day + datetime.timedelta(days=1)
        after = day + datetime.timedelta(days=2)
        if between not in days and after in days and between.weekday() != 6:
            days[between] = "国民の休日"
    # 振替休日: a holiday on a Sunday moves to the next day that is not a holiday.
    for day in sorted(days):
        if day.weekday() == 6:
            substitute = day + datetime.timedelta(days=1)
            while substitute in days:
                substitute += datetime.timedelta(days=1)
            days[substitute] = "休日"
    return days


def is_business_day(day: datetime.date) -> bool:
    """A weekday that is neither a national holiday nor in the year-end closure (12/29–1/3, 行政機関の休日)."""
    if day.weekday() >= 5:
        return False
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return False
    return day not in national_holidays(day.year)


def first_business_day(year: int, month: int) -> datetime.date:
    """The first business day of a month (always within its first seven days under the current law)."""
    day = datetime.date(year, month, 1)
    while not is_business_day(day):
        day += datetime.timedelta(days=1)
    return day


def is_first_business_day(day: datetime.date) -> bool:
    """True on the first business day of its month."""
    return day == first_business_day(day.year, day.month)
