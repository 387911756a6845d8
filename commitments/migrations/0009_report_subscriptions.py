"""Report subscriptions with their beat entries; deliveries keyed by (subscription, period), resends, kept e-mails.

The single monthly beat entry of the skeleton is replaced by one entry per subscription: its stored PeriodicTask
row is removed, and deliveries still marked "claimed" by the old code end as failed.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import commitments.models.reports


def forward(apps, schema_editor):
    delivery = apps.get_model("commitments", "ReportDelivery")
    delivery.objects.filter(status="claimed").update(status="failed")
    periodic_task = apps.get_model("django_celery_beat", "PeriodicTask")
    periodic_task.objects.filter(name="monthly-management-report").delete()


def backward(apps, schema_editor):
    delivery = apps.get_model("commitments", "ReportDelivery")
    delivery.objects.filter(status__in=["pending", "sending", "retrying"]).update(status="claimed")


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("commitments", "0008_import_jobs"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportSubscription",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="名称")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("exposure_summary", "年度別・事業区分別 負担額の概要"),
                            ("chousho", "調書（予算年度）"),
                            ("exceptions", "要確認事項の一覧"),
                            ("exposure_matrix", "年度別負担額（全件）"),
                        ],
                        default="exposure_summary",
                        max_length=30,
                        verbose_name="報告の種類",
                    ),
                ),
                (
                    "basis",
                    models.CharField(
                        choices=[
                            ("planned", "年割額（予算）"),
                            ("total", "支出見込（支出済＋契約済未払＋未契約）"),
                            ("paid", "支出済"),
                            ("contracted", "契約済未払"),
                            ("uncontracted", "未契約"),
                            ("remaining", "残額（契約済未払＋未契約）"),
                        ],
                        default="planned",
                        help_text="表とグラフの金額の基準（負担額のページの「集計の基準」と同じ）",
                        max_length=20,
                        verbose_name="集計の基準",
                    ),
                ),
                (
                    "budget_year",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="調書のみ。空欄は報告期間の属する年度",
                        null=True,
                        verbose_name="調書の予算年度",
                    ),
                ),
                (
                    "extra_addresses",
                    models.TextField(
                        blank=True,
                        help_text="1行に1件",
                        validators=[commitments.models.reports.validate_addresses],
                        verbose_name="宛先（その他のアドレス）",
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        choices=[("ja", "日本語"), ("en", "English")], default="ja", max_length=2, verbose_name="言語"
                    ),
                ),
                ("attach_xlsx", models.BooleanField(default=True, verbose_name="Excel（XLSX）を添付")),
                ("attach_csv", models.BooleanField(default=False, verbose_name="CSVを添付")),
                (
                    "cadence",
                    models.CharField(
                        choices=[
                            ("monthly", "月次（YYYY-MM）"),
                            ("weekly", "週次（YYYY-Www）"),
                            ("daily", "日次（YYYY-MM-DD）"),
                        ],
                        default="monthly",
                        max_length=10,
                        verbose_name="報告期間",
                    ),
                ),
                ("minute", models.CharField(default="0", max_length=60, verbose_name="分")),
                ("hour", models.CharField(default="7", max_length=60, verbose_name="時")),
                ("day_of_month", models.CharField(default="1-7", max_length=100, verbose_name="日")),
                ("month_of_year", models.CharField(default="*", max_length=40, verbose_name="月")),
                (
                    "day_of_week",
                    models.CharField(default="1-5", help_text="0=日, 1=月 … 6=土", max_length=40, verbose_name="曜日"),
                ),
                (
                    "first_business_day_only",
                    models.BooleanField(
                        default=True,
                        help_text="予定日が月の最初の営業日（土日・祝日・12月29日〜1月3日を除く）のときだけ送ります",
                        verbose_name="第1営業日のみ",
                    ),
                ),
                ("active", models.BooleanField(default=True, verbose_name="有効")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="作成日時")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新日時")),
            ],
            options={
                "verbose_name": "定期報告",
                "verbose_name_plural": "定期報告",
                "ordering": ["organization", "name"],
                "permissions": [("send_reportsubscription", "定期報告を今すぐ送信・再送できる")],
            },
        ),
        migrations.AlterModelOptions(
            name="reportdelivery",
            options={
                "ordering": ["-claimed_at", "-id"],
                "verbose_name": "報告送信記録",
                "verbose_name_plural": "報告送信記録",
            },
        ),
        migrations.RemoveConstraint(
            model_name="reportdelivery",
            name="delivery_once_per_period",
        ),
        migrations.RenameField(
            model_name="reportdelivery",
            old_name="state",
            new_name="status",
        ),
        migrations.AddField(
            model_name="reportdelivery",
            name="attempt_started_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="最終試行の開始"),
        ),
        migrations.AddField(
            model_name="reportdelivery",
            name="message",
            field=models.BinaryField(blank=True, null=True, verbose_name="送信したメール（RFC 822）"),
        ),
        migrations.AddField(
            model_name="reportdelivery",
            name="reason",
            field=models.TextField(blank=True, verbose_name="理由"),
        ),
        migrations.AddField(
            model_name="reportdelivery",
            name="requested_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="依頼者",
            ),
        ),
        migrations.AddField(
            model_name="reportdelivery",
            name="resend_of",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="resends",
                to="commitments.reportdelivery",
                verbose_name="再送元",
            ),
        ),
        migrations.AlterField(
            model_name="reportdelivery",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "送信待ち"),
                    ("sending", "送信中"),
                    ("retrying", "再試行待ち"),
                    ("sent", "送信済"),
                    ("failed", "失敗"),
                    ("skipped", "宛先なし"),
                ],
                default="pending",
                max_length=10,
                verbose_name="状態",
            ),
        ),
        migrations.AddField(
            model_name="reportdelivery",
            name="subscription_name",
            field=models.CharField(blank=True, max_length=100, verbose_name="定期報告の名称"),
        ),
        migrations.AddField(
            model_name="reportdelivery",
            name="totals",
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name="集計（前回比の基準）"),
        ),
        migrations.AddField(
            model_name="reportdelivery",
            name="trigger",
            field=models.CharField(
                choices=[("schedule", "定期"), ("send_now", "今すぐ送信"), ("command", "コマンド"), ("resend", "再送")],
                default="schedule",
                max_length=10,
                verbose_name="契機",
            ),
        ),
        migrations.AlterField(
            model_name="reportdelivery",
            name="claimed_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="受付日時"),
        ),
        migrations.AlterField(
            model_name="reportdelivery",
            name="period",
            field=models.CharField(help_text="YYYY-MM / YYYY-Www / YYYY-MM-DD", max_length=10, verbose_name="対象期間"),
        ),
        migrations.AddField(
            model_name="reportsubscription",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="report_subscriptions",
                to="commitments.organization",
                verbose_name="団体",
            ),
        ),
        migrations.AddField(
            model_name="reportsubscription",
            name="periodic_task",
            field=models.OneToOneField(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="report_subscription",
                to="django_celery_beat.periodictask",
                verbose_name="定期実行",
            ),
        ),
        migrations.AddField(
            model_name="reportsubscription",
            name="recipient_groups",
            field=models.ManyToManyField(
                blank=True,
                help_text="この団体の、グループに属する有効な利用者に送ります（例：management）",
                related_name="+",
                to="auth.group",
                verbose_name="宛先（グループ）",
            ),
        ),
        migrations.AddField(
            model_name="reportsubscription",
            name="recipient_users",
            field=models.ManyToManyField(
                blank=True, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="宛先（利用者）"
            ),
        ),
        migrations.AddField(
            model_name="reportdelivery",
            name="subscription",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="deliveries",
                to="commitments.reportsubscription",
                verbose_name="定期報告",
            ),
        ),
        migrations.AddIndex(
            model_name="reportdelivery",
            index=models.Index(fields=["status", "claimed_at"], name="delivery_status_claimed"),
        ),
        migrations.AddConstraint(
            model_name="reportdelivery",
            constraint=models.UniqueConstraint(
                condition=models.Q(("resend_of__isnull", True)),
                fields=("subscription", "period"),
                name="delivery_once_per_subscription_period",
            ),
        ),
        migrations.AddConstraint(
            model_name="reportdelivery",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("trigger", "resend"), ("resend_of__isnull", False), ("requested_by__isnull", False)),
                    models.Q(models.Q(("trigger", "resend"), _negated=True), ("resend_of__isnull", True)),
                    _connector="OR",
                ),
                name="delivery_resend_names_original_and_requester",
            ),
        ),
        migrations.AddConstraint(
            model_name="reportdelivery",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("trigger", "resend"), _negated=True),
                    models.Q(("reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="delivery_resend_has_reason",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
