"""The exposure matrix and its CSV and Excel downloads: today's stored projection, or the books of another day."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from commitments import exports, selectors
from commitments.filters import ExposureFilter, exposure_options
from commitments.models import Commitment, Organization
from commitments.tables import exposure_table_class
from commitments.views.base import ReaderRequiredMixin, organization_scope, pdf_download
from commitments.vocabulary import basis_label, rounding_note


class CountedPaginator(Paginator):
    """A paginator told its count (from the footer's scan of the same commitments) instead of counting again."""

    def __init__(self, object_list: Any, per_page: int, *args: Any, count: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        self.__dict__["count"] = count  # Paginator.count is a cached_property


class ExposureView(ReaderRequiredMixin, SingleTableMixin, FilterView):
    """One row per commitment, one column per fiscal year of the chosen range and basis, totals footer.

    Without `as_of` (or as of today) the rows are the stored projection; as of another day, the books of that day
    rebuilt row by row (`selectors.exposure_books`), filtered and totalled in Python.
    """

    template_name = "commitments/exposure.html"
    filterset_class = ExposureFilter
    # A page reads 50 rows: amounts by correlated subqueries, evaluated for those rows only.
    rows_selector = staticmethod(selectors.exposure_page_commitments)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.today = timezone.localdate()
        self.options_form, self.options = exposure_options(request.GET or None, today=self.today)
        self.basis = self.options.basis
        # Another day than today: the books of that day instead of the stored projection.
        self.as_of = self.options.as_of if self.options.as_of not in (None, self.today) else None
        return super().dispatch(request, *args, **kwargs)

    def get_filterset_kwargs(self, filterset_class: Any) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["segments"] = selectors.segments_of(organization_scope(self.request))
        return kwargs

    def filtering(self) -> bool:
        """Whether a filter narrows the commitments (display options do not)."""
        return any(self.request.GET.get(name) for name in self.get_filterset_class().base_filters)

    def years_burdened(self, years: list[int], first: int | None, last: int | None) -> list[int]:
        """The years of `years` that the filtered rows burden (first..last), unless the reader chose a year range."""
        if self.options.range_chosen or first is None or last is None:
            return years
        return [fy for fy in years if first <= fy <= last]

    def get_queryset(self) -> Any:
        scope = organization_scope(self.request)
        self.filtered_count: int | None = None
        if self.as_of is not None:
            if not hasattr(self, "books"):
                self.books = selectors.exposure_books(organization_ids=scope, as_of=self.as_of)
                years = self.options.years(selectors.fiscal_years_of_books(self.books))
                if self.filtering():
                    matching = ExposureFilter(self.request.GET, queryset=Commitment.objects.none())
                    spans = [
                        (b.commitment.first_burden_fy, b.commitment.last_burden_fy)
                        for b in self.books
                        if matching.matches(b.commitment)
                    ]
                    if spans:
                        years = self.years_burdened(years, min(f for f, _ in spans), max(e for _, e in spans))
                self.fiscal_years = years
            # The filter's form reads the query string; the rows are the books' (get_table_data).
            return Commitment.objects.none()
        years = self.options.years(selectors.fiscal_years_with_projection(organization_ids=scope))
        if self.filtering():
            # The filtered commitments' number (for the paginator) and the years they burden, in one query.
            chosen = selectors.approved_commitments(scope)
            filterset = ExposureFilter(self.request.GET, queryset=chosen, segments=selectors.segments_of(scope))
            if filterset.is_valid():
                self.filtered_count, first, last = selectors.burden_span(filterset.qs)
                years = self.years_burdened(years, first, last)
        self.fiscal_years = years
        return self.rows_selector(organization_ids=scope, fiscal_years=self.fiscal_years, basis=self.basis)

    def rows_as_of(self, filterset: ExposureFilter) -> list[Commitment]:
        """The books' rows that the filters select (none when the filters do not read), with their yearly amounts."""
        if filterset.is_bound and not filterset.is_valid():
            return []
        books = [book for book in self.books if filterset.matches(book.commitment)]
        return selectors.exposure_rows_as_of(books, fiscal_years=self.fiscal_years, basis=self.basis)

    def get_table_data(self) -> Any:
        if self.as_of is not None:
            return self.rows_as_of(self.filterset)
        return super().get_table_data()

    def get_table_class(self) -> Any:
        table = exposure_table_class(self.fiscal_years, year_style=self.options.year_style, unit=self.options.unit)
        if self.as_of is not None:
            table.link_query = f"?as_of={self.as_of.isoformat()}"  # each 事項 opens its record of that day
        return table

    def get_table_pagination(self, table: Any) -> Any:
        paginate = super().get_table_pagination(table)
        totals = self.footer_totals(self.object_list)
        count = totals.get("commitments", self.filtered_count)
        if paginate is not False and count is not None:
            paginate = {**paginate, "paginator_class": CountedPaginator, "count": count}
        return paginate

    def get_table(self, **kwargs: Any) -> Any:
        table = super().get_table(**kwargs)
        table.footer_totals = self.footer_totals(self.object_list)
        page = getattr(table, "page", None)
        if page is not None and table.paginator.num_pages > 1:
            # The 合計 row covers every row the filters select, not only this page's: say so.
            table.footer_label = _("全 %(count)s 件の合計") % {"count": f"{table.paginator.count:,}"}
        return table

    def footer_totals(self, commitments: Any) -> dict[str, int]:
        """The 合計 row (once per request): from the per-cell totals when no filter narrows the organization's
        commitments — with their number, which then spares the paginator its count — otherwise summed."""
        if getattr(self, "_footer_totals", None) is None:
            if self.as_of is not None:
                self._footer_totals = selectors.exposure_totals_as_of(list(commitments), fiscal_years=self.fiscal_years)
            elif not self.filtering():
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
        context["basis_label"] = basis_label(self.options.basis)
        context["rounding_note"] = rounding_note(self.options.unit)
        if self.as_of is None:
            context["stale_count"] = selectors.stale_commitment_count(organization_ids=organization_scope(self.request))
        context["as_of_label"] = selectors.day_label(self.as_of or self.today)
        return context

    def filtered_rows(self) -> Any:
        """Every row the page's filters select, for the downloads: a queryset, or a list as of another day."""
        filterset = self.get_filterset(self.get_filterset_class())
        if self.as_of is not None:
            return self.rows_as_of(filterset)
        return filterset.qs if not filterset.is_bound or filterset.is_valid() else filterset.queryset.none()

    def stamp(self) -> str:
        """The day in the file name: the as-of day, else today."""
        return (self.as_of or self.today).strftime("%Y%m%d")


class ExposureExportView(ExposureView):
    """What both downloads hold: every row the page's filters select, as one ExportTable (exports.exposure)."""

    rows_selector = staticmethod(selectors.exposure_commitments)  # every row: one grouped join

    def export_table(self, organization: str = "") -> exports.ExportTable:
        """The page's rows, years, unit and era, with its 合計 row (the organization named in the heading if given)."""
        commitments = self.filtered_rows()
        return exports.exposure_matrix_export(
            commitments,
            fiscal_years=self.fiscal_years,
            totals=self.footer_totals(commitments),
            basis=self.basis,
            unit=self.options.unit,
            year_style=self.options.year_style,
            day=self.as_of or self.today,
            organization=organization,
        )


class ExposureCsvView(ExposureExportView):
    """The exposure table as CSV (UTF-8 with BOM), streamed row by row."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return exports.csv_response(self.export_table(), f"exposure_{self.stamp()}.csv")


class ExposureXlsxView(ExposureExportView):
    """The exposure table as an Excel workbook (heading, unit, frozen header), streamed from a temporary file."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return exports.xlsx_response([self.export_table()], f"exposure_{self.stamp()}.xlsx")


class ExposurePdfView(ExposureExportView):
    """The exposure table as an A4 landscape PDF: same rows, years, unit and era as the page, organization named."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        names = Organization.objects.for_user(request.user).order_by("name").values_list("name", flat=True)
        table = self.export_table(organization="・".join(names))
        return pdf_download(table, f"exposure_{self.stamp()}.pdf", running_head=table.heading)
