"""The exceptions list (要確認事項): today from the stored books, as of another day from that day's books."""

from __future__ import annotations

import datetime

from django.conf import settings

from commitments import fiscal
from commitments.models import Organization
from commitments.selectors import exceptions
from commitments.selectors.exceedance import over_planned
from commitments.selectors.exceptions import DEFAULT_DAYS, MAX_DAYS, ExceptionsReport
from commitments.selectors.exceptions_as_of import sections_as_of


def exceptions_report(
    *,
    organization: Organization,
    today: datetime.date,
    days: int = DEFAULT_DAYS,
    warn_percent: int | None = None,
    as_of: datetime.date | None = None,
) -> ExceptionsReport:
    """Every exception section for an organization as of `today` (at most eight queries); as of another day
    `as_of`, from the books of that day (`exceptions_as_of`)."""
    if not 0 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 0 and {MAX_DAYS}")
    percent = settings.COMMITMENT_WARN_PERCENT if warn_percent is None else warn_percent
    if as_of is not None and as_of != today:
        sections = sections_as_of(organization=organization, day=as_of, days=days, percent=percent)
        return ExceptionsReport(
            organization=organization, today=as_of, days=days, warn_percent=percent, sections=sections, as_of=as_of
        )
    sections = [
        *exceptions.sections_today(organization, today, days, percent),
        over_planned(organization, fiscal.fiscal_year_of(today)),
    ]
    return ExceptionsReport(organization=organization, today=today, days=days, warn_percent=percent, sections=sections)
