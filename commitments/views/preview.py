"""Preview of a report subscription's e-mail as it would be sent now: subject, recipients, both parts, chart,
attachments. Nothing is sent and nothing is written.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.safestring import mark_safe
from django.views.generic import View

from commitments.models import ReportSubscription
from commitments.reporting.message import report_build
from commitments.reporting.mime import CHART_CID, BuiltReport
from commitments.services import reports as report_services
from commitments.services.errors import ServiceError
from commitments.services.reports_schedule import next_send_times
from commitments.views.base import ReaderRequiredMixin

_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL)


class ReportPreviewView(ReaderRequiredMixin, View):
    """`?subscription=<id>[&period=YYYY-MM]`; `&part=html` (the HTML part alone), `part=chart`, `part=<n>` (file)."""

    template_name = "commitments/reports/preview.html"

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raise PermissionDenied("read-only page")

    def subscriptions(self) -> QuerySet[ReportSubscription]:
        qs = ReportSubscription.objects.for_user(self.request.user).select_related("organization")
        return qs.order_by("organization__name", "name")

    @cached_property
    def subscription(self) -> ReportSubscription | None:
        wanted = self.request.GET.get("subscription", "")
        if not wanted:
            return None
        if not wanted.isdigit():
            raise Http404("no such subscription")
        found = self.subscriptions().filter(pk=int(wanted)).first()
        if found is None:
            raise Http404("no such subscription")
        return found

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        subscription = self.subscription
        context: dict[str, Any] = {"subscriptions": self.subscriptions(), "subscription": subscription}
        if subscription is None:
            return TemplateResponse(request, self.template_name, context)
        try:
            period = report_services.subscription_period(subscription, request.GET.get("period", "").strip() or None)
        except ServiceError as exc:
            context["error"] = exc.message
            return TemplateResponse(request, self.template_name, context, status=400)
        built = report_build(subscription=subscription, period=period)
        part = request.GET.get("part", "")
        if part:
            return self.part(built, part)
        base = {"subscription": subscription.pk, "period": period.key}
        url = reverse("report-preview")
        chart_url = f"{url}?{urlencode({**base, 'part': 'chart'})}"
        body = _BODY.search(built.html)
        context.update(
            period=period,
            built=built,
            next_times=next_send_times(subscription=subscription, after=timezone.now()) if subscription.active else [],
            html_url=f"{url}?{urlencode({**base, 'part': 'html'})}",
            # Our own template's output (data autoescaped); shown inline, as CSP forbids framing.
            html_body=mark_safe(body.group(1).replace(f"cid:{CHART_CID}", chart_url) if body else ""),
            attachments=[
                {"name": a.filename, "size": len(a.content), "url": f"{url}?{urlencode({**base, 'part': i})}"}
                for i, a in enumerate(built.attachments)
            ],
        )
        return TemplateResponse(request, self.template_name, context)

    def part(self, built: BuiltReport, part: str) -> HttpResponse:
        if part == "html":
            chart = (
                reverse("report-preview")
                + "?"
                + urlencode(
                    {"subscription": self.subscription.pk, "period": built.context["period"].key, "part": "chart"}  # type: ignore[union-attr]
                )
            )
            return HttpResponse(built.html.replace(f"cid:{CHART_CID}", chart), content_type="text/html")
        if part == "chart":
            if not built.chart_png:
                raise Http404("no chart")
            return HttpResponse(built.chart_png, content_type="image/png")
        if part.isdigit() and int(part) < len(built.attachments):
            attachment = built.attachments[int(part)]
            response = HttpResponse(attachment.content, content_type=attachment.mimetype)
            response["Content-Disposition"] = content_disposition_header(True, attachment.filename)
            return response
        raise Http404("no such part")
