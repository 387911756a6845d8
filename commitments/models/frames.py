"""Fiscal frames (財政見通し): the future years' budget the commitments are read against, and the statistics' classes.

A frame is entered by a finance officer and approved by someone else, as commitments are. An approved frame is never
edited: a revision is a new frame for the same organization, year and 事業区分 that replaces it when approved (the
old one is kept as 改定済), so the burden page of any day reads the frame approved then.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from commitments import fiscal, rules, vocabulary
from commitments.models.constraints import ConstraintErrorsOnFields, on_field
from commitments.models.core import CommitmentKind, Organization, Segment
from commitments.models.scoping import ScopedManager
from commitments.models.workflow import approval_record_constraints, person


class FrameStatus(models.TextChoices):
    """Life cycle of a frame (see services.workflow.FRAME_FLOW)."""

    DRAFT = "draft", _("起案中")
    SUBMITTED = "submitted", _("承認待ち")
    APPROVED = "approved", _("承認済")
    SUPERSEDED = "superseded", _("改定済")


OPEN_FRAME_STATES = [FrameStatus.DRAFT, FrameStatus.SUBMITTED]


class FiscalFrame(ConstraintErrorsOnFields):
    """The frame of one future fiscal year (for the whole organization, or one 事業区分): 歳出総額 and 一般財源."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="fiscal_frames", verbose_name=_("団体")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    segment = models.ForeignKey(
        Segment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fiscal_frames",
        verbose_name=_("事業区分"),
        help_text=_("空欄は団体全体"),
    )
    expenditure_yen = models.BigIntegerField(_("歳出総額（円）"), null=True, blank=True)
    general_revenue_yen = models.BigIntegerField(_("一般財源（円）"), null=True, blank=True)
    note = models.CharField(_("出典・前提"), max_length=200, blank=True)
    status = models.CharField(
        _("状態"), max_length=12, choices=FrameStatus.choices, default=FrameStatus.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField(_("版"), default=1)
    created_by = person(_("起案者"), required=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    submitted_by = person(_("提出者"))
    submitted_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    approved_by = person(_("承認者"))
    approved_at = models.DateTimeField(_("承認日時"), null=True, blank=True)
    rejection_reason = models.TextField(_("差戻し理由"), blank=True)

    history = HistoricalRecords()
    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("財政見通し")
        verbose_name_plural = _("財政見通し")
        ordering = ["organization_id", "fiscal_year", "segment_id", "id"]
        permissions = [
            ("submit_fiscalframe", _("財政見通しを提出できる")),
            ("approve_fiscalframe", _("財政見通しを承認できる")),
        ]
        constraints = [
            on_field(
                "fiscal_year",
                models.UniqueConstraint(
                    fields=["organization", "fiscal_year", "segment"],
                    condition=Q(status=FrameStatus.APPROVED),
                    nulls_distinct=False,
                    name="fiscal_frame_one_approved",
                    violation_error_message=_("この年度・事業区分の承認済みの財政見通しはすでにあります。"),
                ),
            ),
            on_field(
                "fiscal_year",
                models.UniqueConstraint(
                    fields=["organization", "fiscal_year", "segment"],
                    condition=Q(status__in=OPEN_FRAME_STATES),
                    nulls_distinct=False,
                    name="fiscal_frame_one_open",
                    violation_error_message=_(
                        "この年度・事業区分には起案中または承認待ちの財政見通しがすでにあります。"
                    ),
                ),
            ),
            on_field(
                "fiscal_year",
                models.CheckConstraint(
                    condition=Q(fiscal_year__gte=rules.MIN_FISCAL_YEAR) & Q(fiscal_year__lte=rules.MAX_FISCAL_YEAR),
                    name="fiscal_frame_year_range",
                    violation_error_message=_("年度は1926年度から2200年度までで入力してください。"),
                ),
            ),
            on_field(
                "expenditure_yen",
                models.CheckConstraint(
                    condition=Q(expenditure_yen__isnull=False) | Q(general_revenue_yen__isnull=False),
                    name="fiscal_frame_has_an_amount",
                    violation_error_message=_("歳出総額か一般財源のどちらかを入力してください。"),
                ),
            ),
            on_field(
                "expenditure_yen",
                models.CheckConstraint(
                    condition=(Q(expenditure_yen__isnull=True) | Q(expenditure_yen__gt=0))
                    & (Q(general_revenue_yen__isnull=True) | Q(general_revenue_yen__gt=0)),
                    name="fiscal_frame_amounts_positive",
                    violation_error_message=_("歳出総額と一般財源は1円以上で入力してください。"),
                ),
            ),
            on_field(
                "general_revenue_yen",
                models.CheckConstraint(
                    condition=Q(expenditure_yen__isnull=True)
                    | Q(general_revenue_yen__isnull=True)
                    | Q(general_revenue_yen__lte=F("expenditure_yen")),
                    name="fiscal_frame_general_within_total",
                    violation_error_message=_("一般財源は歳出総額以下で入力してください。"),
                ),
            ),
            *approval_record_constraints(
                "fiscal_frame",
                Q(status__in=[FrameStatus.APPROVED, FrameStatus.SUPERSEDED]),
                has_approver=_("承認済みの財政見通しには承認者が必要です。"),
                not_submitter=_("提出者は自分の財政見通しを承認できません（職務分掌）。"),
                shown_beside="status",
            ),
        ]

    def __str__(self) -> str:
        where = self.segment.name if self.segment_id else _("団体全体")
        return f"{fiscal.format_fiscal_year(self.fiscal_year)} {where}"


class KindClassification(ConstraintErrorsOnFields):
    """The statistics' class an organization files one 種別 under (unset: vocabulary.DEFAULT_STATISTICS_CLASS)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="kind_classes", verbose_name=_("団体")
    )
    kind = models.CharField(_("種別"), max_length=20, choices=CommitmentKind.choices)
    statistics_class = models.CharField(_("統計の区分"), max_length=12, choices=vocabulary.STATISTICS_CLASS_CHOICES)

    history = HistoricalRecords()
    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("種別と統計の区分")
        verbose_name_plural = _("種別と統計の区分")
        ordering = ["organization_id", "kind"]
        constraints = [
            on_field(
                "kind",
                models.UniqueConstraint(
                    fields=["organization", "kind"],
                    name="kind_class_unique",
                    violation_error_message=_("この種別の統計の区分はすでに登録されています。"),
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.get_statistics_class_display()}"
