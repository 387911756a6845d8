"""Report pages: the statutory 調書 and the exceptions list, each with XLSX and CSV downloads (read-only)."""

from __future__ import annotations

import datetime
from functools import cached_property
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from commitments import exports, fiscal, selectors
from commitments.models import Organization
from commitments.models.scoping import chooses_organization
from commitments.selectors import chousho as chousho_selectors
from commitments.selectors import exceptions as exceptions_selectors
from commitments.selectors import wareki_day
from commitments.views.base import ReaderRequiredMixin, pdf_download
from commitments.vocabulary import DEFAULT_ERA, DEFAULT_UNIT, ERA_CHOICES, UNIT_CHOICES, rounding_note

UNITS = [value for value, _label in UNIT_CHOICES]
ERAS = [value for value, _label in ERA_CHOICES]


class BadQuery(ValueError):
    """A query parameter that cannot be read (a 400 for downloads, a message on pages)."""


class ReportMixin(ReaderRequiredMixin):
    """Who may read (auditors, management, staff), whose books (own organization; superusers pick), display options.

    The pages are read-only: any method but GET/HEAD is refused with 403, whoever asks.
    """

    request: HttpRequest

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raise PermissionDenied("read-only page")

    @cached_property
    def organizations(self) -> list[Organization]:
        """The organizations a user who sees every one (a superuser) chooses from; empty for everyone else."""
        user = self.request.user
        return list(Organization.objects.for_user(user).order_by("name")) if chooses_organization(user) else []

    @cached_property
    def organization(self) -> Organization:
        """The organization whose books are shown."""
        user = self.request.user
        if chooses_organization(user):
            wanted = self.request.GET.get("organization", "")
            if wanted:
                found = next((o for o in self.organizations if str(o.pk) == wanted), None)
                if found is None:
                    raise Http404("no such organization")
                return found
            if not self.organizations:
                raise Http404("no organization")
            return self.organizations[0]
        if user.organization_id is None:
            raise PermissionDenied("user belongs to no organization")
        return user.organization

    @cached_property
    def today(self) -> datetime.date:
        """Today in the site's time zone (one reading per request)."""
        return timezone.localdate()

    @cached_property
    def as_of(self) -> datetime.date | None:
        """The day whose books are shown (`?as_of=YYYY-MM-DD`); None when not asked; BadQuery when unreadable."""
        text = self.request.GET.get("as_of", "").strip()
        if not text:
            return None
        try:
            return datetime.date.fromisoformat(text)
        except ValueError as exc:
            raise BadQuery(_("基準日を読み取れません（例：2026-12-01）: %(text)s") % {"text": repr(text)}) from exc

    def as_of_or_none(self) -> tuple[datetime.date | None, str]:
        """The as-of day for a page, and the message when it could not be read (the page then shows today's)."""
        try:
            return self.as_of, ""
        except BadQuery as exc:
            return None, str(exc)

    def as_of_input(self, as_of: datetime.date | None, error: str) -> str:
        """What the page's 基準日 field shows again: the text as typed when unreadable, else the day read."""
        return self.request.GET.get("as_of", "") if error else (as_of.isoformat() if as_of else "")

    @cached_property
    def unit(self) -> str:
        """円, 千円 (default) or 百万円."""
        unit = self.request.GET.get("unit", "")
        return unit if unit in UNITS else DEFAULT_UNIT

    @cached_property
    def era(self) -> str:
        """wareki (default: `７年度`) or seireki (`2025年度`)."""
        era = self.request.GET.get("era", "")
        return era if era in ERAS else DEFAULT_ERA

    def option_links(self, name: str, values: list[tuple[str, str]], current: str) -> list[dict[str, Any]]:
        """Links that change one query parameter and keep the others."""
        links = []
        for value, label in values:
            query = self.request.GET.copy()
            query[name] = value
            links.append({"label": label, "url": "?" + query.urlencode(), "active": value == current})
        return links

    def report_context(self) -> dict[str, Any]:
        return {
            "organization": self.organization,
            "organizations": self.organizations,
            "unit": self.unit,
            "era": self.era,
            "query": self.request.GET.urlencode(),
            "unit_links": self.option_links("unit", [(u, u) for u in UNITS], self.unit),
            "rounding_note": rounding_note(self.unit),
        }


