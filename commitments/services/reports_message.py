"""Build a report e-mail from the selectors the pages use: template triplet, inline chart, attachments. Reads only."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from email.mime.image import MIMEImage
from email.utils import formatdate, make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from commitments import exports, fiscal, selectors
from commitments.filters import BASIS_CHOICES
from commitments.models import ReportDelivery, ReportKind, ReportSubscription, Status, User
from commitments.models.reports import split_addresses
from commitments.services.reports_chart import ChartSeries, color_of, stacked_bar_png
from commitments.services.reports_period import Period

CHART_CID = "exposure-chart"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
UNIT = "千円"
EXCEPTION_ROWS = 10  # per section in the digest; the exceptions report lists up to EXCEPTION_ROWS_FULL
EXCEPTION_ROWS_FULL = 200
CADENCE_LABELS = {"ja": {"monthly": "月次", "weekly": "週次", "daily": "日次"}}
EN_BASIS = {
    "planned": "planned annual amounts (budget)",
    "total": "expected outflow (paid + contracted + uncontracted)",
    "paid": "paid",
    "contracted": "contracted, unpaid",
    "uncontracted": "uncontracted",
    "remaining": "remaining (contracted unpaid + uncontracted)",
}
EN_SECTIONS = {
    "near_limit": "Contracts near the limit",
    "lapsing": "Uncontracted authority about to lapse",
    "contracts_ending": "Contracts ending soon",
    "text_limits": "Limits written as words",
    "stale": "Projection not yet updated",
}
EN_KINDS = {
    ReportKind.EXPOSURE_SUMMARY: "exposure by fiscal year and segment",
    ReportKind.CHOUSHO: "調書 (statement of commitments)",
    ReportKind.EXCEPTIONS: "exceptions",
    ReportKind.EXPOSURE_MATRIX: "full exposure matrix",
}


@dataclass
class Attachment:
    """One attached file."""

    filename: str
    content: bytes
    mimetype: str


@dataclass
class BuiltReport:
    """Everything one e-mail needs; `totals` is stored on the delivery as the next report's baseline."""

    subject: str
    text: str
    html: str
    recipients: list[str]
    chart_png: bytes | None
    attachments: list[Attachment] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)

    def email(self, *, connection: Any = None) -> ReportEmail:
        """The multipart message: text, HTML with the chart inline (CID), then the attachments."""
        message = ReportEmail(
            subject=self.subject,
            body=self.text,
            to=self.recipients,
            connection=connection,
            # Fixed here so the stored copy and the sent message carry the same identity.
            headers={"Message-ID": make_msgid(domain="jlis-commitments"), "Date": formatdate(localtime=True)},
        )
        message.attach_alternative(self.html, "text/html")
        if self.chart_png:
            message.inline_images.append((CHART_CID, self.chart_png))
        for attachment in self.attachments:
            message.attach(attachment.filename, attachment.content, attachment.mimetype)
        return message


class ReportEmail(EmailMultiAlternatives):
    """multipart/mixed( alternative( text, related( html, images ) ), attachments… )."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inline_images: list[tuple[str, bytes]] = []

    def _create_alternatives(self, msg: Any) -> Any:
        if not self.inline_images:
            return super()._create_alternatives(msg)
        encoding = self.encoding or settings.DEFAULT_CHARSET
        alternative = SafeMIMEMultipart(_subtype="alternative", encoding=encoding)
        alternative.attach(msg)
        related = SafeMIMEMultipart(_subtype="related", encoding=encoding)
        for item in self.alternatives:
            related.attach(self._create_mime_attachment(item.content, item.mimetype))
        for cid, png in self.inline_images:
            image = MIMEImage(png, "png")
            image.add_header("Content-ID", f"<{cid}>")
            image.add_header("Content-Disposition", "inline", filename=f"{cid}.png")
            related.attach(image)
        alternative.attach(related)
        return alternative


def subscription_recipients(subscription: ReportSubscription) -> list[str]:
    """Addresses of the chosen active users, of the organization's active users in the chosen groups, and free ones."""
    users = (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(pk__in=subscription.recipient_users.values("pk"))
            | Q(organization_id=subscription.organization_id, groups__in=subscription.recipient_groups.values("pk"))
        )
        .values_list("email", flat=True)
        .distinct()
    )
    seen: dict[str, str] = {}
    for address in [*users, *split_addresses(subscription.extra_addresses)]:
        seen.setdefault(address.lower(), address)
    return sorted(seen.values(), key=str.lower)


