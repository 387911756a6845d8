"""Create the four roles as groups with their permissions."""

from django.db import migrations

from commitments.roles import ROLE_PERMISSIONS, roles_ensure


def create_roles(apps, schema_editor):
    roles_ensure(apps, strict=False)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [("commitments", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_roles, remove_roles)]
