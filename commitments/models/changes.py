"""What the nightly projection must redo: the commitments whose books changed since their rows were last written.

Triggers on every table the projection reads (the commitment, its 年割額, contracts, installments, payments) and on
the records that change a commitment's books (amendments, funding) mark the commitments a statement touched, in the
writing transaction: whichever path wrote (a service, the admin, an import, raw SQL), the mark commits with the
change or not at all. The nightly run takes the marks and re-projects those commitments only (plus, when the
fiscal year moved, those whose spread depends on it). The marks are upserted (ON CONFLICT DO UPDATE): a writer
holds its mark's row lock until it commits, so a run taking the marks waits for it and then reads its books.
"""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _

from commitments.models.constraints import on_field

CHANGES_TABLE = "commitments_projectionchange"
CONTRACT_TABLE = "commitments_contract"

# Sorted, one row per commitment: concurrent writers lock their marks in one order.
_MARK = f"""
    INSERT INTO {CHANGES_TABLE} AS m (commitment_id, changed_at)
    SELECT commitment_id, now()
      FROM (SELECT DISTINCT commitment_id FROM ({{ids}}) AS i WHERE commitment_id IS NOT NULL) AS d
     ORDER BY commitment_id
    ON CONFLICT (commitment_id) DO UPDATE SET changed_at = EXCLUDED.changed_at;
    RETURN NULL;"""
_MARK_ROW = f"""
    INSERT INTO {CHANGES_TABLE} AS m (commitment_id, changed_at) VALUES (NEW.id, now())
    ON CONFLICT (commitment_id) DO UPDATE SET changed_at = EXCLUDED.changed_at;
    RETURN NULL;"""

# The columns of a commitment the projection reads (engine.commitments_part).
PROJECTED_COLUMNS = (
    "status",
    "organization",
    "segment",
    "first_burden_fy",
    "last_burden_fy",
    "limit_yen",
    "estimated_limit_yen",
    "authorized_fy",
    "contract_until_fy",
)


def _statement_marks(source: str) -> list[pgtrigger.Trigger]:
    """Statement-level triggers marking the commitments of the rows a statement inserted, updated (before and
    after: a row moved to another commitment marks both) or deleted. `source` selects commitment_id from {rows}."""

    def trigger(operation: pgtrigger.Operation, old: bool, new: bool) -> pgtrigger.Trigger:
        tables = ["old_rows"] * old + ["new_rows"] * new
        ids = " UNION ALL ".join(source.format(rows=t) for t in tables)
        return pgtrigger.Trigger(
            name=f"projection_change_{str(operation).lower()}",
            level=pgtrigger.Statement,
            when=pgtrigger.After,
            operation=operation,
            referencing=pgtrigger.Referencing(old="old_rows" if old else None, new="new_rows" if new else None),
            func=_MARK.format(ids=ids),
        )

    return [
        trigger(pgtrigger.Insert, old=False, new=True),
        trigger(pgtrigger.Update, old=True, new=True),
        trigger(pgtrigger.Delete, old=True, new=False),
    ]


# Tables keyed by commitment: 年割額, contracts, amendments, funding.
BY_COMMITMENT_TRIGGERS = _statement_marks("SELECT commitment_id FROM {rows}")
# Tables keyed by contract: installments, payments (the contract's commitment; a deleted contract marked itself).
BY_CONTRACT_TRIGGERS = _statement_marks(
    f"SELECT k.commitment_id FROM {{rows}} AS r JOIN {CONTRACT_TABLE} AS k ON k.id = r.contract_id"
)
# The commitment itself: a new one (a bulk COPY fires one statement), or a change of a column the projection reads
# (row-level with a WHEN condition: the nightly run's clearing of the stale flags costs no function call). A
# deleted commitment's rows go with it (cascade): nothing to redo.
COMMITMENT_TRIGGERS = [
    _statement_marks("SELECT id AS commitment_id FROM {rows}")[0],
    pgtrigger.Trigger(
        name="projection_change_update",
        level=pgtrigger.Row,
        when=pgtrigger.After,
        operation=pgtrigger.Update,
        condition=pgtrigger.AnyChange(*PROJECTED_COLUMNS),
        func=_MARK_ROW,
    ),
]


class ProjectionChange(models.Model):
    """A commitment whose books changed since its projection rows were written (kept by triggers, taken by the
    nightly run and by a commitment's refresh). No foreign key: a mark costs its writer one upsert, nothing more."""

    commitment_id = models.BigIntegerField(_("債務負担行為"), primary_key=True)
    changed_at = models.DateTimeField(_("変更日時"))

    class Meta:
        verbose_name = _("推計の再計算待ち")
        verbose_name_plural = _("推計の再計算待ち")

    def __str__(self) -> str:
        return str(self.commitment_id)


class ProjectionState(models.Model):
    """The as-of date the stored projection rows were last brought up to date for (one row, id 1): rows not marked
    in ProjectionChange equal a recomputation as of this date's fiscal year."""

    as_of = models.DateField(_("基準日"))
    as_of_fy = models.PositiveSmallIntegerField(_("基準年度"))
    full_at = models.DateTimeField(_("全件再計算日時"), null=True)
    updated_at = models.DateTimeField(_("更新日時"))

    class Meta:
        verbose_name = _("推計の状態")
        verbose_name_plural = _("推計の状態")
        constraints = [
            on_field(
                "id",
                models.CheckConstraint(
                    condition=models.Q(id=1),
                    name="projection_state_one_row",
                    violation_error_message=_("推計の状態は1行だけです。"),
                ),
            )
        ]

    def __str__(self) -> str:
        return f"FY{self.as_of_fy}"
