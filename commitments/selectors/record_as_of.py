"""One commitment's record as the books held it at the end of a past (or future) day: its version of then, the
年割額, contracts, schedules and payments of then, the projection for that day, and the trail up to it."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet

from commitments import fiscal
from commitments.models import (
    Amendment,
    Commitment,
    CommitmentEvent,
    ContractChange,
    Installment,
    Payment,
    PlannedAmount,
    ProjectionYear,
)
from commitments.selectors.books_as_of import PointOfView, books_as_of
from commitments.selectors.history import CommitmentRecord, amendment_changes, commitment_history, payment_lines

_PEOPLE = ("created_by", "submitted_by", "approved_by")


def _amendments(commitment_id: int, at: datetime.datetime) -> list[tuple[Any, list[Any]]]:
    """The commitment's amendments in their versions at `at` (drafts, submitted or approved then), by number."""
    history = Amendment.history.model  # type: ignore[attr-defined]
    versions = (
        history.objects.filter(commitment_id=commitment_id, history_date__lt=at)
        .order_by("id", "-history_date", "-history_id")
        .distinct("id")
        .select_related("submitted_by", "approved_by")
    )
    kept = sorted((v for v in versions if v.history_type != "-"), key=lambda v: v.number)
    return [(version, amendment_changes(version)) for version in kept]


def commitment_record_as_of(commitments: QuerySet[Commitment], pk: int, as_of: datetime.date) -> CommitmentRecord:
    """One commitment (from the reader's visible set) as of the end of `as_of`; DoesNotExist outside the set or when
    the books did not hold it yet."""
    current = commitments.select_related("organization", "segment", *_PEOPLE).get(pk=pk)
    view = PointOfView.day(as_of)
    found = books_as_of(view=view, commitments=Commitment.objects.filter(pk=pk), any_state=True)
    if not found:
        raise Commitment.DoesNotExist(f"commitment {pk} was not recorded by {as_of}")
    book = found[0]
    commitment = book.commitment
    for name in _PEOPLE:  # the same people as today's row, without a query each
        if getattr(commitment, f"{name}_id") == getattr(current, f"{name}_id"):
            setattr(commitment, name, getattr(current, name))
    paid = list(Payment.objects.filter(contract__commitment_id=pk, paid_on__lte=as_of).select_related("reverses"))
    changes = list(
        ContractChange.objects.filter(contract__commitment_id=pk, changed_on__lte=as_of)
        .select_related("actor")
        .order_by("created_at", "id")
    )
    contracts = []
    for entry in book.contracts:
        contract = entry.contract
        contract.paid_total = entry.paid_yen  # type: ignore[attr-defined]
        contract.payment_lines = payment_lines([p for p in paid if p.contract_id == contract.pk])  # type: ignore[attr-defined]
        contract.change_list = [c for c in changes if c.contract_id == contract.pk]  # type: ignore[attr-defined]
        contract.installment_list = [  # type: ignore[attr-defined]
            Installment(contract_id=contract.pk, due_on=due, fiscal_year=fiscal.fiscal_year_of(due), amount_yen=amount)
            for due, amount in entry.schedule
        ]
        contracts.append(contract)
    at = view.at
    return CommitmentRecord(
        commitment=commitment,
        planned=[
            PlannedAmount(commitment_id=pk, fiscal_year=fy, amount_yen=amount)
            for fy, amount in sorted(book.planned.items())
        ],
        contracts=contracts,
        projection=[
            ProjectionYear(
                commitment_id=pk,
                fiscal_year=y.fiscal_year,
                planned_yen=y.planned,
                paid_yen=y.paid,
                contracted_yen=y.contracted,
                uncontracted_yen=y.uncontracted,
            )
            for y in book.years
        ],
        amendments=_amendments(pk, at),
        events=list(CommitmentEvent.objects.filter(commitment_id=pk, at__lt=at).select_related("actor")),
        history=[entry for entry in commitment_history(current) if entry.at < at],
        as_of=as_of,
    )
