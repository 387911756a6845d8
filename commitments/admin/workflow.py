"""Admin actions of workflow items: every selected row goes through its service; input comes from a confirmation form.

`workflow_actions` builds the submit / withdraw / approve / reject actions of one kind of item, `service_action` any one
action of that pattern; `WorkflowAdminMixin` grants the actions from the permissions the workflow's steps require.
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

from commitments.admin.base import confirmation_page, run_each
from commitments.forms import ApproveForm, RejectForm
from commitments.services.workflow import workflow_for

Action = Callable[[Any, HttpRequest, QuerySet[Any]], HttpResponse | None]
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


def workflow_actions(
    services: Any, item: str, *, descriptions: dict[str, Promise], titles: dict[str, Promise]
) -> tuple[Action, Action, Action, Action]:
    """The submit, withdraw, approve and reject actions of one kind of item, calling `services.<item>_<step>`."""
    steps = {"submit": ("submit", None), "withdraw": ("submit", None)}
    steps |= {"approve": ("approve", ApproveForm), "reject": ("approve", RejectForm)}
    return tuple(  # type: ignore[return-value]
        service_action(
            f"{step}_selected",
            getattr(services, f"{item}_{step}"),
            item,
            description=descriptions[step],
            verb=VERBS[step],
            permission=permission,
            form=form,
            title=titles.get(step),
        )
        for step, (permission, form) in steps.items()
    )


class WorkflowAdminMixin:
    """Offers the submit and approve actions to whoever holds the permission the workflow's step requires."""

    model: Any

    def _may(self, request: HttpRequest, step: str) -> bool:
        return request.user.has_perm(f"commitments.{workflow_for(self.model).step(step).permission}")

    def has_submit_permission(self, request: HttpRequest) -> bool:
        return self._may(request, "submit")

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return self._may(request, "approve")
