"""The year-end close (年度末処理) of an organization's fiscal year, and approvers' reopenings for late contracts."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from commitments import fiscal, rules
from commitments.models.constraints import ConstraintErrorsOnFields, on_field
from commitments.models.core import Commitment, Organization
from commitments.models.scoping import ScopedManager
from commitments.models.workflow import person


class FiscalYearClose(ConstraintErrorsOnFields):
    """One organization's close of one fiscal year: who ran it, when, and what lapsed and completed (once only)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="fiscal_year_closes", verbose_name=_("団体")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    closed_by = person(_("実施者"), required=True)
    closed_at = models.DateTimeField(_("実施日時"), default=timezone.now)
    # {"as_of": "2027-04-01", "lapsed" / "completed" / "closed_remainder": [{"id", "matter", "limit_yen",
    #  "contracted_yen", "paid_yen", "lapsed_yen", ...}], "lapsed_yen": total of uncontracted authority lapsed}
    result = models.JSONField(_("結果"), default=dict, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("年度末処理")
        verbose_name_plural = _("年度末処理")
        ordering = ["organization_id", "-fiscal_year"]
        permissions = [("close_fiscal_year", _("年度末処理を実施できる"))]
        constraints = [
            on_field(
                "fiscal_year",
                models.UniqueConstraint(
                    fields=["organization", "fiscal_year"],
                    name="fiscal_year_close_once",
                    violation_error_message=_("この年度の年度末処理はすでに行われています。"),
                ),
            ),
            on_field(
                "fiscal_year",
                models.CheckConstraint(
                    condition=Q(fiscal_year__gte=rules.MIN_FISCAL_YEAR) & Q(fiscal_year__lte=rules.MAX_FISCAL_YEAR),
                    name="fiscal_year_close_year_range",
                    violation_error_message=format_lazy(
                        _("年度は{first}年度から{last}年度までの間で入力してください。"),
                        first=rules.MIN_FISCAL_YEAR,
                        last=rules.MAX_FISCAL_YEAR,
                    ),
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {fiscal.format_fiscal_year(self.fiscal_year)}"


class CommitmentReopening(ConstraintErrorsOnFields):
    """An approver's reopening (再開) of a closed commitment: contracts signed in time are entered until `until`."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="reopenings", verbose_name=_("債務負担行為")
    )
    reason = models.TextField(_("再開の理由"))
    until = models.DateField(_("受付期限"))
    reopened_by = person(_("承認者"), required=True)
    reopened_at = models.DateTimeField(_("再開日時"), default=timezone.now)

    objects = ScopedManager(organization="commitment__organization")

    class Meta:
        verbose_name = _("契約登録の再開")
        verbose_name_plural = _("契約登録の再開")
        ordering = ["commitment_id", "reopened_at", "id"]
        constraints = [
            on_field(
                "reason",
                models.CheckConstraint(
                    condition=~Q(reason=""),
                    name="reopening_has_reason",
                    violation_error_message=_("再開の理由を入力してください。"),
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.commitment} {self.until.isoformat()}"
