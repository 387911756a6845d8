"""Writes of projection rows: one commitment after a change, or all of them set-based in SQL."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Prefetch, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from commitments import fiscal
from commitments.deadline import contract_deadline_passed
from commitments.models import (
    APPROVED_STATES,
    Commitment,
    Contract,
    Payment,
    PlannedAmount,
    ProjectionYear,
    Status,
)
from commitments.models import (
    Installment as InstallmentRow,
)
from commitments.projection import ContractFlows, Installment, project_outflow
from commitments.services.enqueue import enqueue

logger = logging.getLogger(__name__)

# Abolished commitments still pay out their contracts; only their uncontracted authority is gone.
PROJECTED_STATES = [s.value for s in APPROVED_STATES]
LIVE_STATES = [Status.APPROVED.value, Status.ACTIVE.value]


def projection_request(*, commitment_id: int) -> None:
    """Queue the commitment's projection once the current transaction commits (its stale flag covers a lost send)."""
    enqueue("commitments.tasks.project_commitment", commitment_id)


def _inputs(commitment: Commitment) -> tuple[dict[int, int], list[ContractFlows], dict[int, int]]:
    """Planned rows, contracts with installments and amount paid, and payments by fiscal year."""
    planned = dict(
        PlannedAmount.objects.filter(commitment=commitment).order_by().values_list("fiscal_year", "amount_yen")
    )
    contracts = (
        Contract.objects.filter(commitment=commitment)
        .annotate(paid=Coalesce(Sum("payments__amount_yen"), 0))
        .order_by("pk")
        .prefetch_related(Prefetch("installments", queryset=InstallmentRow.objects.order_by("due_on")))
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
        .order_by()
        .values_list("fiscal_year")
        .annotate(total=Sum("amount_yen"))
        .values_list("fiscal_year", "total")
    )
    return planned, flows, paid_by_fy


def commitment_is_live(commitment: Commitment, as_of_fy: int) -> bool:
    """Authority can still be contracted: approved or active, and its contract deadline not passed when `as_of_fy`
    begins (the rule of `deadline.contract_deadline_passed`)."""
    return commitment.status in LIVE_STATES and not contract_deadline_passed(
        commitment, fiscal.fiscal_year_start(as_of_fy)
    )


@transaction.atomic
def projection_refresh(*, commitment_id: int, as_of: date | None = None) -> int:
    """Rebuild one commitment's rows; idempotent, serialised by a row lock. Returns rows written."""
    as_of = as_of or timezone.localdate()
    as_of_fy = fiscal.fiscal_year_of(as_of)
    # The table before the row, in project_all's order. The other way round a refresh holding the commitment's row
    # lock waited for project_all's table lock while project_all waited for that row (its foreign-key check or the
    # stale-flag update): a deadlock PostgreSQL broke after a second by aborting one of them, possibly the whole run.
    # ROW EXCLUSIVE is what the DELETE and INSERT below take anyway: refreshes of other commitments still run together.
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE commitments_projectionyear IN ROW EXCLUSIVE MODE")
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


# Past this many stale commitments one set-based run is cheaper than refreshing them one by one.
SWEEP_BATCH = 500
# Up to this many commitments are refreshed set-based by id (their own inputs only); beyond, the nightly run.
MANY_MAX = 100_000


def projection_sweep() -> int:
    """Bring up to date the commitments still flagged stale: their own task was lost (broker down, dead worker).

    Returns how many were stale. Each one is refreshed on its own (row lock, idempotent); a backlog larger than
    SWEEP_BATCH is refreshed set-based by id, and one larger than MANY_MAX (a bulk load) takes the nightly run.
    """
    stale = list(
        Commitment.objects.filter(needs_projection=True).order_by("pk").values_list("pk", flat=True)[: SWEEP_BATCH + 1]
    )
    if len(stale) > SWEEP_BATCH:
        backlog = list(
            Commitment.objects.filter(needs_projection=True).order_by("pk").values_list("pk", flat=True)[: MANY_MAX + 1]
        )
        if len(backlog) > MANY_MAX:
            count = Commitment.objects.filter(needs_projection=True).count()
            projection_refresh_all()
            return count
        projection_refresh_many(commitment_ids=backlog)
        return len(backlog)
    for commitment_id in stale:
        projection_refresh(commitment_id=commitment_id)
    return len(stale)


