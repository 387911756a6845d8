"""Amendments (補正): the only way an approved commitment changes; each is submitted and approved itself."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from commitments.models.changes import BY_COMMITMENT_TRIGGERS
from commitments.models.constraints import ConstraintErrorsOnFields, on_field
from commitments.models.core import Commitment, Organization
from commitments.models.scoping import ScopedManager
from commitments.models.workflow import approval_record_constraints, person


class AmendmentStatus(models.TextChoices):
    """Life cycle of an amendment (its steps: services.workflow.flows.AMENDMENT_FLOW)."""

    DRAFT = "draft", _("起案中")
    SUBMITTED = "submitted", _("承認待ち")
    APPROVED = "approved", _("承認済")


OPEN_AMENDMENT_STATES = [AmendmentStatus.DRAFT, AmendmentStatus.SUBMITTED]


class Amendment(ConstraintErrorsOnFields):
    """A proposed change (limit, span, matter, contract deadline) or abolition (廃止) of an approved commitment."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("団体")
    )
    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("債務負担行為")
    )
    number = models.PositiveSmallIntegerField(_("補正番号"))
    reason = models.TextField(_("補正の理由"))
    abolish = models.BooleanField(_("廃止"), default=False, help_text=_("未契約の限度額を廃止します"))
    new_matter = models.CharField(_("変更後の事項"), max_length=500, blank=True)
    new_limit_yen = models.BigIntegerField(_("変更後の限度額（円）"), null=True, blank=True)
    new_limit_text = models.CharField(_("変更後の限度額（文言）"), max_length=500, blank=True)
    new_estimated_limit_yen = models.BigIntegerField(_("変更後の見込額（円）"), null=True, blank=True)
    new_first_burden_fy = models.PositiveSmallIntegerField(_("変更後の負担年度（初年度）"), null=True, blank=True)
    new_last_burden_fy = models.PositiveSmallIntegerField(_("変更後の負担年度（最終年度）"), null=True, blank=True)
    new_contract_until_fy = models.PositiveSmallIntegerField(_("契約締結期限の延長（年度）"), null=True, blank=True)
    new_planned = models.JSONField(
        _("変更後の年割額"), default=dict, blank=True, help_text=_("年度→円。個別入力の年割額を変える場合のみ")
    )
    status = models.CharField(
        _("状態"), max_length=12, choices=AmendmentStatus.choices, default=AmendmentStatus.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField(_("版"), default=1)
    before = models.JSONField(_("変更前"), default=dict, blank=True)
    after = models.JSONField(_("変更後"), default=dict, blank=True)
    created_by = person(_("起案者"), required=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    submitted_by = person(_("提出者"))
    submitted_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    approved_by = person(_("承認者"))
    approved_at = models.DateTimeField(_("承認日時"), null=True, blank=True)
    resolution = models.CharField(_("議決・決裁"), max_length=200, blank=True)
    rejection_reason = models.TextField(_("差戻し理由"), blank=True)

    history = HistoricalRecords()
    objects = ScopedManager(organization="organization")

    class Meta:
        triggers = BY_COMMITMENT_TRIGGERS  # marks for the nightly projection (models.changes)
        verbose_name = _("補正")
        verbose_name_plural = _("補正")
        ordering = ["commitment_id", "number"]
        permissions = [
            ("submit_amendment", _("補正を提出できる")),
            ("approve_amendment", _("補正を承認できる")),
        ]
        constraints = [
            on_field(
                "number",
                models.UniqueConstraint(
                    fields=["commitment", "number"],
                    name="amendment_unique_number",
                    violation_error_message=_("この債務負担行為にはすでに同じ番号の補正があります。"),
                ),
            ),
            on_field(
                "commitment",
                models.UniqueConstraint(
                    fields=["commitment"],
                    condition=Q(status__in=OPEN_AMENDMENT_STATES),
                    name="amendment_one_open_per_commitment",
                    violation_error_message=_(
                        "この債務負担行為には処理中の補正がすでにあります。承認または差戻しの後に起案してください。"
                    ),
                ),
            ),
            on_field(
                "new_limit_yen",
                models.CheckConstraint(
                    condition=Q(new_limit_yen__isnull=True) | Q(new_limit_yen__gt=0),
                    name="amendment_limit_positive",
                    violation_error_message=_("変更後の限度額は1円以上で入力してください。"),
                ),
            ),
            on_field(
                "new_last_burden_fy",
                models.CheckConstraint(
                    condition=Q(new_first_burden_fy__isnull=True)
                    | Q(new_last_burden_fy__isnull=True)
                    | Q(new_last_burden_fy__gte=F("new_first_burden_fy")),
                    name="amendment_span_ordered",
                    violation_error_message=_("変更後の負担年度の終わりは始まりと同じか後の年度にしてください。"),
                ),
            ),
            *approval_record_constraints(
                "amendment",
                Q(status=AmendmentStatus.APPROVED),
                has_approver=_("承認済みの補正には承認者が必要です。"),
                not_submitter=_("提出した人はその補正を承認できません。"),
            ),
        ]

    def __str__(self) -> str:
        return _("%(commitment)s 補正第%(number)s号") % {"commitment": self.commitment, "number": self.number}
