"""Roles and permissions in words, and the system sections an administrator sees labelled in the page's language.

The role groups keep their codes as names (the code reads them); the admin shows them as 財務担当, 承認者, 監査,
経営層, and each permission as a sentence (「補正を追加できる」) built from its model's name in the page's language.
django-celery-beat's own pages are not offered: every beat entry belongs to a 定期報告, whose page keeps it in step.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from commitments.models import Role

ACTIONS = {
    "add": _("%(model)sを追加できる"),
    "change": _("%(model)sを変更できる"),
    "delete": _("%(model)sを削除できる"),
    "view": _("%(model)sを閲覧できる"),
}


def model_label(model: type | None, fallback: str) -> str:
    """A model's name in the page's language; a history table is 「…の履歴」."""
    if model is None:
        return fallback
    base = getattr(model, "instance_type", None)  # django-simple-history's historical models
    if base is not None:
        return gettext("%(model)sの履歴") % {"model": base._meta.verbose_name}
    return str(model._meta.verbose_name)


def permission_label(permission: Permission) -> str:
    """「補正を追加できる」 for add_amendment; a permission declared with its own words keeps them."""
    action = permission.codename.split("_", 1)[0]
    content_type = permission.content_type
    if action in ACTIONS and permission.codename == f"{action}_{content_type.model}":
        model = model_label(content_type.model_class(), content_type.model)
        return str(ACTIONS[action]) % {"model": model}
    return gettext(permission.name)


class PermissionChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Permission) -> str:
        return permission_label(obj)


class RoleForm(forms.ModelForm):
    permissions = PermissionChoices(
        label=_("権限"),
        required=False,
        queryset=Permission.objects.select_related("content_type").order_by("content_type__app_label", "codename"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Role
        fields = ["name", "permissions"]
        labels = {"name": _("名称（コード）")}


@admin.register(Role)
class RoleAdmin(GroupAdmin):
    form = RoleForm
    list_display = ["__str__"]
    filter_horizontal = []


class RoleFilter(admin.SimpleListFilter):
    """A user's roles by their names (the groups' codes stay out of sight)."""

    title = _("役割")
    parameter_name = "role"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(role.pk), str(role)) for role in Role.objects.order_by("name")]

    def queryset(self, request: Any, queryset: Any) -> Any:
        return queryset.filter(groups__pk=self.value()) if self.value() else queryset


if admin.site.is_registered(Group):
    admin.site.unregister(Group)
for model in apps.get_app_config("django_celery_beat").get_models():
    if admin.site.is_registered(model):
        admin.site.unregister(model)
apps.get_app_config("axes").verbose_name = _("ログインの記録（django-axes）")
