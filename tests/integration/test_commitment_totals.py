"""The number of commitments and their 限度額 total per organization × segment × state, kept by triggers on the
commitments table, equal the GROUP BY of the commitments after every kind of write (a bulk COPY, the services, raw
SQL updates of the state, the limit and the segment, deletes); the exposure page and the summary read them."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from commitments import selectors
from commitments.models import APPROVED_STATES, Commitment, CommitmentTotal, Organization, Segment
from devtools.generate import generate_commitments

AS_OF = date(2025, 9, 30)

_GROUPED = """
SELECT organization_id, segment_id, status, count(*), COALESCE(SUM(limit_yen), 0)::bigint,
       count(*) FILTER (WHERE limit_yen IS NULL)
  FROM commitments_commitment GROUP BY 1, 2, 3
"""


def _grouped() -> set[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(_GROUPED)
        return set(cursor.fetchall())


def _cells() -> set[tuple[object, ...]]:
    return {
        (o, s, status, n, int(limit), texts)
        for o, s, status, n, limit, texts in CommitmentTotal.objects.values_list(
            "organization_id", "segment_id", "status", "commitments", "limit_yen", "text_limits"
        )
    }


def _sql(statement: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.django_db
def test_the_cells_equal_the_group_by_after_every_kind_of_write():
    generate_commitments(count=300, seed=5, organization_name="件数照合市", as_of=AS_OF)
    generate_commitments(count=100, seed=6, organization_name="件数照合町", as_of=AS_OF)
    assert _cells() == _grouped()
    assert any(texts for *_, texts in _cells())  # some limits are in words only

    city = Organization.objects.get(name="件数照合市")
    first = Commitment.objects.filter(organization=city, status="approved", limit_yen__isnull=False).order_by("pk")
    one, two, three = first[:3]
    other_segment = Segment.objects.filter(organization=city).exclude(pk=one.segment_id).order_by("pk").first()
    _sql("UPDATE commitments_commitment SET status = 'lapsed' WHERE id = %s", [one.pk])
    _sql("UPDATE commitments_commitment SET limit_yen = limit_yen + 1000000 WHERE id = %s", [two.pk])
    _sql("UPDATE commitments_commitment SET segment_id = %s WHERE id = %s", [other_segment.pk, three.pk])
    # A bulk update of a column the cells do not hold leaves them as they are.
    _sql(
        "UPDATE commitments_commitment SET needs_projection = NOT needs_projection WHERE organization_id = %s",
        [city.pk],
    )
    assert _cells() == _grouped()
    # Deletes (the drafts, their 年割額 first): whole cells emptied and removed.
    drafts = list(Commitment.objects.filter(status="draft").values_list("pk", flat=True))
    assert drafts
    _sql("DELETE FROM commitments_plannedamount WHERE commitment_id = ANY(%s)", [drafts])
    Commitment.objects.filter(pk__in=drafts).delete()
    assert _cells() == _grouped()
    assert not CommitmentTotal.objects.filter(status="draft").exists()
    assert not CommitmentTotal.objects.filter(commitments=0).exists()


@pytest.mark.django_db
def test_one_statement_moving_many_commitments_after_one_row_updates():
    """Many one-row updates first (PL/pgSQL then caches a generic plan of the trigger, made on tiny transition
    tables), then one statement moving commitments between segments and states and raising limits, some of them
    swapping cells: the cells still equal the GROUP BY."""
    generate_commitments(count=300, seed=7, organization_name="件数一括市", as_of=AS_OF)
    city = Organization.objects.get(name="件数一括市")
    ids = list(Commitment.objects.filter(organization=city).order_by("pk").values_list("pk", flat=True))
    for pk in ids[:12]:
        _sql("UPDATE commitments_commitment SET needs_projection = NOT needs_projection WHERE id = %s", [pk])
    segments = list(Segment.objects.filter(organization=city).order_by("pk").values_list("pk", flat=True))
    assert len(segments) >= 2
    _sql(
        """UPDATE commitments_commitment
              SET segment_id = CASE WHEN id %% 3 = 0 THEN %s WHEN id %% 3 = 1 THEN %s ELSE segment_id END,
                  limit_yen = CASE WHEN id %% 5 = 0 THEN limit_yen + 1000 ELSE limit_yen END,
                  status = CASE WHEN id %% 7 = 0 AND status = 'approved' THEN 'lapsed' ELSE status END
            WHERE organization_id = %s""",
        [segments[0], segments[1], city.pk],
    )
    assert _cells() == _grouped()
    assert not CommitmentTotal.objects.filter(commitments=0).exists()


@pytest.mark.django_db
def test_the_exposure_footer_reads_the_cells():
    generate_commitments(count=50, seed=9, organization_name="件数足し算市", as_of=AS_OF)
    city = Organization.objects.get(name="件数足し算市")
    approved = Commitment.objects.filter(organization=city, status__in=APPROVED_STATES)
    limits = sum(c.limit_yen or 0 for c in approved)
    totals = selectors.exposure_totals_of_scope(organization_ids=[city.pk], fiscal_years=[2025], basis="total")
    assert (totals["commitments"], totals["limit_yen"]) == (approved.count(), limits)
    table = selectors.exposure_table(organization_ids=[city.pk], basis="total", by="segment")
    assert (table.commitments, table.limit_total) == (approved.count(), limits)
    assert table.text_limit_count == approved.filter(limit_yen__isnull=True).count()
