"""Scheduled report deliveries, claimed once per period."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from commitments.models.core import Organization


class ReportDelivery(models.Model):
    """One scheduled report for one organization and period, claimed before sending so it goes out once."""

    class State(models.TextChoices):
        CLAIMED = "claimed", _("送信中")
        SENT = "sent", _("送信済")
        FAILED = "failed", _("失敗")
        SKIPPED = "skipped", _("宛先なし")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("団体")
    )
    kind = models.CharField(_("報告の種類"), max_length=30)
    period = models.CharField(_("対象期間"), max_length=7, help_text="YYYY-MM")
    state = models.CharField(_("状態"), max_length=10, choices=State.choices, default=State.CLAIMED)
    recipients = models.TextField(_("宛先"), blank=True)
    subject = models.CharField(_("件名"), max_length=300, blank=True)
    error = models.TextField(_("エラー"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("試行回数"), default=0)
    claimed_at = models.DateTimeField(_("開始日時"), auto_now_add=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("報告送信記録")
        verbose_name_plural = _("報告送信記録")
        ordering = ["-claimed_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "period"], name="delivery_once_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.kind} {self.period}"
