"""Admin actions of workflow items: every selected row goes through its service; input comes from a confirmation form.

`workflow_actions` builds the submit / withdraw / approve / reject actions of one kind of item, `service_action` any one
action of that pattern; `WorkflowAdminMixin` grants them from the permissions the workflow's steps require.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from commitments.admin.base import badge, confirmation_page, run_each
from commitments.forms import ApproveForm, RejectForm
from commitments.services.workflow import workflow_for
from commitments.services.workflow.machine import DRAFT

Action = Callable[[Any, HttpRequest, QuerySet[Any]], HttpResponse | None]
# Who submitted and approved an item, when, and the resolution or the reason it was sent back: shown, never typed.
APPROVAL_RECORD = ("submitted_by", "submitted_at", "approved_by", "approved_at", "resolution", "rejection_reason")
VERBS = {"submit": _("提出"), "withdraw": _("取り下げ"), "approve": _("承認"), "reject": _("差戻し")}


def service_action(
    name: str,
    service: Callable[..., Any],
    item: str,
    *,
    description: Promise,
    verb: Promise,
    permission: str,
    form: type[forms.Form] | None = None,
    title: Promise | None = None,
) -> Action:
    """An action calling `service(actor=user, <item>=row, **form data)` on every selected row, reporting each result.

    With a `form`, the action first shows a confirmation page asking for its fields (a resolution, a reason).
    """

    def act(model_admin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        bound = form(request.POST if "confirm" in request.POST else None) if form is not None else None
        if bound is not None and not (bound.is_bound and bound.is_valid()):
            return confirmation_page(model_admin, request, queryset, bound, name, title or verb)
        values = bound.cleaned_data if bound is not None else {}
        run_each(request, queryset, verb, lambda row: service(actor=request.user, **{item: row}, **values), str)
        return None

    act.__name__ = name
    return admin.action(description=description, permissions=[permission])(act)


# What each kind's actions say in the action menu, and the titles of their confirmation pages (else the verb).
DESCRIPTIONS = {
    "commitment": {
        "submit": _("選択した債務負担行為を提出"),
        "withdraw": _("選択した提出を取り下げ"),
        "approve": _("選択した債務負担行為を承認"),
        "reject": _("選択した提出を差戻し"),
    },
    "amendment": {
        "submit": _("選択した補正を提出"),
        "withdraw": _("選択した補正の提出を取り下げ"),
        "approve": _("選択した補正を承認"),
        "reject": _("選択した補正を差戻し"),
    },
    "frame": {
        "submit": _("選択した財政見通しを提出"),
        "withdraw": _("選択した財政見通しの提出を取り下げ"),
        "approve": _("選択した財政見通しを承認"),
        "reject": _("選択した財政見通しを差戻し"),
    },
}
TITLES = {
    "amendment": {"approve": _("補正の承認"), "reject": _("補正の差戻し")},
    "frame": {"reject": _("財政見通しの差戻し")},
}
# Each step's admin permission (has_<name>_permission) and the form asking for its input.
STEPS = {
    "submit": ("submit", None),
    "withdraw": ("submit", None),
    "approve": ("approve", ApproveForm),
    "reject": ("approve", RejectForm),
}
# A kind whose step asks for nothing: a frame keeps no resolution, so its approval has no confirmation page.
NO_FORM = {"frame": frozenset({"approve"})}


def workflow_actions(services: Any, item: str) -> tuple[Action, Action, Action, Action]:
    """The submit, withdraw, approve and reject actions of one kind of item, calling `services.<item>_<step>`."""
    return tuple(  # type: ignore[return-value]
        service_action(
            f"{step}_selected",
            getattr(services, f"{item}_{step}"),
            item,
            description=DESCRIPTIONS[item][step],
            verb=VERBS[step],
            permission=permission,
            form=None if step in NO_FORM.get(item, ()) else form,
            title=TITLES.get(item, {}).get(step),
        )
        for step, (permission, form) in STEPS.items()
    )


class WorkflowAdminMixin:
    """The workflow's admin: submit and approve actions offered by the permissions the workflow's steps require;
    only a draft edited in place, saved through its services (`<item>_create`, `<item>_update_draft`); a draft
    deleted one at a time through its service (`<item>_delete_draft`) when its workflow allows, never in bulk."""

    model: Any
    workflow_services: Any  # the module holding the item's services
    workflow_item: str  # "commitment", "amendment", "frame": the services' prefix and their keyword
    workflow_parent = "organization"  # the form field naming what a new item belongs to (passed to `<item>_create`)
    saved_fields: tuple[str, ...] = ("pk", "version")  # what the admin's object takes from the saved row

    @admin.display(description=_("状態"), ordering="status")
    def status_badge(self, obj: Any) -> str:
        return badge(obj.status, obj.get_status_display())

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)  # type: ignore[misc]
        if self.workflow_parent == "organization" and request.user.organization_id:
            initial.setdefault("organization", request.user.organization_id)  # a new item is the user's own
        return initial

    def draft_values(self, form: Any) -> dict[str, Any]:
        """The values of the draft as the services take them (everything but the parent and the version)."""
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        item, values = self.workflow_item, self.draft_values(form)
        if change:
            expected = form.cleaned_data.get("expected_version") or obj.version
            update = getattr(self.workflow_services, f"{item}_update_draft")
            saved = update(actor=request.user, expected_version=expected, **{item: obj}, **values)
        else:
            create = getattr(self.workflow_services, f"{item}_create")
            parent = form.cleaned_data[self.workflow_parent]
            saved = create(actor=request.user, **{self.workflow_parent: parent}, **values)
        for name in self.saved_fields:
            setattr(obj, name, getattr(saved, name))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only drafts are edited in place; anything submitted or approved changes through the workflow.
        return super().has_change_permission(request, obj) and (  # type: ignore[misc]
            obj is None or obj.status == DRAFT
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and (  # type: ignore[misc]
            obj is None or workflow_for(self.model).deletable(obj)
        )

    def _may(self, request: HttpRequest, step: str) -> bool:
        return request.user.has_perm(f"commitments.{workflow_for(self.model).step(step).permission}")

    def has_submit_permission(self, request: HttpRequest) -> bool:
        return self._may(request, "submit")

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return self._may(request, "approve")

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)  # a bulk delete would bypass the service
        return actions

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        delete = getattr(self.workflow_services, f"{self.workflow_item}_delete_draft")
        delete(actor=request.user, **{self.workflow_item: obj})
