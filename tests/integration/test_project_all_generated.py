"""On a few thousand generated commitments, the SQL engine's rows equal the pure oracle's, row for row: set-based
over every commitment, and restricted to one commitment at a time."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from commitments import fiscal
from commitments.models import APPROVED_STATES, Commitment, Contract, ProjectionYear, Status
from commitments.services.projection import projection_refresh, projection_refresh_all
from devtools.generate import generate_commitments
from tests.support.projection_oracle import oracle_rows, stored_rows

N = 2_000
GENERATED_AS_OF = date(2025, 9, 30)


def _sum_of(model: type, field: str, **filters: object) -> Coalesce:
    """The per-commitment sum of `field` of `model` as a subquery (0 when there is none)."""
    rows = model.objects.filter(**filters).values("commitment_id").annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _check_totals(as_of: date) -> None:
    """Live authority flows out in full (the limit or estimate); otherwise only what was contracted."""
    as_of_fy = fiscal.fiscal_year_of(as_of)
    commitments = Commitment.objects.filter(status__in=APPROVED_STATES).annotate(
        contracted=_sum_of(Contract, "amount_yen", commitment_id=OuterRef("pk")),
        outflow=_sum_of(ProjectionYear, "paid_yen", commitment_id=OuterRef("pk"))
        + _sum_of(ProjectionYear, "contracted_yen", commitment_id=OuterRef("pk"))
        + _sum_of(ProjectionYear, "uncontracted_yen", commitment_id=OuterRef("pk")),
    )
    seen = {"live": 0, "not live": 0}
    for c in commitments:
        live = c.status in (Status.APPROVED, Status.ACTIVE) and as_of_fy <= c.contract_deadline_fy
        expected = max(c.exposure_limit_yen, c.contracted) if live else c.contracted
        assert c.outflow == expected, (c.pk, c.status, live)
        seen["live" if live else "not live"] += 1
    assert all(seen.values()), seen


@pytest.fixture
def generated(db: None) -> list[int]:
    """N generated commitments (as of 2025-09-30); the ids of all of them."""
    generate_commitments(count=N, seed=2024, organization_name="推計照合団体", as_of=GENERATED_AS_OF)
    return list(Commitment.objects.order_by("pk").values_list("pk", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("as_of", [date(2020, 6, 30), date(2031, 4, 1)], ids=["FY2020", "FY2031"])
def test_sql_projection_equals_the_oracle_on_generated_data(generated, as_of):
    projection_refresh_all(as_of=as_of)
    set_based = stored_rows()
    _check_totals(as_of)
    # Lapsed, abolished and completed ones have rows too; drafts and submissions none.
    projected = Commitment.objects.filter(status__in=APPROVED_STATES).count()
    assert len({row[0] for row in set_based}) == projected
    assert len(set_based) >= 3 * projected
    assert set_based == oracle_rows(as_of)

    # The same statement restricted to one commitment, into an empty table, gives the same rows.
    ProjectionYear.objects.all().delete()
    for commitment_id in generated:
        projection_refresh(commitment_id=commitment_id, as_of=as_of)
    assert stored_rows() == set_based
    assert not Commitment.objects.filter(needs_projection=True).exists()
