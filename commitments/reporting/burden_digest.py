"""The report e-mail's burden section: each coming year's share of its fiscal frame, and the years that cross the
organization's warning threshold for the first time (no earlier report said so: the years a report found above the
threshold are kept in its delivery's totals and carried forward)."""

from __future__ import annotations

import datetime
from typing import Any

from commitments.models import Organization
from commitments.reporting.formatting import amount, year_label
from commitments.selectors.burden import burden_report

OVER_KEY = "burden_over_ever"  # in ReportDelivery.totals: every year a report has found above the threshold


def burden_context(
    organization: Organization, *, today: datetime.date, previous_totals: dict[str, Any] | None, unit: str
) -> tuple[dict[str, Any], list[int]]:
    """The section's context (in the active language) and the years to store as found above the threshold."""
    report = burden_report(organization=organization, today=today)
    earlier = {int(fy) for fy in (previous_totals or {}).get(OVER_KEY, [])}
    over = set(report.over_years())
    years = []
    for fy in report.fiscal_years:
        cell = report.totals.years[fy]
        years.append(
            {
                "label": year_label(fy),
                "committed": amount(cell.committed_yen, unit),
                "frame": None if cell.frame_yen is None else amount(cell.frame_yen, unit),
                "share": None if cell.share is None else f"{cell.share * 100:.2f}%",
                "over": cell.over,
                "first_time": cell.over and fy not in earlier,
            }
        )
    context = {
        "years": years,
        "threshold": f"{report.threshold_text}%",
        "has_frames": report.has_frames,
        "first_crossings": [y["label"] for y in years if y["first_time"]],
    }
    return context, sorted(earlier | over)
