"""Tenancy: the one rule deciding whose books a user sees or acts on, and the queryset method that applies it.

Superusers see and act for every organization (where a page needs a single one, they choose it); everyone else
sees only their own organization, and a user of none sees nothing. Every queryset built for a user goes through
`for_user` (or `scoped` for models whose manager cannot carry it, such as User): admin querysets, list filters,
form choices and their initial values, pages, selectors, downloads and previews.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models

Q = TypeVar("Q", bound=models.QuerySet)


def organization_ids_for(user: Any) -> list[int] | None:
    """The organizations a user may see: None (every one) for a superuser, else their own ([] when they have none)."""
    if getattr(user, "is_superuser", False):
        return None
    organization_id = getattr(user, "organization_id", None)
    return [] if organization_id is None else [organization_id]


def may_act_for(user: Any, organization_id: int | None) -> bool:
    """True when the organization is one of those the user may see (and so act for)."""
    ids = organization_ids_for(user)
    return organization_id is not None and (ids is None or organization_id in ids)


def chooses_organization(user: Any) -> bool:
    """True for users who see every organization: a page that needs one lets them pick it."""
    return organization_ids_for(user) is None


def organization_path(model: type[models.Model]) -> str | None:
    """The lookup from a model's rows to their organization ('pk' for Organization), None if it has none."""
    declared = getattr(model, "organization_path", None)
    if declared:
        return declared
    try:
        model._meta.get_field("organization")
    except FieldDoesNotExist:
        return None
    return "organization"


def scoped(queryset: Q, user: Any) -> Q:
    """The queryset narrowed to the rows of the organizations the user may see."""
    ids = organization_ids_for(user)
    if ids is None:
        return queryset
    path = organization_path(queryset.model)
    if path is None:
        raise ImproperlyConfigured(f"{queryset.model.__name__} belongs to no organization; it cannot be scoped")
    return queryset.filter(**{f"{path}__in": ids})


class ScopedQuerySet(models.QuerySet):
    """A queryset of an organization's rows, with `for_user`."""

    def for_user(self, user: Any) -> ScopedQuerySet:
        """The rows this user may see (every organization's for superusers)."""
        return scoped(self, user)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    """The default manager of organization-scoped models: `Model.objects.for_user(user)`."""

    use_in_migrations = False
