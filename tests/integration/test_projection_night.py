"""The nightly run in proportion to what changed: triggers mark the commitments a write touched (whatever wrote:
here raw SQL, which no service sees), the night re-projects exactly those, and its rows equal the pure oracle's —
after every kind of write and across a fiscal-year change. The weekly check finds a stored row no write explains."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max

from commitments.models import (
    Commitment,
    Contract,
    Installment,
    Payment,
    PlannedAmount,
    ProjectionChange,
    ProjectionState,
    ProjectionYear,
)
from commitments.services.projection import projection_night, projection_verify
from devtools.generate import generate_commitments
from tests.support.projection_oracle import oracle_rows, stored_rows

N = 400
AS_OF = date(2025, 9, 30)
NEXT_YEAR = date(2026, 4, 1)


def _marked() -> set[int]:
    return set(ProjectionChange.objects.values_list("commitment_id", flat=True))


def _sql(statement: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def projected(db: None) -> None:
    """N generated commitments, projected by a first night (a full run: no state yet)."""
    generate_commitments(count=N, seed=19, organization_name="夜間差分団体", as_of=AS_OF)
    assert len(_marked()) == N  # the bulk COPY marked every commitment it wrote
    first = projection_night(as_of=AS_OF)
    assert first.projected is None  # no state yet: the full recomputation
    assert _marked() == set()
    assert ProjectionState.objects.get().as_of_fy == 2025


@pytest.mark.django_db
def test_a_quiet_night_touches_no_commitment(projected):
    before = ProjectionYear.objects.aggregate(last=Max("computed_at"))["last"]
    night = projection_night(as_of=AS_OF)
    assert night.projected == 0
    assert night.rows == ProjectionYear.objects.count()
    assert ProjectionYear.objects.aggregate(last=Max("computed_at"))["last"] == before
    # Writes the projection does not read mark nothing: a matter's text, the stale flag.
    commitment = Commitment.objects.filter(status="active").order_by("pk").first()
    _sql(
        "UPDATE commitments_commitment SET matter = matter || '（改）', needs_projection = true WHERE id = %s",
        [commitment.pk],
    )
    assert _marked() == set()


def _write_and_check(statements: list[tuple[str, list[object]]], commitment_ids: set[int]) -> None:
    """Raw writes mark exactly their commitments; the next night re-projects only those and equals the oracle."""
    before = stored_rows()
    for statement, params in statements:
        _sql(statement, params)
    assert _marked() == commitment_ids
    night = projection_night(as_of=AS_OF)
    assert night.projected == len(commitment_ids)
    assert _marked() == set()
    after = stored_rows()
    assert after == oracle_rows(AS_OF)
    assert {row[0] for row in after ^ before} <= commitment_ids


def _contract_with_two_installments() -> Contract:
    """A contract with two installments or more and no payment (its amount may move)."""
    return (
        Contract.objects.annotate(n=Count("installments"), paid=Count("payments"))
        .filter(n__gte=2, paid=0)
        .order_by("pk")
        .first()
    )


@pytest.mark.django_db
def test_each_kind_of_write_marks_its_commitment_and_the_night_equals_the_oracle(projected):
    # Installments: 1,000 yen moved from the contract's last installment to its first (the sum kept).
    contract = _contract_with_two_installments()
    first, last = contract.installments.order_by("due_on")[0], contract.installments.order_by("-due_on")[0]
    moved_yen = min(1_000, last.amount_yen)
    shift = "UPDATE commitments_installment SET amount_yen = amount_yen + %s WHERE id = %s"
    _write_and_check([(shift, [moved_yen, first.pk]), (shift, [-moved_yen, last.pk])], {contract.commitment_id})
    # A payment halved.
    payment = Payment.objects.filter(amount_yen__gte=2_000, reverses__isnull=True).select_related("contract")
    payment = payment.order_by("pk").first()
    _write_and_check(
        [("UPDATE commitments_payment SET amount_yen = amount_yen / 2 WHERE id = %s", [payment.pk])],
        {payment.contract.commitment_id},
    )
    # A contract and its first installment raised together.
    contract = Contract.objects.filter(installments__isnull=False).order_by("-pk").first()
    installment = contract.installments.order_by("due_on").first()
    _write_and_check(
        [
            ("UPDATE commitments_contract SET amount_yen = amount_yen + 3000 WHERE id = %s", [contract.pk]),
            ("UPDATE commitments_installment SET amount_yen = amount_yen + 3000 WHERE id = %s", [installment.pk]),
        ],
        {contract.commitment_id},
    )
    # A 年割額 row.
    planned = PlannedAmount.objects.order_by("pk").first()
    _write_and_check(
        [("UPDATE commitments_plannedamount SET amount_yen = amount_yen + 5000 WHERE id = %s", [planned.pk])],
        {planned.commitment_id},
    )
    # The commitment: its limit, then its state.
    live = Commitment.objects.filter(status="approved", limit_yen__isnull=False).order_by("pk").first()
    _write_and_check(
        [("UPDATE commitments_commitment SET limit_yen = limit_yen + 7000 WHERE id = %s", [live.pk])], {live.pk}
    )
    _write_and_check([("UPDATE commitments_commitment SET status = 'lapsed' WHERE id = %s", [live.pk])], {live.pk})
    # An installment deleted (its contract lowered with it), then one moved to a contract of another commitment:
    # both commitments marked.
    gone = Installment.objects.filter(contract__payments__isnull=True).select_related("contract")
    gone = gone.order_by("-pk").first()
    _write_and_check(
        [
            ("DELETE FROM commitments_installment WHERE id = %s", [gone.pk]),
            (
                "UPDATE commitments_contract SET amount_yen = amount_yen - %s WHERE id = %s",
                [gone.amount_yen, gone.contract_id],
            ),
        ],
        {gone.contract.commitment_id},
    )
    moved = _contract_with_two_installments().installments.order_by("due_on").first()
    source = moved.contract
    target = Contract.objects.exclude(commitment_id=source.commitment_id).filter(installments__isnull=False)
    target = target.order_by("pk").first()
    lower = "UPDATE commitments_contract SET amount_yen = amount_yen + %s WHERE id = %s"
    _write_and_check(
        [
            (
                "UPDATE commitments_installment SET contract_id = %s, due_on = '2040-03-30', fiscal_year = 2039"
                " WHERE id = %s",
                [target.pk, moved.pk],
            ),
            (lower, [-moved.amount_yen, source.pk]),
            (lower, [moved.amount_yen, target.pk]),
        ],
        {source.commitment_id, target.commitment_id},
    )


@pytest.mark.django_db
def test_a_new_fiscal_year_reprojects_the_year_dependent_commitments_only(projected):
    night = projection_night(as_of=NEXT_YEAR)
    assert stored_rows() == oracle_rows(NEXT_YEAR)
    approved = Commitment.objects.filter(status__in=["approved", "active"]).count()
    assert 0 < night.projected < approved
    assert ProjectionState.objects.get().as_of_fy == 2026
    # The next night of that year is quiet again, and going back a year is a change of year too.
    assert projection_night(as_of=NEXT_YEAR).projected == 0
    projection_night(as_of=AS_OF)
    assert stored_rows() == oracle_rows(AS_OF)


@pytest.mark.django_db
def test_a_refresh_for_another_year_is_marked_for_the_next_night(projected):
    commitment = Commitment.objects.filter(status="approved").order_by("pk").first()
    call_command("project_outflows", "--commitment", str(commitment.pk), "--as-of", "2031-04-01")
    assert _marked() == {commitment.pk}
    assert projection_night(as_of=AS_OF).projected == 1
    assert stored_rows() == oracle_rows(AS_OF)


@pytest.mark.django_db
def test_the_weekly_check_reports_a_row_no_write_explains_and_the_full_run_repairs_it(projected, caplog):
    assert projection_verify() == []
    row = ProjectionYear.objects.filter(paid_yen__gt=0).order_by("pk").first()
    # Written past the triggers' view of the books: only the check can see it.
    _sql("UPDATE commitments_projectionyear SET paid_yen = paid_yen + 1 WHERE id = %s", [row.pk])
    assert projection_night(as_of=AS_OF).projected == 0
    with caplog.at_level(logging.ERROR, logger="commitments.services.projection.nightly"):
        differences = projection_verify()
    assert [(d.organization_id, d.fresh_rows, d.stored_rows) for d in differences] == [
        (row.organization_id, ProjectionYear.objects.count(), ProjectionYear.objects.count())
    ]
    assert "differs from a recomputation" in caplog.text
    call_command("project_outflows", "--all", "--full", "--as-of", AS_OF.isoformat())
    assert projection_verify() == []
    assert stored_rows() == oracle_rows(AS_OF)


def test_the_check_runs_weekly_and_the_night_nightly():
    from jlis_commitments.celery import app

    schedule = app.conf.beat_schedule
    weekly = schedule["projection-verify-weekly"]
    assert weekly["task"] == "commitments.tasks.projection_verify"
    assert (weekly["schedule"].day_of_week, weekly["schedule"].hour) == ({0}, {3})
    assert schedule["project-all-nightly"]["task"] == "commitments.tasks.project_all"
