"""Writes of projection rows: one commitment after a change, or all of them set-based in SQL."""

from __future__ import annotations

import logging
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from commitments import fiscal
from commitments.models import APPROVED_STATES, Commitment, ProjectionYear, Status
from commitments.projection import project_commitment

logger = logging.getLogger(__name__)

PROJECTED_STATES = [s.value for s in APPROVED_STATES if s != Status.ABOLISHED]
LIVE_STATES = [Status.APPROVED.value]


def projection_request(*, commitment_id: int) -> None:
    """Queue the commitment's projection once the current transaction commits."""

    def enqueue() -> None:
        from commitments.tasks import project_commitment as task

        try:
            task.apply_async(args=[commitment_id], retry=True)
        except Exception:  # broker down: the flag stays set and the sweep catches up
            logger.warning(
                "could not queue projection of commitment %s; left for the sweep", commitment_id, exc_info=True
            )

    transaction.on_commit(enqueue)


@transaction.atomic
def projection_refresh(*, commitment_id: int, as_of: date | None = None) -> int:
    """Rebuild one commitment's rows; idempotent, serialised by a row lock. Returns rows written."""
    as_of = as_of or timezone.localdate()
    commitment = Commitment.objects.select_for_update().filter(pk=commitment_id).first()
    if commitment is None:
        return 0
    ProjectionYear.objects.filter(commitment_id=commitment_id).delete()
    rows: list[ProjectionYear] = []
    if commitment.status in PROJECTED_STATES:
        now = timezone.now()
        years = project_commitment(
            limit_yen=commitment.exposure_limit_yen,
            first_fy=commitment.first_burden_fy,
            last_fy=commitment.last_burden_fy,
            authorized_fy=commitment.authorized_fy,
            as_of_fy=fiscal.fiscal_year_of(as_of),
            approved=commitment.status in LIVE_STATES,
        )
        rows = [
            ProjectionYear(
                commitment=commitment,
                organization_id=commitment.organization_id,
                segment_id=commitment.segment_id,
                fiscal_year=y.fiscal_year,
                planned_yen=y.planned,
                paid_yen=y.paid,
                contracted_yen=y.contracted,
                uncontracted_yen=y.uncontracted,
                computed_at=now,
            )
            for y in years
        ]
        ProjectionYear.objects.bulk_create(rows)
    Commitment.objects.filter(pk=commitment_id).update(needs_projection=False)
    return len(rows)


# The equal rule of projection.equal_split, in SQL, for every commitment at once:
# share = floor(amount / years / 1000) * 1000; the first year takes amount - share * (years - 1).
_PROJECT_ALL_SQL = """
WITH c AS (
    SELECT id, organization_id, segment_id, first_burden_fy::int AS first_fy, last_burden_fy::int AS last_fy,
           COALESCE(limit_yen, estimated_limit_yen, 0)::bigint AS amount,
           GREATEST(first_burden_fy::int, %(as_of_fy)s::int) AS rem_first,
           (status = ANY(%(live)s) AND %(as_of_fy)s::int <= authorized_fy) AS live
      FROM commitments_commitment
     WHERE status = ANY(%(projected)s)
), s AS (
    SELECT c.*, (last_fy - first_fy + 1) AS n, GREATEST(last_fy - rem_first + 1, 1) AS rem_n
      FROM c
)
INSERT INTO commitments_projectionyear
    (commitment_id, organization_id, segment_id, fiscal_year, planned_yen, paid_yen, contracted_yen,
     uncontracted_yen, computed_at)
SELECT s.id, s.organization_id, s.segment_id, fy,
       CASE WHEN fy = s.first_fy THEN s.amount - (s.amount / s.n / 1000 * 1000) * (s.n - 1)
            ELSE s.amount / s.n / 1000 * 1000 END,
       0, 0,
       CASE WHEN NOT s.live OR fy < s.rem_first THEN 0
            WHEN fy = s.rem_first THEN s.amount - (s.amount / s.rem_n / 1000 * 1000) * (s.rem_n - 1)
            ELSE s.amount / s.rem_n / 1000 * 1000 END,
       %(now)s
  FROM s CROSS JOIN LATERAL generate_series(s.first_fy, s.last_fy) AS fy
"""


@transaction.atomic
def projection_refresh_all(*, as_of: date | None = None) -> int:
    """Rebuild every commitment's rows in one set-based statement; readers see old or new, never half."""
    as_of = as_of or timezone.localdate()
    params = {
        "as_of_fy": fiscal.fiscal_year_of(as_of),
        "live": LIVE_STATES,
        "projected": PROJECTED_STATES,
        "now": timezone.now(),
    }
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE commitments_projectionyear IN EXCLUSIVE MODE")
        cursor.execute("DELETE FROM commitments_projectionyear")
        cursor.execute(_PROJECT_ALL_SQL, params)
        written = cursor.rowcount
    Commitment.objects.filter(needs_projection=True).update(needs_projection=False)
    return written
