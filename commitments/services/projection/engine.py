"""The projection engine: `projection.project_outflow` in SQL, composed from named parts with psycopg's `sql`.

The computation is a chain of common table expressions, each built by one function below; a `Scope` decides what
they read: every commitment (the nightly run) or only those whose ids are bound to `%(ids)s` (one commitment, a
bulk import, a backlog of stale ones). The restricted scope filters every input by the ids and the stored rows'
side of the merge too, so the rest of the table is neither read nor touched. The statements are composed once per
scope and cached; the services bind `as_of_fy`, `live`, `projected`, `now` (and `ids`, `as_of`).

The rules, as the oracle has them (the tests hold both to the same numbers): planned from the 年割額 rows; paid by
the payments' fiscal year; contracted = each installment's part not settled by the contract's payments, earliest
due first; uncontracted = limit − contracts, spread with the equal rule (rounded down to 1,000 yen, remainder
first) from the as-of year, while the authority is live.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db.models import Model
from psycopg import sql

from commitments.models import (
    Commitment,
    Contract,
    Installment,
    Payment,
    PlannedAmount,
    ProjectionSnapshot,
    ProjectionTotal,
    ProjectionYear,
)


def _table(model: type[Model]) -> sql.Identifier:
    """The model's table, quoted."""
    return sql.Identifier(model._meta.db_table)


# Every template below may name these tables and parameters.
_NAMES: dict[str, sql.Composable] = {
    "commitment": _table(Commitment),
    "contract": _table(Contract),
    "installment": _table(Installment),
    "payment": _table(Payment),
    "planned": _table(PlannedAmount),
    "projection": _table(ProjectionYear),
    "totals": _table(ProjectionTotal),
    "snapshots": _table(ProjectionSnapshot),
    "as_of_fy": sql.Placeholder("as_of_fy"),
    "live": sql.Placeholder("live"),
    "projected": sql.Placeholder("projected"),
    "now": sql.Placeholder("now"),
    "as_of": sql.Placeholder("as_of"),
}
_IDS = sql.Placeholder("ids")
_NOTHING = sql.SQL("")

# The stored numbers of a row, compared by the merge and written by every statement.
COLUMNS = ("organization_id", "segment_id", "planned_yen", "paid_yen", "contracted_yen", "uncontracted_yen")


def _sql(template: str, **parts: sql.Composable) -> sql.Composed:
    """The template with the tables, the parameters and the given parts filled in by name."""
    return sql.SQL(template).format(**_NAMES, **parts)


def _columns(alias: str | None = None) -> sql.Composed:
    """The stored numbers as a column list, each qualified by `alias` if given."""
    return sql.SQL(", ").join(sql.Identifier(alias, c) if alias else sql.Identifier(c) for c in COLUMNS)


@dataclass(frozen=True)
class Scope:
    """Which commitments a statement reads and writes: all of them, or those whose ids are bound to %(ids)s."""

    by_ids: bool

    def ids(self, *column: str, keyword: str = "WHERE") -> sql.Composable:
        """`WHERE column = ANY(%(ids)s)` (or `AND …`; the column qualified if given as alias, name) in the restricted
        scope; nothing otherwise."""
        if not self.by_ids:
            return _NOTHING
        return sql.SQL("{} {} = ANY({}::bigint[])").format(sql.SQL(keyword), sql.Identifier(*column), _IDS)

    def of_contracts(self) -> sql.Composable:
        """The rows of the scope's contracts only (installments, payments); every row otherwise."""
        if not self.by_ids:
            return _NOTHING
        return _sql("WHERE contract_id IN (SELECT id FROM {contract} {ids})", ids=self.ids("commitment_id"))

    def rows_of(self, table: str) -> sql.Composable:
        """A table keyed by commitment (contracts, 年割額, stored projection rows): only the scope's commitments'
        rows, read through the commitment_id index, or the whole table."""
        if not self.by_ids:
            return _NAMES[table]
        return _sql("(SELECT * FROM {table} {ids})", table=_NAMES[table], ids=self.ids("commitment_id"))


EVERY = Scope(by_ids=False)
BY_IDS = Scope(by_ids=True)