# projection.project_outflow in SQL, for every commitment at once (the tests hold both to the same numbers):
# planned from the 年割額 rows; paid by the payments' fiscal year; contracted = each installment's part not
# settled by the contract's payments, earliest due first; uncontracted = limit − contracts, spread with the
# equal rule (rounded down to 1,000 yen, remainder first) from the as-of year, while the authority is live.
#
# Installments and payments are summed together per contract and fiscal year first (cf). A year's installments are
# consecutive in due order, so what stays open of them is the part of the contract's running total above all it
# paid — GREATEST(0, LEAST(due, running due − paid)), the per-installment rule summed over the year, on a fifth of
# the rows. `y` is every (commitment, year): the burden span, plus a year outside it that holds money. `fresh` is
# every projection row the books imply, in (commitment, year) order for the merge joins below.
_FRESH_SQL = """
WITH c AS (
    SELECT id, organization_id, segment_id, first_burden_fy::int AS first_fy, last_burden_fy::int AS last_fy,
           COALESCE(limit_yen, estimated_limit_yen, 0)::bigint AS amount,
           (status = ANY(%(live)s) AND %(as_of_fy)s::int <= COALESCE(contract_until_fy, authorized_fy)::int) AS live
      FROM commitments_commitment
     WHERE status = ANY(%(projected)s)
), k AS (
    SELECT commitment_id, SUM(amount_yen)::bigint AS total FROM commitments_contract GROUP BY commitment_id
), cf AS (
    SELECT contract_id, fy, SUM(due)::bigint AS due, SUM(paid)::bigint AS paid
      FROM (SELECT contract_id, fiscal_year::int AS fy, amount_yen AS due, 0 AS paid FROM commitments_installment
            UNION ALL
            SELECT contract_id, fiscal_year::int, 0, amount_yen FROM commitments_payment) AS money
     GROUP BY contract_id, fy
), open AS (
    SELECT contract_id, fy, paid,
           GREATEST(0, LEAST(due, SUM(due) OVER (PARTITION BY contract_id ORDER BY fy)
                                  - SUM(paid) OVER (PARTITION BY contract_id))) AS contracted
      FROM cf
), flows AS MATERIALIZED (
    SELECT ct.commitment_id AS id, o.fy, SUM(o.paid)::bigint AS paid, SUM(o.contracted)::bigint AS contracted
      FROM open o JOIN commitments_contract ct ON ct.id = o.contract_id
     GROUP BY 1, 2
), s2 AS MATERIALIZED (
    SELECT c.id, c.organization_id, c.segment_id, c.first_fy, c.last_fy, c.live,
           GREATEST(c.amount - COALESCE(k.total, 0), 0) AS remaining,
           GREATEST(c.first_fy, LEAST(%(as_of_fy)s::int, c.last_fy)) AS rem_first,
           c.last_fy - GREATEST(c.first_fy, LEAST(%(as_of_fy)s::int, c.last_fy)) + 1 AS rem_n
      FROM c LEFT JOIN k ON k.commitment_id = c.id
), y AS (
    SELECT s2.*, gs.fy FROM s2 CROSS JOIN LATERAL generate_series(s2.first_fy, s2.last_fy) AS gs(fy)
    UNION ALL
    -- Money outside the burden span (never lost, though the services refuse it) adds its year.
    SELECT s2.*, f.fy FROM flows f JOIN s2 ON s2.id = f.id
     WHERE (f.fy < s2.first_fy OR f.fy > s2.last_fy) AND (f.paid <> 0 OR f.contracted <> 0)
), fresh AS (
    SELECT y.id AS commitment_id, y.organization_id, y.segment_id, y.fy AS fiscal_year,
           COALESCE(pa.amount_yen, 0) AS planned_yen, COALESCE(f.paid, 0) AS paid_yen,
           COALESCE(f.contracted, 0) AS contracted_yen,
           CASE WHEN NOT y.live OR y.remaining = 0 OR y.fy < y.rem_first OR y.fy > y.last_fy THEN 0
                WHEN y.fy = y.rem_first THEN y.remaining - (y.remaining / y.rem_n / 1000 * 1000) * (y.rem_n - 1)
                ELSE y.remaining / y.rem_n / 1000 * 1000 END AS uncontracted_yen
      FROM y
      LEFT JOIN flows f ON f.id = y.id AND f.fy = y.fy
      LEFT JOIN commitments_plannedamount pa ON pa.commitment_id = y.id AND pa.fiscal_year = y.fy
)"""

