"""The year-end close (年度末処理) becomes a recorded event per organization and fiscal year; approvers may reopen a
closed commitment for contracts signed in time but entered late.

Approvers get the permission to close a year and to read the closes and reopenings. The beat entry of the old
rollover of every organization at once (`fiscal-year-rollover`) is removed from the database scheduler: its task is
gone, and `fiscal-year-close` (from CELERY_BEAT_SCHEDULE) takes its place.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

# Added to the approver role by this migration (frozen: later changes need a new migration).
APPROVER_PERMISSIONS = ["close_fiscal_year", "view_fiscalyearclose", "view_commitmentreopening"]


def forward(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    approver, _created = group_model.objects.get_or_create(name="approver")
    approver.permissions.add(
        *permission_model.objects.filter(content_type__app_label="commitments", codename__in=APPROVER_PERMISSIONS)
    )
    periodic_task = apps.get_model("django_celery_beat", "PeriodicTask")
    periodic_task.objects.filter(name="fiscal-year-rollover").delete()


def backward(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for group in group_model.objects.filter(name="approver"):
        group.permissions.remove(
            *permission_model.objects.filter(content_type__app_label="commitments", codename__in=APPROVER_PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0016_totals_numeric"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="FiscalYearClose",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("fiscal_year", models.PositiveSmallIntegerField(verbose_name="年度")),
                ("closed_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="実施日時")),
                ("result", models.JSONField(blank=True, default=dict, verbose_name="結果")),
                (
                    "closed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="実施者",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="fiscal_year_closes",
                        to="commitments.organization",
                        verbose_name="団体",
                    ),
                ),
            ],
            options={
                "verbose_name": "年度末処理",
                "verbose_name_plural": "年度末処理",
                "ordering": ["organization_id", "-fiscal_year"],
                "permissions": [("close_fiscal_year", "年度末処理を実施できる")],
                "constraints": [
                    models.UniqueConstraint(fields=("organization", "fiscal_year"), name="fiscal_year_close_once"),
                    models.CheckConstraint(
                        condition=models.Q(("fiscal_year__gte", 1926), ("fiscal_year__lte", 2200)),
                        name="fiscal_year_close_year_range",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="CommitmentReopening",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reason", models.TextField(verbose_name="再開の理由")),
                ("until", models.DateField(verbose_name="受付期限")),
                ("reopened_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="再開日時")),
                (
                    "commitment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reopenings",
                        to="commitments.commitment",
                        verbose_name="債務負担行為",
                    ),
                ),
                (
                    "reopened_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="承認者",
                    ),
                ),
            ],
            options={
                "verbose_name": "契約登録の再開",
                "verbose_name_plural": "契約登録の再開",
                "ordering": ["commitment_id", "reopened_at", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("reason", ""), _negated=True), name="reopening_has_reason"
                    )
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