@dataclass(frozen=True)
class Cte:
    """One named part of a statement: `name AS [MATERIALIZED] (body)`."""

    name: str
    body: sql.Composable
    materialized: bool = False

    def render(self) -> sql.Composed:
        """The part as it stands in a WITH list."""
        keyword = sql.SQL(" AS MATERIALIZED (" if self.materialized else " AS (")
        return sql.Composed([sql.Identifier(self.name), keyword, self.body, sql.SQL(")")])


def _with(parts: list[Cte], statement: sql.Composable) -> sql.Composed:
    """WITH the parts, in order, then the statement that uses them."""
    return sql.Composed([sql.SQL("WITH "), sql.SQL(",\n").join(p.render() for p in parts), sql.SQL("\n"), statement])


def commitments_part(scope: Scope) -> Cte:
    """`c`: the projected commitments, their span, the amount of authority (limit or estimate) and whether it is
    live (approved or active, and the as-of year not past the contract deadline year: `deadline`'s rule)."""
    return Cte(
        "c",
        _sql(
            """SELECT id, organization_id, segment_id, first_burden_fy::int AS first_fy, last_burden_fy::int AS last_fy,
                  COALESCE(limit_yen, estimated_limit_yen, 0)::bigint AS amount,
                  (status = ANY({live}) AND {as_of_fy}::int <= COALESCE(contract_until_fy, authorized_fy)::int) AS live
             FROM {commitment}
            WHERE status = ANY({projected}) {ids}""",
            ids=scope.ids("id", keyword="AND"),
        ),
    )


def contract_totals_part(scope: Scope) -> Cte:
    """`k`: the amount of every contract under each commitment."""
    return Cte(
        "k",
        _sql(
            "SELECT commitment_id, SUM(amount_yen)::bigint AS total FROM {contract} {ids} GROUP BY commitment_id",
            ids=scope.ids("commitment_id"),
        ),
    )


def money_part(scope: Scope) -> Cte:
    """`cf`: per contract and fiscal year, the installments due and the payments made, summed together (the
    installment's stored fiscal year is that of its due date: constraint installment_fiscal_year_of_due_date)."""
    return Cte(
        "cf",
        _sql(
            """SELECT contract_id, fy, SUM(due)::bigint AS due, SUM(paid)::bigint AS paid
             FROM (SELECT contract_id, fiscal_year::int AS fy, amount_yen AS due, 0 AS paid
                     FROM {installment} {contracts}
                   UNION ALL
                   SELECT contract_id, fiscal_year::int, 0, amount_yen FROM {payment} {contracts}) AS money
            GROUP BY contract_id, fy""",
            contracts=scope.of_contracts(),
        ),
    )


def open_part() -> Cte:
    """`open`: what stays open of each contract's installments of a year. A year's installments are consecutive in
    due order, so that is the part of the contract's running total above all it paid:
    GREATEST(0, LEAST(due, running due − paid)), the per-installment rule summed over the year."""
    return Cte(
        "open",
        _sql(
            """SELECT contract_id, fy, paid,
                  GREATEST(0, LEAST(due, SUM(due) OVER (PARTITION BY contract_id ORDER BY fy)
                                         - SUM(paid) OVER (PARTITION BY contract_id))) AS contracted
             FROM cf"""
        ),
    )


def flows_part(scope: Scope) -> Cte:
    """`flows`: paid and contracted per commitment and fiscal year."""
    return Cte(
        "flows",
        _sql(
            """SELECT ct.commitment_id AS id, o.fy, SUM(o.paid)::bigint AS paid, SUM(o.contracted)::bigint AS contracted
             FROM open o JOIN {contracts} ct ON ct.id = o.contract_id
            GROUP BY 1, 2""",
            contracts=scope.rows_of("contract"),
        ),
        materialized=True,
    )


def spans_part() -> Cte:
    """`s2`: each commitment with its authority not contracted and the years it is spread over (from the as-of year
    clamped into the span, to the last)."""
    return Cte(
        "s2",
        _sql(
            """SELECT c.id, c.organization_id, c.segment_id, c.first_fy, c.last_fy, c.live,
                  GREATEST(c.amount - COALESCE(k.total, 0), 0) AS remaining,
                  GREATEST(c.first_fy, LEAST({as_of_fy}::int, c.last_fy)) AS rem_first,
                  c.last_fy - GREATEST(c.first_fy, LEAST({as_of_fy}::int, c.last_fy)) + 1 AS rem_n
             FROM c LEFT JOIN k ON k.commitment_id = c.id"""
        ),
        materialized=True,
    )