_COLUMNS = "organization_id, segment_id, planned_yen, paid_yen, contracted_yen, uncontracted_yen"

# An empty table (first run, or after a bulk load's truncate) takes every row as it comes.
_INSERT_ALL_SQL = f"""{_FRESH_SQL}
INSERT INTO commitments_projectionyear (commitment_id, fiscal_year, {_COLUMNS}, computed_at)
SELECT commitment_id, fiscal_year, {_COLUMNS}, %(now)s FROM fresh
"""

# Otherwise only the rows that differ are written: most nights nothing changed but the date, and a row left alone
# costs no index entries, no foreign-key checks and no dead tuple. One statement, one snapshot: the three writes
# touch disjoint rows (gone: in the table only; changed: in both, different; added: fresh only).
# computed_at is therefore the time a row last changed.
_MERGE_SQL = f"""{_FRESH_SQL}, diff AS MATERIALIZED (
    SELECT n.*, t.id AS row_id
      FROM fresh n FULL JOIN commitments_projectionyear t
        ON t.commitment_id = n.commitment_id AND t.fiscal_year = n.fiscal_year
     WHERE t.id IS NULL OR n.commitment_id IS NULL
        OR (t.{_COLUMNS.replace(", ", ", t.")}) IS DISTINCT FROM (n.{_COLUMNS.replace(", ", ", n.")})
), gone AS (
    DELETE FROM commitments_projectionyear t USING diff d WHERE d.commitment_id IS NULL AND t.id = d.row_id
), changed AS (
    UPDATE commitments_projectionyear t
       SET ({_COLUMNS}, computed_at) = (d.{_COLUMNS.replace(", ", ", d.")}, %(now)s)
      FROM diff d
     WHERE d.commitment_id IS NOT NULL AND t.id = d.row_id
)
INSERT INTO commitments_projectionyear (commitment_id, fiscal_year, {_COLUMNS}, computed_at)
SELECT commitment_id, fiscal_year, {_COLUMNS}, %(now)s FROM diff WHERE row_id IS NULL
"""

# The day's cells are the trigger-kept totals (ProjectionTotal: the GROUP BY of the rows this transaction sees, one
# row per organization × fiscal year × segment). Each commitment has one row per year, so a cell's count of rows is
# the number of its commitments.
_SNAPSHOT_SQL = """
WITH cells AS (
    INSERT INTO commitments_projectionsnapshot
        (organization_id, as_of, fiscal_year, segment_id, planned_yen, paid_yen, contracted_yen, uncontracted_yen,
         commitments, computed_at)
    SELECT organization_id, %(as_of)s, fiscal_year, segment_id, planned_yen, paid_yen, contracted_yen,
           uncontracted_yen, commitments, %(now)s
      FROM commitments_projectiontotal
    RETURNING commitments
)
SELECT COALESCE(SUM(commitments), 0) FROM cells
"""

