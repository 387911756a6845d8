"""The per-cell totals triggers are declared on ProjectionYear (Meta.triggers, django-pgtrigger) instead of written
by hand in 0014 and 0016: the hand-written triggers and their functions are dropped, the declared ones installed
(the same sums in numeric, one trigger per operation), so the database ends with exactly the declared ones. The
totals rows are left as they are: no write to the projection rows happens in between.

An installment's stored fiscal year must be the one of its due date (a CHECK): the projection sums by it.
"""

import django.db.models.expressions
import django.db.models.functions.datetime
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

_HAND_WRITTEN = ("insert", "update", "delete", "truncate")

DROP_HAND_WRITTEN = "".join(
    f"DROP TRIGGER IF EXISTS projection_totals_{op} ON commitments_projectionyear;\n" for op in _HAND_WRITTEN
) + (
    "DROP FUNCTION IF EXISTS commitments_projection_totals();\n"
    "DROP FUNCTION IF EXISTS commitments_projection_totals_truncate();\n"
)

# The reverse: 0016's function (numeric arithmetic) and 0014's triggers, as they were.
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
_BOTH = """(SELECT organization_id, segment_id, fiscal_year, planned_yen::numeric AS planned_yen,
                  paid_yen::numeric AS paid_yen, contracted_yen::numeric AS contracted_yen,
                  uncontracted_yen::numeric AS uncontracted_yen, 1 AS n
             FROM new_rows
           UNION ALL
           SELECT organization_id, segment_id, fiscal_year, -(planned_yen::numeric), -(paid_yen::numeric),
                  -(contracted_yen::numeric), -(uncontracted_yen::numeric), -1 FROM old_rows) AS d"""
