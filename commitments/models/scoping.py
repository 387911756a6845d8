"""Tenancy: the one rule deciding whose books a user sees or acts on, and the scope that enforces it.

The rule: superusers see and act for every organization, on every page (where a page needs a single one, they
choose it); everyone else sees only their own organization; a user of none (and an anonymous visitor) sees nothing.

The enforcement is django-scopes. Every model owned by an organization declares
`objects = ScopedManager(organization="<lookup to its organization>")`; a query through that manager

- inside `organization_scope(user)` returns only the rows of the user's organizations (all rows for superusers);
- inside `scopes_disabled()` returns every row: the system's view;
- anywhere else raises `django_scopes.ScopeError`: a query no entry point has scoped is a bug, and it is loud
  (django-scopes leaves only `.exists()` and `.explain()` on such a manager unblocked).

The entry points, one place each:

- web requests: `commitments.middleware.OrganizationScopeMiddleware` runs the whole request inside the scope of
  `request.user` (after authentication; an anonymous request, such as the login page, gets the empty scope), and
  makes each chunk of a streamed download in it again;
- Celery tasks (worker, and the tasks beat queues): `task_prerun`/`task_postrun` in `jlis_commitments/celery.py`
  run each task, its retries and its failure handlers as the system; beat itself via `beat_init` there;
- management commands (ours and Django's: migrate, shell, loaddata …), the quickstart (`devtools.run` starts
  everything through manage.py and celery) and the benchmark: `manage.py` runs every command as the system, except
  `runserver`, which is the web server: its requests get the middleware's scope, as under gunicorn.
  Data migrations need nothing: their historical models have plain managers (`use_in_migrations = False`).

A read for the system inside a request says so with `scopes_disabled()` (only /healthz: the time of the last
nightly run). A thread the code starts begins with no scope (contextvars). Model forms take their choices from
`scoped_formfield`; historical rows keep plain managers.

`Model.objects.for_user(user)` stays the explicit API: pages, admin, forms and selectors keep naming whose rows they
want, so the code reads the same in a request and in the worker (a report built for a subscription's organization,
a command acting for a user). The scope is the net under it: a queryset that forgets `for_user` in a request still
gets only the user's rows, and outside any entry point it raises. `scoped(queryset, user)` narrows any queryset
(User's included: User keeps a plain manager, because authentication loads users before any scope exists).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, TypeVar

import django_scopes
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


def organization_scope(user: Any) -> AbstractContextManager[None]:
    """The tenancy scope of a user: scoped managers return only the rows of their organizations (all: superusers).

    django-scopes filters `<path>__in` for a list and not at all for None, which is organization_ids_for's answer.
    """
    return django_scopes.scope(organization=organization_ids_for(user))


def is_scoped(model: type[models.Model]) -> bool:
    """True for a model owned by an organization, whose default manager is a ScopedManager."""
    return isinstance(model._default_manager, OrganizationManager)


def scoped_formfield(db_field: models.Field, **kwargs: Any) -> Any:
    """`Meta.formfield_callback` of the model forms: a choice of an organization's rows starts empty.

    A model form's class is built at import, before any scope exists, where asking the default manager for its rows
    raises; the admin, which builds each page's form class, lists the rows of the user's organizations instead
    (admin/base.py). Any other field is Django's default.
    """
    if db_field.is_relation and is_scoped(db_field.related_model):
        kwargs.setdefault("queryset", db_field.related_model._default_manager.none())
    return db_field.formfield(**kwargs)


def organization_path(model: type[models.Model]) -> str | None:
    """The lookup from a model's rows to their organization ('pk' for Organization), None if it has none."""
    declared = getattr(model._default_manager, "organization_path", None)
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


class OrganizationManager(models.Manager):
    """The base of every scoped manager: `for_user`, and never in migrations (they get plain managers)."""

    use_in_migrations = False

    def for_user(self, user: Any) -> models.QuerySet:
        """The rows this user may see (every organization's for superusers), inside or outside a request."""
        return self.with_scope(organization=organization_ids_for(user)).all()  # type: ignore[attr-defined]


def ScopedManager(*, organization: str) -> OrganizationManager:
    """The default manager of a model owned by an organization, reached from its rows by the lookup `organization`.

    Named like a class, as django-scopes names it: `objects = ScopedManager(organization="commitment__organization")`.
    """
    manager = django_scopes.ScopedManager(_manager_class=OrganizationManager, organization=organization)
    type(manager).organization_path = organization
    return manager
