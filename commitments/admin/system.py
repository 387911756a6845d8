"""System tables: organizations, users, segments and derived projections."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from commitments.admin.base import OrganizationScopedAdmin
from commitments.admin.filters import OrganizationSegmentFilter, OwnOrganizationFilter
from commitments.models import Organization, ProjectionYear, Segment, User
from commitments.models.scoping import scoped

admin.site.site_header = _("債務負担行為 管理")
admin.site.site_title = _("債務負担行為 管理")
admin.site.index_title = _("財務担当・承認者メニュー")
admin.site.enable_nav_sidebar = False  # the lists need the width (事項 are long)


@admin.register(Organization)
class OrganizationAdmin(OrganizationScopedAdmin):
    list_display = ["name", "short_name", "created_at"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("団体"), {"fields": ["organization"]}))
    list_display = ["username", "last_name", "first_name", "email", "organization", "is_staff"]
    list_filter = [("organization", OwnOrganizationFilter), "groups", "is_staff"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return scoped(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "organization":
            kwargs["queryset"] = Organization.objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Segment)
class SegmentAdmin(OrganizationScopedAdmin):
    list_display = ["name", "code", "organization", "sort_order"]
    list_filter = [("organization", OwnOrganizationFilter)]


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
    list_filter = ["fiscal_year", ("segment", OrganizationSegmentFilter)]
    list_select_related = ["commitment", "segment"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
