# Onboarding and any public body's book: each organization has one default 事業区分 (rows of a table without a
# 事業区分 column go there; an organization created now gets 一般会計), and a commitment keeps a span printed in
# words (「事業資金借入金償還期限満了まで」) as text beside its estimated burden years.
# Existing organizations: the segment coded `general`, else the only segment, becomes the default.

from django.db import migrations, models


def _defaults(apps, schema_editor):
    segment_model = apps.get_model("commitments", "Segment")
    organization_model = apps.get_model("commitments", "Organization")
    for organization_id in organization_model.objects.values_list("pk", flat=True):
        segments = list(segment_model.objects.filter(organization_id=organization_id).order_by("sort_order", "code"))
        chosen = next((s for s in segments if s.code == "general"), segments[0] if len(segments) == 1 else None)
        if chosen is not None:
            segment_model.objects.filter(pk=chosen.pk).update(is_default=True)


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0017_fiscal_year_close"),
    ]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="span_text",
            field=models.CharField(
                blank=True,
                default="",
                db_default="",
                help_text="予算書が年度でなく文言で定める期間（例：事業資金借入金償還期限満了まで）。負担年度はその推定",
                max_length=500,
                verbose_name="期間（文言）",
            ),
        ),
        migrations.AddField(
            model_name="historicalcommitment",
            name="span_text",
            field=models.CharField(
                blank=True,
                default="",
                db_default="",
                help_text="予算書が年度でなく文言で定める期間（例：事業資金借入金償還期限満了まで）。負担年度はその推定",
                max_length=500,
                verbose_name="期間（文言）",
            ),
        ),
        migrations.AddField(
            model_name="segment",
            name="is_default",
            field=models.BooleanField(
                default=False,
                db_default=False,
                help_text="事業区分の列のない表の行を取り込む事業区分（1団体に1つ）",
                verbose_name="既定",
            ),
        ),
        migrations.AddConstraint(
            model_name="segment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_default", True)), fields=("organization",), name="segment_one_default"
            ),
        ),
        migrations.RunPython(_defaults, migrations.RunPython.noop),
    ]
