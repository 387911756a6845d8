"""The books as they stood at a point of view, rebuilt from the dated records and projected with the pure
`project_outflow`: what the pages, exports and commands read for a day other than today, and the 調書 of a budget
year in its own point of view.

A commitment is taken in its version at the end of the day (django-simple-history: approval, amendments, lapse as
they were recorded) with the 年割額 of that moment; contracts signed by that day, with the terms that their
変更・解除 entries dated later record as before; payments and reversals dated by that day (a budget's own view: those
charged to the fiscal years before it). The number of queries does not depend on the number of commitments.
"""

from __future__ import annotations

import copy
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from commitments import fiscal
from commitments.deadline import contract_deadline_passed
from commitments.models import (
    APPROVED_STATES,
    Commitment,
    Contract,
    ContractChange,
    Payment,
    PlannedAmount,
    Status,
)
from commitments.models import Installment as InstallmentRow
from commitments.projection import ContractFlows, Installment, YearOutflow, project_outflow
from commitments.selectors.as_of import end_of_day
from commitments.selectors.projection_inputs import commitment_is_live

DRAFT_STATES = (Status.DRAFT, Status.SUBMITTED)
_TERMS = ("contract_no", "counterparty", "note", "payment_terms", "status", "amount_yen")
_DATES = ("signed_on", "start_on", "end_on", "cancelled_on")
_FIELDS = [f.attname for f in Commitment._meta.concrete_fields]
_EXCLUDED = {"needs_projection", "updated_at"}  # not kept in the history


@dataclass(frozen=True)
class PointOfView:
    """Where the books are read from: the end of a day (`as_of`), the fiscal year whose authority is still open
    (`live_fy`) and the year uncontracted authority is spread from (`as_of_fy`).

    `budget_year` marks a budget's own view (payments charged to the years before it, commitments approved for it
    counted as first approved); `draft` the coming budget year, read from today's books (見込).
    """

    as_of: datetime.date
    as_of_fy: int
    live_fy: int
    budget_year: int | None = None
    draft: bool = False

    @classmethod
    def day(cls, as_of: datetime.date) -> PointOfView:
        """The books at the end of `as_of`, the authority of its own fiscal year live."""
        fy = fiscal.fiscal_year_of(as_of)
        return cls(as_of=as_of, as_of_fy=fy, live_fy=fy)

    @classmethod
    def budget(cls, budget_year: int, *, today: datetime.date) -> PointOfView:
        """Budget year Y seen as its budget sees it: at 1 April Y with Y's authority live. A year not yet begun is a
        draft from today's books: what is open today counts as it will be contracted, spread from Y on."""
        start = fiscal.fiscal_year_start(budget_year)
        if start <= today:
            return cls(as_of=start, as_of_fy=budget_year, live_fy=budget_year, budget_year=budget_year)
        today_fy = fiscal.fiscal_year_of(today)
        return cls(as_of=today, as_of_fy=budget_year, live_fy=today_fy, budget_year=budget_year, draft=True)

    @property
    def at(self) -> datetime.datetime:
        """The instant the records are read at: the end of the day, Asia/Tokyo."""
        return end_of_day(self.as_of)


@dataclass
class BookContract:
    """One contract as it stood: the row with the terms of then, the schedule of then and what was paid by then."""

    contract: Contract
    schedule: list[tuple[datetime.date, int]]
    paid_by_fy: dict[int, int] = field(default_factory=dict)

    @property
    def paid_yen(self) -> int:
        """Net paid by then."""
        return sum(self.paid_by_fy.values())

    def flows(self) -> ContractFlows:
        """What `project_outflow` needs of it (the paid amount kept inside 0..amount)."""
        return ContractFlows(
            amount_yen=self.contract.amount_yen,
            installments=tuple(Installment(due_on=due, amount_yen=amount) for due, amount in self.schedule),
            paid_yen=min(max(self.paid_yen, 0), self.contract.amount_yen),
        )


@dataclass
class BookCommitment:
    """One commitment as the books held it at a point of view, with its projection by fiscal year."""

    commitment: Commitment
    planned: dict[int, int]
    contracts: list[BookContract]
    paid_by_fy: dict[int, int]
    live: bool = False
    years: list[YearOutflow] = field(default_factory=list)

    @property
    def contracted_yen(self) -> int:
        """The contracts' amounts as of then."""
        return sum(c.contract.amount_yen for c in self.contracts)

    def total(self, *, before: int | None = None, from_fy: int | None = None) -> int:
        """Paid + contracted + uncontracted over the years before `before` or from `from_fy` on."""
        return sum(
            y.total
            for y in self.years
            if (before is None or y.fiscal_year < before) and (from_fy is None or y.fiscal_year >= from_fy)
        )


