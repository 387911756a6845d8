"""A date as the messages state it: the pages' one style (2026年12月3日 in Japanese, Dec. 3, 2026 in English)."""

from __future__ import annotations

import datetime

from django.utils import formats


def day(value: datetime.date) -> str:
    """The date in the active language's DATE_FORMAT."""
    return formats.date_format(value, "DATE_FORMAT")
