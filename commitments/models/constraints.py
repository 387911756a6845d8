"""Database constraints that speak to the user: each names the field it is about and says why in words.

A constraint declared with `on_field` carries the field its error belongs to; a model that mixes in
`ConstraintErrorsOnFields` reports a violated constraint beside that field (a form shows it there), never as the
constraint's name at the top of the page.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router
from django.utils.translation import gettext_lazy as _

C = TypeVar("C", bound=models.BaseConstraint)


# Constraint name → the field its violation is shown beside. Kept by name: Django clones the declared constraints
# into Model._meta (constraint names are unique in the database, and Django's checks keep them so).
_ERROR_FIELDS: dict[str, str] = {}


def on_field(field: str, constraint: C) -> C:
    """The constraint, recorded with the field its violation is shown beside (not part of the migration state)."""
    _ERROR_FIELDS[constraint.name] = field
    return constraint


def error_field(constraint: models.BaseConstraint) -> str | None:
    """The field a constraint's violation belongs to, as declared with `on_field`."""
    return _ERROR_FIELDS.get(constraint.name)


class ConstraintErrorsOnFields(models.Model):
    """Model.validate_constraints with each violation put under its constraint's field."""

    class Meta:
        abstract = True

    def validate_constraints(self, exclude: Any = None) -> None:
        using = router.db_for_write(self.__class__, instance=self)
        errors: dict[str, list[ValidationError]] = {}
        for model_class, model_constraints in self.get_constraints():
            for constraint in model_constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as exc:
                    errors.setdefault(error_field(constraint) or NON_FIELD_ERRORS, []).append(exc)
        if errors:
            raise ValidationError(errors)


def constraint_named(name: str) -> models.BaseConstraint | None:
    """The app's constraint of that name (as PostgreSQL reports it in an IntegrityError), or None."""
    from django.apps import apps

    for model in apps.get_app_config("commitments").get_models():
        for constraint in model._meta.constraints:
            if constraint.name == name:
                return constraint
    return None


def violation_message(exc: Exception) -> str:
    """The words for the constraint a database error reports; a general sentence when it names none of ours."""
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) or ""
    constraint = constraint_named(name)
    if constraint is not None:
        return str(constraint.get_violation_error_message())
    return str(_("保存できない値が含まれています。"))