def status_then(recorded: str, *, contracted: bool, deadline_passed: bool) -> str:
    """The state the dated records give: a contract signed by then makes approved authority 契約済, and approved
    authority without one has lapsed (失効) once its contract deadline passed, whenever the rollover recorded it."""
    if recorded in (Status.APPROVED, Status.LAPSED):
        if contracted:
            return Status.ACTIVE
        return Status.LAPSED if deadline_passed else Status.APPROVED
    return recorded


def _instance(version: Any) -> Commitment:
    """A Commitment built from a history row (or the live row), its segment and organization already fetched."""
    values = {name: getattr(version, name) for name in _FIELDS if name not in _EXCLUDED and hasattr(version, name)}
    commitment = Commitment(**values)
    commitment._state.adding = False
    commitment.segment = version.segment
    commitment.organization = version.organization
    return commitment


def _chosen(view: PointOfView, scope: QuerySet[Any], any_state: bool) -> dict[int, tuple[Any, datetime.datetime]]:
    """Each commitment's version of then, with the instant its 年割額 are read at (two or three queries)."""
    history = Commitment.history.model  # type: ignore[attr-defined]
    versions = history.objects.filter(id__in=scope).select_related("segment", "organization")
    chosen: dict[int, tuple[Any, datetime.datetime]] = {}
    latest = versions.filter(history_date__lt=view.at).order_by("id", "-history_date", "-history_id").distinct("id")
    for version in latest:
        counted = any_state or version.status in APPROVED_STATES
        entered = view.draft and version.status in DRAFT_STATES and version.authorized_fy == view.budget_year
        if version.history_type != "-" and (counted or entered):
            chosen[version.id] = (version, view.at)
    if view.budget_year is not None and not view.draft:
        # A budget keeps the authority approved for it even when the books got it later (an imported book, a late
        # entry): such a commitment counts in its first approved version.
        first = versions.filter(status__in=APPROVED_STATES).order_by("id", "history_date", "history_id").distinct("id")
        for version in first:
            if version.id not in chosen:
                chosen[version.id] = (version, version.history_date + datetime.timedelta(microseconds=1))
    # Rows written without history (generated books) have no past: the live row, if approved by then.
    unrecorded = (
        Commitment.objects.filter(pk__in=scope, status__in=APPROVED_STATES)
        .annotate(recorded=Exists(history.objects.filter(id=OuterRef("pk"))))
        .filter(recorded=False)
        .select_related("segment", "organization")
    )
    if view.budget_year is None or view.draft:
        unrecorded = unrecorded.filter(approved_at__lt=view.at)
    for row in unrecorded:
        chosen[row.pk] = (row, view.at)
    return chosen


def _planned(scope: QuerySet[Any], chosen: dict[int, tuple[Any, datetime.datetime]]) -> dict[int, dict[int, int]]:
    """The 年割額 of each commitment at its instant, from the 年割額 history (one query)."""
    planned: dict[int, dict[int, int]] = defaultdict(dict)
    if not chosen:
        return planned
    until = max(at for _version, at in chosen.values())
    rows = (
        PlannedAmount.history.model.objects.filter(commitment_id__in=scope, history_date__lt=until)  # type: ignore[attr-defined]
        .order_by("history_date", "history_id")
        .values_list("id", "commitment_id", "fiscal_year", "amount_yen", "history_date", "history_type")
    )
    latest: dict[int, tuple[int, int, int, str]] = {}
    for row_id, commitment_id, fy, amount, when, kind in rows:
        entry = chosen.get(commitment_id)
        if entry is not None and when < entry[1]:
            latest[row_id] = (commitment_id, fy, amount, kind)
    for commitment_id, fy, amount, kind in latest.values():
        if kind != "-":
            planned[commitment_id][fy] = amount
    # Commitments written without history (generated books): their live 年割額.
    if any(isinstance(version, Commitment) for version, _at in chosen.values()):
        history = Commitment.history.model  # type: ignore[attr-defined]
        unrecorded = PlannedAmount.objects.filter(commitment_id__in=scope).filter(
            ~Exists(history.objects.filter(id=OuterRef("commitment_id")))
        )
        for commitment_id, fy, amount in unrecorded.values_list("commitment_id", "fiscal_year", "amount_yen"):
            if commitment_id in chosen:
                planned[commitment_id][fy] = amount
    return planned


def _terms_then(contract: Contract, before: dict[str, Any]) -> tuple[Contract, list[tuple[datetime.date, int]]]:
    """The contract with the terms a later 変更・解除 entry recorded as before, and the schedule of then."""
    then = copy.copy(contract)
    for name in _TERMS:
        if name in before:
            setattr(then, name, before[name])
    for name in _DATES:
        if name in before:
            setattr(then, name, datetime.date.fromisoformat(before[name]) if before[name] else None)
    schedule = [(datetime.date.fromisoformat(due), int(amount)) for due, amount in before.get("schedule", [])]
    return then, schedule


