"""Data model: organizations, segments, commitments (債務負担行為), their audit trail and projections."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from commitments import fiscal, planning_rules, rules, vocabulary
from commitments.models.changes import BY_COMMITMENT_TRIGGERS, COMMITMENT_TRIGGERS
from commitments.models.commitment_constraints import commitment_constraints
from commitments.models.commitment_totals import COMMITMENT_TOTALS_TRIGGERS
from commitments.models.constraints import ConstraintErrorsOnFields, on_field
from commitments.models.scoping import ScopedManager
from commitments.models.workflow import person

# The bounds of the constraints below are the rules' (commitments.rules); these names stay for older imports.
MIN_FY = rules.MIN_FISCAL_YEAR
MAX_FY = rules.MAX_FISCAL_YEAR
MAX_SPAN_YEARS = rules.MAX_SPAN_YEARS


class Organization(ConstraintErrorsOnFields):
    """A public body (団体) whose budget authorises commitments."""

    name = models.CharField(_("団体名"), max_length=200, unique=True)
    short_name = models.CharField(_("略称"), max_length=50, blank=True)
    burden_warning_percent = models.DecimalField(
        _("負担割合の警告（％）"),
        max_digits=5,
        decimal_places=2,
        default=vocabulary.DEFAULT_BURDEN_WARNING_PERCENT,
        db_default=vocabulary.DEFAULT_BURDEN_WARNING_PERCENT,
        help_text=_("将来の年度の財政見通しに対する既定の負担の割合がこれを超えると印を付けます"),
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    objects = ScopedManager(organization="pk")

    class Meta:
        verbose_name = _("団体")
        verbose_name_plural = _("団体")
        ordering = ["name"]
        constraints = [
            on_field(
                "burden_warning_percent",
                models.CheckConstraint(
                    condition=Q(burden_warning_percent__gt=0) & Q(burden_warning_percent__lte=100),
                    name="organization_burden_warning_percent_range",
                    violation_error_message=_("負担割合の警告は0％より大きく100％以下で入力してください。"),
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person; belongs to one organization (superusers may belong to none)."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("団体"),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")


class Segment(ConstraintErrorsOnFields):
    """A business segment (事業区分) of an organization's accounts."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="segments", verbose_name=_("団体")
    )
    code = models.SlugField(_("コード"), max_length=50)
    name = models.CharField(_("事業区分"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    is_default = models.BooleanField(
        _("既定"),
        default=False,
        db_default=False,
        help_text=_("事業区分の列のない表の行を取り込む事業区分（1団体に1つ）"),
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("事業区分")
        verbose_name_plural = _("事業区分")
        ordering = ["organization_id", "sort_order", "code"]
        constraints = [
            on_field(
                "code",
                models.UniqueConstraint(
                    fields=["organization", "code"],
                    name="segment_unique_code",
                    violation_error_message=_("このコードの事業区分はすでにあります。"),
                ),
            ),
            on_field(
                "name",
                models.UniqueConstraint(
                    fields=["organization", "name"],
                    name="segment_unique_name",
                    violation_error_message=_("この名称の事業区分はすでにあります。"),
                ),
            ),
            on_field(
                "is_default",
                models.UniqueConstraint(
                    fields=["organization"],
                    condition=Q(is_default=True),
                    name="segment_one_default",
                    violation_error_message=_("既定の事業区分は1団体に1つです。"),
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    """Life-cycle states of a commitment (its steps: services.workflow.flows.COMMITMENT_FLOW)."""

    DRAFT = "draft", _("起案中")
    SUBMITTED = "submitted", _("承認待ち")
    APPROVED = "approved", _("承認済")
    ACTIVE = "active", _("契約済")
    COMPLETED = "completed", _("完了")
    LAPSED = "lapsed", _("失効")
    ABOLISHED = "abolished", _("廃止")


class SpreadRule(models.TextChoices):
    """How the limit is spread into planned annual amounts (年割額)."""

    EQUAL = "equal", _("均等")
    MONTHLY = "monthly", _("月割")
    EXPLICIT = "explicit", _("個別入力")


class CommitmentKind(models.TextChoices):
    """What the authority is for; used to filter and group (the budget does not always print it)."""

    LEASE = "lease", _("賃借・リース")
    SERVICE = "service", _("業務委託・保守")
    CONSTRUCTION = "construction", _("工事・施設整備")
    SYSTEM = "system", _("システム開発・更改")
    GUARANTEE = "guarantee", _("債務保証・損失補償")
    SUBSIDY = "subsidy", _("補助・利子補給")
    OTHER = "other", _("その他")


APPROVED_STATES = [Status.APPROVED, Status.ACTIVE, Status.COMPLETED, Status.LAPSED, Status.ABOLISHED]


class Commitment(ConstraintErrorsOnFields):
    """One 債務負担行為: matter, limit, authorising fiscal year and burden span."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="commitments", verbose_name=_("団体")
    )
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, related_name="commitments", verbose_name=_("事業区分")
    )
    seq = models.PositiveIntegerField(_("番号"), null=True, blank=True, help_text=_("予算書の表の順番"))
    matter = models.CharField(_("事項"), max_length=rules.MATTER_MAX_LENGTH)
    limit_yen = models.BigIntegerField(_("限度額（円）"), null=True, blank=True)
    limit_text = models.CharField(
        _("限度額（文言）"),
        max_length=rules.LIMIT_TEXT_MAX_LENGTH,
        blank=True,
        help_text=_("金額で定めない限度額（例：寄附金額に応じた諸経費にかかる金額）"),
    )
    estimated_limit_yen = models.BigIntegerField(
        _("見込額（円）"), null=True, blank=True, help_text=_("文言の限度額について、集計に用いる見込額")
    )
    authorized_fy = models.PositiveSmallIntegerField(_("行為年度"))
    first_burden_fy = models.PositiveSmallIntegerField(_("負担年度（初年度）"))
    last_burden_fy = models.PositiveSmallIntegerField(_("負担年度（最終年度）"))
    span_text = models.CharField(
        _("期間（文言）"),
        max_length=rules.LIMIT_TEXT_MAX_LENGTH,
        blank=True,
        default="",
        db_default="",  # bulk writers (COPY) that predate it need not name it
        help_text=_("予算書が年度でなく文言で定める期間（例：事業資金借入金償還期限満了まで）。負担年度はその推定"),
    )
    kind = models.CharField(
        _("種別"), max_length=20, choices=CommitmentKind.choices, default=CommitmentKind.OTHER, db_index=True
    )
    contract_until_fy = models.PositiveSmallIntegerField(
        _("契約締結期限（年度）"),
        null=True,
        blank=True,
        help_text=_("補正で延長された場合のみ。空欄は行為年度まで"),
    )
    spread_rule = models.CharField(_("年割の方法"), max_length=10, choices=SpreadRule.choices, default=SpreadRule.EQUAL)
    spread_start_month = models.DateField(
        _("月割の開始月"), null=True, blank=True, help_text=_("月割の場合：支払の始まる月（その月の1日）")
    )
    spread_months = models.PositiveSmallIntegerField(_("月割の月数"), null=True, blank=True)
    status = models.CharField(_("状態"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    version = models.PositiveIntegerField(_("版"), default=1)
    created_by = person(_("起案者"))
    submitted_by = person(_("提出者"))
    submitted_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    approved_by = person(_("承認者"))
    approved_at = models.DateTimeField(_("承認日時"), null=True, blank=True)
    resolution = models.CharField(
        _("議決・決裁"), max_length=200, blank=True, help_text=_("例：第13回経営審議委員会 議案第2号")
    )
    rejection_reason = models.TextField(_("差戻し理由"), blank=True)
    needs_projection = models.BooleanField(_("推計待ち"), default=True, db_index=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["needs_projection", "updated_at"])
    objects = ScopedManager(organization="organization")

    class Meta:
        # Marks for the nightly projection (models.changes); the count and 限度額 cells (models.commitment_totals).
        triggers = COMMITMENT_TRIGGERS + COMMITMENT_TOTALS_TRIGGERS
        verbose_name = _("債務負担行為")
        verbose_name_plural = _("債務負担行為")
        ordering = ["organization_id", "authorized_fy", "seq", "id"]
        permissions = [
            ("submit_commitment", _("債務負担行為を提出できる")),
            ("approve_commitment", _("債務負担行為を承認できる")),
            ("view_exposure", _("負担額の推計を閲覧できる")),
        ]
        indexes = [
            # Covers the count and the 限度額 total of the exposure page (an index-only scan, no heap visit).
            models.Index(fields=["organization", "status"], include=["limit_yen"], name="commitment_org_status_limit"),
            # The lists' order: a page of one organization's commitments without sorting all of them.
            models.Index(fields=["organization", "authorized_fy", "seq", "id"], name="commitment_org_fy_seq_id"),
        ]
        constraints = commitment_constraints(APPROVED_STATES)

    def __str__(self) -> str:
        return self.matter

    @property
    def exposure_limit_yen(self) -> int:
        """The amount counted in exposure: the limit, else the officer's estimate, else 0."""
        return planning_rules.exposure_limit(self.limit_yen, self.estimated_limit_yen)

    @property
    def contract_deadline_fy(self) -> int:
        """Last fiscal year in which contracts may be signed: the 行為年度 unless an amendment extended it."""
        return self.contract_until_fy or self.authorized_fy

    @property
    def is_text_limit(self) -> bool:
        """True when the limit is words, not a number (flagged in every report)."""
        return self.limit_yen is None


EVENT_LABELS = {
    "create": _("作成"),
    "import": _("取込"),
    "submit": _("提出"),
    "withdraw": _("取下げ"),
    "reject": _("差戻し"),
    "approve": _("承認"),
    "contract": _("契約登録"),
    "contract_change": _("契約変更"),
    "contract_cancel": _("契約解除"),
    "complete": _("完了"),
    "payment_reverse": _("支出の戻入・取消"),
    "reopen": _("完了の解除（支出の戻入・取消による）"),
    "lapse": _("失効"),
    "lapse_remainder": _("未契約分の失効"),
    "late_contract": _("年度末処理後の契約登録"),
    "reopen_entry": _("再開（年度末処理後の契約登録）"),
    "amend": _("補正の反映"),
    "amendment_create": _("補正の起案"),
    "amendment_submit": _("補正の提出"),
    "amendment_withdraw": _("補正の取下げ"),
    "amendment_reject": _("補正の差戻し"),
    "amendment_approve": _("補正の承認"),
    "amendment_delete": _("補正の削除"),
}


class CommitmentEvent(models.Model):
    """One step of a commitment's approval trail: who did what, when, from which state to which."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="events", verbose_name=_("債務負担行為")
    )
    actor = person(_("実施者"), required=True)
    action = models.CharField(_("操作"), max_length=30)
    from_status = models.CharField(_("変更前"), max_length=12, blank=True)
    to_status = models.CharField(_("変更後"), max_length=12, blank=True)
    note = models.TextField(_("備考"), blank=True)
    at = models.DateTimeField(_("日時"), auto_now_add=True)

    objects = ScopedManager(organization="commitment__organization")

    class Meta:
        verbose_name = _("承認履歴")
        verbose_name_plural = _("承認履歴")
        ordering = ["commitment_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.action_label}（{self.from_label or '—'} → {self.to_label}）"

    @property
    def action_label(self) -> str:
        """The step in Japanese (作成, 提出, 承認, 契約登録 …)."""
        return str(EVENT_LABELS.get(self.action, self.action))

    @property
    def from_label(self) -> str:
        """The state before, in Japanese."""
        return str(Status(self.from_status).label) if self.from_status in Status.values else self.from_status

    @property
    def to_label(self) -> str:
        """The state after, in Japanese."""
        return str(Status(self.to_status).label) if self.to_status in Status.values else self.to_status


class PlannedAmount(ConstraintErrorsOnFields):
    """One fiscal year's planned amount (年割額) of a commitment; the rows sum to the limit."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="planned_amounts", verbose_name=_("債務負担行為")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    amount_yen = models.BigIntegerField(_("年割額（円）"))

    history = HistoricalRecords()
    objects = ScopedManager(organization="commitment__organization")

    class Meta:
        triggers = BY_COMMITMENT_TRIGGERS  # marks for the nightly projection (models.changes)
        verbose_name = _("年割額")
        verbose_name_plural = _("年割額")
        ordering = ["commitment_id", "fiscal_year"]
        constraints = [
            on_field(
                "fiscal_year",
                models.UniqueConstraint(
                    fields=["commitment", "fiscal_year"],
                    name="planned_unique_year",
                    violation_error_message=_("この年度の年割額はすでに入力されています。"),
                ),
            ),
            on_field(
                "amount_yen",
                models.CheckConstraint(
                    condition=Q(amount_yen__gte=0),
                    name="planned_not_negative",
                    violation_error_message=_("年割額は0円以上で入力してください。"),
                ),
            ),
        ]

    def __str__(self) -> str:
        return fiscal.format_fiscal_year(self.fiscal_year)
