"""Finance officers manage report subscriptions and send or resend them; auditors read subscriptions."""

from django.db import migrations

from commitments.roles import roles_ensure


def update_roles(apps, schema_editor):
    roles_ensure(apps, strict=False)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0009_report_subscriptions")]

    operations = [migrations.RunPython(update_roles, migrations.RunPython.noop)]
