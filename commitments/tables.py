"""django-tables2 tables of the auditor site."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from commitments import fiscal


class AmountColumn(tables.Column):
    """An amount in yen shown in 千円, with a footer total over the whole (unpaginated) data."""

    def __init__(self, *args: Any, unit: str = "千円", **kwargs: Any) -> None:
        self.unit = unit
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}, "tf": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value: int | None) -> str:
        return fiscal.format_amount(int(value or 0), unit=self.unit)

    def value(self, value: int | None) -> int:
        return int(value or 0)

    def render_footer(self, bound_column: Any, table: Any) -> str:
        totals = getattr(table, "footer_totals", {})
        return fiscal.format_amount(int(totals.get(bound_column.accessor, 0)), unit=self.unit)


class ExposureTable(tables.Table):
    """One row per commitment, one column per fiscal year, totals in the footer."""

    # 番号 is numbered per organization and 行為年度: book order, which is also the index the page's LIMIT walks.
    seq = tables.Column(
        verbose_name=_("番号"),
        attrs={"td": {"class": "num sticky seq"}, "th": {"class": "sticky seq"}, "tf": {"class": "sticky seq"}},
        order_by=("organization_id", "authorized_fy", "seq", "id"),
    )
    matter = tables.Column(
        verbose_name=_("事項"),
        footer=lambda table: getattr(table, "footer_label", None) or _("合計"),  # 「全 79 件の合計」 when paginated
        attrs={"td": {"class": "sticky matter"}, "th": {"class": "sticky matter"}, "tf": {"class": "sticky matter"}},
    )
    segment = tables.Column(verbose_name=_("事業区分"), accessor="segment__name", order_by=("segment__sort_order",))
    limit_yen = AmountColumn(verbose_name=_("限度額"), empty_values=())
    span = tables.Column(verbose_name=_("負担年度"), empty_values=(), orderable=False)

    class Meta:
        attrs = {"class": "exposure", "id": "exposure-table"}
        order_by = ("seq",)
        per_page = 50
        template_name = "commitments/exposure_table.html"

    def body_rows(self) -> list[dict[str, Any]]:
        """The page's rows as ready cells: the HTML of django-tables2's generic path (which inspects each render
        method's signature and resolves attributes cell by cell, ≈2 ms a row) from direct calls of the same render
        methods. Columns it does not know fall back to that path."""
        columns = [(bc.name, bc, bc.attrs["td"].as_html()) for bc in self.columns]
        rows = []
        for index, row in enumerate(self.paginated_rows):
            record = row.record
            cells = []
            for name, bound, attrs in columns:
                html = self._cell(name, bound.column, record)
                if html is None:
                    html = row.get_cell(name)
                cells.append(format_html("<td {}>{}</td>", attrs, html))
            rows.append({"parity": "odd" if index % 2 else "even", "cells": cells})
        return rows

    def _cell(self, name: str, column: Any, record: Any) -> Any:
        if name.startswith("fy_") or name == "total_yen":
            return column.render(getattr(record, name))
        if name == "seq":
            return "—" if record.seq is None else record.seq
        if name == "matter":
            return self.render_matter(record.matter, record)
        if name == "segment":
            return record.segment.name
        if name == "limit_yen":
            return self.render_limit_yen(record.limit_yen, record, column)
        if name == "span":
            return self.render_span(record)
        return None

    link_query = ""  # e.g. "?as_of=2026-12-01": the record of the day the table shows
    caption = _("債務負担行為ごとの年度別負担額")  # for screen readers: the page's heading says it to the eye

    def render_matter(self, value: str, record: Any) -> Any:
        url = reverse("commitment-detail", args=[record.pk]) + self.link_query
        if record.limit_yen is None:
            return format_html(
                '<a href="{}">{}</a> <span class="flag" title="{}">{}</span>', url, value, record.limit_text, _("※文言")
            )
        return format_html('<a href="{}">{}</a>', url, value)

    def render_limit_yen(self, value: int | None, record: Any, column: Any) -> Any:
        if record.limit_yen is None:
            estimate = record.estimated_limit_yen
            shown = fiscal.format_amount(estimate, unit=column.unit) if estimate else "—"
            return format_html(
                '<span class="flag" title="{}">{}</span>',
                record.limit_text,
                _("（見込 %(amount)s）") % {"amount": shown},
            )
        return fiscal.format_amount(record.limit_yen, unit=column.unit)

    def value_limit_yen(self, record: Any) -> int | None:
        return record.limit_yen

    year_style = "wareki"

    def render_span(self, record: Any) -> str:
        return fiscal.format_span(record.first_burden_fy, record.last_burden_fy, style=self.year_style)

    def value_span(self, record: Any) -> str:
        return f"{record.first_burden_fy}-{record.last_burden_fy}"


def exposure_table_class(
    fiscal_years: list[int], *, year_style: str = "wareki", unit: str = "千円"
) -> type[ExposureTable]:
    """An ExposureTable subclass with one AmountColumn per fiscal year (`fy_<year>`) and a total, in `unit`."""
    attrs: dict[str, Any] = {
        f"fy_{fy}": AmountColumn(verbose_name=fiscal.format_fiscal_year(fy, style=year_style), unit=unit)
        for fy in fiscal_years
    }
    attrs["limit_yen"] = AmountColumn(verbose_name=_("限度額"), empty_values=(), unit=unit)
    attrs["total_yen"] = AmountColumn(verbose_name=_("合計"), unit=unit)
    attrs["year_style"] = year_style
    # django-tables2 reads only a class's own Meta: inherit it explicitly or attrs/per_page are lost.
    attrs["Meta"] = type("Meta", (ExposureTable.Meta,), {})
    return type("YearlyExposureTable", (ExposureTable,), attrs)
