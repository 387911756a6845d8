"""One commitment's full record for auditors."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.views.generic import TemplateView

from commitments import selectors
from commitments.models import Commitment
from commitments.views.base import ReaderRequiredMixin


class CommitmentDetailView(ReaderRequiredMixin, TemplateView):
    """One commitment for auditors: fields, 年割額, contracts, payments, projection, amendments, history."""

    template_name = "commitments/commitment_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            record = selectors.commitment_record(selectors.commitments_visible_to(self.request.user), kwargs["pk"])
        except Commitment.DoesNotExist as exc:
            raise Http404 from exc
        context["record"] = record
        context["c"] = record.commitment
        return context
