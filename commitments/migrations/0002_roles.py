"""Create the four roles as groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# The roles and their permissions as this migration wrote them (frozen: later changes need a new migration).
ROLE_PERMISSIONS = {
    "finance_officer": [
        "view_commitment",
        "add_commitment",
        "change_commitment",
        "delete_commitment",
        "submit_commitment",
        "view_exposure",
        "view_segment",
        "view_projectionyear",
        "view_commitmentevent",
        "view_historicalcommitment",
    ],
    "approver": [
        "view_commitment",
        "approve_commitment",
        "view_exposure",
        "view_segment",
        "view_projectionyear",
        "view_commitmentevent",
        "view_historicalcommitment",
    ],
    "auditor": [
        "view_commitment",
        "view_exposure",
        "view_segment",
        "view_projectionyear",
        "view_commitmentevent",
        "view_historicalcommitment",
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


def create_roles(apps, schema_editor):
    _ensure_roles(apps)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [("commitments", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_roles, remove_roles)]
