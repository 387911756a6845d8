"""Template filters for budget figures (amounts in 円/千円, fiscal years in 和暦) and the burden page's what-if list."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from commitments import fiscal
from commitments.reporting.schedule_words import schedule_words, send_time_words
from commitments.selectors.as_of import day_label

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
def share(value: float | None) -> str:
    """A share (ratio) as a percentage with two decimals: 10.33% ('—' without a frame)."""
    return "—" if value is None else f"{value * 100:.2f}%"


@register.filter
def schedule_in_words(subscription: Any) -> str:
    """A report subscription's schedule as a person says it (「毎月第1営業日 7:00」)."""
    fields = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week", "first_business_day_only")
    return schedule_words(**{name: getattr(subscription, name) for name in fields})


@register.filter
def send_time(moment: datetime.datetime) -> str:
    """A send time with its weekday in the page's language (「2026年12月7日(月) 07:00」)."""
    return send_time_words(timezone.localtime(moment))


@register.filter
def day(value: datetime.date | None) -> str:
    """A date as the site's pages state their 基準日: 令和8年12月3日 (3 December 2026 in English)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return day_label(value)


@register.filter
def day_time(value: datetime.datetime | None) -> str:
    """A moment on the site's pages: 令和8年12月3日 21:25."""
    if value is None:
        return ""
    moment = timezone.localtime(value)
    return f"{day_label(moment.date())} {moment:%H:%M}"


@register.simple_tag
def what_if_checkboxes(choices: list[Any], included: set[str]) -> str:
    """The what-if list's checkboxes (up to a hundred on the burden page), rendered in one pass."""
    return format_html_join(
        "",
        '<div><label><input type="checkbox" name="include" value="{}"{}> {}（{}）</label></div>',
        ((c.key, mark_safe(" checked") if c.key in included else "", c.label, c.status) for c in choices),
    )
