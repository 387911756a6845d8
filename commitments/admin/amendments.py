"""Amendment (補正) admin: officers draft and submit, approvers approve or reject; all through services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from commitments.admin.base import (
    OrganizationScopedAdmin,
    ReadOnlyHistoryMixin,
    ServiceRefusalMixin,
    fiscal_year_label,
    yen,
)
from commitments.admin.workflow import APPROVAL_RECORD, WorkflowAdminMixin, workflow_actions
from commitments.forms import AmendmentForm
from commitments.models import OPEN_AMENDMENT_STATES, Amendment, AmendmentStatus
from commitments.selectors.burden_whatif import draft_comparison
from commitments.services import amendments as services


@admin.register(Amendment)
class AmendmentAdmin(
    WorkflowAdminMixin, ServiceRefusalMixin, ReadOnlyHistoryMixin, OrganizationScopedAdmin, SimpleHistoryAdmin
):
    form = AmendmentForm
    change_form_template = "admin/commitments/amendment/change_form.html"
    list_display = ["__str__", "reason", "abolish", "status_badge", "submitted_by", "approved_by", "approved_at"]
    list_filter = ["status", "abolish"]
    search_fields = ["commitment__matter", "reason"]
    list_select_related = ["commitment", "submitted_by", "approved_by"]
    show_full_result_count = False
    actions = ["submit_selected", "approve_selected", "reject_selected", "withdraw_selected"]
    readonly_fields = [
        "number",
        "status",
        "version",
        *APPROVAL_RECORD,
        "before",
        "after",
    ]

    @admin.display(description=_("変更後の限度額（円）"))
    def new_limit_display(self, obj: Amendment) -> str:
        return yen(obj.new_limit_yen)

    @admin.display(description=_("変更後の見込額（円）"))
    def new_estimated_limit_display(self, obj: Amendment) -> str:
        return yen(obj.new_estimated_limit_yen)

    @admin.display(description=_("変更後の負担年度（初年度）"))
    def new_first_burden_fy_display(self, obj: Amendment) -> str:
        return fiscal_year_label(obj.new_first_burden_fy)

    @admin.display(description=_("変更後の負担年度（最終年度）"))
    def new_last_burden_fy_display(self, obj: Amendment) -> str:
        return fiscal_year_label(obj.new_last_burden_fy)

    @admin.display(description=_("契約締結期限の延長（年度）"))
    def new_contract_until_fy_display(self, obj: Amendment) -> str:
        return fiscal_year_label(obj.new_contract_until_fy)

    def get_fields(self, request: HttpRequest, obj: Amendment | None = None) -> list[str]:
        if obj is not None and (obj.status != AmendmentStatus.DRAFT or not self.has_change_permission(request, obj)):
            return [
                "commitment",
                "reason",
                "abolish",
                "new_matter",
                "new_limit_display",
                "new_limit_text",
                "new_estimated_limit_display",
                "new_first_burden_fy_display",
                "new_last_burden_fy_display",
                "new_contract_until_fy_display",
                "new_planned",
                *self.readonly_fields,
            ]
        return [*AmendmentForm.Meta.fields, *self.readonly_fields] if obj else list(AmendmentForm.Meta.fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Amendment | None = None) -> list[str]:
        return [*self.readonly_fields, "commitment"] if obj else list(self.readonly_fields)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        if obj is not None and obj.status in OPEN_AMENDMENT_STATES:
            extra_context["what_if"] = draft_comparison(amendment=obj, today=timezone.localdate())
            extra_context["what_if_url"] = reverse("burden") + f"?include=a{obj.pk}"
        return super().change_view(request, object_id, form_url, extra_context)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "commitment":
            self.scope_foreign_key(db_field, request, kwargs, status__in=list(services.AMENDABLE_STATES))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def draft_values(self, form: Any) -> dict[str, Any]:
        return form.proposal()

    workflow_services, workflow_item, workflow_parent = services, "amendment", "commitment"
    # The number is given by the service: the admin's message names 「補正第N号」 from the first save.
    saved_fields = ("pk", "version", "number")
    submit_selected, withdraw_selected, approve_selected, reject_selected = workflow_actions(services, "amendment")
