"""Template filters for budget figures: amounts in 円/千円 and fiscal years in 和暦."""

from __future__ import annotations

from django import template

from commitments import fiscal

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
