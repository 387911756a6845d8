"""List filters in budget terms: 行為年度 shown in 和暦, and a 負担年度 range that overlaps the burden span."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from commitments import fiscal
from commitments.models import Organization, Segment
from commitments.models.scoping import organization_ids_for

# The distinct 行為年度 of one organization, one index probe per year (commitment_org_fy_seq_id) instead of a scan
# of all its commitments.
_YEARS_SQL = """
WITH RECURSIVE y(fy) AS (
    SELECT min(authorized_fy) FROM commitments_commitment WHERE organization_id = %(org)s
    UNION ALL
    SELECT (SELECT min(authorized_fy) FROM commitments_commitment
             WHERE organization_id = %(org)s AND authorized_fy > y.fy)
      FROM y WHERE y.fy IS NOT NULL
)
SELECT fy FROM y WHERE fy IS NOT NULL
"""


def _years_of(organization_id: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(_YEARS_SQL, {"org": organization_id})
        return [row[0] for row in cursor.fetchall()]


class OrganizationSegmentFilter(admin.RelatedFieldListFilter):
    """事業区分: the segments of the user's organization (all for superusers), without scanning its commitments."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[tuple[Any, str]]:
        segments = Segment.objects.for_user(request.user).select_related("organization")
        return [(s.pk, str(s)) for s in segments.order_by("organization__name", "sort_order", "code")]


class OwnOrganizationFilter(admin.RelatedFieldListFilter):
    """団体: all organizations for superusers; a user of one organization sees no choice (none of the others' names)."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[tuple[Any, str]]:
        return [(o.pk, str(o)) for o in Organization.objects.for_user(request.user).order_by("name")]


class AuthorizedYearFilter(admin.SimpleListFilter):
    """行為年度, listed as 平成29年度（2017） from the years present."""

    title = _("行為年度")
    parameter_name = "authorized_fy"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        organization_ids = organization_ids_for(request.user)
        if organization_ids is None:
            years = set(model_admin.get_queryset(request).order_by().values_list("authorized_fy", flat=True).distinct())
        else:
            years = {fy for organization_id in organization_ids for fy in _years_of(organization_id)}
        return [(str(fy), f"{fiscal.format_fiscal_year(fy)}（{fy}）") for fy in sorted(years, reverse=True)]

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


class FiscalYearValuesFilter(admin.AllValuesFieldListFilter):
    """A fiscal-year column's values, each named as the pages name it: 令和8年度（2026）."""

    def choices(self, changelist: Any) -> Any:
        for choice in super().choices(changelist):
            shown = choice.get("display")
            if isinstance(shown, str) and shown.isdigit():
                choice = {**choice, "display": f"{fiscal.format_fiscal_year(int(shown))}（{shown}）"}
            yield choice
