"""The number of commitments and their 限度額 total per organization × segment × state, kept by triggers on the
commitments table in the writing transaction (as ProjectionTotal is kept for the projection rows): the exposure
page's count and footer read a few of these cells instead of scanning every approved commitment."""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _

from commitments.models.constraints import on_field
from commitments.models.scoping import ScopedManager

_UPSERT = """
    INSERT INTO commitments_commitmenttotal AS t (organization_id, segment_id, status, commitments, limit_yen,
                                                  text_limits)
    SELECT organization_id, segment_id, status, SUM(n), SUM(limit_yen), SUM(text)
      FROM ({deltas}) AS d
     GROUP BY 1, 2, 3{having}
     ORDER BY 1, 2, 3
    ON CONFLICT (organization_id, segment_id, status) DO UPDATE
       SET commitments = t.commitments + EXCLUDED.commitments,
           limit_yen = t.limit_yen + EXCLUDED.limit_yen,
           text_limits = t.text_limits + EXCLUDED.text_limits;"""
_ROWS = """SELECT {r}.organization_id, {r}.segment_id, {r}.status, {sign}1 AS n,
                  {sign}COALESCE({r}.limit_yen, 0)::numeric AS limit_yen,
                  {sign}({r}.limit_yen IS NULL)::int AS text
             FROM {rows} AS {r}"""
_ADDED = _ROWS.format(r="a", sign="", rows="new_rows")
_REMOVED = _ROWS.format(r="a", sign="-", rows="old_rows")
# An update adds its new rows and removes its old ones; only the cells whose sums moved are written (a commitment
# whose cell columns did not change cancels out). No join of the two transition tables: PL/pgSQL caches the trigger's
# plan, and a generic plan made on one-row updates (estimates of a row or two) joined them by a nested loop, 10,000
# × 10,000 rows for an import's clearing of its stale flags (about 18 s at 100,000 commitments).
_MOVED = """
    HAVING SUM(n) <> 0 OR SUM(limit_yen) <> 0 OR SUM(text) <> 0"""
_DONE = "\n    DELETE FROM commitments_commitmenttotal WHERE commitments = 0;\n    RETURN NULL;"


def _trigger(
    operation: pgtrigger.Operation, deltas: list[str], *, old: bool, new: bool, having: str = ""
) -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name=f"commitment_totals_{str(operation).lower()}",
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=operation,
        referencing=pgtrigger.Referencing(old="old_rows" if old else None, new="new_rows" if new else None),
        func=_UPSERT.format(deltas="\n             UNION ALL\n             ".join(deltas), having=having) + _DONE,
    )


COMMITMENT_TOTALS_TRIGGERS = [
    _trigger(pgtrigger.Insert, [_ADDED], old=False, new=True),
    _trigger(pgtrigger.Update, [_ADDED, _REMOVED], old=True, new=True, having=_MOVED),
    _trigger(pgtrigger.Delete, [_REMOVED], old=True, new=False),
]


class CommitmentTotal(models.Model):
    """Commitments of one organization × segment × state: their number, their 限度額 total and how many have a
    limit in words only (no amount). Kept by COMMITMENT_TOTALS_TRIGGERS; never written by the application."""

    organization = models.ForeignKey("Organization", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    segment = models.ForeignKey("Segment", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    status = models.CharField(_("状態"), max_length=12)
    commitments = models.BigIntegerField(_("件数"), default=0)
    limit_yen = models.DecimalField(_("限度額（円）"), max_digits=38, decimal_places=0, default=0)  # whole yen
    text_limits = models.BigIntegerField(_("文言の限度額の件数"), default=0)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("債務負担行為の件数と限度額")
        verbose_name_plural = _("債務負担行為の件数と限度額")
        constraints = [
            on_field(
                "status",
                models.UniqueConstraint(
                    fields=["organization", "segment", "status"],
                    name="commitment_total_cell",
                    violation_error_message=_("この事業区分と状態の件数と限度額はすでにあります。"),
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.segment_id} {self.status}"