def _amount(yen: int, language: str) -> str:
    if language == "en":
        return f"{fiscal.to_unit(yen, UNIT):,}"
    return fiscal.format_amount(yen, unit=UNIT)


def _change(yen: int | None, language: str) -> str | None:
    """A difference in 千円: +1,234 / △1,234 (en: -1,234) / ±0; None without a baseline."""
    if yen is None:
        return None
    value = fiscal.to_unit(yen, UNIT)
    if value == 0:
        return "±0"
    if value > 0:
        return f"+{value:,}"
    return f"-{-value:,}" if language == "en" else f"△{-value:,}"


def _year_label(fy: int, language: str, short: bool = False) -> str:
    if language == "en":
        return str(fy) if short else f"FY{fy}"
    return fiscal.format_fiscal_year(fy, style="wareki_short" if short else "wareki")


def _totals_json(table: selectors.ExposureTable) -> dict[str, Any]:
    return {
        "basis": table.basis,
        "rows": {
            str(r["key"]): {"label": r["label"], "years": {str(fy): a for fy, a in r["years"].items()}}
            for r in table.rows
        },
        "years": {str(fy): a for fy, a in table.totals.items()},
    }


@dataclass
class Baseline:
    """What "change since the last report" compares with."""

    label: str
    rows: dict[str, dict[int, int]]
    years: dict[int, int]


def _from_json(totals: dict[str, Any]) -> tuple[dict[str, dict[int, int]], dict[int, int]]:
    rows = {key: {int(fy): int(a) for fy, a in row["years"].items()} for key, row in totals.get("rows", {}).items()}
    return rows, {int(fy): int(a) for fy, a in totals.get("years", {}).items()}


def _from_snapshot(subscription: ReportSubscription, as_of: datetime.date) -> tuple[datetime.date, Any] | None:
    taken, table = selectors.exposure_snapshot_table(
        organization_ids=[subscription.organization_id], as_of=as_of, basis=subscription.basis
    )
    return None if taken is None else (taken, _from_json(_totals_json(table)))


def report_baseline(
    subscription: ReportSubscription, period: Period, *, language: str, exclude_id: int | None = None
) -> Baseline | None:
    """The previous successful delivery's stored totals, else the nightly snapshot nearest before that date."""
    previous = (
        ReportDelivery.objects.filter(
            subscription=subscription, status=ReportDelivery.Status.SENT, period__lt=period.key
        )
        .exclude(pk=exclude_id)
        .order_by("-period", "-sent_at", "-id")
        .first()
    )
    en = language == "en"
    if previous is not None and previous.totals and previous.totals.get("basis") == subscription.basis:
        rows, years = _from_json(previous.totals)
        sent = timezone.localtime(previous.sent_at).date().isoformat() if previous.sent_at else "?"
        label = (
            f"the previous report ({previous.period}, sent {sent})"
            if en
            else f"前回の報告（{previous.period}、{sent} 送信）"
        )
        return Baseline(label, rows, years)
    if previous is not None and previous.sent_at:
        as_of = timezone.localtime(previous.sent_at).date()
    else:
        as_of = period.start - datetime.timedelta(days=1)
    found = _from_snapshot(subscription, as_of)
    if found is None:
        return None
    taken, (rows, years) = found
    label = f"the nightly snapshot of {taken.isoformat()}" if en else f"{taken.isoformat()} 時点の夜間集計"
    return Baseline(label, rows, years)


