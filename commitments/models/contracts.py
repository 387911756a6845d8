"""Contracts (契約) signed under a commitment, their payment schedules (支払予定) and payments (支出実績)."""

from __future__ import annotations

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import ExtractYear
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from commitments.models.changes import BY_COMMITMENT_TRIGGERS, BY_CONTRACT_TRIGGERS
from commitments.models.constraints import ConstraintErrorsOnFields, on_field
from commitments.models.core import Commitment, Organization
from commitments.models.scoping import ScopedManager
from commitments.models.workflow import person


class PaymentTerms(models.TextChoices):
    """How a contract's amount falls due (same values as projection.PaymentTerms)."""

    MONTHLY = "monthly", _("毎月払")
    QUARTERLY = "quarterly", _("四半期払")
    SEMIANNUAL = "semiannual", _("半期払")
    ANNUAL = "annual", _("年1回払")
    LUMP_SUM = "lump_sum", _("完了時一括払")
    EXPLICIT = "explicit", _("個別指定")


class ContractStatus(models.TextChoices):
    """Whether a contract still binds: 契約中, or 解除 (cancelled: its amount cut to what was paid)."""

    ACTIVE = "active", _("契約中")
    CANCELLED = "cancelled", _("解除")


class Contract(ConstraintErrorsOnFields):
    """A contract signed under a commitment's authority; its amount counts against the limit."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("団体")
    )
    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("債務負担行為")
    )
    contract_no = models.CharField(_("契約番号"), max_length=50)
    counterparty = models.CharField(_("契約相手方"), max_length=200)
    signed_on = models.DateField(_("契約締結日"))
    start_on = models.DateField(_("契約期間（開始）"))
    end_on = models.DateField(_("契約期間（終了）"))
    amount_yen = models.BigIntegerField(_("契約金額（円）"))
    payment_terms = models.CharField(
        _("支払条件"), max_length=12, choices=PaymentTerms.choices, default=PaymentTerms.MONTHLY
    )
    note = models.TextField(_("備考"), blank=True)
    is_opening = models.BooleanField(
        _("期首残高"),
        default=False,
        db_default=False,
        help_text=_("予算書・調書から取り込んだ、契約済として扱う既存の負担"),
    )
    status = models.CharField(
        _("契約の状態"),
        max_length=10,
        choices=ContractStatus.choices,
        default=ContractStatus.ACTIVE,
        db_default=ContractStatus.ACTIVE,
    )
    cancelled_on = models.DateField(_("解除日"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版"), default=1)
    registered_by = person(_("登録者"), required=True)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    history = HistoricalRecords()
    objects = ScopedManager(organization="organization")

    class Meta:
        triggers = BY_COMMITMENT_TRIGGERS  # marks for the nightly projection (models.changes)
        verbose_name = _("契約")
        verbose_name_plural = _("契約")
        ordering = ["commitment_id", "signed_on", "id"]
        constraints = [
            on_field(
                "contract_no",
                models.UniqueConstraint(
                    fields=["organization", "contract_no"],
                    name="contract_unique_number",
                    violation_error_message=_("この契約番号はすでに登録されています。"),
                ),
            ),
            # A cancelled contract keeps only what was paid under it, which may be nothing.
            on_field(
                "amount_yen",
                models.CheckConstraint(
                    condition=Q(amount_yen__gt=0) | Q(status=ContractStatus.CANCELLED, amount_yen__gte=0),
                    name="contract_amount_positive",
                    violation_error_message=_("契約金額は1円以上で入力してください。"),
                ),
            ),
            on_field(
                "cancelled_on",
                models.CheckConstraint(
                    condition=Q(status=ContractStatus.ACTIVE, cancelled_on__isnull=True)
                    | Q(status=ContractStatus.CANCELLED, cancelled_on__isnull=False),
                    name="contract_cancelled_has_date",
                    violation_error_message=_("解除した契約には解除日が必要です（解除していない契約には入れません）。"),
                ),
            ),
            on_field(
                "end_on",
                models.CheckConstraint(
                    condition=Q(end_on__gte=F("start_on")),
                    name="contract_period_ordered",
                    violation_error_message=_("契約期間の終わりは始まりと同じ日か後の日にしてください。"),
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_no} {self.counterparty}"


class ContractChangeKind(models.TextChoices):
    """What a contract change entry records."""

    CHANGE = "change", _("変更契約")
    CANCEL = "cancel", _("契約解除")


class ContractChange(ConstraintErrorsOnFields):
    """A 変更契約 or 契約解除 entry: the contract's terms before and after, with the reason; never edited."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="changes", verbose_name=_("契約"))
    kind = models.CharField(_("種類"), max_length=10, choices=ContractChangeKind.choices)
    reason = models.TextField(_("理由"))
    before = models.JSONField(_("変更前"), default=dict)
    after = models.JSONField(_("変更後"), default=dict)
    amount_delta_yen = models.BigIntegerField(_("増減額（円）"), default=0)
    changed_on = models.DateField(_("変更日"))
    actor = person(_("登録者"), required=True)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    objects = ScopedManager(organization="contract__organization")

    class Meta:
        verbose_name = _("契約の変更・解除")
        verbose_name_plural = _("契約の変更・解除")
        ordering = ["contract_id", "created_at", "id"]
        constraints = [
            on_field(
                "reason",
                models.CheckConstraint(
                    condition=~Q(reason=""),
                    name="contract_change_has_reason",
                    violation_error_message=_("変更・解除の理由を入力してください。"),
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {formats.date_format(self.changed_on)}"


class Installment(ConstraintErrorsOnFields):
    """One scheduled payment (支払予定) of a contract, bucketed into the fiscal year of its due date."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="installments", verbose_name=_("契約")
    )
    due_on = models.DateField(_("支払予定日"))
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    amount_yen = models.BigIntegerField(_("支払予定額（円）"))

    history = HistoricalRecords()
    objects = ScopedManager(organization="contract__organization")

    class Meta:
        triggers = BY_CONTRACT_TRIGGERS  # marks for the nightly projection (models.changes)
        verbose_name = _("支払予定")
        verbose_name_plural = _("支払予定")
        ordering = ["contract_id", "due_on"]
        constraints = [
            on_field(
                "due_on",
                models.UniqueConstraint(
                    fields=["contract", "due_on"],
                    name="installment_unique_due_date",
                    violation_error_message=_("同じ支払予定日の支払予定がすでにあります。"),
                ),
            ),
            on_field(
                "amount_yen",
                models.CheckConstraint(
                    condition=Q(amount_yen__gte=0),
                    name="installment_not_negative",
                    violation_error_message=_("支払予定額は0円以上で入力してください。"),
                ),
            ),
            # The fiscal year is the one of the due date (April to March: the year, less one before April), kept
            # stored for the projection's per-year sums; every writer computes it, the database refuses a mismatch.
            on_field(
                "fiscal_year",
                models.CheckConstraint(
                    condition=Q(
                        fiscal_year=ExtractYear("due_on")
                        - Case(When(due_on__month__lt=4, then=Value(1)), default=Value(0))
                    ),
                    name="installment_fiscal_year_of_due_date",
                    violation_error_message=_("年度は支払予定日の属する年度にしてください。"),
                ),
            ),
        ]
        indexes = [models.Index(fields=["contract", "fiscal_year"], name="installment_contract_fy")]

    def __str__(self) -> str:
        return formats.date_format(self.due_on)


class Payment(ConstraintErrorsOnFields):
    """A payment made under a contract (支出実績), charged to a fiscal year (April–May may close the prior year).

    A payment is never edited or deleted: it is corrected by a reversal (戻入・取消), a row of negative amount that
    references it, carries a reason and is charged to the same fiscal year. Sums of `amount_yen` are net.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="payments", verbose_name=_("団体")
    )
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="payments", verbose_name=_("契約"))
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        verbose_name=_("取消対象の支出"),
    )
    reason = models.TextField(_("戻入・取消の理由"), blank=True)
    paid_on = models.DateField(_("支出日"))
    fiscal_year = models.PositiveSmallIntegerField(_("会計年度"), help_text=_("出納整理期間（4・5月）は前年度も可"))
    amount_yen = models.BigIntegerField(_("支出額（円）"))
    reference = models.CharField(_("支出命令番号等"), max_length=100, blank=True)
    is_opening = models.BooleanField(
        _("期首残高"),
        default=False,
        db_default=False,
        help_text=_("調書の「前年度末までの支出額又は支出額の見込み」から取り込んだ額"),
    )
    recorded_by = person(_("登録者"), required=True)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    history = HistoricalRecords()
    objects = ScopedManager(organization="organization")

    class Meta:
        triggers = BY_CONTRACT_TRIGGERS  # marks for the nightly projection (models.changes)
        verbose_name = _("支出実績")
        verbose_name_plural = _("支出実績")
        ordering = ["contract_id", "paid_on", "id"]
        constraints = [
            # A payment is positive; a reversal is negative, names the payment it reverses and says why.
            on_field(
                "amount_yen",
                models.CheckConstraint(
                    condition=Q(reverses__isnull=True, amount_yen__gt=0)
                    | (Q(reverses__isnull=False, amount_yen__lt=0) & ~Q(reason="")),
                    name="payment_amount_positive",
                    violation_error_message=_(
                        "支出額は1円以上で入力してください（戻入・取消は元の支出を指定し、負の額と理由を入力します）。"
                    ),
                ),
            ),
            # 支出命令番号 identifies one payment per organization and 会計年度: a feed sent twice records it once.
            # Opening balances carried from a printed 調書 have no order number of their own.
            on_field(
                "reference",
                models.UniqueConstraint(
                    fields=["organization", "fiscal_year", "reference"],
                    condition=Q(reverses__isnull=True, is_opening=False) & ~Q(reference=""),
                    name="payment_unique_reference",
                    violation_error_message=_("この支出命令番号はこの年度にすでに登録されています。"),
                ),
            ),
        ]
        indexes = [models.Index(fields=["contract", "fiscal_year"], name="payment_contract_fy")]

    def __str__(self) -> str:
        return f"{formats.date_format(self.paid_on)} {self.reference}".strip()
