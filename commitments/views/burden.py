"""The burden page (the coming years' committed outflow against the fiscal frames, with what-if) and the yearly
statistics of 翌年度以降支出予定額 with its Excel download. Read-only; same readers and tenancy as the exposure page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from commitments import exports, fiscal
from commitments.models import Commitment
from commitments.reporting.burden_chart import ShareBar, share_chart_svg
from commitments.selectors import burden, burden_statistics, burden_whatif
from commitments.selectors.as_of import day_label
from commitments.views.reports import ReportMixin


@dataclass
class BurdenReads:
    """What the burden page reads from the books, before it lays them out."""

    choices: list[burden_whatif.WhatIfChoice]
    keys: list[str]
    report: burden.BurdenReport
    after: burden.BurdenReport | None
    choices_total: int


class BurdenView(ReportMixin, TemplateView):
    """Per coming year (and 事業区分): committed outflow, 一般財源 part, frame, share; chart; a year's commitments."""

    template_name = "commitments/burden.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        as_of, error = self.as_of_or_none()
        reads = self.burden_reads(as_of=as_of)
        report, after, keys = reads.report, reads.after, reads.keys
        bars = [
            ShareBar(
                fiscal.format_fiscal_year(fy, style=self.era),
                report.totals.years[fy].share,
                after.totals.years[fy].share if after else None,
                report.totals.years[fy].over,
                after.totals.years[fy].over if after else False,
            )
            for fy in report.fiscal_years
        ]
        year = self._year(report.fiscal_years)
        context.update(
            self.report_context(),
            error=error,
            as_of=as_of,
            as_of_label=day_label(as_of or self.today),
            report=report,
            after=after,
            rows=self._rows(report, after),
            years=[(fy, fiscal.format_fiscal_year(fy, style=self.era)) for fy in report.fiscal_years],
            chart=share_chart_svg(
                bars,
                threshold_percent=report.threshold_percent,
                title=_("年度別の財政見通しに対する既定の負担の割合（合計）"),
                what_if=after is not None,
            ),
            has_share=any(b.share is not None for b in bars),
            choices=reads.choices,
            choices_total=reads.choices_total,
            included=set(keys),
            year=year,
            year_label=fiscal.format_fiscal_year(year, style=self.era) if year else "",
            year_commitments=self.year_commitments(year, as_of=as_of) if year else [],
            year_list_max=burden.YEAR_LIST_MAX,
            frames_admin_url=reverse("admin:commitments_fiscalframe_changelist"),
        )
        return context

    def burden_reads(self, *, as_of: datetime.date | None) -> BurdenReads:
        """What the page reads from the books: the what-if choices, the drafts asked for (`?include=`) among them,
        the report (and the report after those drafts), and how many drafts could be chosen."""
        organization = self.organization
        keys = [k for k in self.request.GET.getlist("include") if k]
        choices = burden_whatif.what_if_choices(organization, included=tuple(keys))
        known = {c.key for c in choices}
        keys = [k for k in keys if k in known]
        if keys:
            report, after = burden_whatif.burden_what_if(
                organization=organization, keys=keys, as_of=as_of, today=self.today
            )
        else:
            report, after = burden.burden_report(organization=organization, as_of=as_of, today=self.today), None
        total = burden_whatif.what_if_candidates(organization) if choices else 0
        return BurdenReads(choices=choices, keys=keys, report=report, after=after, choices_total=total)

    def year_commitments(self, year: int, *, as_of: datetime.date | None) -> list[tuple[Commitment, int]]:
        """The commitments listed under the year asked for (`?year=`), largest first."""
        return burden.burden_year_commitments(
            organization=self.organization, fiscal_year=year, as_of=as_of, today=self.today
        )

    def _year(self, years: list[int]) -> int | None:
        """The year whose commitments are listed (`?year=`), if it is one of the report's."""
        text = self.request.GET.get("year", "")
        return int(text) if text.isdigit() and int(text) in years else None

    @staticmethod
    def _rows(report: burden.BurdenReport, after: burden.BurdenReport | None) -> list[dict[str, Any]]:
        """The table's rows: each 事業区分 then the total, each year's cell (and its cell after the drafts)."""
        rows = []
        after_rows = {r.key: r for r in after.rows} if after else {}
        for row in [*report.rows, report.totals]:
            other = after.totals if (after and row.key is None) else after_rows.get(row.key)
            rows.append(
                {
                    "label": row.label if row.key is not None else _("合計"),
                    "total": row.key is None,
                    "cells": [(row.years[fy], other.years[fy] if other else None) for fy in report.fiscal_years],
                }
            )
        return rows


class BurdenStatisticsView(ReportMixin, TemplateView):
    """翌年度以降支出予定額 by statistics class and year of payment, and the 種別 → class mapping used."""

    template_name = "commitments/burden_statistics.html"

    def table(self) -> burden_statistics.StatisticsTable:
        as_of, _error = self.as_of_or_none()
        return burden_statistics.statistics_table(organization=self.organization, as_of=as_of, today=self.today)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        as_of, error = self.as_of_or_none()
        table = self.table()
        context.update(
            self.report_context(),
            error=error,
            as_of=as_of,
            as_of_label=day_label(as_of or self.today),
            table=table,
            headers=[fiscal.format_fiscal_year(fy, style=self.era) for fy in table.fiscal_years],
            rows=[
                {"label": row.label, "years": [row.years.get(fy, 0) for fy in table.fiscal_years], "total": row.total}
                for row in [*table.rows, table.totals]
            ],
            mapping_admin_url=reverse("admin:commitments_kindclassification_changelist"),
        )
        return context


class BurdenStatisticsXlsxView(BurdenStatisticsView):
    """The statistics table as an Excel workbook."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        as_of, _error = self.as_of_or_none()
        table = exports.statistics_export(self.table(), unit=self.unit, year_style=self.era)
        stamp = (as_of or self.today).strftime("%Y%m%d")
        return exports.xlsx_response([table], f"burden_statistics_{stamp}.xlsx")
