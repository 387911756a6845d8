"""Template filters for budget figures: amounts in 円/千円 and fiscal years in 和暦."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils import timezone

from commitments import fiscal
from commitments.reporting.schedule_words import schedule_words, send_time_words

register = template.Library()


@register.filter
def yen(value: int | None, unit: str = "円") -> str:
    """An amount in yen shown in `unit` with thousands separators ('—' when missing)."""
    if value is None or value == "":
        return "—"
    return fiscal.format_amount(int(value), unit=unit)


@register.filter
def wareki(fy: int | None) -> str:
    """A fiscal year as 令和8年度."""
    return "—" if fy is None else fiscal.format_fiscal_year(int(fy))


@register.filter
def fy_both(fy: int | None) -> str:
    """A fiscal year as 令和8年度（2026）."""
    return "—" if fy is None else f"{fiscal.format_fiscal_year(int(fy))}（{int(fy)}）"


@register.filter
def schedule_in_words(subscription: Any) -> str:
    """A report subscription's schedule as a person says it (「毎月第1営業日 7:00」)."""
    fields = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week", "first_business_day_only")
    return schedule_words(**{name: getattr(subscription, name) for name in fields})


@register.filter
def send_time(moment: datetime.datetime) -> str:
    """A send time with its weekday in the page's language (「2026年12月7日(月) 07:00」)."""
    return send_time_words(timezone.localtime(moment))
