"""The exposure matrix and its CSV download."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from commitments import exports, fiscal, selectors
from commitments.filters import BASIS_CHOICES, ExposureFilter, exposure_options
from commitments.tables import exposure_table_class
from commitments.views.base import ReaderRequiredMixin, organization_scope


class CountedPaginator(Paginator):
    """A paginator told its count (from the footer's scan of the same commitments) instead of counting again."""

    def __init__(self, object_list: Any, per_page: int, *args: Any, count: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        self.__dict__["count"] = count  # Paginator.count is a cached_property


class ExposureView(ReaderRequiredMixin, SingleTableMixin, FilterView):
    """One row per commitment, one column per fiscal year of the chosen range and basis, totals footer."""

    template_name = "commitments/exposure.html"
    filterset_class = ExposureFilter
    # A page reads 50 rows: amounts by correlated subqueries, evaluated for those rows only.
    rows_selector = staticmethod(selectors.exposure_page_commitments)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.options_form, self.options = exposure_options(request.GET or None, today=timezone.localdate())
        self.basis = self.options.basis
        return super().dispatch(request, *args, **kwargs)

    def get_filterset_kwargs(self, filterset_class: Any) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["segments"] = selectors.segments_of(organization_scope(self.request))
        return kwargs

    def get_queryset(self) -> Any:
        available = selectors.fiscal_years_with_projection(organization_ids=organization_scope(self.request))
        self.fiscal_years = self.options.years(available)
        return self.rows_selector(
            organization_ids=organization_scope(self.request), fiscal_years=self.fiscal_years, basis=self.basis
        )

    def get_table_class(self) -> Any:
        return exposure_table_class(self.fiscal_years, year_style=self.options.year_style, unit=self.options.unit)

    def get_table_pagination(self, table: Any) -> Any:
        paginate = super().get_table_pagination(table)
        totals = self.footer_totals(self.object_list)
        if paginate is not False and "commitments" in totals:
            paginate = {**paginate, "paginator_class": CountedPaginator, "count": totals["commitments"]}
        return paginate

    def get_table(self, **kwargs: Any) -> Any:
        table = super().get_table(**kwargs)
        table.footer_totals = self.footer_totals(self.object_list)
        return table

    def footer_totals(self, commitments: Any) -> dict[str, int]:
        """The 合計 row (once per request): from the per-cell totals when no filter narrows the organization's
        commitments — with their number, which then spares the paginator its count — otherwise summed."""
        if getattr(self, "_footer_totals", None) is None:
            if not any(self.request.GET.get(name) for name in self.get_filterset_class().base_filters):
                self._footer_totals = selectors.exposure_totals_of_scope(
                    organization_ids=organization_scope(self.request), fiscal_years=self.fiscal_years, basis=self.basis
                )
            else:
                self._footer_totals = selectors.exposure_totals(
                    commitments=commitments, fiscal_years=self.fiscal_years, basis=self.basis
                )
        return self._footer_totals

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["fiscal_years"] = self.fiscal_years
        context["query"] = self.request.GET.urlencode()
        context["options_form"] = self.options_form
        context["options"] = self.options
        context["basis_label"] = dict(BASIS_CHOICES)[self.options.basis]
        context["stale_count"] = selectors.stale_commitment_count(organization_ids=organization_scope(self.request))
        return context


class ExposureCsvView(ExposureView):
    """The exposure table as CSV (yen), with exactly the rows the page's filters select."""

    rows_selector = staticmethod(selectors.exposure_commitments)  # every row: one grouped join

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        filterset = self.get_filterset(self.get_filterset_class())
        commitments = filterset.qs if not filterset.is_bound or filterset.is_valid() else filterset.queryset.none()
        table = selectors.exposure_table_of(commitments=commitments, fiscal_years=self.fiscal_years, basis=self.basis)
        response = HttpResponse(exports.exposure_csv(table), content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().strftime("%Y%m%d")
        response["Content-Disposition"] = f'attachment; filename="exposure_{stamp}.csv"'
        return response


class ExposureXlsxView(ExposureView):
    """The exposure table as an Excel workbook: the page's rows, years, unit and era, streamed row by row."""

    rows_selector = staticmethod(selectors.exposure_commitments)  # every row: one grouped join

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        filterset = self.get_filterset(self.get_filterset_class())
        commitments = filterset.qs if not filterset.is_bound or filterset.is_valid() else filterset.queryset.none()
        options = self.options
        years = self.fiscal_years
        columns = [
            exports.Column("番号", "integer", width=6),
            exports.Column("事項", "text", width=48),
            exports.Column("事業区分", "text", width=20),
            exports.Column("限度額", "amount", width=14),
            *(exports.Column(fiscal.format_fiscal_year(fy, style=options.year_style), "amount") for fy in years),
            exports.Column("合計", "amount", width=14),
        ]
        totals = self.footer_totals(commitments)

        def rows() -> Any:
            for c in commitments.iterator(chunk_size=2000):
                matter = c.matter if c.limit_yen is not None else f"{c.matter}（※文言：{c.limit_text}）"
                yield [
                    c.seq,
                    matter,
                    c.segment.name,
                    c.limit_yen if c.limit_yen is not None else c.estimated_limit_yen,
                    *(getattr(c, f"fy_{fy}") or 0 for fy in years),
                    c.total_yen or 0,
                ]

        sheet = exports.Sheet(
            title="年度別負担額",
            heading=f"債務負担行為 年度別負担額（{dict(BASIS_CHOICES)[self.basis]}）",
            columns=columns,
            rows=rows(),
            unit=options.unit,
            footer=[
                [None, "合計", None, totals["limit_yen"], *(totals[f"fy_{fy}"] for fy in years), totals["total_yen"]]
            ],
        )
        stamp = timezone.localdate().strftime("%Y%m%d")
        return exports.xlsx_response([sheet], f"exposure_{stamp}.xlsx")
