"""Build a report e-mail from the selectors the pages use: template triplet, inline chart, attachments. Reads only."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from commitments import fiscal, selectors
from commitments.models import ReportKind, ReportSubscription
from commitments.reporting import attachments, digest
from commitments.reporting.baseline import report_baseline, totals_json
from commitments.reporting.burden_digest import OVER_KEY, burden_context
from commitments.reporting.chart import exposure_chart
from commitments.reporting.formatting import amount, year_label
from commitments.reporting.labels import CADENCES, KIND_PHRASES
from commitments.reporting.mime import CHART_CID, BuiltReport
from commitments.reporting.period import Period
from commitments.reporting.tables import state_counts, table_context
from commitments.selectors.reports import previous_sent_delivery, subscription_recipients
from commitments.vocabulary import basis_label, rounding_note, unit_label

UNIT = "千円"  # of every figure and attached file of a report


def _url(name: str, query: str = "") -> str:
    return settings.SITE_URL + reverse(name) + (f"?{query}" if query else "")


def report_build(
    *,
    subscription: ReportSubscription,
    period: Period,
    today: datetime.date | None = None,
    resend: bool = False,
    exclude_id: int | None = None,
) -> BuiltReport:
    """The e-mail of a subscription for a period, in its language whatever the caller's (nothing is written)."""
    with translation.override(subscription.language):
        return _build(subscription, period, today or timezone.localdate(), resend=resend, exclude_id=exclude_id)


def _chousho_context(report: selectors.ChoushoReport) -> dict[str, Any]:
    totals = report.totals
    return {
        "year_label": year_label(report.budget_year),
        "rows": len(report.rows),
        "limit": amount(totals["limit_yen"], UNIT),
        "spent": amount(totals["spent_yen"], UNIT),
        "planned": amount(totals["planned_yen"], UNIT),
        "difference": amount(totals["difference_yen"], UNIT),
        "untied": len(report.untied_rows),
        "text_limits": len(report.text_limit_rows),
        "stale": report.stale_count,
    }


def _build(
    subscription: ReportSubscription, period: Period, today: datetime.date, *, resend: bool, exclude_id: int | None
) -> BuiltReport:
    organization = subscription.organization
    kind = subscription.kind
    scope = [organization.pk]
    table = selectors.exposure_table(organization_ids=scope, basis=subscription.basis, by="segment")
    baseline = report_baseline(subscription, period, exclude_id=exclude_id)
    exceptions = selectors.exceptions_report(organization=organization, today=today)
    chart_png = exposure_chart(table, unit=UNIT)
    previous = previous_sent_delivery(subscription, before_period=period.key, exclude_id=exclude_id)
    burden, over_years = burden_context(
        organization, today=today, previous_totals=previous.totals if previous else None, unit=UNIT
    )
    context: dict[str, Any] = {
        "subscription": subscription,
        "organization": organization,
        "kind": kind,
        "kind_label": str(KIND_PHRASES[kind]),
        "period": period,
        "period_label": period.label(),
        "cadence_label": str(CADENCES.get(period.cadence, "")),
        "resend": resend,
        "basis_label": str(basis_label(subscription.basis)),
        "unit": str(unit_label(UNIT)),
        "rounding_note": str(rounding_note(UNIT) or ""),
        "table": table_context(table, baseline, unit=UNIT)
        | {"states": state_counts(selectors.commitment_state_counts(organization_ids=scope))},
        "baseline": baseline,
        "exceptions": digest.digest_context(
            exceptions, limit=digest.ROWS_FULL if kind == ReportKind.EXCEPTIONS else digest.ROWS, unit=UNIT
        ),
        "exceptions_total": exceptions.total,
        "exceptions_days": exceptions.days,
        "chart_cid": CHART_CID if chart_png else None,
        "chart_unit": str(unit_label(UNIT)),  # the table's unit: one unit for the whole report
        "url": _url("exposure-summary", f"basis={subscription.basis}"),
        "exceptions_url": _url("exceptions"),
        "burden": burden,
        "burden_url": _url("burden"),
        "generated_at": timezone.localtime(),
        "today": today,
    }
    stem = f"{kind}_{period.key}"
    if kind == ReportKind.EXPOSURE_MATRIX:
        context["url"] = _url("exposure", f"basis={subscription.basis}")
        context["matrix_rows"] = table.commitments
        download = attachments.matrix_download(stem, subscription, unit=UNIT, day=today)
    elif kind == ReportKind.CHOUSHO:
        budget_year = subscription.budget_year or fiscal.fiscal_year_of(period.start)
        chousho = selectors.chousho_report(organization=organization, budget_year=budget_year)
        context["url"] = _url("chousho", f"fy={budget_year}")
        context["chousho"] = _chousho_context(chousho)
        download = attachments.chousho_download(f"chousho_{budget_year}_{period.key}", chousho, unit=UNIT)
    elif kind == ReportKind.EXCEPTIONS:
        context["url"] = context["exceptions_url"]
        download = attachments.exceptions_download(stem, exceptions, unit=UNIT)
    else:
        download = attachments.summary_download(stem, subscription, table, unit=UNIT, day=today)
    files = download.attachments(subscription)
    context["attachments"] = [a.filename for a in files]
    folder = f"emails/report/{subscription.language}"
    return BuiltReport(
        subject=" ".join(render_to_string(f"{folder}/subject.txt", context).split()),
        text=render_to_string(f"{folder}/body.txt", context),
        html=render_to_string(f"{folder}/body.html", context),
        recipients=subscription_recipients(subscription),
        chart_png=chart_png,
        attachments=files,
        totals=totals_json(table) | {OVER_KEY: over_years},
        context=context,
    )
