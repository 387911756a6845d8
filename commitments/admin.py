"""Declarative admin for finance officers and approvers; every change goes through services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from commitments import fiscal
from commitments.forms import ApproveForm, CommitmentForm, RejectForm
from commitments.models import (
    Commitment,
    CommitmentEvent,
    Organization,
    ProjectionYear,
    ReportDelivery,
    Segment,
    Status,
    User,
)
from commitments.services import approval
from commitments.services.errors import ServiceError

admin.site.site_header = _("債務負担行為 管理")
admin.site.site_title = _("債務負担行為 管理")
admin.site.index_title = _("財務担当・承認者メニュー")

STATUS_COLORS = {
    Status.DRAFT: "#6c757d",
    Status.SUBMITTED: "#b8860b",
    Status.APPROVED: "#1f7a1f",
    Status.ACTIVE: "#0b5ed7",
    Status.COMPLETED: "#333",
    Status.LAPSED: "#a52a2a",
    Status.ABOLISHED: "#a52a2a",
}


class OrganizationScopedAdmin(admin.ModelAdmin):
    """Shows a user only their own organization's rows (superusers see all)."""

    organization_field = "organization"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.organization_field}_id": request.user.organization_id})


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "created_at"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("団体"), {"fields": ["organization"]}))
    list_display = ["username", "last_name", "first_name", "email", "organization", "is_staff"]
    list_filter = ["organization", "groups", "is_staff"]


@admin.register(Segment)
class SegmentAdmin(OrganizationScopedAdmin):
    list_display = ["name", "code", "organization", "sort_order"]
    list_filter = ["organization"]


class CommitmentEventInline(admin.TabularInline):
    model = CommitmentEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor", "action", "from_status", "to_status", "note"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _run_each(
    request: HttpRequest, queryset: QuerySet[Commitment], verb: str, call: Callable[[Commitment], Any]
) -> None:
    """Apply a service to each selected commitment and report per-item results."""
    done, failed = 0, 0
    for commitment in queryset:
        try:
            call(commitment)
            done += 1
        except ServiceError as exc:
            failed += 1
            messages.error(request, f"{commitment.matter}: {exc.message}")
    if done:
        messages.success(request, _("%(n)d 件を%(verb)sしました。") % {"n": done, "verb": verb})
    if failed:
        messages.warning(request, _("%(n)d 件は%(verb)sできませんでした。") % {"n": failed, "verb": verb})


