"""Fiscal frames (財政見通し) with their history, the statistics' class of each 種別 per organization, the burden
warning share of an organization, and the roles' permissions on them (added to the groups, nothing taken away)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

# The permissions this migration grants (frozen: later changes need a new migration).
GRANTS = {
    "finance_officer": [
        "view_fiscalframe",
        "add_fiscalframe",
        "change_fiscalframe",
        "delete_fiscalframe",
        "submit_fiscalframe",
        "view_historicalfiscalframe",
        "view_kindclassification",
        "add_kindclassification",
        "change_kindclassification",
        "delete_kindclassification",
        "view_historicalkindclassification",
    ],
    "approver": [
        "view_fiscalframe",
        "approve_fiscalframe",
        "view_historicalfiscalframe",
        "view_kindclassification",
        "view_historicalkindclassification",
    ],
    "auditor": [
        "view_fiscalframe",
        "view_historicalfiscalframe",
        "view_kindclassification",
        "view_historicalkindclassification",
    ],
}


def grant(apps, schema_editor):
    """Create the new models' permissions and add them to the role groups that exist."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        group = group_model.objects.filter(name=role).first()
        if group is not None:
            group.permissions.add(
                *permission_model.objects.filter(content_type__app_label="commitments", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0019_projection_triggers_installment_fy"),
    ]

    operations = [
        migrations.CreateModel(
            name="FiscalFrame",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("fiscal_year", models.PositiveSmallIntegerField(verbose_name="年度")),
                ("expenditure_yen", models.BigIntegerField(blank=True, null=True, verbose_name="歳出総額（円）")),
                ("general_revenue_yen", models.BigIntegerField(blank=True, null=True, verbose_name="一般財源（円）")),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="出典・前提")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "起案中"),
                            ("submitted", "承認待ち"),
                            ("approved", "承認済"),
                            ("superseded", "改定済"),
                        ],
                        db_index=True,
                        default="draft",
                        max_length=12,
                        verbose_name="状態",
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1, verbose_name="版")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="作成日時")),
                ("submitted_at", models.DateTimeField(blank=True, null=True, verbose_name="提出日時")),
                ("approved_at", models.DateTimeField(blank=True, null=True, verbose_name="承認日時")),
                ("rejection_reason", models.TextField(blank=True, verbose_name="差戻し理由")),
            ],
            options={
                "verbose_name": "財政見通し",
                "verbose_name_plural": "財政見通し",
                "ordering": ["organization_id", "fiscal_year", "segment_id", "id"],
                "permissions": [
                    ("submit_fiscalframe", "財政見通しを提出できる"),
                    ("approve_fiscalframe", "財政見通しを承認できる"),
                ],
            },
        ),
        migrations.CreateModel(
            name="HistoricalFiscalFrame",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                ("fiscal_year", models.PositiveSmallIntegerField(verbose_name="年度")),
                ("expenditure_yen", models.BigIntegerField(blank=True, null=True, verbose_name="歳出総額（円）")),
                ("general_revenue_yen", models.BigIntegerField(blank=True, null=True, verbose_name="一般財源（円）")),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="出典・前提")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "起案中"),
                            ("submitted", "承認待ち"),
                            ("approved", "承認済"),
                            ("superseded", "改定済"),
                        ],
                        db_index=True,
                        default="draft",
                        max_length=12,
                        verbose_name="状態",
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1, verbose_name="版")),
                ("created_at", models.DateTimeField(blank=True, editable=False, verbose_name="作成日時")),
                ("submitted_at", models.DateTimeField(blank=True, null=True, verbose_name="提出日時")),
                ("approved_at", models.DateTimeField(blank=True, null=True, verbose_name="承認日時")),
                ("rejection_reason", models.TextField(blank=True, verbose_name="差戻し理由")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
            ],
            options={
                "verbose_name": "historical 財政見通し",
                "verbose_name_plural": "historical 財政見通し",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalKindClassification",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("lease", "賃借・リース"),
                            ("service", "業務委託・保守"),
                            ("construction", "工事・施設整備"),
                            ("system", "システム開発・更改"),
                            ("guarantee", "債務保証・損失補償"),
                            ("subsidy", "補助・利子補給"),
                            ("other", "その他"),
                        ],
                        max_length=20,
                        verbose_name="種別",
                    ),
                ),
                (
                    "statistics_class",
                    models.CharField(
                        choices=[
                            ("purchase", "物件の購入等"),
                            ("guarantee", "債務保証又は損失補償"),
                            ("other", "その他"),
                        ],
                        max_length=12,
                        verbose_name="統計の区分",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1),
                ),
            ],
            options={
                "verbose_name": "historical 種別と統計の区分",
                "verbose_name_plural": "historical 種別と統計の区分",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="KindClassification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("lease", "賃借・リース"),
                            ("service", "業務委託・保守"),
                            ("construction", "工事・施設整備"),
                            ("system", "システム開発・更改"),
                            ("guarantee", "債務保証・損失補償"),
                            ("subsidy", "補助・利子補給"),
                            ("other", "その他"),
                        ],
                        max_length=20,
                        verbose_name="種別",
                    ),
                ),
                (
                    "statistics_class",
                    models.CharField(
                        choices=[
                            ("purchase", "物件の購入等"),
                            ("guarantee", "債務保証又は損失補償"),
                            ("other", "その他"),
                        ],
                        max_length=12,
                        verbose_name="統計の区分",
                    ),
                ),
            ],
            options={
                "verbose_name": "種別と統計の区分",
                "verbose_name_plural": "種別と統計の区分",
                "ordering": ["organization_id", "kind"],
            },
        ),
        migrations.AddField(
            model_name="organization",
            name="burden_warning_percent",
            field=models.DecimalField(
                db_default=10,
                decimal_places=2,
                default=10,
                help_text="将来の年度の財政見通しに対する既定の負担の割合がこれを超えると印を付けます",
                max_digits=5,
                verbose_name="負担割合の警告（％）",
            ),
        ),
        migrations.AlterField(
            model_name="authorship",
            name="item_kind",
            field=models.CharField(
                choices=[
                    ("commitment", "債務負担行為"),
                    ("amendment", "補正"),
                    ("import_job", "予算書の取込"),
                    ("fiscal_frame", "財政見通し"),
                ],
                max_length=12,
                verbose_name="対象の種類",
            ),
        ),
        migrations.AddConstraint(
            model_name="organization",
            constraint=models.CheckConstraint(
                condition=models.Q(("burden_warning_percent__gt", 0), ("burden_warning_percent__lte", 100)),
                name="organization_burden_warning_percent_range",
            ),
        ),
        migrations.AddField(
            model_name="fiscalframe",
            name="approved_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="承認者",
            ),
        ),
        migrations.AddField(
            model_name="fiscalframe",
            name="created_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="起案者",
            ),
        ),
        migrations.AddField(
            model_name="fiscalframe",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="fiscal_frames",
                to="commitments.organization",
                verbose_name="団体",
            ),
        ),
        migrations.AddField(
            model_name="fiscalframe",
            name="segment",
            field=models.ForeignKey(
                blank=True,
                help_text="空欄は団体全体",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="fiscal_frames",
                to="commitments.segment",
                verbose_name="事業区分",
            ),
        ),
        migrations.AddField(
            model_name="fiscalframe",
            name="submitted_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="提出者",
            ),
        ),
        migrations.AddField(
            model_name="historicalfiscalframe",
            name="approved_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="承認者",
            ),
        ),
        migrations.AddField(
            model_name="historicalfiscalframe",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="起案者",
            ),
        ),
        migrations.AddField(
            model_name="historicalfiscalframe",
            name="history_user",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="historicalfiscalframe",
            name="organization",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="commitments.organization",
                verbose_name="団体",
            ),
        ),
        migrations.AddField(
            model_name="historicalfiscalframe",
            name="segment",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="空欄は団体全体",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="commitments.segment",
                verbose_name="事業区分",
            ),
        ),
        migrations.AddField(
            model_name="historicalfiscalframe",
            name="submitted_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="提出者",
            ),
        ),
        migrations.AddField(
            model_name="historicalkindclassification",
            name="history_user",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="historicalkindclassification",
            name="organization",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="commitments.organization",
                verbose_name="団体",
            ),
        ),
        migrations.AddField(
            model_name="kindclassification",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="kind_classes",
                to="commitments.organization",
                verbose_name="団体",
            ),
        ),
        migrations.AddConstraint(
            model_name="fiscalframe",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "approved")),
                fields=("organization", "fiscal_year", "segment"),
                name="fiscal_frame_one_approved",
                nulls_distinct=False,
            ),
        ),
        migrations.AddConstraint(
            model_name="fiscalframe",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["draft", "submitted"])),
                fields=("organization", "fiscal_year", "segment"),
                name="fiscal_frame_one_open",
                nulls_distinct=False,
            ),
        ),
        migrations.AddConstraint(
            model_name="fiscalframe",
            constraint=models.CheckConstraint(
                condition=models.Q(("fiscal_year__gte", 1926), ("fiscal_year__lte", 2200)),
                name="fiscal_frame_year_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="fiscalframe",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("expenditure_yen__isnull", False), ("general_revenue_yen__isnull", False), _connector="OR"
                ),
                name="fiscal_frame_has_an_amount",
            ),
        ),
        migrations.AddConstraint(
            model_name="fiscalframe",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("expenditure_yen__isnull", True), ("expenditure_yen__gt", 0), _connector="OR"),
                    models.Q(("general_revenue_yen__isnull", True), ("general_revenue_yen__gt", 0), _connector="OR"),
                ),
                name="fiscal_frame_amounts_positive",
            ),
        ),
        migrations.AddConstraint(
            model_name="fiscalframe",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("expenditure_yen__isnull", True),
                    ("general_revenue_yen__isnull", True),
                    ("general_revenue_yen__lte", models.F("expenditure_yen")),
                    _connector="OR",
                ),
                name="fiscal_frame_general_within_total",
            ),
        ),
        migrations.AddConstraint(
            model_name="fiscalframe",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status__in", ["approved", "superseded"]), _negated=True),
                    ("approved_by__isnull", False),
                    _connector="OR",
                ),
                name="fiscal_frame_approved_has_approver",
            ),
        ),
        migrations.AddConstraint(
            model_name="fiscalframe",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("approved_by__isnull", True),
                    models.Q(("approved_by", models.F("submitted_by")), _negated=True),
                    _connector="OR",
                ),
                name="fiscal_frame_approver_not_submitter",
            ),
        ),
        migrations.AddConstraint(
            model_name="kindclassification",
            constraint=models.UniqueConstraint(fields=("organization", "kind"), name="kind_class_unique"),
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
