"""Random sequences of book-keeping operations on real PostgreSQL: the books stay true after every step.

A hypothesis state machine approves commitments, registers, changes and cancels contracts, records payments (and
sends the same payment again, as a retried feed would), reverses them, amends commitments and moves the calendar
across fiscal years with the year-end close of each year crossed. After every step:

- net paid per contract is between 0 and the contract amount, and each payment's reversals never exceed it;
- a contract's installments sum to its amount (a cancelled one's too);
- the contracts under a commitment never exceed its limit;
- the stored projection, merged by the SQL engine into the rows the previous steps left (one commitment at a time,
  then all of them at once by id), equals the pure oracle `project_outflow` computed from the books read through
  the ORM, and its parts add up: paid = the net payments, paid + contracted = the contract amounts, uncontracted =
  the limit not contracted while authority is live, else nothing.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from commitments import fiscal
from commitments.models import Commitment, Contract, Installment, Payment, ProjectionYear
from commitments.selectors.projection_inputs import projection_oracle
from commitments.services import closing, contract_changes, contracts, payment_reversals, payments
from commitments.services import projection as projection_services
from commitments.services.errors import ServiceError
from tests.support.factories import make_amendment, make_commitment, make_org

TOKYO = ZoneInfo("Asia/Tokyo")
_machines = itertools.count(1)


def _projection(commitment_id: int) -> list[tuple[int, int, int, int, int]]:
    return list(
        ProjectionYear.objects.filter(commitment_id=commitment_id)
        .order_by("fiscal_year")
        .values_list("fiscal_year", "planned_yen", "paid_yen", "contracted_yen", "uncontracted_yen")
    )


class Books(RuleBasedStateMachine):
    """One organization's books under random operations."""

    def __init__(self) -> None:
        super().__init__()
        self.n = next(_machines)
        self.today = date(2026, 6, 1)
        self.serial = itertools.count(1)
        with self._at():
            self.o = make_org(f"状態機械市{self.n}", prefix=f"sm{self.n}-")
        self.commitment_ids: list[int] = []
        self.contract_ids: list[int] = []
        self.payment_ids: list[int] = []

    def _at(self) -> time_machine.travel:
        return time_machine.travel(datetime.combine(self.today, time(10, 0), TOKYO), tick=False)

    def _refused(self, operation, **kwargs) -> object | None:
        """Run a service; a refusal (ServiceError) is a legal outcome that must leave the books as they were."""
        try:
            with self._at():
                return operation(**kwargs)
        except ServiceError:
            return None

    # Operations.

    @rule(limit=st.integers(1, 40), years=st.integers(0, 3))
    def approve_commitment(self, limit: int, years: int) -> None:
        fy = fiscal.fiscal_year_of(self.today)
        with self._at():
            commitment = make_commitment(
                self.o,
                matter=f"事項{next(self.serial)}",
                limit_yen=limit * 250_000,
                authorized_fy=fy,
                first_burden_fy=fy,
                last_burden_fy=fy + years,
            )
        self.commitment_ids.append(commitment.pk)

    @precondition(lambda self: self.commitment_ids)
    @rule(
        data=st.data(),
        share=st.integers(1, 12),
        terms=st.sampled_from(["monthly", "quarterly", "annual", "lump_sum"]),
    )
    def register_contract(self, data: st.DataObject, share: int, terms: str) -> None:
        """A share (in tenths, up to 12: some are refused as over the limit) of the authority not yet contracted."""
        commitment = Commitment.objects.get(pk=data.draw(st.sampled_from(self.commitment_ids)))
        free = commitment.limit_yen - (commitment.contracts.aggregate(s=Sum("amount_yen"))["s"] or 0)
        end = fiscal.fiscal_year_end(commitment.last_burden_fy)
        outcome = self._refused(
            contracts.contract_register,
            actor=self.o.officer2,
            commitment=commitment,
            contract_no=f"K-{self.n}-{next(self.serial)}",
            counterparty="株式会社状態",
            signed_on=self.today,
            start_on=self.today,
            end_on=max(end, self.today),
            amount_yen=max(free * share // 10 // 1000 * 1000, 1000),
            payment_terms=terms,
        )
        if outcome is not None:
            self.contract_ids.append(outcome.contract.pk)

    @precondition(lambda self: self.contract_ids)
    @rule(data=st.data(), percent=st.integers(50, 150))
    def change_contract(self, data: st.DataObject, percent: int) -> None:
        """変更契約 to between half and one and a half times the amount (increases may be refused)."""
        contract = Contract.objects.get(pk=data.draw(st.sampled_from(self.contract_ids)))
        self._refused(
            contracts.contract_update,
            actor=self.o.officer2,
            contract=contract,
            expected_version=contract.version,
            reason="数量の見直しによる変更契約",
            amount_yen=max(contract.amount_yen * percent // 100 // 1000 * 1000, 1000),
        )

    @precondition(lambda self: self.contract_ids)
    @rule(data=st.data())
    def cancel_contract(self, data: st.DataObject) -> None:
        contract = Contract.objects.get(pk=data.draw(st.sampled_from(self.contract_ids)))
        self._refused(
            contract_changes.contract_cancel, actor=self.o.officer2, contract=contract, reason="相手方の事業停止"
        )

    @precondition(lambda self: self.contract_ids)
    @rule(data=st.data(), share=st.integers(1, 12))
    def pay(self, data: st.DataObject, share: int) -> None:
        """A share (in tenths, up to 12: some are refused as over the contract) of what is not yet paid."""
        contract = Contract.objects.get(pk=data.draw(st.sampled_from(self.contract_ids)))
        unpaid = contract.amount_yen - (contract.payments.aggregate(s=Sum("amount_yen"))["s"] or 0)
        payment = self._refused(
            payments.payment_record,
            actor=self.o.officer2,
            contract=contract,
            paid_on=self.today,
            amount_yen=max(unpaid * share // 10, 1),
            reference=f"支{self.n}-{next(self.serial)}",
        )
        if payment is not None:
            self.payment_ids.append(payment.pk)

    @precondition(lambda self: self.payment_ids)
    @rule(data=st.data())
    def pay_the_same_again(self, data: st.DataObject) -> None:
        """A retried feed: the same 支出命令番号 with the same content records nothing new."""
        payment = Payment.objects.get(pk=data.draw(st.sampled_from(self.payment_ids)))
        before = Payment.objects.filter(organization=self.o.organization).count()
        self._refused(
            payments.payment_record,
            actor=self.o.officer2,
            contract=payment.contract,
            paid_on=payment.paid_on,
            amount_yen=payment.amount_yen,
            reference=payment.reference,
            fiscal_year=payment.fiscal_year,
        )
        assert Payment.objects.filter(organization=self.o.organization).count() == before

    @precondition(lambda self: self.payment_ids)
    @rule(data=st.data(), share=st.integers(1, 5))
    def reverse(self, data: st.DataObject, share: int) -> None:
        """A quarter to all (and, at 5, more than all: refused) of what of a payment is not yet reversed."""
        payment = Payment.objects.get(pk=data.draw(st.sampled_from(self.payment_ids)))
        rest = payment.amount_yen + (payment.reversals.aggregate(s=Sum("amount_yen"))["s"] or 0)
        self._refused(
            payment_reversals.payment_reverse,
            actor=self.o.officer2,
            payment=payment,
            amount_yen=max(rest * share // 4, 1),
            reason="過払による戻入",
        )

    @precondition(lambda self: self.commitment_ids)
    @rule(data=st.data(), limit=st.integers(1, 40), longer=st.booleans())
    def amend(self, data: st.DataObject, limit: int, longer: bool) -> None:
        commitment = Commitment.objects.get(pk=data.draw(st.sampled_from(self.commitment_ids)))
        proposal: dict[str, object] = {"new_limit_yen": limit * 250_000, "reason": "事業費の見直し"}
        if longer:
            proposal["new_last_burden_fy"] = commitment.last_burden_fy + 1
        self._refused(make_amendment, o=self.o, commitment=commitment, **proposal)

    @rule(days=st.sampled_from([1, 7, 30, 90, 200]))
    def advance(self, days: int) -> None:
        """Time passes; crossing 1 April runs the approver's year-end close of each year just ended, once."""
        before = fiscal.fiscal_year_of(self.today)
        self.today += timedelta(days=days)
        with self._at():
            for fiscal_year in range(before, fiscal.fiscal_year_of(self.today)):
                close = {"actor": self.o.approver, "organization": self.o.organization, "fiscal_year": fiscal_year}
                assert not closing.fiscal_year_close(**close).already
                assert closing.fiscal_year_close(**close).already  # a second run writes nothing

    # Invariants.

    @invariant()
    def money_adds_up(self) -> None:
        for contract in Contract.objects.filter(organization=self.o.organization):
            net = Payment.objects.filter(contract=contract).aggregate(s=Sum("amount_yen"))["s"] or 0
            assert 0 <= net <= contract.amount_yen, (contract.contract_no, net, contract.amount_yen)
            scheduled = Installment.objects.filter(contract=contract).aggregate(s=Sum("amount_yen"))["s"] or 0
            assert scheduled == contract.amount_yen, (contract.contract_no, scheduled, contract.amount_yen)
        for payment in Payment.objects.filter(organization=self.o.organization, reverses__isnull=True):
            reversed_yen = -(payment.reversals.aggregate(s=Sum("amount_yen"))["s"] or 0)
            assert 0 <= reversed_yen <= payment.amount_yen
        for commitment in Commitment.objects.filter(organization=self.o.organization):
            contracted = commitment.contracts.aggregate(s=Sum("amount_yen"))["s"] or 0
            assert contracted <= commitment.limit_yen, (commitment.matter, contracted, commitment.limit_yen)

    @invariant()
    def projection_matches_the_oracle(self) -> None:
        with self._at():
            oracle = {
                pk: [(y.fiscal_year, y.planned, y.paid, y.contracted, y.uncontracted) for y in years]
                for pk, years in projection_oracle(as_of=self.today, commitment_ids=self.commitment_ids).items()
            }
            for commitment_id in self.commitment_ids:
                projection_services.projection_refresh(commitment_id=commitment_id)
                assert _projection(commitment_id) == oracle.get(commitment_id, []), commitment_id
            projection_services.projection_refresh_many(commitment_ids=self.commitment_ids)
            for commitment_id in self.commitment_ids:
                rows = _projection(commitment_id)
                assert rows == oracle.get(commitment_id, []), commitment_id
                self._parts_add_up(Commitment.objects.get(pk=commitment_id), rows)

    def _parts_add_up(self, commitment: Commitment, rows: list[tuple[int, int, int, int, int]]) -> None:
        contracted = commitment.contracts.aggregate(s=Sum("amount_yen"))["s"] or 0
        paid = Payment.objects.filter(contract__commitment=commitment).aggregate(s=Sum("amount_yen"))["s"] or 0
        assert sum(r[1] for r in rows) == commitment.limit_yen  # 年割額 sum to the limit
        assert sum(r[2] for r in rows) == paid
        assert sum(r[2] + r[3] for r in rows) == contracted
        live = projection_services.commitment_is_live(commitment, fiscal.fiscal_year_of(self.today))
        expected = max(commitment.limit_yen - contracted, 0) if live else 0
        assert sum(r[4] for r in rows) == expected


@pytest.mark.django_db
def test_books_stay_true_under_random_operations() -> None:
    run_state_machine_as_test(
        Books,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