def years_part() -> Cte:
    """`y`: every (commitment, year): the burden span, plus a year outside it that holds money (never lost, though
    the services refuse it)."""
    return Cte(
        "y",
        _sql(
            """SELECT s2.*, gs.fy FROM s2 CROSS JOIN LATERAL generate_series(s2.first_fy, s2.last_fy) AS gs(fy)
           UNION ALL
           SELECT s2.*, f.fy FROM flows f JOIN s2 ON s2.id = f.id
            WHERE (f.fy < s2.first_fy OR f.fy > s2.last_fy) AND (f.paid <> 0 OR f.contracted <> 0)"""
        ),
    )


def fresh_part(scope: Scope) -> Cte:
    """`fresh`: every projection row the books imply, the uncontracted authority spread by the equal rule."""
    return Cte(
        "fresh",
        _sql(
            """SELECT y.id AS commitment_id, y.organization_id, y.segment_id, y.fy AS fiscal_year,
                  COALESCE(pa.amount_yen, 0) AS planned_yen, COALESCE(f.paid, 0) AS paid_yen,
                  COALESCE(f.contracted, 0) AS contracted_yen,
                  CASE WHEN NOT y.live OR y.remaining = 0 OR y.fy < y.rem_first OR y.fy > y.last_fy THEN 0
                       WHEN y.fy = y.rem_first THEN y.remaining - (y.remaining / y.rem_n / 1000 * 1000) * (y.rem_n - 1)
                       ELSE y.remaining / y.rem_n / 1000 * 1000 END AS uncontracted_yen
             FROM y
             LEFT JOIN flows f ON f.id = y.id AND f.fy = y.fy
             LEFT JOIN {planned_rows} pa ON pa.commitment_id = y.id AND pa.fiscal_year = y.fy""",
            planned_rows=scope.rows_of("planned"),
        ),
    )


def computation(scope: Scope) -> list[Cte]:
    """The parts that compute `fresh` from the books of the scope."""
    return [
        commitments_part(scope),
        contract_totals_part(scope),
        money_part(scope),
        open_part(),
        flows_part(scope),
        spans_part(),
        years_part(),
        fresh_part(scope),
    ]


def diff_part(scope: Scope) -> Cte:
    """`diff`: the fresh rows that differ from the stored ones (added, or changed: `row_id` the stored row's id) and
    the stored rows no longer implied (gone: no commitment_id); in the restricted scope, with the stored row's cell."""
    stored_cell = _NOTHING
    if scope.by_ids:
        stored_cell = sql.SQL(
            ", t.organization_id AS stored_organization_id, t.segment_id AS stored_segment_id, "
            "t.fiscal_year AS stored_fiscal_year"
        )
    return Cte(
        "diff",
        _sql(
            """SELECT n.*, t.id AS row_id{stored_cell}
             FROM fresh n FULL JOIN {stored} t
               ON t.commitment_id = n.commitment_id AND t.fiscal_year = n.fiscal_year
            WHERE t.id IS NULL OR n.commitment_id IS NULL OR ({stored_columns}) IS DISTINCT FROM ({fresh_columns})""",
            stored_cell=stored_cell,
            stored=scope.rows_of("projection"),
            stored_columns=_columns("t"),
            fresh_columns=_columns("n"),
        ),
        materialized=True,
    )


def cells_part() -> Cte:
    """`cells`: the per-cell totals the writes will move, locked in the totals trigger's key order. The merge's
    three writes fire three statement triggers, each upserting its cells in that order; locking them all first
    keeps refreshes of commitments sharing cells from taking them in crossed orders (a deadlock)."""
    return Cte(
        "cells",
        _sql(
            """SELECT 1 FROM {totals} t
            WHERE (t.organization_id, t.fiscal_year, t.segment_id) IN (
                  SELECT organization_id, fiscal_year, segment_id FROM diff WHERE commitment_id IS NOT NULL
                  UNION
                  SELECT stored_organization_id, stored_fiscal_year, stored_segment_id FROM diff
                   WHERE row_id IS NOT NULL)
            ORDER BY t.organization_id, t.fiscal_year, t.segment_id
              FOR UPDATE OF t"""
        ),
        materialized=True,
    )