# The same computation and merge restricted to some commitments (a bulk import, a backlog of stale ones): every
# input read through the commitment ids, the table's side of the merge too, so the rest is neither read nor touched.
_IDS = "%(ids)s::bigint[]"
_MANY_SQL = (
    _MERGE_SQL.replace("WHERE status = ANY(%(projected)s)", f"WHERE status = ANY(%(projected)s) AND id = ANY({_IDS})")
    .replace(
        "FROM commitments_contract GROUP BY commitment_id",
        f"FROM commitments_contract WHERE commitment_id = ANY({_IDS}) GROUP BY commitment_id",
    )
    .replace(
        "FROM commitments_installment",
        f"FROM commitments_installment WHERE contract_id IN "
        f"(SELECT id FROM commitments_contract WHERE commitment_id = ANY({_IDS}))",
    )
    .replace(
        "FROM commitments_payment",
        f"FROM commitments_payment WHERE contract_id IN "
        f"(SELECT id FROM commitments_contract WHERE commitment_id = ANY({_IDS}))",
    )
    .replace(
        "FULL JOIN commitments_projectionyear t",
        f"FULL JOIN (SELECT * FROM commitments_projectionyear WHERE commitment_id = ANY({_IDS})) t",
    )
)
assert _MANY_SQL.count(_IDS) == 5, "the restricted merge must filter every input and the table's side"


def projection_refresh_many(*, commitment_ids: list[int], as_of: date | None = None) -> int:
    """Rebuild the rows of these commitments set-based (what projection_refresh does to each, in one statement).

    The commitments are row-locked in id order, as a refresh of each would; other commitments' rows are not read or
    written, so this costs what the commitments have, not what the table has. Returns the rows the commitments
    have afterwards.
    """
    as_of = as_of or timezone.localdate()
    ids = sorted(set(commitment_ids))
    params = {
        "ids": ids,
        "as_of_fy": fiscal.fiscal_year_of(as_of),
        "live": LIVE_STATES,
        "projected": PROJECTED_STATES,
        "now": timezone.now(),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE commitments_projectionyear IN ROW EXCLUSIVE MODE")  # projection_refresh's order
        cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.PROJECTION_WORK_MEM])
        locked = list(Commitment.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
        cursor.execute(_MANY_SQL, params)
        Commitment.objects.filter(pk__in=[pk for (pk,) in locked], needs_projection=True).update(needs_projection=False)
        return ProjectionYear.objects.filter(commitment_id__in=ids).count()


def projection_refresh_all(*, as_of: date | None = None) -> int:
    """Bring every commitment's rows up to date in one set-based statement, keep the day's totals as a snapshot.

    Returns the number of projection rows. Only rows whose numbers changed are written (see _MERGE_SQL).

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
        # Locked before the first query takes the snapshot: a single-commitment refresh either committed before
        # it (and is seen) or waits for this run.
        cursor.execute("LOCK TABLE commitments_projectionyear IN EXCLUSIVE MODE")
        # Memory per sort and hash of this run (several are alive at once); LOCAL ends with this transaction.
        cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.PROJECTION_WORK_MEM])
        cursor.execute("SELECT EXISTS (SELECT 1 FROM commitments_projectionyear)")
        cursor.execute(_MERGE_SQL if cursor.fetchone()[0] else _INSERT_ALL_SQL, params)
        cursor.execute("DELETE FROM commitments_projectionsnapshot WHERE as_of = %(as_of)s", params)
        cursor.execute(_SNAPSHOT_SQL, params)
        rows = int(cursor.fetchone()[0])
        try:
            with transaction.atomic():
                Commitment.objects.filter(needs_projection=True).update(needs_projection=False)
        except OperationalError:  # changed since this run's snapshot: stale until its own task or the next run
            logger.info("stale flags left for commitments changed during the run")
    return rows
