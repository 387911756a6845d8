"""Derived projection rows: one commitment's outflow in one fiscal year."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pgtrigger
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from commitments.models.constraints import ConstraintErrorsOnFields, on_field
from commitments.models.core import Commitment, Organization, Segment
from commitments.models.scoping import ScopedManager

# The per-cell totals (ProjectionTotal) follow every write to the projection rows, in the writing statement's
# transaction. Statement-level triggers with transition tables: one grouped upsert per statement, whatever its size
# (the nightly run writes millions of rows in three statements; a commitment's refresh a handful). Keys are upserted
# in sorted order so concurrent refreshes lock the cells in one order; amounts are summed in numeric (a cell passes
# bigint: see ProjectionTotal). Cells left without a row are removed. PostgreSQL allows transition tables on
# triggers of one event only: one trigger per operation.
_TOTALS_UPSERT = """
    INSERT INTO commitments_projectiontotal AS t
           (organization_id, segment_id, fiscal_year, planned_yen, paid_yen, contracted_yen, uncontracted_yen,
            commitments)
    SELECT organization_id, segment_id, fiscal_year, SUM(planned_yen), SUM(paid_yen), SUM(contracted_yen),
           SUM(uncontracted_yen), SUM(n)
      FROM ({deltas}) AS d
     GROUP BY 1, 2, 3
     ORDER BY 1, 3, 2
    ON CONFLICT (organization_id, fiscal_year, segment_id) DO UPDATE
       SET planned_yen = t.planned_yen + EXCLUDED.planned_yen,
           paid_yen = t.paid_yen + EXCLUDED.paid_yen,
           contracted_yen = t.contracted_yen + EXCLUDED.contracted_yen,
           uncontracted_yen = t.uncontracted_yen + EXCLUDED.uncontracted_yen,
           commitments = t.commitments + EXCLUDED.commitments;"""
_ADDED = """SELECT organization_id, segment_id, fiscal_year, planned_yen::numeric AS planned_yen,
                  paid_yen::numeric AS paid_yen, contracted_yen::numeric AS contracted_yen,
                  uncontracted_yen::numeric AS uncontracted_yen, 1 AS n
             FROM new_rows"""
_REMOVED = """SELECT organization_id, segment_id, fiscal_year, -(planned_yen::numeric) AS planned_yen,
                  -(paid_yen::numeric) AS paid_yen, -(contracted_yen::numeric) AS contracted_yen,
                  -(uncontracted_yen::numeric) AS uncontracted_yen, -1 AS n
             FROM old_rows"""
# (partial index projection_total_empty)
_EMPTY_CELLS = "\n    DELETE FROM commitments_projectiontotal WHERE commitments = 0;"
_DONE = "\n    RETURN NULL;"


def _totals_trigger(operation: pgtrigger.Operation, *, added: bool, removed: bool) -> pgtrigger.Trigger:
    """The statement-level trigger adding the rows a statement inserted and subtracting those it deleted."""
    deltas = [_ADDED] * added + [_REMOVED] * removed
    func = _TOTALS_UPSERT.format(deltas="\n             UNION ALL\n             ".join(deltas))
    return pgtrigger.Trigger(
        name=f"totals_{str(operation).lower()}",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=operation,
        referencing=pgtrigger.Referencing(old="old_rows" if removed else None, new="new_rows" if added else None),
        func=func + (_EMPTY_CELLS if removed else "") + _DONE,
    )


TOTALS_TRIGGERS = [
    _totals_trigger(pgtrigger.Insert, added=True, removed=False),
    _totals_trigger(pgtrigger.Update, added=True, removed=True),
    _totals_trigger(pgtrigger.Delete, added=False, removed=True),
    # TRUNCATE has no transition table: no row is left, so no cell either.
    pgtrigger.Trigger(
        name="totals_truncate",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=pgtrigger.Truncate,
        func="DELETE FROM commitments_projectiontotal;" + _DONE,
    ),
]


class ProjectionYear(ConstraintErrorsOnFields):
    """Projected outflow of one commitment in one fiscal year (derived; rebuilt by the projection jobs)."""

    # No single-column indexes on commitment and organization: projection_unique_year and projection_org_fy_seg
    # lead with them, and every index costs the nightly projection a write per row.
    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="projection", verbose_name=_("債務負担行為"), db_index=False
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("団体")
    )
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="+", verbose_name=_("事業区分"))
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    planned_yen = models.BigIntegerField(_("年割額"), default=0)
    paid_yen = models.BigIntegerField(_("支出済"), default=0)
    contracted_yen = models.BigIntegerField(_("契約済未払"), default=0)
    uncontracted_yen = models.BigIntegerField(_("未契約"), default=0)
    computed_at = models.DateTimeField(_("計算日時"))

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("年度別推計")
        verbose_name_plural = _("年度別推計")
        constraints = [
            on_field(
                "fiscal_year",
                models.UniqueConstraint(
                    fields=["commitment", "fiscal_year"],
                    name="projection_unique_year",
                    violation_error_message=_("この年度の推計はすでにあります。"),
                ),
            ),
            on_field(
                "planned_yen",
                models.CheckConstraint(
                    condition=Q(planned_yen__gte=0)
                    & Q(paid_yen__gte=0)
                    & Q(contracted_yen__gte=0)
                    & Q(uncontracted_yen__gte=0),
                    name="projection_amounts_not_negative",
                    violation_error_message=_("推計の金額は0円以上です。"),
                ),
            ),
        ]
        indexes = [models.Index(fields=["organization", "fiscal_year", "segment"], name="projection_org_fy_seg")]
        triggers = TOTALS_TRIGGERS

    def __str__(self) -> str:
        return f"{self.commitment_id} FY{self.fiscal_year}"


class YenSumField(models.DecimalField):
    """Whole yen summed over many rows: numeric(38, 0), past bigint's 9.2×10^18; read back as a Python int."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 38)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: Decimal | int | None, expression: Any, connection: Any) -> int | None:
        return None if value is None else int(value)