class ReportDownload(View):
    """A download of a report page: its report as of the day asked for, or 400 when the query cannot be read.

    Mixed after the page's mixin, which provides `report(as_of=…)` and `as_of`; a subclass writes the file.
    """

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            report = self.report(as_of=self.as_of)  # type: ignore[attr-defined]
        except BadQuery as exc:
            return HttpResponseBadRequest(str(exc))
        return self.download(report)

    def download(self, report: Any) -> HttpResponse:
        raise NotImplementedError


class ChoushoMixin(ReportMixin):
    """The budget year (`?fy=2026`, `令和8年度`, `R8`; default: the current fiscal year) and the report."""

    @cached_property
    def budget_year(self) -> int:
        """The year asked for; BadQuery when it cannot be read."""
        text = self.request.GET.get("fy", "").strip()
        if not text:
            return fiscal.fiscal_year_of(timezone.localdate())
        try:
            return fiscal.parse_fiscal_year(text)
        except fiscal.FiscalParseError as exc:
            raise BadQuery(str(exc)) from exc

    def report(self, budget_year: int | None = None, as_of: datetime.date | None = None) -> selectors.ChoushoReport:
        """The 調書 of the year (by default the one asked for) as of `as_of` (None: in the budget's own view)."""
        year = self.budget_year if budget_year is None else budget_year
        return selectors.chousho_report(organization=self.organization, budget_year=year, as_of=as_of, today=self.today)

    def filename(self, extension: str, report: selectors.ChoushoReport | None = None) -> str:
        draft = "_見込" if report is not None and report.is_draft else ""
        return f"chousho_{self.budget_year}{draft}_{self.unit}.{extension}"


class ChoushoView(ChoushoMixin, TemplateView):
    """The 調書 for one budget year, in the statutory layout, a page of rows at a time (`?page=N`) under the 合計 and
    tie-out line of the whole report (A4 landscape when printed; the downloads hold every row)."""

    template_name = "commitments/reports/chousho.html"

    @cached_property
    def page_number(self) -> int:
        """The page asked for (`?page=N`; 1 when not a number; the selector keeps it within the report)."""
        text = self.request.GET.get("page", "").strip()
        return int(text) if text.isdigit() and len(text) < 10 else 1

    def chousho_page(self, year: int, as_of: datetime.date | None) -> selectors.ChoushoPage:
        """The page of the year's 調書 asked for, as of `as_of` (None: in the budget's own view)."""
        return selectors.chousho_page(
            organization=self.organization, budget_year=year, number=self.page_number, as_of=as_of, today=self.today
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.report_context())
        try:
            year, error = self.budget_year, ""
        except BadQuery as exc:  # shown above the current year's report
            year, error = fiscal.fiscal_year_of(self.today), str(exc)
        as_of, as_of_error = self.as_of_or_none()
        page = self.chousho_page(year, as_of)
        totals = page.totals
        context.update(
            report=page,
            page=page,
            error=error or as_of_error,
            as_of_label=selectors.day_label(page.as_of or self.today),
            as_of_input=self.as_of_input(as_of, as_of_error),
            title=chousho_selectors.TITLE,
            year_label=fiscal.format_fiscal_year(year, style="seireki" if self.era == "seireki" else "wareki"),
            fy_input=self.request.GET.get("fy", "") if error else str(year),
            header=exports.header_layout(
                exports.chousho_header(page, style=self.era), len(exports.chousho_columns(page))
            ),
            lines=[(row, exports.chousho_line(row, page, style=self.era)) for row in page.rows],
            totals=totals,
            funding_totals=[totals["funding_yen"][c.key] for c in page.columns],
            trailer=exports.chousho_trailer(page, unit=self.unit),
            pages=self._page_links(page),
            query=self._query(page=None),
            previous_query="?" + self._query(fy=str(year - 1), page=None),
            next_query="?" + self._query(fy=str(year + 1), page=None),
            previous_label=fiscal.format_fiscal_year(year - 1),
            next_label=fiscal.format_fiscal_year(year + 1),
            era_links=self.option_links("era", [("wareki", _("和暦")), ("seireki", _("西暦"))], self.era),
        )
        return context

    def _query(self, **changes: str | None) -> str:
        """The page's query with some parameters changed (None: dropped)."""
        query = self.request.GET.copy()
        for name, value in changes.items():
            if value is None:
                query.pop(name, None)
            else:
                query[name] = value
        return query.urlencode()

    def _page_links(self, page: selectors.ChoushoPage) -> dict[str, Any]:
        """The links to the first, previous, next and last pages (None where there is none), keeping the query."""

        def link(number: int) -> str | None:
            if number == page.number or not 1 <= number <= page.page_count:
                return None
            return "?" + self._query(page=str(number) if number > 1 else None)

        return {
            "first": link(1),
            "previous": link(page.number - 1),
            "next": link(page.number + 1),
            "last": link(page.page_count),
        }


