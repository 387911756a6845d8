"""Segment × fiscal year totals with a stacked bar chart (vendored Chart.js; the table works without it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.generic import TemplateView

from commitments import exports, fiscal, selectors
from commitments.filters import exposure_options
from commitments.models import Organization
from commitments.reporting.chart import color_of
from commitments.views.base import ReaderRequiredMixin, organization_scope, pdf_download
from commitments.vocabulary import basis_label, rounding_note


class ExposureSummaryView(ReaderRequiredMixin, TemplateView):
    """Outflow by fiscal year and segment: today's stored projection, or the books of another day row by row."""

    template_name = "commitments/exposure_summary.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.today = timezone.localdate()
        self.options_form, self.options = exposure_options(
            request.GET or None, today=self.today, default_basis="remaining"
        )
        self.as_of = self.options.as_of if self.options.as_of not in (None, self.today) else None
        return super().dispatch(request, *args, **kwargs)

    def summary_table(self) -> tuple[selectors.ExposureTable, list[int]]:
        """The totals by segment and year of the page (today's projection or the books of the as-of day), and the
        years of the chosen range."""
        scope = organization_scope(self.request)
        options = self.options
        table = selectors.exposure_table(
            organization_ids=scope, as_of=self.as_of, basis=options.basis, by="segment", from_fy=options.fy_from
        )
        return table, options.years(table.fiscal_years)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        options = self.options
        table, years = self.summary_table()
        rows = [
            {
                "label": r["label"],
                "years": [r["years"].get(fy, 0) for fy in years],
                "total": sum(r["years"].get(fy, 0) for fy in years),
            }
            for r in table.rows
        ]
        totals = [table.totals.get(fy, 0) for fy in years]
        headers = [fiscal.format_fiscal_year(fy, style=options.year_style) for fy in years]
        context.update(
            options_form=self.options_form,
            options=options,
            basis_label=basis_label(options.basis),
            as_of=self.as_of,
            as_of_label=selectors.day_label(self.as_of or self.today),
            headers=headers,
            rows=rows,
            totals=totals,
            grand_total=sum(totals),
            query=self.request.GET.urlencode(),
            rounding_note=rounding_note(options.unit),
            chart={
                "labels": headers,
                "unit": options.unit,
                # In the unit already, rounded as the table's cells are (fiscal.to_unit): one rule, not one per script.
                "datasets": [
                    {
                        "label": r["label"],
                        "data": [fiscal.to_unit(v, options.unit) for v in r["years"]],
                        "backgroundColor": color_of(i),
                    }
                    for i, r in enumerate(rows)
                ],
            },
        )
        return context


class ExposureSummaryExportView(ExposureSummaryView):
    """What the summary's downloads hold: its table by 事業区分 and year, in its unit and era, with a 合計 row."""

    def export_table(self) -> exports.ExportTable:
        table, years = self.summary_table()
        names = Organization.objects.for_user(self.request.user).order_by("name").values_list("name", flat=True)
        return exports.exposure_summary_export(
            table,
            unit=self.options.unit,
            year_style=self.options.year_style,
            day=self.as_of or self.today,
            fiscal_years=years,
            organization="・".join(names),
        )

    def filename(self, extension: str) -> str:
        return f"exposure_summary_{(self.as_of or self.today):%Y%m%d}.{extension}"


class ExposureSummaryCsvView(ExposureSummaryExportView):
    """The summary as CSV."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return exports.csv_response(self.export_table(), self.filename("csv"))


class ExposureSummaryXlsxView(ExposureSummaryExportView):
    """The summary as XLSX."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return exports.xlsx_response([self.export_table()], self.filename("xlsx"))


class ExposureSummaryPdfView(ExposureSummaryExportView):
    """The summary as an A4 landscape PDF."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        table = self.export_table()
        return pdf_download(table, self.filename("pdf"), running_head=table.heading)
