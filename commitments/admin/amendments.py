"""Amendment (補正) admin: officers draft and submit, approvers approve or reject; all through services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from commitments.admin.base import (
    OrganizationScopedAdmin,
    ReadOnlyHistoryMixin,
    ServiceRefusalMixin,
    badge,
    confirmation_page,
    fiscal_year_label,
    run_each,
    yen,
)
from commitments.forms import AmendmentForm, ApproveForm, RejectForm
from commitments.models import Amendment, AmendmentStatus
from commitments.services import amendments as services


@admin.register(Amendment)
class AmendmentAdmin(ServiceRefusalMixin, ReadOnlyHistoryMixin, OrganizationScopedAdmin, SimpleHistoryAdmin):
    form = AmendmentForm
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
        "submitted_by",
        "submitted_at",
        "approved_by",
        "approved_at",
        "resolution",
        "rejection_reason",
        "before",
        "after",
    ]

    @admin.display(description=_("状態"), ordering="status")
    def status_badge(self, obj: Amendment) -> str:
        return badge(obj.status, obj.get_status_display())

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

    def has_change_permission(self, request: HttpRequest, obj: Amendment | None = None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or obj.status == AmendmentStatus.DRAFT)

    def has_delete_permission(self, request: HttpRequest, obj: Amendment | None = None) -> bool:
        return super().has_delete_permission(request, obj) and (
            obj is None or (obj.status == AmendmentStatus.DRAFT and obj.submitted_by_id is None)
        )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "commitment":
            self.scope_foreign_key(db_field, request, kwargs, status__in=list(services.AMENDABLE_STATES))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Amendment, form: Any, change: bool) -> None:
        proposal = form.proposal()
        if change:
            saved = services.amendment_update_draft(
                actor=request.user,
                amendment=obj,
                expected_version=form.cleaned_data.get("expected_version") or obj.version,
                **proposal,
            )
        else:
            saved = services.amendment_create(
                actor=request.user, commitment=form.cleaned_data["commitment"], **proposal
            )
        # The number is given by the service: the admin's message names 「補正第N号」 from the first save.
        obj.pk, obj.version, obj.number = saved.pk, saved.version, saved.number

    def delete_model(self, request: HttpRequest, obj: Amendment) -> None:
        services.amendment_delete_draft(actor=request.user, amendment=obj)

    @admin.action(description=_("選択した補正を提出"), permissions=["submit"])
    def submit_selected(self, request: HttpRequest, queryset: QuerySet[Amendment]) -> None:
        run_each(
            request, queryset, _("提出"), lambda a: services.amendment_submit(actor=request.user, amendment=a), str
        )

    @admin.action(description=_("選択した補正の提出を取り下げ"), permissions=["submit"])
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet[Amendment]) -> None:
        run_each(
            request,
            queryset,
            _("取り下げ"),
            lambda a: services.amendment_withdraw(actor=request.user, amendment=a),
            str,
        )

    @admin.action(description=_("選択した補正を承認"), permissions=["approve"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Amendment]) -> HttpResponse | None:
        form = ApproveForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            resolution = form.cleaned_data["resolution"]
            run_each(
                request,
                queryset,
                _("承認"),
                lambda a: services.amendment_approve(actor=request.user, amendment=a, resolution=resolution),
                str,
            )
            return None
        return confirmation_page(self, request, queryset, form, "approve_selected", _("補正の承認"))

    @admin.action(description=_("選択した補正を差戻し"), permissions=["approve"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Amendment]) -> HttpResponse | None:
        form = RejectForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            run_each(
                request,
                queryset,
                _("差戻し"),
                lambda a: services.amendment_reject(actor=request.user, amendment=a, reason=reason),
                str,
            )
            return None
        return confirmation_page(self, request, queryset, form, "reject_selected", _("補正の差戻し"))

    def has_submit_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("commitments.submit_amendment")

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("commitments.approve_amendment")
