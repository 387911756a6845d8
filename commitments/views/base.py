"""What every auditor-site page shares: who may read, whose books, and how a PDF too long to print is refused."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

from commitments import exports
from commitments.models.scoping import organization_ids_for

READER_GROUPS = ("auditor", "management")


class ReaderRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Auditors, management and staff may read; everyone else gets 403."""

    raise_exception = False

    def test_func(self) -> bool:
        user = self.request.user
        return bool(user.is_staff or user.is_superuser or user.groups.filter(name__in=READER_GROUPS).exists())

    def handle_no_permission(self) -> HttpResponse:
        self.raise_exception = self.request.user.is_authenticated
        return super().handle_no_permission()


def organization_scope(request: HttpRequest) -> list[int] | None:
    """The organizations whose books the user reads (None: all, for superusers), by models.scoping's rule."""
    return organization_ids_for(request.user)


def pdf_download(table: exports.ExportTable, filename: str, *, running_head: str) -> HttpResponse:
    """The table as a PDF download, or 400 pointing to the XLSX when it has more rows than a PDF holds."""
    try:
        return exports.pdf_response(table, filename, running_head=running_head)
    except exports.TooManyRows:
        return HttpResponseBadRequest(
            _("PDF は %(max)s 件までです。絞り込むか、Excel（XLSX）をお使いください。")
            % {"max": f"{exports.pdf_writer.MAX_ROWS:,}"}
        )
