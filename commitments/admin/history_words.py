"""A history record's changed values in words: a choice by its label, an amount with commas, a year by its era."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext
from simple_history.template_utils import HistoricalRecordContextHelper

from commitments import fiscal


def change_value(field: models.Field, value: Any) -> Any:
    """One old or new value of a changed field as the pages show it; none as —."""
    if value is None or value == "":
        return "—"
    if isinstance(field, models.ForeignKey) and getattr(value, "pk", 0) is None:
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("はい") if value else gettext("いいえ")
    if isinstance(value, int) and field.name.endswith("_yen"):
        return f"{value:,}"
    if isinstance(value, int) and (field.name.endswith("_fy") or field.name in ("fiscal_year", "budget_year")):
        return fiscal.format_fiscal_year(value)
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    return value


class HistoryInWords(HistoricalRecordContextHelper):
    """django-simple-history's change list with values in the page's words."""

    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        value = super().prepare_delta_change_value(change, value)
        return change_value(self.model._meta.get_field(change.field), value)
