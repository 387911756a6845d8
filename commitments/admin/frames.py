"""Fiscal frame (財政見通し) admin: officers enter, import and submit; approvers approve or reject; all through
services. And the statistics' class of each 種別 per organization, shown and editable."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from commitments import fiscal
from commitments.admin.base import (
    OrganizationScopedAdmin,
    ReadOnlyHistoryMixin,
    ServiceRefusalMixin,
    upload_page,
    yen,
)
from commitments.admin.workflow import APPROVAL_RECORD, WorkflowAdminMixin, workflow_actions
from commitments.forms import FiscalFrameForm, FrameUploadForm
from commitments.models import FiscalFrame, FrameStatus, KindClassification, Organization
from commitments.services import frames as services
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

    def draft_values(self, form: Any) -> dict[str, Any]:
        return form.values()

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

        def load() -> str:
            upload = form.cleaned_data["file"]
            created = frames_import(
                actor=user,
                organization=form.cleaned_data["organization"],
                data=upload.read(),
                file_name=upload.name,
                unit=form.cleaned_data["unit"],
                note=form.cleaned_data.get("note") or "",
            )
            return _("財政見通し %(n)d 件を取り込み、承認待ちにしました。") % {"n": len(created)}

        return upload_page(
            self,
            request,
            form,
            title=_("財政見通しの取込"),
            template="admin/commitments/fiscalframe/upload.html",
            load=load,
        )

    workflow_services, workflow_item = services, "frame"
    submit_selected, withdraw_selected, approve_selected, reject_selected = workflow_actions(services, "frame")


@admin.register(KindClassification)
class KindClassificationAdmin(ServiceRefusalMixin, ReadOnlyHistoryMixin, OrganizationScopedAdmin, SimpleHistoryAdmin):
    """An organization's own class for a 種別 (the others keep the default shown on the statistics page)."""

    list_display = ["organization", "kind", "statistics_class"]
    list_filter = ["statistics_class"]
    fields = ["organization", "kind", "statistics_class"]

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
