"""The per-cell totals hold sums past bigint: 10,000 commitments at the cap (10^15 yen each, rules.MAX_YEN) in one
organization × segment × fiscal year sum to 10^19 yen, over bigint's 9,223,372,036,854,775,807.

At 9b1d36f (`git show 9b1d36f:commitments/migrations/0014_projection_totals.py`) the totals columns were bigint and
the nightly run's INSERT failed in the trigger with "bigint out of range" (NumericValueOutOfRange). Migration 0016
makes them numeric with the trigger's arithmetic; the readers return Python ints, exact to the yen.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.utils import timezone

from commitments.models import Commitment, PlannedAmount, ProjectionSnapshot, ProjectionTotal, Status
from commitments.selectors.exposure import (
    exposure_snapshot_table,
    exposure_table,
    exposure_totals_of_scope,
    fiscal_years_with_projection,
)
from commitments.services.projection import projection_refresh, projection_refresh_all
from tests.support.factories import make_org

AS_OF = date(2026, 6, 1)
COUNT = 10_000


@pytest.fixture
def cell(db):
    """10,000 approved commitments of 1,000兆円 each, all of FY2026 in one segment, with their 年割額."""
    o = make_org("上限市")
    now = timezone.now()
    commitments = Commitment.objects.bulk_create(
        Commitment(
            organization=o.organization, segment=o.segment, seq=n, matter=f"上限の事業{n}",
            limit_yen=1_000_000_000_000_000, authorized_fy=2026, first_burden_fy=2026, last_burden_fy=2026,
            status=Status.APPROVED, created_by=o.officer2, submitted_by=o.officer2, submitted_at=now,
            approved_by=o.approver, approved_at=now, needs_projection=True,
        )
        for n in range(1, COUNT + 1)
    )  # fmt: skip
    PlannedAmount.objects.bulk_create(
        PlannedAmount(commitment=c, fiscal_year=2026, amount_yen=1_000_000_000_000_000) for c in commitments
    )
    return o


def _cell(o) -> tuple[int, int, int, int, int]:
    return ProjectionTotal.objects.values_list(
        "planned_yen", "paid_yen", "contracted_yen", "uncontracted_yen", "commitments"
    ).get(organization=o.organization, segment=o.segment, fiscal_year=2026)


def test_ten_thousand_commitments_at_the_cap_in_one_cell(cell):
    o = cell
    ids = [o.organization.pk]
    # The nightly run through its normal path: one INSERT of every row, one trigger call summing them all.
    assert projection_refresh_all(as_of=AS_OF) == 10_000
    assert _cell(o) == (10_000_000_000_000_000_000, 0, 0, 10_000_000_000_000_000_000, 10_000)
    assert all(type(v) is int for v in _cell(o))

    table = exposure_table(organization_ids=ids, basis="planned", by="segment")
    assert table.rows[0]["years"] == {2026: 10_000_000_000_000_000_000}
    assert table.totals == {2026: 10_000_000_000_000_000_000}
    assert exposure_totals_of_scope(organization_ids=ids, fiscal_years=[2026], basis="total")["fy_2026"] == (
        10_000_000_000_000_000_000
    )
    assert fiscal_years_with_projection(organization_ids=ids) == [2026]
    taken, snapshot = exposure_snapshot_table(organization_ids=ids, as_of=AS_OF, basis="total")
    assert taken == AS_OF and snapshot.totals == {2026: 10_000_000_000_000_000_000}
    assert ProjectionSnapshot.objects.get(organization=o.organization).planned_yen == 10_000_000_000_000_000_000

    # One more commitment's refresh: the upsert adds to a cell already past bigint.
    extra = Commitment.objects.create(
        organization=o.organization, segment=o.segment, matter="上限の追加事業", limit_yen=1_000_000_000_000_000,
        authorized_fy=2026, first_burden_fy=2026, last_burden_fy=2026, status=Status.APPROVED,
        submitted_by=o.officer2, approved_by=o.approver,
    )  # fmt: skip
    PlannedAmount.objects.create(commitment=extra, fiscal_year=2026, amount_yen=1_000_000_000_000_000)
    projection_refresh(commitment_id=extra.pk, as_of=AS_OF)
    assert _cell(o) == (10_001_000_000_000_000_000, 0, 0, 10_001_000_000_000_000_000, 10_001)

    # An UPDATE of every row (old rows out, new rows in) and a DELETE of half of them.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE commitments_projectionyear SET paid_yen = planned_yen, uncontracted_yen = 0 "
            "WHERE organization_id = %s",
            ids,
        )
        assert _cell(o) == (10_001_000_000_000_000_000, 10_001_000_000_000_000_000, 0, 0, 10_001)
        cursor.execute(
            "DELETE FROM commitments_projectionyear WHERE organization_id = %s AND commitment_id <= "
            "(SELECT MIN(id) + 4999 FROM commitments_commitment WHERE organization_id = %s)",
            ids * 2,
        )
    assert _cell(o) == (5_001_000_000_000_000_000, 5_001_000_000_000_000_000, 0, 0, 5_001)
    table = exposure_table(organization_ids=ids, basis="total", by="segment")
    assert table.grand_total == 5_001_000_000_000_000_000
