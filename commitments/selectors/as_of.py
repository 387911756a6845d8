"""Reads of the books as they stood at the end of a past day, from the history the database keeps."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils import translation

from commitments import fiscal
from commitments.models import APPROVED_STATES, Commitment

_EN_MONTHS = "January February March April May June July August September October November December".split()


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` in the site's time zone (Asia/Tokyo): 'as of a day' means at its end."""
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, ZoneInfo(settings.TIME_ZONE))


def wareki_day(day: datetime.date) -> str:
    """A day in the era of that day, as printed: 令和8年12月2日."""
    return f"{fiscal.format_month(day)}{day.day}日"


def day_label(day: datetime.date) -> str:
    """A day as the pages state their 基準日: 令和8年12月2日 (2 December 2026 in English)."""
    if (translation.get_language() or "").startswith("en"):
        return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"
    return wareki_day(day)


def commitment_stats_as_of(
    *, organization_ids: list[int] | None, as_of: datetime.date, segment_ids: list[int] | None = None
) -> tuple[int, int, int]:
    """Number, 限度額 total (yen) and text-limit count of the commitments approved at the end of `as_of`.

    Each commitment is taken in its last recorded version up to then (status, limit and segment as they were), so a
    later amendment, lapse or new approval does not change a past day's figures.
    """
    history = Commitment.history.model  # type: ignore[attr-defined]
    latest = (
        history.objects.filter(id=OuterRef("id"), history_date__lt=end_of_day(as_of))
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    versions = history.objects.filter(history_id=Subquery(latest)).exclude(history_type="-")
    versions = versions.filter(status__in=APPROVED_STATES)
    if organization_ids is not None:
        versions = versions.filter(organization_id__in=organization_ids)
    if segment_ids:
        versions = versions.filter(segment_id__in=segment_ids)
    stats = versions.aggregate(
        n=Count("id", distinct=True), limit=Sum("limit_yen"), texts=Count("id", filter=Q(limit_yen__isnull=True))
    )
    return int(stats["n"] or 0), int(stats["limit"] or 0), int(stats["texts"] or 0)


def commitment_state_counts(*, organization_ids: list[int] | None) -> list[tuple[str, int]]:
    """How many of the counted (approved at some point) commitments stand in each state now, in life-cycle order."""
    qs = Commitment.objects.filter(status__in=APPROVED_STATES)
    if organization_ids is not None:
        qs = qs.filter(organization_id__in=organization_ids)
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return [(str(state), counts[state]) for state in APPROVED_STATES if counts.get(state)]
