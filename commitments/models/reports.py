"""Scheduled management reports: subscriptions (what, to whom, when) and the delivery log (claimed once per period)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_celery_beat.models import PeriodicTask

from commitments.models.constraints import ConstraintErrorsOnFields, on_field
from commitments.models.core import Organization
from commitments.models.scoping import ScopedManager
from commitments.vocabulary import BASIS_CHOICES


class ReportKind(models.TextChoices):
    """What a report shows; every kind also carries the totals table and the exceptions digest."""

    EXPOSURE_SUMMARY = "exposure_summary", _("年度別・事業区分別 負担額の概要")
    CHOUSHO = "chousho", _("調書（予算年度）")
    EXCEPTIONS = "exceptions", _("要確認事項の一覧")
    EXPOSURE_MATRIX = "exposure_matrix", _("年度別負担額（全件）")


class ReportLanguage(models.TextChoices):
    JA = "ja", _("日本語")
    EN = "en", _("English")


class ReportCadence(models.TextChoices):
    """How long one report period is: one delivery per subscription and period."""

    MONTHLY = "monthly", _("月次（YYYY-MM）")
    WEEKLY = "weekly", _("週次（YYYY-Www）")
    DAILY = "daily", _("日次（YYYY-MM-DD）")


def validate_addresses(value: str) -> None:
    """Free addresses: one per line (commas and semicolons also separate), each a valid e-mail address."""
    for address in split_addresses(value):
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValidationError(_("メールアドレスが正しくありません: %(a)s"), params={"a": address}) from exc


def split_addresses(value: str) -> list[str]:
    """The addresses written in a free-address field."""
    for separator in (",", ";", "\r"):
        value = value.replace(separator, "\n")
    return [part.strip() for part in value.split("\n") if part.strip()]


class ReportSubscription(models.Model):
    """A report e-mailed on a schedule: kind, recipients, language, attachments; its beat entry is kept in step."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="report_subscriptions", verbose_name=_("団体")
    )
    kind = models.CharField(
        _("報告の種類"), max_length=30, choices=ReportKind.choices, default=ReportKind.EXPOSURE_SUMMARY
    )
    basis = models.CharField(
        _("集計の基準"),
        max_length=20,
        choices=BASIS_CHOICES,
        default="planned",
        help_text=_("表とグラフの金額の基準（負担額のページの「集計の基準」と同じ）"),
    )
    budget_year = models.PositiveSmallIntegerField(
        _("調書の予算年度"), null=True, blank=True, help_text=_("調書のみ。空欄は報告期間の属する年度")
    )
    recipient_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("宛先（利用者）")
    )
    recipient_groups = models.ManyToManyField(
        Group,
        blank=True,
        related_name="+",
        verbose_name=_("宛先（役割）"),
        help_text=_("この団体の、その役割を持つ有効な利用者に送ります（例：経営層）"),
    )
    extra_addresses = models.TextField(
        _("宛先（その他のアドレス）"), blank=True, validators=[validate_addresses], help_text=_("1行に1件")
    )
    language = models.CharField(_("言語"), max_length=2, choices=ReportLanguage.choices, default=ReportLanguage.JA)
    attach_xlsx = models.BooleanField(_("Excel（XLSX）を添付"), default=True)
    attach_csv = models.BooleanField(_("CSVを添付"), default=False)
    cadence = models.CharField(
        _("報告期間"), max_length=10, choices=ReportCadence.choices, default=ReportCadence.MONTHLY
    )
    minute = models.CharField(_("分"), max_length=60, default="0")
    hour = models.CharField(_("時"), max_length=60, default="7")
    day_of_month = models.CharField(_("日"), max_length=100, default="1-7")
    month_of_year = models.CharField(_("月"), max_length=40, default="*")
    day_of_week = models.CharField(_("曜日"), max_length=40, default="1-5", help_text=_("0=日, 1=月 … 6=土"))
    first_business_day_only = models.BooleanField(
        _("第1営業日のみ"),
        default=True,
        help_text=_("予定日が月の最初の営業日（土日・祝日・12月29日〜1月3日を除く）のときだけ送ります"),
    )
    active = models.BooleanField(_("有効"), default=True)
    periodic_task = models.OneToOneField(
        PeriodicTask,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="report_subscription",
        verbose_name=_("定期実行"),
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("定期報告")
        verbose_name_plural = _("定期報告")
        ordering = ["organization", "name"]
        permissions = [("send_reportsubscription", _("定期報告を今すぐ送信・再送できる"))]

    def __str__(self) -> str:
        return self.name

    @property
    def cron(self) -> str:
        """The schedule as a crontab line (minute hour day month weekday), Asia/Tokyo."""
        return f"{self.minute} {self.hour} {self.day_of_month} {self.month_of_year} {self.day_of_week}"


class ReportDelivery(ConstraintErrorsOnFields):
    """One e-mailing of a subscription's report for one period; claimed before sending so it goes out once.

    Scheduled sends, "send now" and the command share one row per (subscription, period); a resend is a new row
    that names the delivery it repeats, who asked and why. The sent message is kept whole for audit.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("送信待ち")
        SENDING = "sending", _("送信中")
        RETRYING = "retrying", _("再試行待ち")
        SENT = "sent", _("送信済")
        FAILED = "failed", _("失敗")
        SKIPPED = "skipped", _("宛先なし")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("定期")
        SEND_NOW = "send_now", _("今すぐ送信")
        COMMAND = "command", _("コマンド")
        RESEND = "resend", _("再送")

    subscription = models.ForeignKey(
        ReportSubscription,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("定期報告"),
    )
    subscription_name = models.CharField(_("定期報告の名称"), max_length=100, blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("団体")
    )
    kind = models.CharField(_("報告の種類"), max_length=30, choices=ReportKind.choices)
    period = models.CharField(_("対象期間"), max_length=10, help_text="YYYY-MM / YYYY-Www / YYYY-MM-DD")
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.PENDING)
    trigger = models.CharField(_("契機"), max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE)
    resend_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="resends", verbose_name=_("再送元")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("依頼者"),
    )
    reason = models.TextField(_("理由"), blank=True)
    recipients = models.TextField(_("宛先"), blank=True)
    subject = models.CharField(_("件名"), max_length=300, blank=True)
    error = models.TextField(_("エラー"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("試行回数"), default=0)
    claimed_at = models.DateTimeField(_("受付日時"), auto_now_add=True)
    attempt_started_at = models.DateTimeField(_("最終試行の開始"), null=True, blank=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    totals = models.JSONField(_("集計（前回比の基準）"), null=True, blank=True, editable=False)
    message = models.BinaryField(_("送信したメール（RFC 822）"), null=True, blank=True, editable=False)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("報告送信記録")
        verbose_name_plural = _("報告送信記録")
        ordering = ["-claimed_at", "-id"]
        constraints = [
            on_field(
                "period",
                models.UniqueConstraint(
                    fields=["subscription", "period"],
                    condition=Q(resend_of__isnull=True),
                    name="delivery_once_per_subscription_period",
                    violation_error_message=_("この定期報告のこの期間の送信記録はすでにあります。"),
                ),
            ),
            on_field(
                "resend_of",
                models.CheckConstraint(
                    condition=(Q(trigger="resend") & Q(resend_of__isnull=False) & Q(requested_by__isnull=False))
                    | (~Q(trigger="resend") & Q(resend_of__isnull=True)),
                    name="delivery_resend_names_original_and_requester",
                    violation_error_message=_("再送には再送元と依頼者が必要です。"),
                ),
            ),
            on_field(
                "reason",
                models.CheckConstraint(
                    condition=~Q(trigger="resend") | ~Q(reason=""),
                    name="delivery_resend_has_reason",
                    violation_error_message=_("再送の理由を入力してください。"),
                ),
            ),
        ]
        indexes = [models.Index(fields=["status", "claimed_at"], name="delivery_status_claimed")]

    def __str__(self) -> str:
        return f"{self.subscription_name or self.kind} {self.period}"

    @property
    def is_resend(self) -> bool:
        """True for an explicit resend (a new row naming the delivery it repeats)."""
        return self.resend_of_id is not None
