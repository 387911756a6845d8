"""Synthetic data (generate_commitments): every domain rule holds, a seed fixes the data, the command runs."""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict
from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum

from commitments import fiscal
from commitments.models import (
    APPROVED_STATES,
    Commitment,
    Contract,
    Installment,
    Organization,
    Payment,
    PlannedAmount,
    Segment,
    SpreadRule,
    Status,
)
from commitments.projection import monthly_split
from commitments.services.payments import payment_fiscal_years
from devtools.generate import generate_commitments

AS_OF = date(2025, 9, 30)
N = 300


def _children(organization: Organization) -> tuple[dict, dict, dict, dict, dict]:
    """The organization's commitments, 年割額, contracts, installments and payments, grouped by parent id."""
    commitments = {c.pk: c for c in Commitment.objects.filter(organization=organization)}
    planned: dict[int, dict[int, int]] = defaultdict(dict)
    for row in PlannedAmount.objects.filter(commitment__organization=organization):
        planned[row.commitment_id][row.fiscal_year] = row.amount_yen
    contracts: dict[int, list[Contract]] = defaultdict(list)
    for contract in Contract.objects.filter(organization=organization).order_by("id"):
        contracts[contract.commitment_id].append(contract)
    installments: dict[int, list[Installment]] = defaultdict(list)
    for row in Installment.objects.filter(contract__organization=organization).order_by("due_on"):
        installments[row.contract_id].append(row)
    payments: dict[int, list[Payment]] = defaultdict(list)
    for row in Payment.objects.filter(contract__organization=organization).order_by("paid_on", "id"):
        payments[row.contract_id].append(row)
    return commitments, planned, contracts, installments, payments


def _check_commitment(c: Commitment, planned: dict[int, int]) -> None:
    """Limit, span, state fields and 年割額 of one commitment."""
    assert (c.limit_yen is None) == bool(c.limit_text)
    assert c.limit_yen is None or (100_000 <= c.limit_yen <= 1_000_000_000 and c.limit_yen % 1_000 == 0)
    assert 2010 <= c.first_burden_fy <= c.last_burden_fy <= 2040
    assert c.last_burden_fy - c.first_burden_fy < 10
    assert c.authorized_fy in (c.first_burden_fy, c.first_burden_fy - 1)
    assert c.contract_until_fy is None or c.authorized_fy < c.contract_until_fy <= c.last_burden_fy
    assert c.version == 1 and c.seq is not None
    assert c.needs_projection == (c.status in APPROVED_STATES)
    assert (c.approved_by_id is not None) == (c.status in APPROVED_STATES)
    assert (c.submitted_by_id is None) == (c.status == Status.DRAFT)
    assert c.approved_by_id is None or c.approved_by_id != c.submitted_by_id
    assert c.created_at <= c.updated_at
    # 年割額: one row per year of the span, summing to the limit (text limits: to the estimate, or 0).
    assert sorted(planned) == list(range(c.first_burden_fy, c.last_burden_fy + 1))
    assert sum(planned.values()) == c.exposure_limit_yen
    assert all(amount >= 0 for amount in planned.values())
    if c.spread_rule == SpreadRule.MONTHLY:
        expected = monthly_split(
            c.limit_yen, c.spread_start_month, c.spread_months, first_fy=c.first_burden_fy, last_fy=c.last_burden_fy
        )
        assert planned == expected


def _check_contracts(c: Commitment, contracts: list[Contract], installments: dict, payments: dict) -> None:
    """Contracts within the limit and the contract window; schedules inside the span; payments FIFO and bounded."""
    total = sum(k.amount_yen for k in contracts)
    if c.exposure_limit_yen:
        assert total <= c.exposure_limit_yen
    if c.status in (Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.LAPSED):
        assert not contracts, c.status
    if c.status in (Status.ACTIVE, Status.COMPLETED):
        assert contracts
    if c.status == Status.LAPSED:
        assert c.contract_deadline_fy < fiscal.fiscal_year_of(AS_OF)
    paid_total = 0
    for k in contracts:
        assert k.amount_yen > 0 and k.start_on <= k.end_on and k.signed_on <= min(k.end_on, AS_OF)
        assert c.authorized_fy <= fiscal.fiscal_year_of(k.signed_on) <= c.contract_deadline_fy
        rows = installments[k.pk]
        assert sum(i.amount_yen for i in rows) == k.amount_yen
        assert all(c.first_burden_fy <= i.fiscal_year <= c.last_burden_fy for i in rows)
        assert all(
            i.fiscal_year == fiscal.fiscal_year_of(i.due_on) and k.start_on <= i.due_on <= k.end_on for i in rows
        )
        paid = payments[k.pk]
        paid_yen = sum(p.amount_yen for p in paid)
        # Paid no more than was due by the as-of date (the earliest installments are settled first).
        assert paid_yen <= sum(i.amount_yen for i in rows if i.due_on <= AS_OF) <= k.amount_yen
        for p in paid:
            assert p.amount_yen > 0 and p.paid_on <= AS_OF
            assert p.fiscal_year in payment_fiscal_years(p.paid_on)
            assert c.first_burden_fy <= p.fiscal_year <= c.last_burden_fy
        paid_total += paid_yen
    if c.status == Status.COMPLETED:
        assert paid_total == total > 0


