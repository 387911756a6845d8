"""Shared admin pieces: organization scoping, status badges, per-item action results, confirmation forms."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from commitments import fiscal
from commitments.admin.history_words import HistoryInWords
from commitments.models import AmendmentStatus, Status
from commitments.models.scoping import organization_ids_for, organization_path, scoped
from commitments.services.errors import RowErrors, ServiceError

STATUS_COLORS = {
    Status.DRAFT: "#6c757d",
    Status.SUBMITTED: "#9a6700",
    Status.APPROVED: "#1f7a1f",
    Status.ACTIVE: "#0b5ed7",
    Status.COMPLETED: "#333",
    Status.LAPSED: "#a52a2a",
    Status.ABOLISHED: "#a52a2a",
    AmendmentStatus.DRAFT: "#6c757d",
}


def badge(status: str, label: str) -> SafeString:
    """A coloured status label for list pages."""
    color = STATUS_COLORS.get(status, "#333")
    return format_html(
        '<span class="status-badge status-{}" style="color:#fff;background:{};padding:1px 6px;border-radius:3px">'
        "{}</span>",
        status,
        color,
        label,
    )


def yen(amount: int | None, unit: str = "円") -> str:
    """An amount for a list column ('' when there is none)."""
    return "" if amount is None else fiscal.format_amount(amount, unit=unit)


def day(value: datetime.date | None) -> str:
    """A date in the page's one style (2026年12月3日 in Japanese); '' when there is none."""
    return "" if value is None else formats.date_format(value, "DATE_FORMAT")


def fiscal_year_label(fy: int | None) -> str:
    """A fiscal year as the pages name it (令和8年度); '' when there is none."""
    return "" if fy is None else fiscal.format_fiscal_year(fy)


class OrganizationScopedAdmin(admin.ModelAdmin):
    """Rows, and every choice of an organization's rows in its forms, scoped by models.scoping (superusers: all)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return scoped(super().get_queryset(request), request.user)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(formfield, "widget", None)
        if hasattr(widget, "can_add_related"):
            # A commitment, contract or segment is chosen here, never created, edited or deleted from a form.
            widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
            widget.can_view_related = False
        return formfield

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._scope_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._scope_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _scope_choices(self, db_field: Any, request: HttpRequest, kwargs: dict[str, Any]) -> None:
        """Any choice of rows that belong to organizations (users included) lists only those the user may see."""
        model = db_field.related_model
        if organization_path(model) is None:
            return
        queryset = kwargs.get("queryset")
        if queryset is None:
            queryset = self.get_field_queryset(None, db_field, request)
        if queryset is None:
            queryset = model._default_manager.all()
        kwargs["queryset"] = scoped(queryset, request.user)

    def scope_foreign_key(self, db_field: Any, request: HttpRequest, kwargs: dict[str, Any], **filters: Any) -> None:
        """Limit a foreign-key choice to the user's organizations and any extra filters."""
        kwargs["queryset"] = scoped(db_field.related_model._default_manager.filter(**filters), request.user)


class ReadOnlyHistoryMixin:
    """History pages are for reading: no revert (a POST would write past the services), and only own rows.

    django-simple-history falls back to unscoped historical rows when the live object is not in the admin's
    queryset; here the object must be visible to the user (superusers see all).
    """

    def _history_visible(self, request: HttpRequest, object_id: str) -> None:
        ids = organization_ids_for(request.user)
        if ids is None:
            return
        if not str(object_id).isdigit():
            raise Http404
        model = self.model  # type: ignore[attr-defined]
        live = self.get_queryset(request).filter(pk=object_id).exists()  # type: ignore[attr-defined]
        if live:
            return
        # A deleted row: visible only if its last version belonged to one of the user's organizations.
        last = model.history.filter(id=object_id).order_by("-history_date").first()
        owner = last
        for part in (organization_path(model) or "organization").split("__"):
            owner = getattr(owner, part, None) if owner is not None else None
        if last is None or getattr(owner, "pk", owner) not in ids:
            raise Http404

    def get_historical_record_context_helper(self, request: HttpRequest, historical_record: Any) -> Any:
        return HistoryInWords(self.model, historical_record)  # type: ignore[attr-defined]

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        self._history_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)  # type: ignore[misc]

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        if request.method != "GET":
            raise PermissionDenied
        self._history_visible(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)  # type: ignore[misc]


class ServiceRefusalMixin:
    """A refusal the form could not foresee (a race lost under the row lock): a message, back to the page.

    The change page of an existing object also gets `change_page_context(request, obj)` (links its state allows),
    from the object the page shows: no query of its own.
    """

    def change_page_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {}

    def service_refused(self, request: HttpRequest, object_id: str | None, exc: ServiceError) -> HttpResponse:
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except ServiceError as exc:
            return self.service_refused(request, object_id, exc)

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("change") and kwargs.get("obj") is not None:
            context.update(self.change_page_context(request, kwargs["obj"]))
        return super().render_change_form(request, context, *args, **kwargs)  # type: ignore[misc]


class ReadOnlyAdminMixin:
    """Derived or logged rows: listed and shown, never added, changed or deleted through the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def run_each(
    request: HttpRequest, objects: Iterable[Model], verb: str, call: Callable[[Any], Any], label: Callable[[Any], str]
) -> None:
    """Apply a service to each selected object and report every item's result."""
    done, failed = 0, 0
    for obj in objects:
        try:
            call(obj)
            done += 1
            messages.success(request, f"{label(obj)}: {verb}")
        except ServiceError as exc:
            failed += 1
            messages.error(request, f"{label(obj)}: {exc.message}")
    if done:
        messages.success(request, _("%(n)d 件を%(verb)sしました。") % {"n": done, "verb": verb})
    if failed:
        messages.warning(request, _("%(n)d 件は%(verb)sできませんでした。") % {"n": failed, "verb": verb})


def upload_page(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    template: str,
    load: Callable[[], str],
) -> HttpResponse:
    """An upload page (its template extends admin/commitments/upload.html): on a valid POST `load()` writes all rows
    or none and returns what to say on success, back on the model's list; the rows refused are listed with their
    reasons beside the form, any other refusal said above it."""
    row_errors: list[tuple[int, str]] = []
    if request.method == "POST" and form.is_valid():
        try:
            done = load()
        except RowErrors as exc:
            row_errors = exc.rows
            messages.error(request, str(exc.message))
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, done)
            opts = model_admin.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "form": form,
        "row_errors": row_errors,
    }
    return TemplateResponse(request, template, context)


def confirmation_page(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    form: Any,
    action: str,
    verb: str,
) -> HttpResponse:
    """The intermediate page of an action that needs input (a resolution, a reason)."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "queryset": queryset,
        "form": form,
        "action": action,
        "verb": verb,
        "title": verb,
    }
    return TemplateResponse(request, "admin/commitments/action_form.html", context)
