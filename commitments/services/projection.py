"""Writes of projection rows: one commitment after a change, or all of them set-based in SQL."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from commitments import fiscal
from commitments.models import (
    APPROVED_STATES,
    Commitment,
    Contract,
    Payment,
    PlannedAmount,
    ProjectionYear,
    Status,
)
from commitments.projection import ContractFlows, Installment, project_outflow

logger = logging.getLogger(__name__)

# Abolished commitments still pay out their contracts; only their uncontracted authority is gone.
PROJECTED_STATES = [s.value for s in APPROVED_STATES]
LIVE_STATES = [Status.APPROVED.value, Status.ACTIVE.value]


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


def _inputs(commitment: Commitment) -> tuple[dict[int, int], list[ContractFlows], dict[int, int]]:
    """Planned rows, contracts with installments and amount paid, and payments by fiscal year."""
    planned = dict(PlannedAmount.objects.filter(commitment=commitment).values_list("fiscal_year", "amount_yen"))
    contracts = (
        Contract.objects.filter(commitment=commitment)
        .annotate(paid=Coalesce(Sum("payments__amount_yen"), 0))
        .prefetch_related("installments")
    )
    flows = [
        ContractFlows(
            amount_yen=c.amount_yen,
            installments=tuple(Installment(due_on=i.due_on, amount_yen=i.amount_yen) for i in c.installments.all()),
            paid_yen=c.paid,
        )
        for c in contracts
    ]
    paid_by_fy = dict(
        Payment.objects.filter(contract__commitment=commitment)
        .values_list("fiscal_year")
        .annotate(total=Sum("amount_yen"))
        .values_list("fiscal_year", "total")
    )
    return planned, flows, paid_by_fy


def commitment_is_live(commitment: Commitment, as_of_fy: int) -> bool:
    """Authority can still be contracted: approved or active, and its contract deadline not yet passed."""
    return commitment.status in LIVE_STATES and as_of_fy <= commitment.contract_deadline_fy


@transaction.atomic
def projection_refresh(*, commitment_id: int, as_of: date | None = None) -> int:
    """Rebuild one commitment's rows; idempotent, serialised by a row lock. Returns rows written."""
    as_of = as_of or timezone.localdate()
    as_of_fy = fiscal.fiscal_year_of(as_of)
    commitment = Commitment.objects.select_for_update().filter(pk=commitment_id).first()
    if commitment is None:
        return 0
    ProjectionYear.objects.filter(commitment_id=commitment_id).delete()
    rows: list[ProjectionYear] = []
    if commitment.status in PROJECTED_STATES:
        now = timezone.now()
        planned, flows, paid_by_fy = _inputs(commitment)
        years = project_outflow(
            limit_yen=commitment.exposure_limit_yen,
            first_fy=commitment.first_burden_fy,
            last_fy=commitment.last_burden_fy,
            planned=planned,
            contracts=flows,
            payments_by_fy=paid_by_fy,
            live=commitment_is_live(commitment, as_of_fy),
            as_of_fy=as_of_fy,
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


# projection.project_outflow in SQL, for every commitment at once (the tests hold both to the same numbers):
# planned from the 年割額 rows; paid by the payments' fiscal year; contracted = each installment's part not
# settled by the contract's payments, earliest due first; uncontracted = limit − contracts, spread with the
# equal rule (rounded down to 1,000 yen, remainder first) from the as-of year, while the authority is live.
_PROJECT_ALL_SQL = """
WITH c AS (
    SELECT id, organization_id, segment_id, first_burden_fy::int AS first_fy, last_burden_fy::int AS last_fy,
           COALESCE(limit_yen, estimated_limit_yen, 0)::bigint AS amount,
           (status = ANY(%(live)s) AND %(as_of_fy)s::int <= COALESCE(contract_until_fy, authorized_fy)::int) AS live
      FROM commitments_commitment
     WHERE status = ANY(%(projected)s)
), k AS (
    SELECT commitment_id, SUM(amount_yen)::bigint AS total FROM commitments_contract GROUP BY commitment_id
), paid_contract AS (
    SELECT contract_id, SUM(amount_yen)::bigint AS paid FROM commitments_payment GROUP BY contract_id
), pay AS (
    SELECT ct.commitment_id, p.fiscal_year::int AS fy, SUM(p.amount_yen)::bigint AS paid
      FROM commitments_payment p JOIN commitments_contract ct ON ct.id = p.contract_id
     GROUP BY 1, 2
), inst AS (
    SELECT ct.commitment_id, i.fiscal_year::int AS fy,
           GREATEST(0, LEAST(i.amount_yen,
               SUM(i.amount_yen) OVER (PARTITION BY i.contract_id ORDER BY i.due_on) - COALESCE(pc.paid, 0)
           )) AS unpaid
      FROM commitments_installment i
      JOIN commitments_contract ct ON ct.id = i.contract_id
      LEFT JOIN paid_contract pc ON pc.contract_id = i.contract_id
), con AS (
    SELECT commitment_id, fy, SUM(unpaid)::bigint AS contracted FROM inst GROUP BY 1, 2
), s AS (
    SELECT c.*, GREATEST(c.amount - COALESCE(k.total, 0), 0) AS remaining,
           GREATEST(c.first_fy, LEAST(%(as_of_fy)s::int, c.last_fy)) AS rem_first
      FROM c LEFT JOIN k ON k.commitment_id = c.id
), s2 AS (
    SELECT s.*, (s.last_fy - s.rem_first + 1) AS rem_n FROM s
), outside AS (
    -- Money outside the burden span (never lost, though the services refuse it): a small set, deduplicated.
    SELECT DISTINCT m.commitment_id AS id, m.fy
      FROM (SELECT commitment_id, fy FROM pay WHERE paid <> 0
            UNION ALL SELECT commitment_id, fy FROM con WHERE contracted <> 0) AS m
      JOIN c ON c.id = m.commitment_id
     WHERE m.fy < c.first_fy OR m.fy > c.last_fy
), years AS (
    SELECT s2.id, gs.fy FROM s2 CROSS JOIN LATERAL generate_series(s2.first_fy, s2.last_fy) AS gs(fy)
    UNION ALL SELECT id, fy FROM outside
)
INSERT INTO commitments_projectionyear
    (commitment_id, organization_id, segment_id, fiscal_year, planned_yen, paid_yen, contracted_yen,
     uncontracted_yen, computed_at)
SELECT s2.id, s2.organization_id, s2.segment_id, y.fy,
       COALESCE(pa.amount_yen, 0), COALESCE(pay.paid, 0), COALESCE(con.contracted, 0),
       CASE WHEN NOT s2.live OR s2.remaining = 0 OR y.fy < s2.rem_first OR y.fy > s2.last_fy THEN 0
            WHEN y.fy = s2.rem_first THEN s2.remaining - (s2.remaining / s2.rem_n / 1000 * 1000) * (s2.rem_n - 1)
            ELSE s2.remaining / s2.rem_n / 1000 * 1000 END,
       %(now)s
  FROM years y
  JOIN s2 ON s2.id = y.id
  LEFT JOIN commitments_plannedamount pa ON pa.commitment_id = y.id AND pa.fiscal_year = y.fy
  LEFT JOIN pay ON pay.commitment_id = y.id AND pay.fy = y.fy
  LEFT JOIN con ON con.commitment_id = y.id AND con.fy = y.fy
"""


_SNAPSHOT_SQL = """
INSERT INTO commitments_projectionsnapshot
    (organization_id, as_of, fiscal_year, segment_id, planned_yen, paid_yen, contracted_yen, uncontracted_yen,
     commitments, computed_at)
SELECT organization_id, %(as_of)s, fiscal_year, segment_id, SUM(planned_yen), SUM(paid_yen), SUM(contracted_yen),
       SUM(uncontracted_yen), COUNT(DISTINCT commitment_id), %(now)s
  FROM commitments_projectionyear
 GROUP BY organization_id, fiscal_year, segment_id
"""


def projection_refresh_all(*, as_of: date | None = None) -> int:
    """Rebuild every commitment's rows in one set-based statement and keep the day's totals as a snapshot.

    One REPEATABLE READ transaction: readers see the old rows or the new ones, never half; the stale flags are
    cleared only for rows this run saw (a commitment changed meanwhile keeps its flag for the next run).
    """
    as_of = as_of or timezone.localdate()
    params = {
        "as_of": as_of,
        "as_of_fy": fiscal.fiscal_year_of(as_of),
        "live": LIVE_STATES,
        "projected": PROJECTED_STATES,
        "now": timezone.now(),
    }
    outermost = not connection.in_atomic_block  # (inside a caller's transaction its isolation level applies)
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        # The aggregations and hash joins over every payment and installment stay in memory (a spill to disk
        # made the 1 M run several times slower); LOCAL ends with this transaction.
        cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.PROJECTION_WORK_MEM])
        cursor.execute("LOCK TABLE commitments_projectionyear IN EXCLUSIVE MODE")
        cursor.execute("DELETE FROM commitments_projectionyear")
        cursor.execute(_PROJECT_ALL_SQL, params)
        written = cursor.rowcount
        cursor.execute("DELETE FROM commitments_projectionsnapshot WHERE as_of = %(as_of)s", params)
        cursor.execute(_SNAPSHOT_SQL, params)
        try:
            with transaction.atomic():
                Commitment.objects.filter(needs_projection=True).update(needs_projection=False)
        except OperationalError:  # changed since this run's snapshot: stale until its own task or the next run
            logger.info("stale flags left for commitments changed during the run")
    return written
