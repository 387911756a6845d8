"""Roles read funding sources and splits; finance officers enter splits."""

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
        "view_fundingsource",
        "view_commitmentfunding",
        "view_historicalcommitment",
        "view_historicalplannedamount",
        "view_historicalcontract",
        "view_historicalinstallment",
        "view_historicalpayment",
        "view_historicalamendment",
        "view_historicalcommitmentfunding",
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
        "add_commitmentfunding",
        "change_commitmentfunding",
        "delete_commitmentfunding",
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
        "view_fundingsource",
        "view_commitmentfunding",
        "view_historicalcommitment",
        "view_historicalplannedamount",
        "view_historicalcontract",
        "view_historicalinstallment",
        "view_historicalpayment",
        "view_historicalamendment",
        "view_historicalcommitmentfunding",
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
        "view_fundingsource",
        "view_commitmentfunding",
        "view_historicalcommitment",
        "view_historicalplannedamount",
        "view_historicalcontract",
        "view_historicalinstallment",
        "view_historicalpayment",
        "view_historicalamendment",
        "view_historicalcommitmentfunding",
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


def update_roles(apps, schema_editor):
    _ensure_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0006_funding_and_opening_balances")]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
