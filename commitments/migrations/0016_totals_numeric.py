# The per-cell totals (and the nightly snapshots copied from them) become numeric: one cell sums up to 10^15 yen
# per commitment and year (rules.MAX_YEN) over every commitment of an organization × segment, and 10,000 maximal
# commitments already pass bigint's 9.2×10^18. The trigger function of 0014 is re-created with its arithmetic in
# numeric (the deltas cast before they are negated, summed and added), so no step overflows.

from django.db import migrations

import commitments.models.outflow

_UPSERT = """
        INSERT INTO commitments_projectiontotal AS t
               (organization_id, segment_id, fiscal_year, planned_yen, paid_yen, contracted_yen, uncontracted_yen,
                commitments)
        SELECT organization_id, segment_id, fiscal_year, {sign}SUM(planned_yen{cast}), {sign}SUM(paid_yen{cast}),
               {sign}SUM(contracted_yen{cast}), {sign}SUM(uncontracted_yen{cast}), {count}
          FROM {rows}
         GROUP BY 1, 2, 3
         ORDER BY 1, 3, 2
        ON CONFLICT (organization_id, fiscal_year, segment_id) DO UPDATE
           SET planned_yen = t.planned_yen + EXCLUDED.planned_yen,
               paid_yen = t.paid_yen + EXCLUDED.paid_yen,
               contracted_yen = t.contracted_yen + EXCLUDED.contracted_yen,
               uncontracted_yen = t.uncontracted_yen + EXCLUDED.uncontracted_yen,
               commitments = t.commitments + EXCLUDED.commitments;"""

_BOTH = """(SELECT organization_id, segment_id, fiscal_year, planned_yen{cast} AS planned_yen, paid_yen{cast} AS paid_yen,
                  contracted_yen{cast} AS contracted_yen, uncontracted_yen{cast} AS uncontracted_yen, 1 AS n
             FROM new_rows
           UNION ALL
           SELECT organization_id, segment_id, fiscal_year, -(planned_yen{cast}), -(paid_yen{cast}),
                  -(contracted_yen{cast}), -(uncontracted_yen{cast}), -1 FROM old_rows) AS d"""

_FUNCTION = """
CREATE OR REPLACE FUNCTION commitments_projection_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN{insert}
    ELSIF TG_OP = 'DELETE' THEN{delete}
    ELSE{update}
    END IF;
    -- Cells with no row left (partial index projection_total_empty).
    DELETE FROM commitments_projectiontotal WHERE commitments = 0;
    RETURN NULL;
END
$$;
"""


def _function(cast: str) -> str:
    """The trigger function with every amount cast as given ('::numeric' here, '' as 0014 wrote it)."""
    return _FUNCTION.format(
        insert=_UPSERT.format(sign="", count="COUNT(*)", rows="new_rows", cast=cast),
        delete=_UPSERT.format(sign="-", count="-COUNT(*)", rows="old_rows", cast=cast),
        update=_UPSERT.format(sign="", count="SUM(n)", rows=_BOTH.format(cast=cast), cast=""),
    )


def _amount(name: str) -> commitments.models.outflow.YenSumField:
    return commitments.models.outflow.YenSumField(decimal_places=0, default=0, max_digits=38, verbose_name=name)


AMOUNTS = {"planned_yen": "年割額", "paid_yen": "支出済", "contracted_yen": "契約済未払", "uncontracted_yen": "未契約"}


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0015_books_entries"),
    ]

    operations = [
        *(
            migrations.AlterField(model_name=model, name=name, field=_amount(label))
            for model in ("projectiontotal", "projectionsnapshot")
            for name, label in AMOUNTS.items()
        ),
        migrations.RunSQL(_function("::numeric"), _function("")),
    ]
