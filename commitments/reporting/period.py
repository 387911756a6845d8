"""Report periods: a month (2026-04), an ISO week (2026-W15) or a day (2026-04-06), with their labels. No ORM."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext

from commitments.reporting.formatting import day_label, month_label

MONTHLY, WEEKLY, DAILY = "monthly", "weekly", "daily"
EXAMPLES = {MONTHLY: "2026-04", WEEKLY: "2026-W15", DAILY: "2026-04-06"}
_PATTERNS = {
    MONTHLY: re.compile(r"^(\d{4})-(\d{2})$"),
    WEEKLY: re.compile(r"^(\d{4})-W(\d{2})$"),
    DAILY: re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
}


class PeriodError(ValueError):
    """A period key that cannot be read (the message, in the active language, names an example)."""


@dataclass(frozen=True)
class Period:
    """One report period: its key (stored on the delivery), first and last day."""

    cadence: str
    key: str
    start: datetime.date
    end: datetime.date

    def label(self, language: str | None = None) -> str:
        """令和8年4月 / 令和8年4月6日の週 / 令和8年4月6日 (April 2026 …), in `language` or the active one."""
        if language is not None:
            with translation.override(language):
                return self.label()
        if self.cadence == MONTHLY:
            return month_label(self.start)
        if self.cadence == WEEKLY:
            return gettext("%(day)sの週") % {"day": day_label(self.start)}
        return day_label(self.start)

    def previous(self) -> Period:
        """The period just before this one."""
        return period_of(self.cadence, self.start - datetime.timedelta(days=1))


def period_of(cadence: str, day: datetime.date) -> Period:
    """The period of a cadence that contains `day`."""
    if cadence == MONTHLY:
        start = day.replace(day=1)
        end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        return Period(cadence, f"{start:%Y-%m}", start, end)
    if cadence == WEEKLY:
        start = day - datetime.timedelta(days=day.weekday())
        year, week, _ = start.isocalendar()
        return Period(cadence, f"{year}-W{week:02d}", start, start + datetime.timedelta(days=6))
    if cadence == DAILY:
        return Period(cadence, day.isoformat(), day, day)
    raise ValueError(f"unknown cadence {cadence!r}")


def period_parse(cadence: str, text: str) -> Period:
    """Read a period key (`2026-04`, `2026-W15`, `2026-04-06`) for a cadence; PeriodError when it cannot be read."""
    match = _PATTERNS[cadence].match(text.strip())
    try:
        if match is None:
            raise ValueError(text)
        numbers = [int(g) for g in match.groups()]
        if cadence == MONTHLY:
            day = datetime.date(numbers[0], numbers[1], 1)
        elif cadence == WEEKLY:
            day = datetime.date.fromisocalendar(numbers[0], numbers[1], 1)
        else:
            day = datetime.date(*numbers)
    except ValueError as exc:
        raise PeriodError(
            gettext("対象期間を読み取れません: %(text)s（例: %(example)s）")
            % {"text": repr(text), "example": EXAMPLES[cadence]}
        ) from exc
    return period_of(cadence, day)