def _paid_filter(view: PointOfView) -> Q:
    """Payments and reversals of the view: dated by its day; in a budget's view, charged to the years before it."""
    wanted = Q()
    if view.budget_year is not None:
        wanted &= Q(fiscal_year__lt=view.budget_year)
    if view.budget_year is None or view.draft:
        wanted &= Q(paid_on__lte=view.as_of)
    return wanted


def book_contracts(view: PointOfView, scope: QuerySet[Any]) -> dict[int, list[BookContract]]:
    """Each commitment's contracts signed by the view's day, with the terms, schedule and payments of then (four
    queries)."""
    signed = Contract.objects.filter(commitment_id__in=scope, signed_on__lte=view.as_of)
    later: dict[int, dict[str, Any]] = {}
    entries = (
        ContractChange.objects.filter(contract__in=signed, changed_on__gt=view.as_of)
        .order_by("contract_id", "changed_on", "created_at", "id")
        .values_list("contract_id", "before")
    )
    for contract_id, before in entries:
        later.setdefault(contract_id, before)
    schedules: dict[int, list[tuple[datetime.date, int]]] = defaultdict(list)
    for contract_id, due, amount in (
        InstallmentRow.objects.filter(contract__in=signed)
        .order_by("contract_id", "due_on")
        .values_list("contract_id", "due_on", "amount_yen")
    ):
        schedules[contract_id].append((due, amount))
    paid: dict[int, dict[int, int]] = defaultdict(dict)
    for contract_id, fy, amount in (
        Payment.objects.filter(_paid_filter(view), contract__in=signed)
        .order_by()
        .values_list("contract_id", "fiscal_year")
        .annotate(total=Sum("amount_yen"))
    ):
        paid[contract_id][fy] = int(amount or 0)
    books: dict[int, list[BookContract]] = defaultdict(list)
    for contract in signed.order_by("commitment_id", "signed_on", "id"):
        if contract.pk in later:
            then, schedule = _terms_then(contract, later[contract.pk])
        else:
            then, schedule = contract, schedules.get(contract.pk, [])
        books[contract.commitment_id].append(BookContract(then, schedule, paid.get(contract.pk, {})))
    return books


def _paid_by_fy(contracts: list[BookContract]) -> dict[int, int]:
    """Net payments per fiscal year over a commitment's contracts (a year's net is never below nothing)."""
    by_fy: dict[int, int] = defaultdict(int)
    for book in contracts:
        for fy, amount in book.paid_by_fy.items():
            by_fy[fy] += amount
    return {fy: max(amount, 0) for fy, amount in by_fy.items()}


def _book_order(book: BookCommitment) -> tuple[int, int, bool, int, int]:
    c = book.commitment
    return (c.organization_id, c.authorized_fy, c.seq is None, c.seq or 0, c.pk)


def books_as_of(
    *, view: PointOfView, commitments: QuerySet[Commitment], any_state: bool = False
) -> list[BookCommitment]:
    """The commitments of `commitments` (a scope of the live table) that the books held at `view`, in book order.

    Held means approved by then (any recorded state with `any_state`; in a draft also those entered for its year).
    Each comes with its 年割額, contracts and payments of then and its projection for the view's fiscal year.
    """
    scope = commitments.order_by().values("pk")
    chosen = _chosen(view, scope, any_state)
    planned = _planned(scope, chosen)
    contracts = book_contracts(view, scope)
    deadline_day = fiscal.fiscal_year_start(view.live_fy)
    books: list[BookCommitment] = []
    for pk, (version, _at) in chosen.items():
        commitment = _instance(version)
        kept = contracts.get(pk, [])
        passed = contract_deadline_passed(commitment, deadline_day)
        commitment.status = status_then(commitment.status, contracted=bool(kept), deadline_passed=passed)
        entered = view.draft and commitment.status in DRAFT_STATES
        live = commitment_is_live(commitment, view.live_fy) or entered  # the one rule, on the state of then
        book = BookCommitment(commitment, planned.get(pk, {}), kept, _paid_by_fy(kept), live)
        books.append(book)
        if commitment.status not in APPROVED_STATES and not entered:
            continue  # a draft has no projection (the detail page shows its 年割額 alone)
        book.years = project_outflow(
            limit_yen=commitment.exposure_limit_yen,
            first_fy=commitment.first_burden_fy,
            last_fy=commitment.last_burden_fy,
            planned=book.planned,
            contracts=[c.flows() for c in kept],
            payments_by_fy=book.paid_by_fy,
            live=live,
            as_of_fy=view.as_of_fy,
        )
    return sorted(books, key=_book_order)


def fiscal_years_of_books(books: list[BookCommitment]) -> list[int]:
    """The fiscal years from the first to the last that the books' projections reach."""
    years = [y.fiscal_year for book in books for y in book.years]
    return list(range(min(years), max(years) + 1)) if years else []
