"""The set-based refresh of some commitments (a bulk import, a backlog of stale ones) writes exactly what the oracle
computes for them and what refreshing each of them would, and leaves every other commitment's rows as they were."""

from __future__ import annotations

from datetime import date

import pytest

from commitments.models import Commitment, ProjectionYear, Status
from commitments.services.projection import projection_refresh, projection_refresh_all, projection_refresh_many
from devtools.generate import generate_commitments
from tests.support.projection_oracle import assert_totals_equal_rows, oracle_rows, stored_rows

GENERATED_AS_OF = date(2025, 9, 30)
LATER = date(2027, 6, 1)  # two fiscal years on: authority lapses by date, spreads restart


def _rows(ids: set[int] | None = None) -> set[tuple[int, ...]]:
    qs = ProjectionYear.objects.all()
    if ids is not None:
        qs = qs.filter(commitment_id__in=ids)
    return set(
        qs.values_list("commitment_id", "fiscal_year", "planned_yen", "paid_yen", "contracted_yen", "uncontracted_yen")
    )


@pytest.mark.django_db
def test_refresh_many_equals_refreshing_each_and_touches_nothing_else():
    generate_commitments(count=600, seed=31, organization_name="一部更新市", as_of=GENERATED_AS_OF)
    projection_refresh_all(as_of=GENERATED_AS_OF)
    all_ids = list(Commitment.objects.order_by("pk").values_list("pk", flat=True))
    chosen = set(all_ids[::3])
    # The chosen include drafts (no rows), lapsed and active ones, with contracts and payments: not a trivial set.
    statuses = set(Commitment.objects.filter(pk__in=chosen).values_list("status", flat=True))
    assert {Status.DRAFT, Status.ACTIVE, Status.LAPSED} <= statuses, statuses
    others_before = _rows(set(all_ids) - chosen)
    Commitment.objects.filter(pk__in=chosen).update(needs_projection=True)

    written = projection_refresh_many(commitment_ids=sorted(chosen), as_of=LATER)

    many = _rows(chosen)
    assert written == len(many) > 0
    assert stored_rows(chosen) == oracle_rows(LATER, chosen)
    assert _rows(set(all_ids) - chosen) == others_before  # the rest untouched
    assert not Commitment.objects.filter(pk__in=chosen, needs_projection=True).exists()
    assert_totals_equal_rows()  # the per-cell totals followed
    # Refreshing each chosen commitment on its own gives the very same rows.
    for pk in sorted(chosen):
        projection_refresh(commitment_id=pk, as_of=LATER)
    assert _rows(chosen) == many
    # And the moved date changed something for the chosen (the test would not notice a no-op otherwise).
    projection_refresh_many(commitment_ids=sorted(chosen), as_of=GENERATED_AS_OF)
    assert _rows(chosen) != many