class ChoushoXlsxView(ChoushoMixin, ReportDownload):
    """The 調書 as XLSX (numbers as numbers in the chosen unit, statutory header, frozen, A4 landscape)."""

    def download(self, report: selectors.ChoushoReport) -> HttpResponse:
        return exports.xlsx_response(
            [exports.chousho_sheet(report, unit=self.unit, style=self.era)], self.filename("xlsx", report)
        )


class ChoushoCsvView(ChoushoMixin, ReportDownload):
    """The 調書 as CSV (UTF-8 with BOM; headers joined like the Fuji CSVs: `８年度以降の支出予定額_金額`)."""

    def download(self, report: selectors.ChoushoReport) -> HttpResponse:
        sheet = exports.chousho_sheet(report, unit=self.unit, style=self.era)
        return exports.csv_response(sheet, self.filename("csv", report))


class ChoushoPdfView(ChoushoMixin, ReportDownload):
    """The 調書 as an A4 landscape PDF (statutory header repeated on every page, tie-out lines, page numbers)."""

    def download(self, report: selectors.ChoushoReport) -> HttpResponse:
        sheet = exports.chousho_sheet(report, unit=self.unit, style=self.era)
        year = fiscal.format_fiscal_year(report.budget_year, style="seireki" if self.era == "seireki" else "wareki")
        day = wareki_day(report.as_of or self.today)
        head = f"{report.organization.name}　調書 {year}予算　（単位：{self.unit}）　基準日：{day}"
        return pdf_download(sheet, self.filename("pdf", report), running_head=head)


class ExceptionsMixin(ReportMixin):
    """The window in days (`?days=`, default 60) and the report as of today, or of the day asked for (`?as_of=`)."""

    @cached_property
    def days(self) -> int:
        """The window asked for; BadQuery when it is not a whole number of days in range."""
        text = self.request.GET.get("days", "").strip()
        if not text:
            return exceptions_selectors.DEFAULT_DAYS
        if not text.isdigit() or int(text) > exceptions_selectors.MAX_DAYS:
            raise BadQuery(
                _("日数は0〜%(max)sの整数で指定してください: %(text)s")
                % {"max": exceptions_selectors.MAX_DAYS, "text": repr(text)}
            )
        return int(text)

    def report(self, days: int | None = None, as_of: datetime.date | None = None) -> selectors.ExceptionsReport:
        """The exceptions within `days` (by default the window asked for) as of `as_of` (None: today)."""
        return selectors.exceptions_report(
            organization=self.organization, today=self.today, days=self.days if days is None else days, as_of=as_of
        )

    def filename(self, extension: str) -> str:
        return f"exceptions_{self.as_of or self.today:%Y%m%d}.{extension}"


class ExceptionsView(ExceptionsMixin, TemplateView):
    """Near the limit, lapsing authority, contracts ending soon, text-only limits, stale projections."""

    template_name = "commitments/reports/exceptions.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.report_context())
        try:
            days, error = self.days, ""
        except BadQuery as exc:  # shown above the default window's report
            days, error = exceptions_selectors.DEFAULT_DAYS, str(exc)
        as_of, as_of_error = self.as_of_or_none()
        report = self.report(days, as_of=as_of)
        context.update(
            report=report,
            error=error or as_of_error,
            days=days,
            as_of_label=selectors.day_label(report.today),
            as_of_input=self.as_of_input(as_of, as_of_error),
        )
        return context


class ExceptionsXlsxView(ExceptionsMixin, ReportDownload):
    """The exceptions as XLSX, one sheet per section."""

    def download(self, report: selectors.ExceptionsReport) -> HttpResponse:
        return exports.xlsx_response(exports.exceptions_sheets(report, unit=self.unit), self.filename("xlsx"))


class ExceptionsCsvView(ExceptionsMixin, ReportDownload):
    """The exceptions as one CSV table with a 区分 column."""

    def download(self, report: selectors.ExceptionsReport) -> HttpResponse:
        return exports.csv_response(exports.exceptions_flat_sheet(report, unit=self.unit), self.filename("csv"))
