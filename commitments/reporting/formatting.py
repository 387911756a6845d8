"""Amounts, changes, fiscal years and days as a report writes them, in the conventions of the active language.

The words come from the catalogue; what differs by language beyond words (era or western years, the sign of a
negative amount, how a day is written) is one entry of CONVENTIONS, chosen by `translation.get_language()` as
Django chooses its own format modules. Callers activate the language (`translation.override`); nothing here takes it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import pgettext

from commitments import fiscal
from commitments.vocabulary import unit_label


def _wareki_day(day: datetime.date) -> str:
    return f"{fiscal.format_month(day)}{day.day}日"


@dataclass(frozen=True)
class Conventions:
    """How one language writes years, months, days and negative amounts."""

    year_style: str  # fiscal.format_fiscal_year style of a year label: 平成30年度 / FY2018
    short_year: Callable[[int], str]  # ASCII, for the chart's axis: H30 / 2018
    month: Callable[[datetime.date], str]  # 令和8年4月 / April 2026
    day: Callable[[datetime.date], str]  # 令和8年4月6日 / 6 April 2026
    minus: str  # △1,234 / -1,234


JAPANESE = Conventions(
    year_style="wareki",
    short_year=lambda fy: fiscal.format_fiscal_year(fy, style="wareki_short"),
    month=fiscal.format_month,
    day=_wareki_day,
    minus="△",
)
WESTERN = Conventions(
    year_style="fy",
    short_year=str,
    month=lambda d: date_format(d, "F Y"),
    day=lambda d: date_format(d, "j F Y"),
    minus="-",
)
CONVENTIONS = {"ja": JAPANESE, "en": WESTERN}


def conventions() -> Conventions:
    """The conventions of the active language (Japanese when it has none of its own)."""
    language = (translation.get_language() or "ja").split("-")[0]
    return CONVENTIONS.get(language, JAPANESE)


def amount(yen: int, unit: str) -> str:
    """An amount in the unit, rounded as every figure is (fiscal.to_unit), with separators: 1,234 / △1,234 (-1,234)."""
    value = fiscal.to_unit(yen, unit)
    return f"{conventions().minus}{-value:,}" if value < 0 else f"{value:,}"


def amount_with_unit(yen: int, unit: str) -> str:
    """An amount followed by its unit: 6,000千円 / 6,000 thousand yen."""
    return pgettext("amount with unit", "%(amount)s%(unit)s") % {"amount": amount(yen, unit), "unit": unit_label(unit)}


def change(yen: int | None, unit: str) -> str | None:
    """A difference: +1,234 / △1,234 (-1,234) / ±0; None without a baseline."""
    if yen is None:
        return None
    value = fiscal.to_unit(yen, unit)
    if value == 0:
        return "±0"
    return f"+{value:,}" if value > 0 else amount(yen, unit)


def year_label(fy: int) -> str:
    """A fiscal year: 平成30年度 / FY2018."""
    return fiscal.format_fiscal_year(fy, style=conventions().year_style)


def short_year_label(fy: int) -> str:
    """A fiscal year in ASCII for the chart: H30 / 2018."""
    return conventions().short_year(fy)


def month_label(day: datetime.date) -> str:
    """The month of a day: 令和8年4月 / April 2026."""
    return conventions().month(day)


def day_label(day: datetime.date) -> str:
    """A day: 令和8年4月6日 / 6 April 2026."""
    return conventions().day(day)
