"""System tables: organizations, users, segments and derived projections."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from commitments.admin.base import (
    OrganizationScopedAdmin,
    ReadOnlyAdminMixin,
    ServiceRefusalMixin,
    fiscal_year_label,
    yen,
)
from commitments.admin.filters import FiscalYearValuesFilter, OrganizationSegmentFilter, OwnOrganizationFilter
from commitments.admin.roles import RoleFilter
from commitments.models import Organization, ProjectionYear, Segment, User
from commitments.models.scoping import scoped
from commitments.roles import ROLE_LABELS
from commitments.services import organizations
from commitments.services.errors import ServiceError

admin.site.site_header = _("債務負担行為 管理")
admin.site.site_title = _("債務負担行為 管理")
admin.site.index_title = _("財務担当・承認者メニュー")
admin.site.enable_nav_sidebar = False  # the lists need the width (事項 are long)


def _lines_field(label: Any, help_text: Any) -> forms.CharField:
    """An optional text area read one entry a line."""
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text=help_text)


class OrganizationForm(forms.ModelForm):
    """An organization; on adding, also its segments and funding sources (一般会計 is always created, as default)."""

    segments = _lines_field(
        _("事業区分"),
        _("1行に1つ「コード:名称」（例：water:水道事業会計）。一般会計（general）は必ず作られ、既定になります。"),
    )
    funding_sources = _lines_field(
        _("財源"),
        _(
            "1行に1つ、調書の財源内訳の順に（例：国県支出金、地方債、その他、一般財源）。空欄なら調書の取込時に見出しから作ります。"
        ),
    )

    class Meta:
        model = Organization
        fields = ["name", "short_name"]

    def clean_segments(self) -> list[tuple[str, str]]:
        try:
            return [
                organizations.segment_spec_parse(line)
                for line in self.cleaned_data["segments"].splitlines()
                if line.strip()
            ]
        except ServiceError as exc:
            raise forms.ValidationError(str(exc.message)) from exc

    def clean_funding_sources(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["funding_sources"].splitlines() if line.strip()]


@admin.register(Organization)
class OrganizationAdmin(ServiceRefusalMixin, OrganizationScopedAdmin):
    list_display = ["name", "short_name", "created_at"]
    search_fields = ["name"]
    form = OrganizationForm

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return (
            ["name", "short_name", "burden_warning_percent"]
            if obj is not None
            else ["name", "short_name", "segments", "funding_sources"]
        )

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = organizations.organization_create(
            actor=request.user,
            name=form.cleaned_data["name"],
            short_name=form.cleaned_data.get("short_name") or "",
            segments=form.cleaned_data.get("segments") or [],
            funding_sources=form.cleaned_data.get("funding_sources") or [],
        )
        obj.pk, obj.created_at = created.pk, created.created_at
        obj._state.adding, obj._state.db = False, created._state.db

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None  # the service recorded the organization, its segments and sources


def _role_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("役割"),
        required=False,
        choices=list(ROLE_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("財務担当と承認者は管理画面を使えます（スタッフ権限が付きます）。"),
    )


class _RolesMixin:
    """The role field and its check: a user with a role belongs to an organization."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        if cleaned.get("roles") and not cleaned.get("organization") and not cleaned.get("is_superuser"):
            self.add_error("organization", _("役割のある利用者には団体を指定してください。"))  # type: ignore[attr-defined]
        return cleaned


class UserAddForm(_RolesMixin, AdminUserCreationForm):
    """A new user: login, password, organization and roles."""

    roles = _role_field()


class UserEditForm(_RolesMixin, UserChangeForm):
    """A user's details, organization and roles (the role groups)."""

    roles = _role_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "roles" in self.fields:
            self.fields["roles"].initial = list(
                self.instance.groups.filter(name__in=ROLE_LABELS).values_list("name", flat=True)
            )


@admin.register(User)
class UserAdmin(ServiceRefusalMixin, BaseUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    fieldsets = (
        (None, {"fields": ["username", "password"]}),
        (_("氏名・連絡先"), {"fields": ["last_name", "first_name", "email"]}),
        (_("団体と役割"), {"fields": ["organization", "roles"]}),
        (_("権限"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("日時"), {"fields": ["last_login", "date_joined"]}),
    )
    add_fieldsets = (
        (None, {"classes": ["wide"], "fields": ["username", "usable_password", "password1", "password2"]}),
        (_("氏名・連絡先"), {"fields": ["last_name", "first_name", "email"]}),
        (_("団体と役割"), {"fields": ["organization", "roles"]}),
    )
    list_display = ["username", "last_name", "first_name", "email", "organization", "is_staff"]
    list_filter = [("organization", OwnOrganizationFilter), RoleFilter, "is_staff"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return scoped(super().get_queryset(request), request.user)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        organizations.user_roles_set(
            actor=request.user, user=obj, organization=obj.organization, roles=form.cleaned_data.get("roles") or []
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "organization":
            kwargs["queryset"] = Organization.objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Segment)
class SegmentAdmin(OrganizationScopedAdmin):
    list_display = ["name", "code", "organization", "sort_order", "is_default"]
    list_filter = [("organization", OwnOrganizationFilter)]
    readonly_fields = ["is_default"]
    actions = ["make_default"]

    @admin.action(description=_("既定の事業区分にする"), permissions=["change"])
    def make_default(self, request: HttpRequest, queryset: QuerySet[Segment]) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("既定にする事業区分を1つだけ選んでください。"), messages.ERROR)
            return
        try:
            segment = organizations.segment_make_default(actor=request.user, segment=queryset.get())
        except ServiceError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)
            return
        self.message_user(request, _("「%(name)s」を既定の事業区分にしました。") % {"name": segment.name})


@admin.register(ProjectionYear)
class ProjectionYearAdmin(ReadOnlyAdminMixin, OrganizationScopedAdmin):
    list_display = [
        "commitment",
        "year_display",
        "segment",
        "planned_display",
        "paid_display",
        "contracted_display",
        "uncontracted_display",
        "computed_at",
    ]
    list_filter = [("fiscal_year", FiscalYearValuesFilter), ("segment", OrganizationSegmentFilter)]
    list_select_related = ["commitment", "segment"]
    show_full_result_count = False

    @admin.display(description=_("年度"), ordering="fiscal_year")
    def year_display(self, obj: ProjectionYear) -> str:
        return fiscal_year_label(obj.fiscal_year)

    @admin.display(description=_("年割額"), ordering="planned_yen")
    def planned_display(self, obj: ProjectionYear) -> str:
        return yen(obj.planned_yen)

    @admin.display(description=_("支出済"), ordering="paid_yen")
    def paid_display(self, obj: ProjectionYear) -> str:
        return yen(obj.paid_yen)

    @admin.display(description=_("契約済未払"), ordering="contracted_yen")
    def contracted_display(self, obj: ProjectionYear) -> str:
        return yen(obj.contracted_yen)

    @admin.display(description=_("未契約"), ordering="uncontracted_yen")
    def uncontracted_display(self, obj: ProjectionYear) -> str:
        return yen(obj.uncontracted_yen)
