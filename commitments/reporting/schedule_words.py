"""A report schedule in words (「毎月第1営業日 7:00」) and send times with the weekday in the page's language."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

from django.utils import formats
from django.utils.translation import gettext, pgettext

_NUMBER = re.compile(r"^\d+$")


def _weekday(number: int) -> str:
    names = [
        pgettext("weekday", "日"),
        pgettext("weekday", "月"),
        pgettext("weekday", "火"),
        pgettext("weekday", "水"),
        pgettext("weekday", "木"),
        pgettext("weekday", "金"),
        pgettext("weekday", "土"),
    ]
    return names[number % 7]


def _list(value: str, word: Callable[[int], str] = str) -> str:
    """「1-7」 → 「1〜7」, 「1,15」 → 「1・15」 (each number through `word`)."""
    parts = []
    for part in value.split(","):
        ends = part.split("-")
        shown = [word(int(end)) if _NUMBER.match(end) else end for end in ends]
        parts.append(gettext("〜").join(shown))
    return gettext("・").join(parts)


def schedule_words(
    *, minute: str, hour: str, day_of_month: str, month_of_year: str, day_of_week: str, first_business_day_only: bool
) -> str:
    """The crontab fields of a subscription as a person says them; the crontab itself when it has no such words."""
    minute, hour = minute.strip(), hour.strip()
    day_of_month, month_of_year, day_of_week = day_of_month.strip(), month_of_year.strip(), day_of_week.strip()
    if _NUMBER.match(minute) and _NUMBER.match(hour):
        time = f"{int(hour)}:{int(minute):02d}"
    else:
        time = gettext("%(hour)s時%(minute)s分") % {"hour": hour, "minute": minute}
    every_month = month_of_year == "*"
    months = "" if every_month else gettext("%(months)s月の") % {"months": _list(month_of_year)}
    values = {"time": time, "days": _list(day_of_month), "weekdays": _list(day_of_week, _weekday)}
    if first_business_day_only:
        pattern = gettext("%(months)s第1営業日 %(time)s")
        months = gettext("毎月") if every_month else months
    elif day_of_month == "*" and day_of_week == "*":
        pattern = gettext("%(months)s毎日 %(time)s")
    elif day_of_month == "*":
        pattern = gettext("%(months)s毎週%(weekdays)s曜日 %(time)s")
    elif day_of_week == "*":
        pattern = gettext("%(months)s%(days)s日 %(time)s")
        months = gettext("毎月") if every_month else months
    else:
        pattern = gettext("%(months)s%(days)s日のうち%(weekdays)s曜日 %(time)s")
        months = gettext("毎月") if every_month else months
    return pattern % {**values, "months": months}


def send_time_words(moment: datetime.datetime) -> str:
    """「2026年12月7日(月) 07:00」: the date in the page's format, the weekday's name, the time."""
    day = formats.date_format(moment, "DATE_FORMAT")
    return gettext("%(day)s(%(weekday)s) %(time)s") % {
        "day": day,
        "weekday": _weekday((moment.weekday() + 1) % 7),
        "time": f"{moment:%H:%M}",
    }