def _table_context(table: selectors.ExposureTable, baseline: Baseline | None, language: str) -> dict[str, Any]:
    """Rows with per-cell and per-total changes, footer totals, and the year blocks of the text part."""
    years = table.fiscal_years
    base_rows = baseline.rows if baseline else {}
    rows = []
    for index, r in enumerate(table.rows):
        before = base_rows.get(str(r["key"]), {}) if baseline else None
        cells = []
        for fy in years:
            amount = r["years"].get(fy, 0)
            change = None if before is None else amount - before.get(fy, 0)
            cells.append({"amount": _amount(amount, language), "change": _change(change, language) if change else None})
        total_change = None if before is None else r["total"] - sum(before.values())
        rows.append(
            {
                "label": r["label"],
                "color": color_of(index),
                "cells": cells,
                "total": _amount(r["total"], language),
                "change": _change(total_change, language),
                "years": r["years"],
                "before": before,
            }
        )
    footer = []
    for fy in years:
        amount = table.totals.get(fy, 0)
        change = None if baseline is None else amount - baseline.years.get(fy, 0)
        footer.append({"amount": _amount(amount, language), "change": _change(change, language)})
    grand_change = None if baseline is None else table.grand_total - sum(baseline.years.values())
    blocks = []
    for i, fy in enumerate(years):
        lines = []
        for row in rows:
            amount = row["years"].get(fy, 0)
            if not amount and not (row["before"] or {}).get(fy):
                continue
            change = None if row["before"] is None else amount - row["before"].get(fy, 0)
            lines.append(
                {"label": row["label"], "amount": _amount(amount, language), "change": _change(change, language)}
            )
        blocks.append(
            {
                "label": _year_label(fy, language),
                "total": footer[i]["amount"],
                "change": footer[i]["change"],
                "lines": lines,
            }
        )
    return {
        "headers": [_year_label(fy, language) for fy in years],
        "rows": rows,
        "footer": footer,
        "grand_total": _amount(table.grand_total, language),
        "grand_change": _change(grand_change, language),
        "blocks": blocks,
        "commitments": table.commitments,
        "limit_total": _amount(table.limit_total, language),
        "text_limit_count": table.text_limit_count,
    }


