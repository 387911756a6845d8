"""Year-end close (年度末処理) in the admin: choose the year, read what lapses and completes, confirm, see the result;
past closes listed. Approvers (and staff holding the permission) of the organization; the service decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments import fiscal
from commitments.admin.base import OrganizationScopedAdmin, yen
from commitments.models import FiscalYearClose, Organization
from commitments.models.scoping import chooses_organization
from commitments.services import closing
from commitments.services.errors import ServiceError

CLOSE_PERMISSION = "commitments.close_fiscal_year"
YEARS_OFFERED = 10  # the years just ended that the page offers, newest first
SECTIONS = [
    ("lapsed", _("失効（契約のない限度額）")),
    ("closed_remainder", _("未契約分の失効（契約済の分のみ存続）")),
    ("completed", _("完了（支払済）")),
]


class CloseForm(forms.Form):
    """The organization (superusers choose it) and the fiscal year just ended, in 和暦."""

    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("団体"), required=False)
    fiscal_year = forms.TypedChoiceField(label=_("年度"), coerce=int, choices=[])

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        last = fiscal.fiscal_year_of(timezone.localdate()) - 1
        self.fields["fiscal_year"].choices = [
            (fy, f"{fiscal.format_fiscal_year(fy)}（{fy}）") for fy in range(last, last - YEARS_OFFERED, -1)
        ]
        self.fields["fiscal_year"].initial = last
        if chooses_organization(user):
            self.fields["organization"].queryset = Organization.objects.for_user(user).order_by("name")
            self.fields["organization"].required = True
        else:
            del self.fields["organization"]

    def organization_for_user(self) -> Organization | None:
        """The chosen organization, or the user's own."""
        if "organization" in self.fields:
            return self.cleaned_data.get("organization")
        return self.user.organization


class ReopenForm(forms.Form):
    """Why a closed commitment is reopened for contracts signed in time but entered late."""

    reason = forms.CharField(
        label=_("再開の理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例：3月31日締結の契約書の回付が6月になったため"),
    )


@admin.register(FiscalYearClose)
class FiscalYearCloseAdmin(OrganizationScopedAdmin):
    list_display = ["fiscal_year_display", "organization", "closed_by", "closed_at", "counts_display"]
    list_display_links = ["fiscal_year_display"]
    list_select_related = ["organization", "closed_by"]
    ordering = ["-fiscal_year", "organization_id"]

    def _may_close(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.has_perm(CLOSE_PERMISSION)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_close(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_close(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may_close(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("年度"), ordering="fiscal_year")
    def fiscal_year_display(self, obj: FiscalYearClose) -> str:
        return fiscal.format_fiscal_year(obj.fiscal_year)

    @admin.display(description=_("結果"))
    def counts_display(self, obj: FiscalYearClose) -> str:
        result = obj.result or {}
        return _("失効 %(lapsed)d 件、未契約分の失効 %(closed)d 件、完了 %(completed)d 件（失効額 %(yen)s円）") % {
            "lapsed": len(result.get("lapsed", [])),
            "closed": len(result.get("closed_remainder", [])),
            "completed": len(result.get("completed", [])),
            "yen": yen(result.get("lapsed_yen", 0)),
        }

    def _context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    @staticmethod
    def _sections(outcome: closing.CloseOutcome) -> list[tuple[Any, list[closing.CloseLine]]]:
        return [(label, getattr(outcome, action)) for action, label in SECTIONS]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        """Choose the year, preview (nothing written), confirm: the close runs once, then its result is shown."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CloseForm(request.POST or None, user=request.user)
        outcome = None
        if request.method == "POST" and form.is_valid():
            organization = form.organization_for_user()
            if organization is None:
                form.add_error(None, _("団体を指定してください。"))
            else:
                confirm = "_confirm" in request.POST
                try:
                    outcome = closing.fiscal_year_close(
                        actor=request.user,
                        organization=organization,
                        fiscal_year=form.cleaned_data["fiscal_year"],
                        dry_run=not confirm,
                    )
                except ServiceError as exc:
                    messages.error(request, str(exc.message))
                else:
                    if outcome.already or confirm:
                        (messages.info if outcome.already else messages.success)(request, outcome.summary())
                        return HttpResponseRedirect(
                            reverse("admin:commitments_fiscalyearclose_change", args=[outcome.record.pk])  # type: ignore[union-attr]
                        )
        context = self._context(
            request,
            title=_("年度末処理"),
            form=form,
            outcome=outcome,
            sections=self._sections(outcome) if outcome is not None else [],
            past=self.get_queryset(request).select_related("organization", "closed_by").order_by("-closed_at")[:10],
        )
        return TemplateResponse(request, "admin/commitments/fiscalyearclose/close.html", context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """One close as recorded: who, when, and every commitment it lapsed or completed with the amounts."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        record = get_object_or_404(self.get_queryset(request).select_related("closed_by", "organization"), pk=object_id)
        outcome = closing.recorded_outcome(record)
        context = self._context(
            request,
            title=str(record),
            record=record,
            outcome=outcome,
            sections=self._sections(outcome),
            closed_message=closing.already_closed_message(record),
        )
        return TemplateResponse(request, "admin/commitments/fiscalyearclose/result.html", context)
