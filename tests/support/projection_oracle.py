"""The stored projection rows and the pure oracle's rows for the same books, in one shape, for the tests to compare."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import connection

from commitments.models import Commitment, ProjectionTotal, ProjectionYear
from commitments.selectors.projection_inputs import projection_oracle

Row = tuple[int, int, int, int, int, int, int, int]
_AMOUNTS = ("fiscal_year", "planned_yen", "paid_yen", "contracted_yen", "uncontracted_yen")
_GROUPED = """
SELECT organization_id, segment_id, fiscal_year, SUM(planned_yen)::bigint, SUM(paid_yen)::bigint,
       SUM(contracted_yen)::bigint, SUM(uncontracted_yen)::bigint, COUNT(*)
  FROM commitments_projectionyear GROUP BY 1, 2, 3
"""


def stored_rows(commitment_ids: Iterable[int] | None = None) -> set[Row]:
    """Every stored row as (commitment, organization, segment, year, planned, paid, contracted, uncontracted)."""
    rows = ProjectionYear.objects.all()
    if commitment_ids is not None:
        rows = rows.filter(commitment_id__in=list(commitment_ids))
    return set(rows.values_list("commitment_id", "organization_id", "segment_id", *_AMOUNTS))


def oracle_rows(as_of: date, commitment_ids: Iterable[int] | None = None) -> set[Row]:
    """The rows `project_outflow` computes from the books read through the ORM, in `stored_rows`' shape."""
    ids = None if commitment_ids is None else list(commitment_ids)
    years = projection_oracle(as_of=as_of, commitment_ids=ids)
    cells = {
        pk: (organization_id, segment_id)
        for pk, organization_id, segment_id in Commitment.objects.filter(pk__in=list(years)).values_list(
            "pk", "organization_id", "segment_id"
        )
    }
    return {
        (pk, *cells[pk], y.fiscal_year, y.planned, y.paid, y.contracted, y.uncontracted)
        for pk, outflow in years.items()
        for y in outflow
    }


def stored_totals() -> set[tuple[int, ...]]:
    """The per-cell totals the triggers keep: (organization, segment, year, planned, paid, contracted, uncontracted,
    commitments)."""
    return set(ProjectionTotal.objects.values_list("organization_id", "segment_id", *_AMOUNTS, "commitments"))


def assert_totals_equal_rows() -> None:
    """The per-cell totals equal the GROUP BY of the projection rows (and there are rows to compare)."""
    with connection.cursor() as cursor:
        cursor.execute(_GROUPED)
        grouped = set(cursor.fetchall())
    assert grouped, "no projection rows: the comparison would prove nothing"
    assert stored_totals() == grouped
