"""What the projection reads of the books: which commitments are projected, whether their authority is live, and
the inputs of the pure oracle `projection.project_outflow` gathered through the ORM.

The stored rows are written by one engine only, the SQL of `services.projection`; the oracle computed from these
inputs is what the tests hold that SQL to, commitment by commitment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import TypedDict

from django.db.models import Prefetch, Sum
from django.db.models.functions import Coalesce

from commitments import fiscal
from commitments.deadline import contract_deadline_passed
from commitments.models import APPROVED_STATES, Commitment, Contract, Payment, PlannedAmount, Status
from commitments.models import Installment as InstallmentRow
from commitments.projection import ContractFlows, Installment, YearOutflow, project_outflow

# Abolished commitments still pay out their contracts; only their uncontracted authority is gone.
PROJECTED_STATES = [s.value for s in APPROVED_STATES]
LIVE_STATES = [Status.APPROVED.value, Status.ACTIVE.value]


class OutflowInputs(TypedDict):
    """The keyword arguments of `project_outflow` for one commitment."""

    limit_yen: int
    first_fy: int
    last_fy: int
    planned: dict[int, int]
    contracts: list[ContractFlows]
    payments_by_fy: dict[int, int]
    live: bool
    as_of_fy: int


def commitment_is_live(commitment: Commitment, as_of_fy: int) -> bool:
    """Authority can still be contracted: approved or active, and its contract deadline not passed when `as_of_fy`
    begins (the rule of `deadline.contract_deadline_passed`)."""
    return commitment.status in LIVE_STATES and not contract_deadline_passed(
        commitment, fiscal.fiscal_year_start(as_of_fy)
    )


def projection_inputs(commitments: Iterable[Commitment], *, as_of_fy: int) -> dict[int, OutflowInputs]:
    """The oracle's inputs of each commitment, by id, in three queries whatever their number."""
    by_id = {c.pk: c for c in commitments}
    planned: dict[int, dict[int, int]] = defaultdict(dict)
    for commitment_id, fiscal_year, amount in PlannedAmount.objects.filter(commitment_id__in=by_id).values_list(
        "commitment_id", "fiscal_year", "amount_yen"
    ):
        planned[commitment_id][fiscal_year] = amount
    contracts: dict[int, list[ContractFlows]] = defaultdict(list)
    for c in (
        Contract.objects.filter(commitment_id__in=by_id)
        .annotate(paid=Coalesce(Sum("payments__amount_yen"), 0))
        .order_by("pk")
        .prefetch_related(Prefetch("installments", queryset=InstallmentRow.objects.order_by("due_on")))
    ):
        installments = tuple(Installment(due_on=i.due_on, amount_yen=i.amount_yen) for i in c.installments.all())
        contracts[c.commitment_id].append(
            ContractFlows(amount_yen=c.amount_yen, installments=installments, paid_yen=c.paid)
        )
    paid: dict[int, dict[int, int]] = defaultdict(dict)
    for commitment_id, fiscal_year, total in (
        Payment.objects.filter(contract__commitment_id__in=by_id)
        .order_by()
        .values_list("contract__commitment_id", "fiscal_year")
        .annotate(total=Sum("amount_yen"))
    ):
        paid[commitment_id][fiscal_year] = total
    return {
        pk: OutflowInputs(
            limit_yen=c.exposure_limit_yen,
            first_fy=c.first_burden_fy,
            last_fy=c.last_burden_fy,
            planned=planned[pk],
            contracts=contracts[pk],
            payments_by_fy=paid[pk],
            live=commitment_is_live(c, as_of_fy),
            as_of_fy=as_of_fy,
        )
        for pk, c in by_id.items()
    }


def projection_oracle(*, as_of: date, commitment_ids: Iterable[int] | None = None) -> dict[int, list[YearOutflow]]:
    """Each projected commitment's years by the pure oracle (of the given ids, or all); others have none."""
    commitments = Commitment.objects.filter(status__in=PROJECTED_STATES).order_by("pk")
    if commitment_ids is not None:
        commitments = commitments.filter(pk__in=list(commitment_ids))
    inputs = projection_inputs(commitments, as_of_fy=fiscal.fiscal_year_of(as_of))
    return {pk: project_outflow(**kwargs) for pk, kwargs in inputs.items()}