@admin.register(Commitment)
class CommitmentAdmin(OrganizationScopedAdmin, SimpleHistoryAdmin):
    form = CommitmentForm
    list_display = [
        "seq",
        "matter",
        "limit_display",
        "authorized_fy_display",
        "span_display",
        "segment",
        "status_badge",
    ]
    list_display_links = ["matter"]
    list_filter = ["status", "segment", "authorized_fy", "organization"]
    search_fields = ["matter"]
    list_select_related = ["segment", "organization"]
    list_per_page = 50
    show_full_result_count = False
    inlines = [CommitmentEventInline]
    actions = ["submit_selected", "approve_selected", "reject_selected", "withdraw_selected"]
    readonly_fields = [
        "status",
        "version",
        "submitted_by",
        "submitted_at",
        "approved_by",
        "approved_at",
        "resolution",
        "rejection_reason",
    ]

    @admin.display(description=_("限度額（千円）"), ordering="limit_yen")
    def limit_display(self, obj: Commitment) -> str:
        if obj.limit_yen is None:
            return format_html('<span title="{}">※{}</span>', obj.limit_text, _("文言"))
        return fiscal.format_amount(obj.limit_yen)

    @admin.display(description=_("行為年度"), ordering="authorized_fy")
    def authorized_fy_display(self, obj: Commitment) -> str:
        return fiscal.format_fiscal_year(obj.authorized_fy)

    @admin.display(description=_("負担年度"))
    def span_display(self, obj: Commitment) -> str:
        wareki = fiscal.format_span(obj.first_burden_fy, obj.last_burden_fy)
        return f"{wareki}（{obj.first_burden_fy}–{obj.last_burden_fy}）"

    @admin.display(description=_("状態"), ordering="status")
    def status_badge(self, obj: Commitment) -> str:
        color = STATUS_COLORS.get(obj.status, "#333")
        return format_html(
            '<span style="color:#fff;background:{};padding:1px 6px;border-radius:3px">{}</span>',
            color,
            obj.get_status_display(),
        )

    def has_change_permission(self, request: HttpRequest, obj: Commitment | None = None) -> bool:
        # Only drafts are edited in place; anything submitted or approved changes through the workflow.
        return super().has_change_permission(request, obj) and (obj is None or obj.status == Status.DRAFT)

    def get_fields(self, request: HttpRequest, obj: Commitment | None = None) -> list[str]:
        if obj is not None and obj.status != Status.DRAFT:
            return [
                "organization",
                "segment",
                "seq",
                "matter",
                "limit_display",
                "limit_text",
                "estimated_limit_yen",
                "authorized_fy_display",
                "span_display",
                "spread_rule",
                *self.readonly_fields,
            ]
        return [*CommitmentForm.Meta.fields, *self.readonly_fields]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if not request.user.is_superuser and db_field.name in {"organization", "segment"}:
            org_field = "pk" if db_field.name == "organization" else "organization_id"
            kwargs["queryset"] = db_field.related_model.objects.filter(**{org_field: request.user.organization_id})
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Commitment, form: Any, change: bool) -> None:
        data = form.cleaned_data
        fields = {name: data.get(name) for name in approval.EDITABLE_FIELDS if name in data or name == "limit_yen"}
        fields["limit_text"] = fields.get("limit_text") or ""
        if change:
            saved = approval.commitment_update_draft(
                actor=request.user,
                commitment=obj,
                expected_version=data.get("expected_version") or obj.version,
                **fields,
            )
        else:
            saved = approval.commitment_create(actor=request.user, organization=data["organization"], **fields)
        obj.pk, obj.version = saved.pk, saved.version

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        if request.user.organization_id:
            initial.setdefault("organization", request.user.organization_id)
        return initial

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceError as exc:
            messages.error(request, str(exc.message))
            return (
                self.response_post_save_change(request, None)
                if object_id
                else TemplateResponse(request, "admin/commitments/error.html", {"message": exc.message})
            )

    def delete_model(self, request: HttpRequest, obj: Commitment) -> None:
        approval.commitment_delete_draft(actor=request.user, commitment=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Commitment | None = None) -> bool:
        return super().has_delete_permission(request, obj) and (
            obj is None or (obj.status == Status.DRAFT and obj.submitted_by_id is None)
        )

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, Any, Any]:
        to_delete, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # A never-submitted draft's only trail is its creation event, which the service removes with it.
        if all(o.status == Status.DRAFT and o.submitted_by_id is None for o in objs):
            protected = []
        return to_delete, counts, perms_needed, protected

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk delete would bypass the service
        return actions

    @admin.action(description=_("選択した債務負担行為を提出"), permissions=["submit"])
    def submit_selected(self, request: HttpRequest, queryset: QuerySet[Commitment]) -> None:
        _run_each(request, queryset, _("提出"), lambda c: approval.commitment_submit(actor=request.user, commitment=c))

    @admin.action(description=_("選択した提出を取り下げ"), permissions=["submit"])
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet[Commitment]) -> None:
        _run_each(
            request, queryset, _("取り下げ"), lambda c: approval.commitment_withdraw(actor=request.user, commitment=c)
        )

    @admin.action(description=_("選択した債務負担行為を承認"), permissions=["approve"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Commitment]) -> HttpResponse | None:
        form = ApproveForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            resolution = form.cleaned_data["resolution"]
            _run_each(
                request,
                queryset,
                _("承認"),
                lambda c: approval.commitment_approve(actor=request.user, commitment=c, resolution=resolution),
            )
            return None
        return self._action_form(request, queryset, form, "approve_selected", _("承認"))

    @admin.action(description=_("選択した提出を差戻し"), permissions=["approve"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[Commitment]) -> HttpResponse | None:
        form = RejectForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            _run_each(
                request,
                queryset,
                _("差戻し"),
                lambda c: approval.commitment_reject(actor=request.user, commitment=c, reason=reason),
            )
            return None
        return self._action_form(request, queryset, form, "reject_selected", _("差戻し"))

    def _action_form(
        self, request: HttpRequest, queryset: QuerySet[Commitment], form: Any, action: str, verb: str
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "queryset": queryset,
            "form": form,
            "action": action,
            "verb": verb,
            "title": verb,
        }
        return TemplateResponse(request, "admin/commitments/action_form.html", context)

    def has_submit_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("commitments.submit_commitment")

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("commitments.approve_commitment")


@admin.register(ProjectionYear)
class ProjectionYearAdmin(OrganizationScopedAdmin):
    list_display = [
        "commitment",
        "fiscal_year",
        "segment",
        "planned_yen",
        "paid_yen",
        "contracted_yen",
        "uncontracted_yen",
        "computed_at",
    ]
    list_filter = ["fiscal_year", "segment"]
    list_select_related = ["commitment", "segment"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(OrganizationScopedAdmin):
    list_display = ["claimed_at", "organization", "kind", "period", "state", "recipients", "attempts", "sent_at"]
    list_filter = ["state", "kind", "organization"]
    readonly_fields = [
        "organization",
        "kind",
        "period",
        "state",
        "recipients",
        "subject",
        "error",
        "attempts",
        "claimed_at",
        "sent_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
