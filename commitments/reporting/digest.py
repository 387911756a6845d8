"""The e-mail's digest of the exceptions: per section its heading, count and first rows as one line of details."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext

from commitments import selectors
from commitments.reporting.formatting import amount_with_unit
from commitments.reporting.labels import section_title

ROWS = 10  # per section in the digest; the exceptions report lists up to ROWS_FULL
ROWS_FULL = 200
_NAMED = ("番号", "事項")  # shown as the row's name, not among its details


def _cell(kind: str, value: Any, unit: str) -> str | None:
    if value is None or value == "":
        return None
    if kind == "amount" and not isinstance(value, str):
        return amount_with_unit(int(value), unit)
    if kind == "percent":
        return f"{value}%"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _details(section: selectors.ExceptionSection, cells: list[Any], unit: str) -> str:
    details = []
    for column, value in zip(section.columns, cells, strict=False):
        text = None if column.label in _NAMED else _cell(column.kind, value, unit)
        if text is not None:
            details.append(f"{gettext(column.label)} {text}")
    return " ／ ".join(details)


def digest_context(report: selectors.ExceptionsReport, *, limit: int, unit: str) -> list[dict[str, Any]]:
    """Each section with at most `limit` rows, in the active language."""
    return [
        {
            "key": section.key,
            "title": section_title(section.key, section.title, days=report.days, percent=report.warn_percent),
            "note": section.note,
            "count": section.count,
            "rows": [{"matter": r.matter, "details": _details(section, r.cells, unit)} for r in section.rows[:limit]],
            "more": max(section.count - limit, 0),
        }
        for section in report.sections
    ]
