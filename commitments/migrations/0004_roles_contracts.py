"""Roles get their permissions on contracts, schedules, payments, 年割額 and amendments; existing
commitments get their 年割額 rows from the equal rule (the only rule before this migration)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# The roles and their permissions as this migration wrote them (frozen: later changes need a new migration).
ROLE_PERMISSIONS = {
    "finance_officer": [
        "view_commitment",
        "view_plannedamount",
        "view_contract",
        "view_installment",
        "view_payment",
        "view_amendment",
        "view_commitmentevent",
        "view_segment",
        "view_projectionyear",
        "view_exposure",
        "view_historicalcommitment",
        "view_historicalplannedamount",
        "view_historicalcontract",
        "view_historicalinstallment",
        "view_historicalpayment",
        "view_historicalamendment",
        "add_commitment",
        "change_commitment",
        "delete_commitment",
        "submit_commitment",
        "add_plannedamount",
        "change_plannedamount",
        "delete_plannedamount",
        "add_contract",
        "change_contract",
        "add_installment",
        "change_installment",
        "add_payment",
        "add_amendment",
        "change_amendment",
        "delete_amendment",
        "submit_amendment",
    ],
    "approver": [
        "view_commitment",
        "view_plannedamount",
        "view_contract",
        "view_installment",
        "view_payment",
        "view_amendment",
        "view_commitmentevent",
        "view_segment",
        "view_projectionyear",
        "view_exposure",
        "view_historicalcommitment",
        "view_historicalplannedamount",
        "view_historicalcontract",
        "view_historicalinstallment",
        "view_historicalpayment",
        "view_historicalamendment",
        "approve_commitment",
        "approve_amendment",
    ],
    "auditor": [
        "view_commitment",
        "view_plannedamount",
        "view_contract",
        "view_installment",
        "view_payment",
        "view_amendment",
        "view_commitmentevent",
        "view_segment",
        "view_projectionyear",
        "view_exposure",
        "view_historicalcommitment",
        "view_historicalplannedamount",
        "view_historicalcontract",
        "view_historicalinstallment",
        "view_historicalpayment",
        "view_historicalamendment",
        "view_reportdelivery",
        "view_organization",
    ],
    "management": [
        "view_exposure",
    ],
}


def _ensure_roles(apps):
    """Create the permissions known at this point and give each role group exactly its own (as of this migration)."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=role)
        group.permissions.set(
            permission_model.objects.filter(content_type__app_label="commitments", codename__in=codenames)
        )


def equal_split(amount_yen: int, first_fy: int, last_fy: int) -> dict[int, int]:
    """The equal rule as it was here: each year the amount ÷ years rounded down to 1,000 yen, remainder in year one."""
    years = list(range(first_fy, last_fy + 1))
    share = (amount_yen // len(years)) // 1_000 * 1_000
    result = {fy: share for fy in years}
    result[first_fy] = amount_yen - share * (len(years) - 1)
    return result


def update_roles(apps, schema_editor):
    _ensure_roles(apps)


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
