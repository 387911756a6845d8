"""Business days of a Japanese public body: weekdays that are not national holidays nor 12/29–1/3. No ORM.

National holidays (振替休日 and 国民の休日 included) come from `jpholiday`, which follows 国民の祝日に関する法律 and its
one-off dates; a change of the law is a new release of that package, not a change here.
"""

from __future__ import annotations

import datetime
from functools import cache

import jpholiday


@cache
def national_holidays(year: int) -> dict[datetime.date, str]:
    """The national holidays of a year, substitute holidays (振替休日) and 国民の休日 included."""
    return dict(jpholiday.year_holidays(year))


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
