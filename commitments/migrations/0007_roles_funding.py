"""Roles read funding sources and splits; finance officers enter splits."""

from django.db import migrations

from commitments.roles import roles_ensure


def update_roles(apps, schema_editor):
    roles_ensure(apps, strict=False)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0006_funding_and_opening_balances")]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
