"""Create the four roles as groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

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
    "management": ["view_exposure"],
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = list(Permission.objects.filter(content_type__app_label="commitments", codename__in=codenames))
        missing = set(codenames) - {p.codename for p in perms}
        if missing:
            raise RuntimeError(f"permissions missing for {role}: {sorted(missing)}")
        group.permissions.set(perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [("commitments", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_roles, remove_roles)]
