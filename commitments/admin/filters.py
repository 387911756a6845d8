"""List filters in budget terms: 行為年度 shown in 和暦, and a 負担年度 range that overlaps the burden span."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from commitments import fiscal


class AuthorizedYearFilter(admin.SimpleListFilter):
    """行為年度, listed as 平成29年度（2017） from the years present."""

    title = _("行為年度")
    parameter_name = "authorized_fy"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = model_admin.get_queryset(request).order_by().values_list("authorized_fy", flat=True).distinct()
        return [(str(fy), f"{fiscal.format_fiscal_year(fy)}（{fy}）") for fy in sorted(set(years), reverse=True)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() and self.value().isdigit():
            return queryset.filter(authorized_fy=int(self.value()))
        return queryset


class BurdenRangeFilter(admin.ListFilter):
    """Commitments whose burden span overlaps 負担年度 from..to (either end optional; 和暦 or 西暦)."""

    title = _("負担年度")
    template = "admin/commitments/burden_range_filter.html"
    parameters = ("burden_from", "burden_to")

    def __init__(self, request: HttpRequest, params: dict[str, Any], model: Any, model_admin: Any) -> None:
        super().__init__(request, params, model, model_admin)
        self.values: dict[str, str] = {}
        self.years: dict[str, int] = {}
        self.error = ""
        for name in self.parameters:
            if name in params:
                raw = params.pop(name)
                value = raw[-1] if isinstance(raw, list) else raw
                self.values[name] = value
                if value.strip():
                    try:
                        self.years[name] = fiscal.parse_fiscal_year(value)
                    except fiscal.FiscalParseError as exc:
                        self.error = str(exc)

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str]:
        return list(self.parameters)

    def choices(self, changelist: Any) -> list[dict[str, Any]]:
        return [
            {
                "values": self.values,
                "error": self.error,
                "clear_url": changelist.get_query_string(remove=list(self.parameters)),
                "hidden": [
                    (key, value)
                    for key, values in changelist.get_filters_params().items()
                    if key not in self.parameters
                    for value in (values if isinstance(values, list) else [values])
                ],
            }
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if "burden_from" in self.years:
            queryset = queryset.filter(last_burden_fy__gte=self.years["burden_from"])
        if "burden_to" in self.years:
            queryset = queryset.filter(first_burden_fy__lte=self.years["burden_to"])
        return queryset