CREATE_HAND_WRITTEN = f"""
CREATE FUNCTION commitments_projection_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN{_UPSERT.format(sign="", count="COUNT(*)", rows="new_rows", cast="::numeric")}
    ELSIF TG_OP = 'DELETE' THEN{_UPSERT.format(sign="-", count="-COUNT(*)", rows="old_rows", cast="::numeric")}
    ELSE{_UPSERT.format(sign="", count="SUM(n)", rows=_BOTH, cast="")}
    END IF;
    DELETE FROM commitments_projectiontotal WHERE commitments = 0;
    RETURN NULL;
END
$$;

CREATE FUNCTION commitments_projection_totals_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM commitments_projectiontotal;
    RETURN NULL;
END
$$;

CREATE TRIGGER projection_totals_insert AFTER INSERT ON commitments_projectionyear
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commitments_projection_totals();
CREATE TRIGGER projection_totals_update AFTER UPDATE ON commitments_projectionyear
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION commitments_projection_totals();
CREATE TRIGGER projection_totals_delete AFTER DELETE ON commitments_projectionyear
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION commitments_projection_totals();
CREATE TRIGGER projection_totals_truncate AFTER TRUNCATE ON commitments_projectionyear
    FOR EACH STATEMENT EXECUTE FUNCTION commitments_projection_totals_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0018_segment_default_span_text"),
    ]

    operations = [
        migrations.RunSQL(DROP_HAND_WRITTEN, CREATE_HAND_WRITTEN),
        pgtrigger.migrations.AddTrigger(
            model_name="projectionyear",
            trigger=pgtrigger.compiler.Trigger(
                name="totals_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="\n    INSERT INTO commitments_projectiontotal AS t\n           (organization_id, segment_id, fiscal_year, planned_yen, paid_yen, contracted_yen, uncontracted_yen,\n            commitments)\n    SELECT organization_id, segment_id, fiscal_year, SUM(planned_yen), SUM(paid_yen), SUM(contracted_yen),\n           SUM(uncontracted_yen), SUM(n)\n      FROM (SELECT organization_id, segment_id, fiscal_year, planned_yen::numeric AS planned_yen,\n                  paid_yen::numeric AS paid_yen, contracted_yen::numeric AS contracted_yen,\n                  uncontracted_yen::numeric AS uncontracted_yen, 1 AS n\n             FROM new_rows) AS d\n     GROUP BY 1, 2, 3\n     ORDER BY 1, 3, 2\n    ON CONFLICT (organization_id, fiscal_year, segment_id) DO UPDATE\n       SET planned_yen = t.planned_yen + EXCLUDED.planned_yen,\n           paid_yen = t.paid_yen + EXCLUDED.paid_yen,\n           contracted_yen = t.contracted_yen + EXCLUDED.contracted_yen,\n           uncontracted_yen = t.uncontracted_yen + EXCLUDED.uncontracted_yen,\n           commitments = t.commitments + EXCLUDED.commitments;\n    RETURN NULL;",
                    hash="83a7ebebc9a7a31697f7ac7577a02d3ad8a7e6a7",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_totals_insert_e24dd",
                    referencing="REFERENCING NEW TABLE AS new_rows ",
                    table="commitments_projectionyear",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="projectionyear",
            trigger=pgtrigger.compiler.Trigger(
                name="totals_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="\n    INSERT INTO commitments_projectiontotal AS t\n           (organization_id, segment_id, fiscal_year, planned_yen, paid_yen, contracted_yen, uncontracted_yen,\n            commitments)\n    SELECT organization_id, segment_id, fiscal_year, SUM(planned_yen), SUM(paid_yen), SUM(contracted_yen),\n           SUM(uncontracted_yen), SUM(n)\n      FROM (SELECT organization_id, segment_id, fiscal_year, planned_yen::numeric AS planned_yen,\n                  paid_yen::numeric AS paid_yen, contracted_yen::numeric AS contracted_yen,\n                  uncontracted_yen::numeric AS uncontracted_yen, 1 AS n\n             FROM new_rows\n             UNION ALL\n             SELECT organization_id, segment_id, fiscal_year, -(planned_yen::numeric) AS planned_yen,\n                  -(paid_yen::numeric) AS paid_yen, -(contracted_yen::numeric) AS contracted_yen,\n                  -(uncontracted_yen::numeric) AS uncontracted_yen, -1 AS n\n             FROM old_rows) AS d\n     GROUP BY 1, 2, 3\n     ORDER BY 1, 3, 2\n    ON CONFLICT (organization_id, fiscal_year, segment_id) DO UPDATE\n       SET planned_yen = t.planned_yen + EXCLUDED.planned_yen,\n           paid_yen = t.paid_yen + EXCLUDED.paid_yen,\n           contracted_yen = t.contracted_yen + EXCLUDED.contracted_yen,\n           uncontracted_yen = t.uncontracted_yen + EXCLUDED.uncontracted_yen,\n           commitments = t.commitments + EXCLUDED.commitments;\n    DELETE FROM commitments_projectiontotal WHERE commitments = 0;\n    RETURN NULL;",
                    hash="e31d8162109ed35a1d85a57b2424cbf096f370b9",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_totals_update_02ace",
                    referencing="REFERENCING OLD TABLE AS old_rows  NEW TABLE AS new_rows ",
                    table="commitments_projectionyear",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="projectionyear",
            trigger=pgtrigger.compiler.Trigger(
                name="totals_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="\n    INSERT INTO commitments_projectiontotal AS t\n           (organization_id, segment_id, fiscal_year, planned_yen, paid_yen, contracted_yen, uncontracted_yen,\n            commitments)\n    SELECT organization_id, segment_id, fiscal_year, SUM(planned_yen), SUM(paid_yen), SUM(contracted_yen),\n           SUM(uncontracted_yen), SUM(n)\n      FROM (SELECT organization_id, segment_id, fiscal_year, -(planned_yen::numeric) AS planned_yen,\n                  -(paid_yen::numeric) AS paid_yen, -(contracted_yen::numeric) AS contracted_yen,\n                  -(uncontracted_yen::numeric) AS uncontracted_yen, -1 AS n\n             FROM old_rows) AS d\n     GROUP BY 1, 2, 3\n     ORDER BY 1, 3, 2\n    ON CONFLICT (organization_id, fiscal_year, segment_id) DO UPDATE\n       SET planned_yen = t.planned_yen + EXCLUDED.planned_yen,\n           paid_yen = t.paid_yen + EXCLUDED.paid_yen,\n           contracted_yen = t.contracted_yen + EXCLUDED.contracted_yen,\n           uncontracted_yen = t.uncontracted_yen + EXCLUDED.uncontracted_yen,\n           commitments = t.commitments + EXCLUDED.commitments;\n    DELETE FROM commitments_projectiontotal WHERE commitments = 0;\n    RETURN NULL;",
                    hash="8b49a7d5a62bb29bbe39a9c768f7070f8d4df66f",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_totals_delete_3ae10",
                    referencing="REFERENCING OLD TABLE AS old_rows ",
                    table="commitments_projectionyear",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="projectionyear",
            trigger=pgtrigger.compiler.Trigger(
                name="totals_truncate",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="DELETE FROM commitments_projectiontotal;\n    RETURN NULL;",
                    hash="a10463dedf443bd885b973f3f55553c6cc73fd00",
                    level="STATEMENT",
                    operation="TRUNCATE",
                    pgid="pgtrigger_totals_truncate_35e0d",
                    table="commitments_projectionyear",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="installment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "fiscal_year",
                        django.db.models.expressions.CombinedExpression(
                            django.db.models.functions.datetime.ExtractYear("due_on"),
                            "-",
                            models.Case(
                                models.When(due_on__month__lt=4, then=models.Value(1)), default=models.Value(0)
                            ),
                        ),
                    )
                ),
                name="installment_fiscal_year_of_due_date",
            ),
        ),
    ]