def _state_counts(counts: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """The counted commitments by state, labelled in the active language (承認済 1 件、失効 32 件)."""
    return [{"label": str(Status(state).label), "count": n} for state, n in counts]


def _chart(table: selectors.ExposureTable, language: str) -> tuple[bytes | None, str]:
    """The stacked bar PNG (百万円 when the largest year reaches 1,000 百万円, else 千円) and its unit."""
    if not table.rows or not table.fiscal_years:
        return None, UNIT
    unit = "百万円" if max(table.totals.values(), default=0) >= 1_000_000_000 else "千円"
    series = [
        ChartSeries(color_of(i), [fiscal.to_unit(r["years"].get(fy, 0), unit) for fy in table.fiscal_years])
        for i, r in enumerate(table.rows)
    ]
    labels = [_year_label(fy, language, short=True) for fy in table.fiscal_years]
    return stacked_bar_png(labels, series), unit


def _format_cell(kind: str, value: Any, language: str) -> str | None:
    if value is None or value == "":
        return None
    if kind == "amount" and not isinstance(value, str):
        return f"{_amount(int(value), language)}{' thousand yen' if language == 'en' else UNIT}"
    if kind == "percent":
        return f"{value}%"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _exceptions_context(report: selectors.ExceptionsReport, *, limit: int, language: str) -> list[dict[str, Any]]:
    sections = []
    for section in report.sections:
        rows = []
        for row in section.rows[:limit]:
            details = []
            for column, value in zip(section.columns, row.cells, strict=False):
                if column.label in ("番号", "事項"):
                    continue
                text = _format_cell(column.kind, value, language)
                if text is not None:
                    details.append(f"{translation.gettext(column.label)} {text}")
            rows.append({"matter": row.matter, "details": " ／ ".join(details)})
        sections.append(
            {
                "key": section.key,
                "title": EN_SECTIONS.get(section.key, section.title) if language == "en" else section.title,
                "note": section.note,
                "count": section.count,
                "rows": rows,
                "more": max(section.count - limit, 0),
            }
        )
    return sections


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
    """The e-mail of a subscription for a period, from the same selectors as the pages (nothing is written), in the
    subscription's language whatever language the caller (a worker, an English-speaking admin) has active."""
    with translation.override(subscription.language):
        return _report_build(
            subscription=subscription, period=period, today=today, resend=resend, exclude_id=exclude_id
        )


def _report_build(
    *,
    subscription: ReportSubscription,
    period: Period,
    today: datetime.date | None,
    resend: bool,
    exclude_id: int | None,
) -> BuiltReport:
    today = today or timezone.localdate()
    language = subscription.language
    organization = subscription.organization
    kind = subscription.kind
    scope = [organization.pk]
    table = selectors.exposure_table(organization_ids=scope, basis=subscription.basis, by="segment")
    baseline = report_baseline(subscription, period, language=language, exclude_id=exclude_id)
    exceptions = selectors.exceptions_report(organization=organization, today=today)
    full_exceptions = kind == ReportKind.EXCEPTIONS
    chart_png, chart_unit = _chart(table, language)
    budget_year = subscription.budget_year or fiscal.fiscal_year_of(period.start)
    context: dict[str, Any] = {
        "subscription": subscription,
        "organization": organization,
        "kind": kind,
        "kind_label": EN_KINDS.get(kind, kind) if language == "en" else ReportKind(kind).label,
        "period": period,
        "period_label": period.label(language),
        "cadence_label": CADENCE_LABELS["ja"].get(period.cadence, ""),
        "resend": resend,
        "basis_label": EN_BASIS.get(subscription.basis)
        if language == "en"
        else dict(BASIS_CHOICES)[subscription.basis],
        "unit": UNIT,
        "table": _table_context(table, baseline, language)
        | {"states": _state_counts(selectors.commitment_state_counts(organization_ids=scope))},
        "baseline": baseline,
        "exceptions": _exceptions_context(
            exceptions, limit=EXCEPTION_ROWS_FULL if full_exceptions else EXCEPTION_ROWS, language=language
        ),
        "exceptions_total": exceptions.total,
        "exceptions_days": exceptions.days,
        "chart_cid": CHART_CID if chart_png else None,
        "chart_unit": {"千円": "thousand yen", "百万円": "million yen"}[chart_unit] if language == "en" else chart_unit,
        "url": _url("exposure-summary", f"basis={subscription.basis}"),
        "exceptions_url": _url("exceptions"),
        "generated_at": timezone.localtime(),
        "today": today,
    }
    attachments: list[Attachment] = []
    stem = f"{kind}_{period.key}"
    title = (
        f"{organization.name} 債務負担行為 年度別・事業区分別 {dict(BASIS_CHOICES)[subscription.basis]} {period.key}"
    )
    if kind == ReportKind.EXPOSURE_SUMMARY:
        xlsx = lambda: exports.exposure_xlsx(table, title=title, first_column="事業区分")  # noqa: E731
        csv = lambda: exports.exposure_csv(table, first_column="事業区分")  # noqa: E731
    elif kind == ReportKind.EXPOSURE_MATRIX:
        matrix = selectors.exposure_table(organization_ids=scope, basis=subscription.basis, by="commitment")
        context["url"] = _url("exposure", f"basis={subscription.basis}")
        context["matrix_rows"] = len(matrix.rows)
        title = title.replace("事業区分別", "事項別")
        xlsx = lambda: exports.exposure_xlsx(matrix, title=title, first_column="事項")  # noqa: E731
        csv = lambda: exports.exposure_csv(matrix, first_column="事項")  # noqa: E731
    elif kind == ReportKind.CHOUSHO:
        chousho = selectors.chousho_report(organization=organization, budget_year=budget_year)
        totals = chousho.totals
        context["url"] = _url("chousho", f"fy={budget_year}")
        context["chousho"] = {
            "year_label": _year_label(budget_year, language),
            "rows": len(chousho.rows),
            "limit": _amount(totals["limit_yen"], language),
            "spent": _amount(totals["spent_yen"], language),
            "planned": _amount(totals["planned_yen"], language),
            "difference": _amount(totals["difference_yen"], language),
            "untied": len(chousho.untied_rows),
            "text_limits": len(chousho.text_limit_rows),
            "stale": chousho.stale_count,
        }
        stem = f"chousho_{budget_year}_{period.key}"
        xlsx = lambda: exports.xlsx_bytes([exports.chousho_sheet(chousho, unit=UNIT)])  # noqa: E731
        csv = lambda: exports.csv_bytes(exports.chousho_sheet(chousho, unit=UNIT))  # noqa: E731
    else:
        context["url"] = context["exceptions_url"]
        xlsx = lambda: exports.xlsx_bytes(exports.exceptions_sheets(exceptions, unit=UNIT))  # noqa: E731
        csv = lambda: exports.csv_bytes(exports.exceptions_flat_sheet(exceptions, unit=UNIT))  # noqa: E731
    if subscription.attach_xlsx:
        attachments.append(Attachment(f"{stem}.xlsx", xlsx(), XLSX))
    if subscription.attach_csv:
        attachments.append(Attachment(f"{stem}.csv", csv(), CSV))
    context["attachments"] = [a.filename for a in attachments]
    folder = f"emails/report/{language}"
    subject = " ".join(render_to_string(f"{folder}/subject.txt", context).split())
    return BuiltReport(
        subject=subject,
        text=render_to_string(f"{folder}/body.txt", context),
        html=render_to_string(f"{folder}/body.html", context),
        recipients=subscription_recipients(subscription),
        chart_png=chart_png,
        attachments=attachments,
        totals=_totals_json(table),
        context=context,
    )
