"""One commitment's full record for auditors: today's, or as the books held it at the end of another day."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.views.generic import TemplateView

from commitments import selectors
from commitments.models import Commitment
from commitments.selectors.record_as_of import commitment_record_as_of
from commitments.views.base import ReaderRequiredMixin


def _as_of(text: str) -> datetime.date | None:
    """The day of `?as_of=YYYY-MM-DD`, None when absent or unreadable (the page then shows today's record)."""
    try:
        return datetime.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


class CommitmentDetailView(ReaderRequiredMixin, TemplateView):
    """One commitment for auditors: fields, 年割額, contracts, payments, projection, amendments, history."""

    template_name = "commitments/commitment_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        as_of = _as_of(self.request.GET.get("as_of", ""))
        visible = selectors.commitments_visible_to(self.request.user)
        try:
            if as_of is None or as_of == today:
                record = selectors.commitment_record(visible, kwargs["pk"])
            else:
                record = commitment_record_as_of(visible, kwargs["pk"], as_of)
        except Commitment.DoesNotExist as exc:
            raise Http404 from exc
        context["record"] = record
        context["c"] = record.commitment
        context["as_of_label"] = selectors.day_label(record.as_of or today)
        context["back_query"] = f"?as_of={record.as_of.isoformat()}" if record.as_of else ""
        return context