class ProjectionTotal(ConstraintErrorsOnFields):
    """Sum of the projection rows of one organization × segment × fiscal year, kept by PostgreSQL triggers.

    Statement-level triggers on commitments_projectionyear (TOTALS_TRIGGERS, declared on ProjectionYear and
    installed by its migrations) add each statement's inserted rows and subtract its deleted ones, in the writing
    transaction: the totals are always the GROUP BY of the rows that transaction sees, whichever path wrote them (a
    commitment's refresh, the nightly run, a cascade delete). Pages read a few dozen of these instead of summing
    millions of rows. Never written by the application. The amounts are
    numeric: a cell sums up to 10^15 yen per commitment and year over any number of commitments.
    """

    organization = models.ForeignKey(Organization, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    segment = models.ForeignKey(Segment, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    planned_yen = YenSumField(_("年割額"), default=0)
    paid_yen = YenSumField(_("支出済"), default=0)
    contracted_yen = YenSumField(_("契約済未払"), default=0)
    uncontracted_yen = YenSumField(_("未契約"), default=0)
    commitments = models.BigIntegerField(_("件数"), default=0)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("年度別推計の合計")
        verbose_name_plural = _("年度別推計の合計")
        constraints = [
            on_field(
                "fiscal_year",
                models.UniqueConstraint(
                    fields=["organization", "fiscal_year", "segment"],
                    name="projection_total_cell",
                    violation_error_message=_("この事業区分と年度の合計はすでにあります。"),
                ),
            ),
        ]
        indexes = [models.Index(fields=["commitments"], condition=Q(commitments=0), name="projection_total_empty")]

    def __str__(self) -> str:
        return f"{self.organization_id} FY{self.fiscal_year} {self.segment_id}"


class ProjectionSnapshot(ConstraintErrorsOnFields):
    """Totals of one nightly projection run: organization × fiscal year × segment, kept to compare as-of dates."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("団体"))
    as_of = models.DateField(_("基準日"))
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="+", verbose_name=_("事業区分"))
    planned_yen = YenSumField(_("年割額"), default=0)  # copies of the cells' totals: numeric like them
    paid_yen = YenSumField(_("支出済"), default=0)
    contracted_yen = YenSumField(_("契約済未払"), default=0)
    uncontracted_yen = YenSumField(_("未契約"), default=0)
    commitments = models.PositiveIntegerField(_("件数"), default=0)
    computed_at = models.DateTimeField(_("計算日時"))

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("推計スナップショット")
        verbose_name_plural = _("推計スナップショット")
        constraints = [
            on_field(
                "as_of",
                models.UniqueConstraint(
                    fields=["organization", "as_of", "fiscal_year", "segment"],
                    name="snapshot_unique_cell",
                    violation_error_message=_("この基準日・年度・事業区分のスナップショットはすでにあります。"),
                ),
            ),
        ]
        indexes = [models.Index(fields=["organization", "as_of"], name="snapshot_org_as_of")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.as_of} FY{self.fiscal_year}"
