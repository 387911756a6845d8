"""Funding sources (財源) and how each commitment's outflow is split among them, as the 調書 prints it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from commitments.models.changes import BY_COMMITMENT_TRIGGERS
from commitments.models.constraints import ConstraintErrorsOnFields, on_field
from commitments.models.core import Commitment, Organization
from commitments.models.scoping import ScopedManager


class FundingSource(ConstraintErrorsOnFields):
    """One 財源 of an organization (国県支出金, 地方債, その他, 一般財源; 地方公共団体負担金, 交付金, 事業収入 …)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="funding_sources", verbose_name=_("団体")
    )
    name = models.CharField(_("財源"), max_length=50)
    is_general = models.BooleanField(
        _("一般財源"), default=False, help_text=_("特定財源を除いた残りを負担する財源（1団体に1つ）")
    )
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("財源")
        verbose_name_plural = _("財源")
        ordering = ["organization_id", "sort_order", "name"]
        constraints = [
            on_field(
                "name",
                models.UniqueConstraint(
                    fields=["organization", "name"],
                    name="funding_source_unique_name",
                    violation_error_message=_("この名称の財源はすでにあります。"),
                ),
            ),
            on_field(
                "is_general",
                models.UniqueConstraint(
                    fields=["organization"],
                    condition=Q(is_general=True),
                    name="funding_source_one_general",
                    violation_error_message=_("一般財源は1団体に1つです。"),
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CommitmentFunding(ConstraintErrorsOnFields):
    """The amount of a commitment's outflow from the budget year on that one source pays (財源内訳).

    `budget_year` is the 調書 year the split was stated for; the split of the latest year on or before a
    report's year applies, scaled to that report's planned amount when it differs.
    """

    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="funding", verbose_name=_("債務負担行為")
    )
    budget_year = models.PositiveSmallIntegerField(_("予算年度"))
    source = models.ForeignKey(FundingSource, on_delete=models.PROTECT, related_name="+", verbose_name=_("財源"))
    amount_yen = models.BigIntegerField(_("金額（円）"))

    history = HistoricalRecords()
    objects = ScopedManager(organization="commitment__organization")

    class Meta:
        triggers = BY_COMMITMENT_TRIGGERS  # marks for the nightly projection (models.changes)
        verbose_name = _("財源内訳")
        verbose_name_plural = _("財源内訳")
        ordering = ["commitment_id", "budget_year", "source_id"]
        constraints = [
            on_field(
                "source",
                models.UniqueConstraint(
                    fields=["commitment", "budget_year", "source"],
                    name="funding_unique_cell",
                    violation_error_message=_("この年度のこの財源の内訳はすでに入力されています。"),
                ),
            ),
            on_field(
                "amount_yen",
                models.CheckConstraint(
                    condition=Q(amount_yen__gte=0),
                    name="funding_not_negative",
                    violation_error_message=_("金額は0円以上で入力してください。"),
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}: {self.amount_yen}"
