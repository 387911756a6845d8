"""Fiscal frame (財政見通し) admin: officers enter, import and submit; approvers approve or reject; all through
services. And the statistics' class of each 種別 per organization, shown and editable."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from commitments import fiscal
from commitments.admin.base import (
    OrganizationScopedAdmin,
    ReadOnlyHistoryMixin,
    ServiceRefusalMixin,
    badge,
    yen,
)
from commitments.admin.workflow import APPROVAL_RECORD, WorkflowAdminMixin, workflow_actions
from commitments.forms import FiscalFrameForm, FrameUploadForm
from commitments.models import FiscalFrame, FrameStatus, KindClassification, Organization
from commitments.services import frames as services
from commitments.services.errors import RowErrors, ServiceError
from commitments.services.frames_import import frames_import

SHOWN = ["organization", "fiscal_year", "segment", "expenditure_yen", "general_revenue_yen", "note"]


@admin.register(FiscalFrame)
class FiscalFrameAdmin(
    WorkflowAdminMixin, ServiceRefusalMixin, ReadOnlyHistoryMixin, OrganizationScopedAdmin, SimpleHistoryAdmin
):
    form = FiscalFrameForm
    change_list_template = "admin/commitments/fiscalframe/change_list.html"
    list_display = [
        "year_display",
        "segment_display",
        "expenditure_display",
        "general_display",
        "status_badge",
        "note",
        "submitted_by",
        "approved_by",
    ]
    list_filter = ["status", "fiscal_year"]
    list_select_related = ["segment", "submitted_by", "approved_by"]
    actions = ["submit_selected", "approve_selected", "reject_selected", "withdraw_selected"]
    readonly_fields = ["status", "version", *(name for name in APPROVAL_RECORD if name != "resolution")]

    @admin.display(description=_("年度"), ordering="fiscal_year")
    def year_display(self, obj: FiscalFrame) -> str:
        return fiscal.format_fiscal_year(obj.fiscal_year)

    @admin.display(description=_("事業区分"), ordering="segment__sort_order")
    def segment_display(self, obj: FiscalFrame) -> str:
        return obj.segment.name if obj.segment_id else str(_("団体全体"))

    @admin.display(description=_("歳出総額（千円）"), ordering="expenditure_yen")
    def expenditure_display(self, obj: FiscalFrame) -> str:
        return yen(obj.expenditure_yen, "千円") or "—"

    @admin.display(description=_("一般財源（千円）"), ordering="general_revenue_yen")
    def general_display(self, obj: FiscalFrame) -> str:
        return yen(obj.general_revenue_yen, "千円") or "—"

    @admin.display(description=_("状態"), ordering="status")
    def status_badge(self, obj: FiscalFrame) -> str:
        return badge(obj.status, obj.get_status_display())

    def get_fields(self, request: HttpRequest, obj: FiscalFrame | None = None) -> list[str]:
        entry = [name for name in FiscalFrameForm.Meta.fields if not (obj and name == "organization")]
        # Past drafts, and any frame for who may only view it: the model's fields, not the entry form's own.
        if obj is not None and (obj.status != FrameStatus.DRAFT or not self.has_change_permission(request, obj)):
            return [*SHOWN, *self.readonly_fields]
        return [*entry, *self.readonly_fields] if obj else entry

    def get_readonly_fields(self, request: HttpRequest, obj: FiscalFrame | None = None) -> list[str]:
        if obj is not None and obj.status != FrameStatus.DRAFT:
            return [*SHOWN, *self.readonly_fields]
        return [*self.readonly_fields, "organization"] if obj else list(self.readonly_fields)

    def has_change_permission(self, request: HttpRequest, obj: FiscalFrame | None = None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or obj.status == FrameStatus.DRAFT)

    def has_delete_permission(self, request: HttpRequest, obj: FiscalFrame | None = None) -> bool:
        return super().has_delete_permission(request, obj) and (
            obj is None or (obj.status == FrameStatus.DRAFT and obj.submitted_by_id is None)
        )

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        if request.user.organization_id:
            initial.setdefault("organization", request.user.organization_id)
        return initial

    def save_model(self, request: HttpRequest, obj: FiscalFrame, form: Any, change: bool) -> None:
        values = form.values()
        if change:
            saved = services.frame_update_draft(
                actor=request.user,
                frame=obj,
                expected_version=form.cleaned_data.get("expected_version") or obj.version,
                **values,
            )
        else:
            saved = services.frame_create(actor=request.user, organization=form.cleaned_data["organization"], **values)
        obj.pk, obj.version = saved.pk, saved.version

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None  # the history records it

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None

    def get_urls(self) -> list[Any]:
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="commitments_fiscalframe_upload")
        return [upload, *super().get_urls()]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Import a CSV or XLSX of frames (all rows or none); each frame is submitted for approval."""
        user = request.user
        if not (user.has_perm("commitments.add_fiscalframe") and user.has_perm("commitments.submit_fiscalframe")):
            raise PermissionDenied
        organizations = Organization.objects.for_user(user).order_by("name")
        form = FrameUploadForm(request.POST or None, request.FILES or None, organizations=organizations)
        row_errors: list[tuple[int, str]] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                created = frames_import(
                    actor=user,
                    organization=form.cleaned_data["organization"],
                    data=upload.read(),
                    file_name=upload.name,
                    unit=form.cleaned_data["unit"],
                    note=form.cleaned_data.get("note") or "",
                )
            except RowErrors as exc:
                row_errors = exc.rows
                messages.error(request, str(exc.message))
            except ServiceError as exc:
                messages.error(request, str(exc.message))
            else:
                messages.success(
                    request, _("財政見通し %(n)d 件を取り込み、承認待ちにしました。") % {"n": len(created)}
                )
                return HttpResponseRedirect(reverse("admin:commitments_fiscalframe_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("財政見通しの取込"),
            "form": form,
            "row_errors": row_errors,
        }
        return TemplateResponse(request, "admin/commitments/fiscalframe/upload.html", context)

    workflow_services, workflow_item = services, "frame"
    submit_selected, withdraw_selected, approve_selected, reject_selected = workflow_actions(services, "frame")


@admin.register(KindClassification)
class KindClassificationAdmin(ServiceRefusalMixin, ReadOnlyHistoryMixin, OrganizationScopedAdmin, SimpleHistoryAdmin):
    """An organization's own class for a 種別 (the others keep the default shown on the statistics page)."""

    list_display = ["organization", "kind", "statistics_class"]
    list_filter = ["statistics_class"]
    fields = ["organization", "kind", "statistics_class"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        if request.user.organization_id:
            initial.setdefault("organization", request.user.organization_id)
        return initial

    def get_readonly_fields(self, request: HttpRequest, obj: KindClassification | None = None) -> list[str]:
        return ["organization", "kind"] if obj else []

    def save_model(self, request: HttpRequest, obj: KindClassification, form: Any, change: bool) -> None:
        saved = services.kind_class_set(
            actor=request.user,
            organization=obj.organization if change else form.cleaned_data["organization"],
            kind=obj.kind if change else form.cleaned_data["kind"],
            statistics_class=form.cleaned_data["statistics_class"],
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: KindClassification) -> None:
        services.kind_class_clear(actor=request.user, classification=obj)
