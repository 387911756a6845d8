"""What "change since the last report" compares with: the previous delivery's stored totals, else a snapshot."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from commitments import selectors
from commitments.models import ReportSubscription
from commitments.reporting.labels import previous_report_label, snapshot_label
from commitments.reporting.period import Period
from commitments.selectors.reports import previous_sent_delivery


@dataclass
class Baseline:
    """The figures compared with, by row key and by year, and what they are (in the active language)."""

    label: str
    rows: dict[str, dict[int, int]]
    years: dict[int, int]


def totals_json(table: selectors.ExposureTable) -> dict[str, Any]:
    """A table's totals as stored on the delivery (the next report's baseline): basis, rows by key, years."""
    return {
        "basis": table.basis,
        "rows": {
            str(r["key"]): {"label": r["label"], "years": {str(fy): a for fy, a in r["years"].items()}}
            for r in table.rows
        },
        "years": {str(fy): a for fy, a in table.totals.items()},
    }


def _from_json(totals: dict[str, Any]) -> tuple[dict[str, dict[int, int]], dict[int, int]]:
    rows = {key: {int(fy): int(a) for fy, a in row["years"].items()} for key, row in totals.get("rows", {}).items()}
    return rows, {int(fy): int(a) for fy, a in totals.get("years", {}).items()}


def report_baseline(
    subscription: ReportSubscription, period: Period, *, exclude_id: int | None = None
) -> Baseline | None:
    """The previous successful delivery's stored totals, else the nightly snapshot nearest before that date."""
    previous = previous_sent_delivery(subscription, before_period=period.key, exclude_id=exclude_id)
    sent = timezone.localtime(previous.sent_at).date() if previous is not None and previous.sent_at else None
    if previous is not None and previous.totals and previous.totals.get("basis") == subscription.basis:
        rows, years = _from_json(previous.totals)
        return Baseline(previous_report_label(previous.period, sent), rows, years)
    as_of = sent or period.start - datetime.timedelta(days=1)
    taken, table = selectors.exposure_snapshot_table(
        organization_ids=[subscription.organization_id], as_of=as_of, basis=subscription.basis
    )
    if taken is None:
        return None
    rows, years = _from_json(totals_json(table))
    return Baseline(snapshot_label(taken), rows, years)
