"""Roles get their permissions on contracts, schedules, payments, 年割額 and amendments; existing
commitments get their 年割額 rows from the equal rule (the only rule before this migration)."""

from django.db import migrations

from commitments.projection import equal_split
from commitments.roles import roles_ensure


def update_roles(apps, schema_editor):
    roles_ensure(apps, strict=False)


def backfill_planned(apps, schema_editor):
    commitment_model = apps.get_model("commitments", "Commitment")
    planned_model = apps.get_model("commitments", "PlannedAmount")
    rows = []
    for c in commitment_model.objects.filter(planned_amounts__isnull=True).iterator():
        amount = c.limit_yen if c.limit_yen is not None else (c.estimated_limit_yen or 0)
        for fy, yen in equal_split(amount, c.first_burden_fy, c.last_burden_fy).items():
            rows.append(planned_model(commitment_id=c.pk, fiscal_year=fy, amount_yen=yen))
    planned_model.objects.bulk_create(rows, batch_size=5000)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0003_contracts_amendments_planned")]

    operations = [
        migrations.RunPython(update_roles, migrations.RunPython.noop),
        migrations.RunPython(backfill_planned, migrations.RunPython.noop),
    ]