@pytest.mark.django_db
def test_generated_commitments_keep_every_domain_rule():
    result = generate_commitments(count=N, seed=11, organization_name="検証団体", as_of=AS_OF, batch_size=120)
    organization = Organization.objects.get(name="検証団体")
    commitments, planned, contracts, installments, payments = _children(organization)

    assert result.commitments == len(commitments) == N
    assert result.planned == PlannedAmount.objects.filter(commitment__organization=organization).count()
    assert result.contracts == sum(len(v) for v in contracts.values())
    assert result.installments == sum(len(v) for v in installments.values())
    assert result.payments == sum(len(v) for v in payments.values())
    assert Segment.objects.filter(organization=organization).count() == 7
    assert set(result.statuses) == set(Status.values)
    assert sum(result.statuses.values()) == N
    # About half have contracts; about ten installments a contract; ~2 % text limits.
    assert 0.35 * N <= len(contracts) <= 0.65 * N
    assert 6 <= result.installments / result.contracts <= 14
    assert Commitment.objects.filter(organization=organization, limit_yen__isnull=True).count() <= 0.06 * N
    assert Commitment.objects.filter(organization=organization).values("spread_rule").distinct().count() >= 2

    for c in commitments.values():
        _check_commitment(c, planned[c.pk])
        _check_contracts(c, contracts[c.pk], installments, payments)

    numbers = Contract.objects.filter(organization=organization).values("contract_no")
    assert numbers.annotate(n=Count("id")).filter(n__gt=1).count() == 0


def _digest(name: str) -> str:
    """A hash of an organization's generated rows, without ids, organizations or users (five queries)."""
    skip = {"id", "organization", "segment", "created_by", "submitted_by", "approved_by"}
    fields = [f.attname for f in Commitment._meta.concrete_fields if f.name not in skip]
    contract_fields = ["contract_no", "counterparty", "signed_on", "start_on", "end_on", "amount_yen", "payment_terms"]
    tables = [
        Commitment.objects.filter(organization__name=name)
        .order_by("authorized_fy", "seq")
        .values_list(*fields, "segment__code"),
        PlannedAmount.objects.filter(commitment__organization__name=name)
        .order_by("commitment__authorized_fy", "commitment__seq", "fiscal_year")
        .values_list("commitment__authorized_fy", "commitment__seq", "fiscal_year", "amount_yen"),
        Contract.objects.filter(organization__name=name).order_by("contract_no").values_list(*contract_fields),
        Installment.objects.filter(contract__organization__name=name)
        .order_by("contract__contract_no", "due_on")
        .values_list("contract__contract_no", "due_on", "fiscal_year", "amount_yen"),
        Payment.objects.filter(contract__organization__name=name)
        .order_by("contract__contract_no", "paid_on", "amount_yen")
        .values_list("contract__contract_no", "paid_on", "fiscal_year", "amount_yen", "reference", "created_at"),
    ]
    h = hashlib.sha256()
    for rows in tables:
        h.update(repr(list(rows)).encode())
    return h.hexdigest()


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    generate_commitments(count=N, seed=5, organization_name="甲", as_of=AS_OF)
    generate_commitments(count=N, seed=5, organization_name="乙", as_of=AS_OF, batch_size=70)
    generate_commitments(count=N, seed=6, organization_name="丙", as_of=AS_OF)
    assert _digest("甲") == _digest("乙")
    assert _digest("甲") != _digest("丙")


@pytest.mark.django_db
def test_a_second_run_appends_with_fresh_numbers():
    generate_commitments(count=40, seed=3, organization_name="丁", as_of=AS_OF)
    result = generate_commitments(count=40, seed=3, organization_name="丁", as_of=AS_OF)
    organization = Organization.objects.get(name="丁")
    assert result.commitments == 40
    assert Commitment.objects.filter(organization=organization).count() == 80
    assert Contract.objects.filter(organization=organization).count() == 2 * result.contracts
    paid = Payment.objects.filter(contract__organization=organization).aggregate(total=Sum("amount_yen"))["total"]
    assert paid is None or paid > 0


@pytest.mark.django_db
def test_the_command_prints_counts():
    out = io.StringIO()
    call_command(
        "generate_commitments",
        "25",
        "--seed",
        "4",
        "--organization",
        "コマンド団体",
        "--as-of",
        "2025-09-30",
        stdout=out,
    )
    assert Commitment.objects.filter(organization__name="コマンド団体").count() == 25
    assert "commitments 25" in out.getvalue()
    assert "as of 2025-09-30" in out.getvalue()