def _writes(scope: Scope) -> list[Cte]:
    """The merge's deletes of gone rows and updates of changed ones (the added rows are the final INSERT); in the
    restricted scope the stored rows are found through the commitment ids too, by index whatever `diff`'s estimate."""
    return [
        Cte(
            "gone",
            _sql(
                "DELETE FROM {projection} t USING diff d WHERE d.commitment_id IS NULL AND t.id = d.row_id {ids}",
                ids=scope.ids("t", "commitment_id", keyword="AND"),
            ),
        ),
        Cte(
            "changed",
            _sql(
                """UPDATE {projection} t SET ({columns}, computed_at) = ({diff_columns}, {now})
                 FROM diff d
                WHERE d.commitment_id IS NOT NULL AND t.id = d.row_id {ids}""",
                columns=_columns(),
                diff_columns=_columns("d"),
                ids=scope.ids("t", "commitment_id", keyword="AND"),
            ),
        ),
    ]


def _insert(source: str, where: sql.Composable = _NOTHING) -> sql.Composed:
    """INSERT the rows of `source` (a part's name) that pass `where`."""
    return _sql(
        """INSERT INTO {projection} (commitment_id, fiscal_year, {columns}, computed_at)
           SELECT commitment_id, fiscal_year, {columns}, {now} FROM {source} {where}""",
        columns=_columns(),
        source=sql.Identifier(source),
        where=where,
    )


@cache
def insert_all() -> sql.Composed:
    """Every fresh row of every commitment into an empty table (first run, or after a bulk load's truncate)."""
    return _with(computation(EVERY), _insert("fresh"))


@cache
def merge(scope: Scope) -> sql.Composed:
    """Write only the rows that differ: most nights nothing changed but the date, and a row left alone costs no
    index entries, no foreign-key checks and no dead tuple. One statement, one snapshot: the three writes touch
    disjoint rows (gone: stored only; changed: in both, different; added: fresh only). computed_at is therefore
    the time a row last changed. The restricted scope locks its cells first (cells_part; the nightly run holds
    the table in EXCLUSIVE mode, so no other writer moves a cell meanwhile); the one-time filter makes the lock run
    before any write."""
    parts = [*computation(scope), diff_part(scope)]
    where = sql.SQL("WHERE row_id IS NULL")
    if scope.by_ids:
        parts.append(cells_part())
        where = sql.SQL("WHERE row_id IS NULL AND (SELECT count(*) FROM cells) >= 0")
    return _with([*parts, *_writes(scope)], _insert("diff", where))


# The day's cells are the trigger-kept totals (ProjectionTotal: the GROUP BY of the rows this transaction sees, one
# row per organization × fiscal year × segment). Each commitment has one row per year, so a cell's count of rows is
# the number of its commitments.
SNAPSHOT = _sql(
    """WITH cells AS (
           INSERT INTO {snapshots}
               (organization_id, as_of, fiscal_year, segment_id, planned_yen, paid_yen, contracted_yen,
                uncontracted_yen, commitments, computed_at)
           SELECT organization_id, {as_of}, fiscal_year, segment_id, planned_yen, paid_yen, contracted_yen,
                  uncontracted_yen, commitments, {now}
             FROM {totals}
           RETURNING commitments
       )
       SELECT COALESCE(SUM(commitments), 0) FROM cells"""
)
SNAPSHOT_DELETE = _sql("DELETE FROM {snapshots} WHERE as_of = {as_of}")
ANY_ROW = _sql("SELECT EXISTS (SELECT 1 FROM {projection})")
# ROW EXCLUSIVE is what the writes take anyway: refreshes of different commitments still run together.
LOCK_FOR_REFRESH = _sql("LOCK TABLE {projection} IN ROW EXCLUSIVE MODE")
# The nightly run: refreshes wait for it; readers do not.
LOCK_FOR_NIGHTLY = _sql("LOCK TABLE {projection} IN EXCLUSIVE MODE")
# work_mem for every sort and hash node alike (hash_mem_multiplier 1: PostgreSQL 15+ allows hashes twice by default).
WORK_MEM = sql.SQL("SELECT set_config('work_mem', %s, true), set_config('hash_mem_multiplier', '1', true)")
