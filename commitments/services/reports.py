"""Scheduled management reports: build the e-mail from selectors and send it once per period."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from commitments import exports, fiscal, selectors
from commitments.models import Organization, ReportDelivery

logger = logging.getLogger(__name__)

MONTHLY = "monthly_summary"


def monthly_report_message(
    *, organization: Organization, period: date, recipients: list[str]
) -> EmailMultiAlternatives:
    """The monthly summary e-mail (text + HTML + XLSX) for one organization."""
    table = selectors.exposure_table(organization_ids=[organization.pk], basis="planned", by="segment")
    context = {
        "organization": organization,
        "period": period,
        "period_label": fiscal.format_month(period),
        "table": table,
        "years": [(fy, fiscal.format_fiscal_year(fy)) for fy in table.fiscal_years],
        "rows": [
            {
                "label": r["label"],
                "cells": [fiscal.format_amount(r["years"].get(fy, 0)) for fy in table.fiscal_years],
                "total": fiscal.format_amount(r["total"]),
            }
            for r in table.rows
        ],
        "totals": [fiscal.format_amount(table.totals.get(fy, 0)) for fy in table.fiscal_years],
        "year_blocks": [
            {
                "label": fiscal.format_fiscal_year(fy),
                "total": fiscal.format_amount(table.totals.get(fy, 0)),
                "lines": [
                    (r["label"], fiscal.format_amount(r["years"].get(fy, 0))) for r in table.rows if r["years"].get(fy)
                ],
            }
            for fy in table.fiscal_years
        ],
        "grand_total": fiscal.format_amount(table.grand_total),
        "limit_total": fiscal.format_amount(table.limit_total),
        "url": settings.SITE_URL + reverse("exposure"),
    }
    subject = render_to_string("emails/monthly_report_subject.txt", context).strip()
    text = render_to_string("emails/monthly_report_body.txt", context)
    html = render_to_string("emails/monthly_report_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=recipients)
    message.attach_alternative(html, "text/html")
    title = f"{organization.name} 債務負担行為 年度別・事業区分別 年割額 {period:%Y-%m}"
    message.attach(
        f"exposure_{period:%Y%m}.xlsx",
        exports.exposure_xlsx(table, title=title, first_column="事業区分"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return message


def _claim(organization: Organization, period: date) -> ReportDelivery | None:
    """Create the delivery record; None if this period was already claimed (retry, duplicate tick)."""
    try:
        with transaction.atomic():
            return ReportDelivery.objects.create(organization=organization, kind=MONTHLY, period=f"{period:%Y-%m}")
    except IntegrityError:
        # A failed attempt may be taken over by exactly one retry (conditional update).
        key = {"organization": organization, "kind": MONTHLY, "period": f"{period:%Y-%m}"}
        taken = ReportDelivery.objects.filter(**key, state=ReportDelivery.State.FAILED).update(
            state=ReportDelivery.State.CLAIMED
        )
        return ReportDelivery.objects.get(**key) if taken else None


def monthly_report_send(*, organization: Organization, period: date) -> ReportDelivery | None:
    """Send one organization's monthly report for `period` unless it was already sent."""
    delivery = _claim(organization, period)
    if delivery is None:
        logger.info("monthly report %s for %s already claimed", period, organization)
        return None
    recipients = selectors.report_recipients(organization=organization)
    delivery.attempts += 1
    delivery.recipients = ", ".join(recipients)
    if not recipients:
        delivery.state = ReportDelivery.State.SKIPPED
        delivery.save()
        return delivery
    message = monthly_report_message(organization=organization, period=period, recipients=recipients)
    delivery.subject = message.subject
    try:
        message.send()
    except Exception as exc:
        delivery.state = ReportDelivery.State.FAILED
        delivery.error = repr(exc)
        delivery.save()
        raise
    delivery.state = ReportDelivery.State.SENT
    delivery.sent_at = timezone.now()
    delivery.error = ""
    delivery.save()
    return delivery


def monthly_reports_send(*, period: date | None = None) -> int:
    """Send the monthly report of every organization; returns how many were sent now."""
    period = (period or timezone.localdate()).replace(day=1)
    sent = 0
    for organization in Organization.objects.order_by("pk"):
        delivery = monthly_report_send(organization=organization, period=period)
        if delivery is not None and delivery.state == ReportDelivery.State.SENT:
            sent += 1
    return sent
